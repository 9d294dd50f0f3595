"""`curate datasheet RUN`: the Gebru et al. (2021) datasheet of a run, from the run itself.

    facts.collect(RUN)              every number and fact, from run.json, stats/, shards, tokenizer, blend, audit
    figures.draw(facts)             language distribution, tokens per source, filtering funnel (PNG)
    render.render_markdown(...)     datasheet/DATASHEET.md.j2 + datasheet/datasheet.yaml -> DATASHEET.md
    render.render_html(...)         DATASHEET.html, one file with the figures embedded

Outputs go to RUN/datasheet/ (or --out): DATASHEET.md, figures/*.png (which the Markdown links) and
DATASHEET.html, each written under a temporary name and renamed. The same run gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.core.rundir import RunDir, write_atomic
from curation.reports.datasheet.config import load_config
from curation.reports.datasheet.facts import collect
from curation.reports.datasheet.figures import draw
from curation.reports.datasheet.render import FIGURE_DIR, render_html, render_markdown


@dataclass
class Datasheet:
    markdown: Path
    html: Path
    figures: list[Path]
    facts: dict[str, Any]


def write_datasheet(run_dir: str | Path, out: str | Path | None = None, config: str | Path | None = None, template: str | Path | None = None) -> Datasheet:
    run_dir = Path(run_dir)
    out = Path(out) if out else RunDir(run_dir).datasheet
    cfg, config_name = load_config(config)
    facts = collect(run_dir)
    text, used = render_markdown(facts, cfg, config_name, Path(template) if template else None)
    pngs = draw(facts)
    figure_paths = []
    for name, png in pngs.items():
        path = out / FIGURE_DIR / f"{name}.png"
        write_atomic(path, png)
        figure_paths.append(path)
    md_path, html_path = out / "DATASHEET.md", out / "DATASHEET.html"
    title = f"Datasheet: {cfg.title}" if cfg.title else f"Datasheet: the {facts['run']['name']} run"
    write_atomic(md_path, text)
    write_atomic(html_path, render_html(text, {n: pngs[n] for n in used}, title))
    return Datasheet(md_path, html_path, figure_paths, facts)


__all__ = ["Datasheet", "write_datasheet"]
