"""`curate run`: the whole pipeline, and the tables it prints at the end."""

from __future__ import annotations

import click
from rich.table import Table

from curation.cli.console import console, err
from curation.core.errors import RunFailed


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
                          frozen=frozen, hash_inputs=hash_inputs, break_lock=break_lock, log=lambda m: err.print(m, highlight=False))
    _print_funnel(result.stage_stats, result.stage_order)
    _print_reconciliation(result.reconciliation)
    if not result.reconciliation["ok"]:
        problems = "".join(f"\n{p}" for p in result.reconciliation.get("problems", []))
        raise RunFailed("reconciliation failed: some input records are neither kept, rejected nor quarantined (see stats/reconciliation.json)" + problems)
    console.print(f"run complete: {result.run.root}")


def _print_funnel(stage_stats: dict, order: list[str]) -> None:
    table = Table(title="documents per stage (all sources)", title_justify="left")
    table.add_column("stage")
    for col in ("in", "dropped", "out", "MB out", "top drop reasons"):
        table.add_column(col, justify="right" if col != "top drop reasons" else "left")
    for stage in ["read", *order]:
        srcs = stage_stats.get(stage, {})
        docs_in = docs_out = bytes_out = 0
        reasons: dict[str, int] = {}
        for langs in srcs.values():
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
        table.add_row(stage, str(docs_in), str(dropped), str(docs_out), f"{bytes_out / 1e6:.2f}", top)
    console.print(table)


def _print_reconciliation(report: dict) -> None:
    table = Table(title="reconciliation: every input record kept, rejected or quarantined", title_justify="left")
    for col in ("source", "records", "kept", "rejected", "quarantined", "accounted", "ok"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for src, r in report["sources"].items():
        table.add_row(src, *(str(r[k]) for k in ("records", "kept", "rejected", "quarantined", "accounted")), "yes" if r["ok"] else "[red]NO[/red]")
    t = report["total"]
    table.add_row("total", *(str(t[k]) for k in ("records", "kept", "rejected", "quarantined", "accounted")), "yes" if report["ok"] else "[red]NO[/red]", style="bold")
    console.print(table)
