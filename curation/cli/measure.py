"""`curate bench` and `curate eval`: speed next to the reference implementations, accuracy against truth."""

from __future__ import annotations

import click

from curation.bench import available as benchmarks
from curation.bench import run_bench
from curation.cli.console import console
from curation.evals import available as evaluations
from curation.evals import run_eval


@click.command()
@click.argument("stage", required=False, type=click.Choice(benchmarks()))
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(min=1), help="Timed repetitions (best is kept).")
@click.option("--input", "input_", default=None, help="Data for the benchmarks that take it (extract, warc): a .warc/.warc.gz or a folder of HTML pages.")
def bench(stage: str | None, repeat: int, input_: str | None) -> None:
    """Throughput of a stage next to the reference implementation, measured in the same run.
    No STAGE: every benchmark in turn."""
    for name in [stage] if stage else benchmarks():
        run_bench(name, repeat=repeat, console=console, input=input_)


@click.command("eval")
@click.argument("name", type=click.Choice(evaluations()))
def eval_(name: str) -> None:
    """Accuracy of a stage against ground truth (e.g. language ID, dedup), printed as tables."""
    run_eval(name, console)
