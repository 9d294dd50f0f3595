"""`curate mix`: a mixture recipe applied to a run's shards -> blend files."""

from __future__ import annotations

from pathlib import Path

import click

from curation.cli.console import console
from curation.cli.tables import Column, decimals, render_table

BLEND_COLUMNS = [
    Column("shard"),
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
@click.option("--root", help="Write shard prefixes relative to this root (e.g. /data/shards) instead of absolute paths; '' for bare relative paths.")
def mix(run_dir: str, mixture_ref: str, root: str | None) -> None:
    """Blend a run's shards under a mixture recipe: weights, epochs, Megatron and NeMo blend files."""
    from curation.phases.mix import mix_run, resolve_mixture

    result = mix_run(Path(run_dir), resolve_mixture(mixture_ref), root)
    rows = [{"shard": e.shard.name, "tokens": e.shard.tokens, "factor": e.factor, "weight": e.weight, "epochs": e.epochs} for e in result["blend"]["train"]]
    render_table(console, rows, BLEND_COLUMNS, title=f"mixture {result['mixture']}: train blend")
    for key in ("languages", "sources"):
        rows = [{key[:-1]: name, **v} for name, v in result[key].items()]
        render_table(console, rows, share_columns(key[:-1]), title=f"{key[:-1]} shares of the train blend (%)")
    for kind, path in result["files"].items():
        console.print(f"{kind}: {path}", highlight=False, markup=False)
