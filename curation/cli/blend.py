"""`curate mix`, `curate audit` and `curate datasheet`: what a finished run is made into and reported as."""

from __future__ import annotations

import json
from pathlib import Path

import click

from curation.cli.console import console, err, log, warn
from curation.cli.tables import FORMATS, Column, decimals, render_table, show, to_json
from curation.core.errors import RunFailed
from curation.core.runlock import RunLock

BLEND_COLUMNS = [
    Column("shard", whole=True),
    Column("tokens", number=True),
    Column("factor", number=True, fmt=lambda v: f"{v:g}"),
    Column("weight", number=True, fmt=decimals(6)),
    Column("epochs", number=True, fmt=decimals(3)),
]


def share_columns(key: str) -> list[Column]:
    return [Column(key), Column("tokens", number=True, fmt=lambda v: f"{int(v):,}"),
            Column("raw_share", "before resampling", number=True, fmt=decimals(3)), Column("share", "after resampling", number=True, fmt=decimals(3))]


@click.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--mixture", "mixture_ref", required=True, help="A mixtures/*.yaml file, or a bundled recipe's name (e.g. salamandra-2.68T).")
@click.option("--root", help="Write shard prefixes under this root (e.g. /data/shards) instead of absolute paths; '' for bare relative paths. "
              "The blend gets a name of its own (RUN/blend/<mixture>.under-<root>.*): the run's blend is never overwritten.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write the blend files in this folder instead of RUN/blend/.")
@click.option("--max-epochs", type=click.FloatRange(min=0, min_open=True), help="Warn about train shards repeated more often than this (default: the recipe's max_epochs, 16).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="csv: the train blend; json: every split, shares, files and warnings.")
def mix(run_dir: str, mixture_ref: str, root: str | None, out: Path | None, max_epochs: float | None, fmt: str) -> None:
    """Blend a run's shards under a mixture recipe: weights, epochs, Megatron and NeMo blend files."""
    from curation.phases.mix import mix_run, resolve_mixture

    with RunLock(Path(run_dir), "curate mix", create=False, log=log):  # it writes the run's blend
        result = mix_run(Path(run_dir), resolve_mixture(mixture_ref), root, out, max_epochs)
    for w in result["warnings"]:
        warn(w)
    train = [_blend_row(e) for e in result["blend"]["train"]]
    if fmt == "json":
        console.file.write(to_json({
            "mixture": result["mixture"], "files": result["files"], "max_epochs": result["max_epochs"], "warnings": result["warnings"],
            "splits": {split: [_blend_row(e) for e in entries] for split, entries in result["blend"].items()},
            "languages": result["languages"], "sources": result["sources"],
        }) + "\n")
        return
    show(console, fmt, train, BLEND_COLUMNS, title=f"mixture {result['mixture']}: train blend")
    if fmt == "csv":
        return
    for key in ("languages", "sources"):
        rows = [{key[:-1]: name, **v} for name, v in result[key].items()]
        render_table(console, rows, share_columns(key[:-1]), title=f"{key[:-1]} shares of the train blend (%)")
    for kind, path in result["files"].items():
        console.print(f"{kind}: {path}", highlight=False, markup=False, soft_wrap=True)


def _blend_row(e) -> dict:
    return {"shard": e.shard.name, "language": e.shard.language, "source": e.shard.source, "tokens": e.shard.tokens,
            "factor": e.factor, "weight": e.weight, "epochs": e.epochs}


# Published shares are context, not the audit: they go first when the terminal is narrow.
_DROP = {"valid_tokens": 2, "test_tokens": 2, "delta_vs_target": 1, "salamandra_alia_40b": 3, "salamandra_datasheet": 4}


def audit_columns(keys: list[str]) -> list[Column]:
    return [Column(k) if k == "language" else Column(k, number=True, drop=_DROP.get(k, 0)) for k in keys]


@click.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--mixture", "mixture_ref", help="Show shares after this recipe's resampling, next to its targets.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="PNG bar chart (default RUN/audit/languages.png).")
@click.option("--checksums", is_flag=True, help="Also verify every shard's sha256 against the manifest (reads all bytes); prints a verdict line.")
@click.option("--no-write", is_flag=True, help="Only print: write nothing under RUN/audit/ (e.g. a read-only run directory).")
def audit(run_dir: str, mixture_ref: str | None, fmt: str, plot_path: str | None, checksums: bool, no_write: bool) -> None:
    """Per-language and per-source token counts read from the .idx files, cross-checked and compared.

    Writes RUN/audit/audit.csv, audit.json and languages.png (the run directory's audit/, named on
    stderr) unless --no-write; prints the table, or the CSV or JSON, on stdout."""
    from curation.core.rundir import RunDir, write_atomic, write_json
    from curation.reports import audit as aud

    run = Path(run_dir)
    result = aud.audit_run(run, aud.load_mixture_ref(mixture_ref), verify_checksums=checksums)
    if not no_write:
        out = RunDir(run).audit
        png = Path(plot_path) if plot_path else out / "languages.png"
        write_atomic(out / "audit.csv", aud.to_csv(result))
        write_json(out / "audit.json", aud.to_json(result))
        aud.plot(result, png)
        log(f"audit: wrote {out / 'audit.csv'}, {out / 'audit.json'} and {png}")
    elif plot_path:
        aud.plot(result, Path(plot_path))
        log(f"audit: wrote {plot_path}")
    verdict = aud.checksum_verdict(result)
    if fmt == "json":
        console.file.write(json.dumps(aud.to_json(result), indent=1) + "\n")
    elif fmt == "csv":
        console.file.write(aud.to_csv(result))
    else:
        keys = list(result.rows[0]) if result.rows else ["language"]
        rows = [*result.rows, result.total] if result.rows else []
        show(console, fmt, rows, audit_columns(keys), title=f"token audit of {run}" + (f" under {result.mixture}" if result.mixture else ""), bold_last=True)
    if verdict:  # on stdout with the table; on stderr when stdout carries CSV or JSON
        (console if fmt == "table" else err).print(verdict, highlight=False, markup=False, soft_wrap=True)
    if not result.ok:
        raise RunFailed("audit failed:\n" + "\n".join(result.problems))


@click.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default RUN/datasheet).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Datasheet answers no run can know (default: the bundled datasheet/datasheet.yaml).")
@click.option("--template", "template_path", type=click.Path(dir_okay=False), help="Jinja2 template (default: the bundled datasheet/DATASHEET.md.j2).")
def datasheet(run_dir: str, out: str | None, config_path: str | None, template_path: str | None) -> None:
    """Gebru et al. (2021) datasheet of a run: DATASHEET.md, figures and a self-contained DATASHEET.html."""
    from curation.reports.datasheet import write_datasheet

    sheet = write_datasheet(run_dir, out, config_path, template_path)
    for problem in sheet.facts["problems"]:
        warn(problem)
    console.print(f"datasheet: {sheet.markdown}\nhtml: {sheet.html}", highlight=False, markup=False)
