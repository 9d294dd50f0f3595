"""`curate run`: the whole pipeline, then what it did (also when it failed) and what to do next."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from curation.cli.console import console, log
from curation.cli.tables import FORMATS, Column, decimals, show, to_csv, to_json
from curation.core.errors import RunFailed
from curation.core.rundir import RunDir
from curation.reports.summary import RunSummary, summarize

STAGE_COLUMNS = [
    Column("stage", whole=True),
    Column("in", number=True),
    Column("dropped", number=True),
    Column("out", number=True),
    Column("mb_out", "MB out", number=True, fmt=decimals(2), drop=2),
    Column("top_reasons", "top drop reasons", drop=1),
]
SOURCE_COLUMNS = [
    Column("source", whole=True),
    *(Column(k, number=True) for k in ("records", "kept", "rejected", "quarantined")),
    Column("top_drop", "most dropped by", drop=2),
    Column("ok", "reconciled", fmt=lambda ok: "yes" if ok else "NO", drop=1),
]


@click.command()
@click.argument("pipeline", required=False, type=click.Path(dir_okay=False))
@click.option("--name", help="Run name (default: the pipeline's name).")
@click.option("--runs-dir", default="runs", show_default=True, type=click.Path(file_okay=False), help="Where run directories go (a local or shared file system).")
@click.option("--ray-address", help="Join an existing Ray cluster (e.g. 'auto' or 'ray://head:10001'); default: start Ray locally.")
@click.option("--num-cpus", type=click.IntRange(min=1), help="CPUs for a local Ray (default: all).")
@click.option("--force", is_flag=True, help="Delete the run directory and start over instead of resuming.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="The summary printed at the end: tables, outputs and next commands; csv: one row per source with "
                   "its drops per stage (and a total row); json: all of it.")
@click.option("--frozen", is_flag=True, help="Refuse to run if any input file changed, appeared or disappeared since the last run.")
@click.option("--hash-inputs", is_flag=True, help="Identify input files by a sha256 of their content (read in full) instead of size and mtime.")
@click.option("--break-lock", is_flag=True, help="Take the run directory's lock even if another command (e.g. on another host) holds it.")
def run(pipeline: str | None, name: str | None, runs_dir: str, ray_address: str | None, num_cpus: int | None, force: bool, fmt: str,
        frozen: bool, hash_inputs: bool, break_lock: bool) -> None:
    """Run a pipeline (no argument: the bundled demo). Resumes an interrupted run by default.

    At the end, finished or not: documents per stage, kept/rejected/quarantined per source, warnings,
    where the outputs are and the commands to look at them."""
    from curation.runner import run_pipeline

    # stdout carries the summary alone (scripts parse --format csv/json): whatever else is printed from
    # here to the process's exit (Ray forwards the workers' output, and flushes more at shutdown) goes
    # to stderr with the progress lines.
    out = Console(file=sys.stdout, width=console.width)
    sys.stdout = sys.stderr
    started: list[RunDir] = []
    try:
        result = run_pipeline(pipeline, name=name, runs_dir=runs_dir, ray_address=ray_address, num_cpus=num_cpus, force=force,
                              frozen=frozen, hash_inputs=hash_inputs, break_lock=break_lock, log=log, on_run_dir=started.append)
    except BaseException:  # a failed or interrupted run still says what it did, then the error follows
        if started:
            try:
                print_summary(summarize(started[0].root), fmt, out)
            except Exception as e:  # noqa: BLE001 -- the run's own error matters more than its summary's
                log(f"(no summary: {type(e).__name__}: {e})")
        raise
    print_summary(summarize(result.run.root), fmt, out)
    if not result.reconciliation["ok"]:
        problems = "".join(f"\n{p}" for p in result.reconciliation.get("problems", []))
        raise RunFailed("reconciliation failed: some input records are neither kept, rejected nor quarantined (see stats/reconciliation.json)" + problems)


def print_summary(s: RunSummary, fmt: str = "table", console: Console = console) -> None:
    if fmt == "json":
        console.file.write(to_json(s.to_json()) + "\n")
        return
    if fmt == "csv":
        drops = [Column(k, number=True) for k in s.total if k.startswith("dropped_")]
        console.file.write(to_csv([*s.sources, s.total], [*SOURCE_COLUMNS[:5], Column("accounted"), *drops, Column("ok")]))
        return
    show(console, fmt, s.stages, STAGE_COLUMNS, title="documents per stage (all sources)")
    show(console, fmt, [*s.sources, s.total], SOURCE_COLUMNS, title="per source: every record kept, rejected or quarantined", bold_last=True)
    if s.parts[0] < s.parts[1]:
        console.print(f"{s.parts[0]:,} of {s.parts[1]:,} parts finished; the counts above are theirs.", highlight=False)
    # Paths and commands are never wrapped (soft_wrap), so that they can be copied whole.
    for w in s.warnings:
        console.print(f"[yellow]warning:[/yellow] {_plain(w)}", highlight=False, soft_wrap=True)
    console.print("[bold]outputs[/bold]")
    width = max(len(path) for _, path in s.outputs)
    for what, path in s.outputs:
        console.print(f"  {_plain(path):<{width}}  [dim]{_plain(what)}[/dim]", highlight=False, soft_wrap=True)
    console.print("[bold]next[/bold]")
    width = max(len(cmd) for cmd, _ in s.next_steps)
    for cmd, why in s.next_steps:
        console.print(f"  {_plain(cmd):<{width}}  [dim]# {_plain(why)}[/dim]", highlight=False, soft_wrap=True)
    verdict = {"complete": "[green]run complete[/green]", "failed": "[red]run failed[/red]", "unfinished": "[yellow]run unfinished[/yellow]"}[s.status]
    console.print(f"{verdict}: {_plain(str(s.root))}", highlight=False, soft_wrap=True)


def _plain(text: str) -> str:
    """Text shown as is (paths and reasons may contain [brackets], which rich reads as markup)."""
    return text.replace("[", "\\[")


