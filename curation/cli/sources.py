"""`curate sources list | validate | show`."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from rich.table import Table

from curation.cli.console import console
from curation.core.errors import UserError


@click.group()
def sources() -> None:
    """Inspect and validate source manifests."""


@sources.command("list")
@click.option("--manifest", type=click.Path(dir_okay=False), help="A sources.yaml (default: the bundled one).")
def sources_list(manifest: str | None) -> None:
    """Table of sources: name, languages, licence, domain, format, found locally or not."""
    from curation.config.manifest import (
        bundled_manifest_path,
        load_manifest,
        resolve_location,
    )
    from curation.readers.parts import found_locally

    path = Path(manifest) if manifest else bundled_manifest_path()
    m = load_manifest(path)
    table = Table(title=f"{len(m.sources)} sources in {path}", title_justify="left")
    for col in ("id", "name", "languages", "licence", "domain", "format", "found"):
        table.add_column(col, no_wrap=True, overflow="ellipsis", max_width=44 if col in ("name", "licence") else None)
    for s in m.sources:
        langs = " ".join(s.languages) if len(s.languages) <= 6 else f"{' '.join(s.languages[:5])} +{len(s.languages) - 5}"
        table.add_row(s.id, s.name, langs, s.licence, s.domain, s.format, found_locally(resolve_location(s.location, path.parent)))
    console.print(table)


@sources.command("validate")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def sources_validate(file: str | None) -> None:
    """Validate a sources.yaml, or a pipeline file (default: the bundled sources.yaml)."""
    from curation.config.manifest import bundled_manifest_path, load_manifest
    from curation.core.yamlfile import read_yaml

    path = Path(file) if file else bundled_manifest_path()
    data, _ = read_yaml(path)
    if isinstance(data, dict) and "name" in data:
        from curation.config.pipeline import load_pipeline

        from curation.runner import preflight

        rp = load_pipeline(path)
        parts = preflight(rp)  # every location matches files, the mixture loads: what `curate run` checks first
        console.print(f"{path}: pipeline '{rp.pipeline.name}' OK ({len(rp.sources)} sources, {len(parts)} parts)")
    else:
        m = load_manifest(path)
        console.print(f"{path}: {len(m.sources)} sources OK")


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
    console.print(yaml.safe_dump(src.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True, width=110), highlight=False)
