"""`curate sources list | validate | show`: the source manifest."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from curation.cli.console import console
from curation.cli.tables import FORMATS, Column, show
from curation.core.errors import UserError

SOURCE_COLUMNS = [
    Column("id", whole=True),
    Column("name", drop=4),
    Column("languages", whole=True),
    Column("licence", drop=3),
    Column("domain", whole=True, drop=2),
    Column("format", whole=True, drop=1),
    Column("found", whole=True, drop=1),
]


@click.group()
def sources() -> None:
    """Inspect and validate source manifests."""


@sources.command("list")
@click.option("--manifest", type=click.Path(dir_okay=False), help="A sources.yaml (default: the bundled one).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def sources_list(manifest: str | None, fmt: str) -> None:
    """Table of sources: id, name, languages, licence, domain, format, found locally or not."""
    from curation.config.manifest import (
        bundled_manifest_path,
        load_manifest,
        resolve_location,
    )
    from curation.readers.parts import found_locally

    path = Path(manifest) if manifest else bundled_manifest_path()
    m = load_manifest(path)
    rows = []
    for s in m.sources:
        langs = list(s.languages)
        if fmt == "table" and len(langs) > 6:  # the table shows the first few; csv/json all of them
            langs = [*langs[:5], f"+{len(langs) - 5}"]
        rows.append({"id": s.id, "name": s.name, "languages": langs, "licence": s.licence, "domain": s.domain,
                     "format": s.format, "found": found_locally(resolve_location(s.location, path.parent))})
    show(console, fmt, rows, SOURCE_COLUMNS, title=f"{len(m.sources)} sources in {path}")


@sources.command("validate")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def sources_validate(file: str | None) -> None:
    """Validate a sources.yaml, or a pipeline file (default: the bundled sources.yaml)."""
    from curation.config.manifest import bundled_manifest_path, is_remote, load_manifest
    from curation.config.pipeline import load_pipeline
    from curation.core.yamlfile import read_yaml

    path = Path(file) if file else bundled_manifest_path()
    data, _ = read_yaml(path)
    if isinstance(data, dict) and "name" in data:
        from curation.runner import preflight

        rp = load_pipeline(path)
        parts = preflight(rp, list_remote=False)  # local locations match files, the mixture loads: what `curate run` checks first
        remote = sum(1 for s in rp.sources if is_remote(s.location))
        unlisted = f"; {remote} object-store location(s) not listed" if remote else ""
        console.print(f"{path}: pipeline '{rp.pipeline.name}' OK ({len(rp.sources)} sources, {len(parts)} parts{unlisted})", highlight=False)
    else:
        m = load_manifest(path)
        console.print(f"{path}: {len(m.sources)} sources OK", highlight=False)


@sources.command("show")
@click.argument("name")
@click.option("--manifest", type=click.Path(dir_okay=False), help="A sources.yaml (default: the bundled one).")
def sources_show(name: str, manifest: str | None) -> None:
    """Print one source entry (by id or name)."""
    from curation.config.manifest import load_manifest

    m = load_manifest(manifest)
    src = m.get(name) or next((s for s in m.sources if s.name.lower() == name.lower()), None)
    if src is None:
        raise UserError(f"no source '{name}' (try `curate sources list`)")
    console.print(yaml.safe_dump(src.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True, width=110), highlight=False, markup=False)
