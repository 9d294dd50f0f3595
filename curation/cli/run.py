"""`curate run`: the whole pipeline, then what it did."""

from __future__ import annotations

import click

from curation.cli.console import console, log
from curation.cli.tables import Column, render_table
from curation.core.errors import RunFailed

STAGE_COLUMNS = [
    Column("stage"),
    Column("in", number=True),
    Column("dropped", number=True),
    Column("out", number=True),
    Column("mb_out", "MB out", number=True, fmt=lambda v: f"{v:,.2f}", drop=2),
    Column("top_reasons", "top drop reasons", drop=1),
]
SOURCE_COLUMNS = [
    Column("source"),
    *(Column(k, number=True) for k in ("records", "kept", "rejected", "quarantined")),
    Column("accounted", number=True, drop=1),
    Column("ok", fmt=lambda ok: "yes" if ok else "NO"),
]


@click.command()
@click.argument("pipeline", required=False, type=click.Path(dir_okay=False))
@click.option("--name", help="Run name (default: the pipeline's name).")
@click.option("--runs-dir", default="runs", show_default=True, type=click.Path(file_okay=False), help="Where run directories go.")
@click.option("--ray-address", help="Join an existing Ray cluster (e.g. 'auto' or 'ray://head:10001'); default: start Ray locally.")
@click.option("--num-cpus", type=click.IntRange(min=1), help="CPUs for a local Ray (default: all).")
@click.option("--force", is_flag=True, help="Delete the run directory and start over instead of resuming.")
@click.option("--frozen", is_flag=True, help="Refuse to run if any input file changed, appeared or disappeared since the last run.")
@click.option("--hash-inputs", is_flag=True, help="Identify input files by a sha256 of their content (read in full) instead of size and mtime.")
@click.option("--break-lock", is_flag=True, help="Take the run directory's lock even if another command (e.g. on another host) holds it.")
def run(pipeline: str | None, name: str | None, runs_dir: str, ray_address: str | None, num_cpus: int | None, force: bool, frozen: bool, hash_inputs: bool, break_lock: bool) -> None:
    """Run a pipeline (no argument: the bundled demo). Resumes an interrupted run by default; input files
    that changed since the last run are redone, with everything after them."""
    from curation.runner import run_pipeline

    result = run_pipeline(pipeline, name=name, runs_dir=runs_dir, ray_address=ray_address, num_cpus=num_cpus, force=force,
                          frozen=frozen, hash_inputs=hash_inputs, break_lock=break_lock, log=log)
    render_table(console, _funnel(result.stage_stats, result.stage_order), STAGE_COLUMNS, title="documents per stage (all sources)")
    report = result.reconciliation
    rows = [{"source": src, **r} for src, r in report["sources"].items()] + [{"source": "total", **report["total"], "ok": report["ok"]}]
    render_table(console, rows, SOURCE_COLUMNS, title="reconciliation: every input record kept, rejected or quarantined", bold_last=True)
    if not report["ok"]:
        problems = "".join(f"\n{p}" for p in report.get("problems", []))
        raise RunFailed("reconciliation failed: some input records are neither kept, rejected nor quarantined (see stats/reconciliation.json)" + problems)
    console.print(f"run complete: {result.run.root}", highlight=False, markup=False)


def _funnel(stage_stats: dict, order: list[str]) -> list[dict]:
    rows = []
    for stage in ["read", *order]:
        docs_in = docs_out = bytes_out = 0
        reasons: dict[str, int] = {}
        for langs in stage_stats.get(stage, {}).values():
            for cell in langs.values():
                docs_in += cell["docs_in"]
                docs_out += cell["docs_out"]
                bytes_out += cell["bytes_out"]
                for r, n in cell["dropped"].items():
                    reasons[r] = reasons.get(r, 0) + n
        dropped = sum(reasons.values())
        if stage == "read":
            docs_in = docs_out + dropped
        top = ", ".join(f"{r} {n}" for r, n in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))[:3])
        rows.append({"stage": stage, "in": docs_in, "dropped": dropped, "out": docs_out, "mb_out": bytes_out / 1e6, "top_reasons": top})
    return rows
