"""`curate bench` and `curate eval`: speed next to reference implementations, accuracy against ground truth."""

from __future__ import annotations

import click

from curation.cli.console import console


def _bench_choices() -> list[str]:
    from curation.bench import available

    return available()


@click.command()
@click.argument("stage", required=False, type=click.Choice(_bench_choices()))
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(min=1), help="Timed repetitions (best is kept).")
@click.option("--input", "input_", default=None, help="Data for the benchmarks that take it (extract, warc): a .warc/.warc.gz or a folder of HTML pages.")
def bench(stage: str | None, repeat: int, input_: str | None) -> None:
    """Throughput of a stage next to the reference implementation, measured in the same run.
    No STAGE: every benchmark in turn."""
    from curation.bench import available, run_bench

    for name in [stage] if stage else available():
        run_bench(name, repeat=repeat, console=console, input=input_)


def _eval_choices() -> list[str]:
    from curation.evals import available

    return available()


@click.command("eval")
@click.argument("name", type=click.Choice(_eval_choices()))
def eval_(name: str) -> None:
    """Accuracy of a stage against ground truth (e.g. language ID, dedup), printed as tables."""
    from curation.evals import run_eval

    run_eval(name, console)
