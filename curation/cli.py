"""The `curate` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.table import Table

from curation.errors import RunFailed, UserError

# Off a terminal (CI logs, pipes) rich would wrap tables at 80 columns; give them room instead.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="curation")
def cli() -> None:
    """Curate multilingual pretraining corpora into weighted Megatron shards (the Salamandra pipeline)."""


# --- run -------------------------------------------------------------------------------------------


@cli.command()
@click.argument("pipeline", required=False, type=click.Path(dir_okay=False))
@click.option("--name", help="Run name (default: the pipeline's name).")
@click.option("--runs-dir", default="runs", show_default=True, type=click.Path(file_okay=False), help="Where run directories go.")
@click.option("--ray-address", help="Join an existing Ray cluster (e.g. 'auto' or 'ray://head:10001'); default: start Ray locally.")
@click.option("--num-cpus", type=click.IntRange(min=1), help="CPUs for a local Ray (default: all).")
@click.option("--force", is_flag=True, help="Delete the run directory and start over instead of resuming.")
def run(pipeline: str | None, name: str | None, runs_dir: str, ray_address: str | None, num_cpus: int | None, force: bool) -> None:
    """Run a pipeline (no argument: the bundled demo). Resumes an interrupted run by default."""
    from curation.runner import run_pipeline

    result = run_pipeline(pipeline, name=name, runs_dir=runs_dir, ray_address=ray_address, num_cpus=num_cpus, force=force, log=lambda m: err.print(m, highlight=False))
    _print_funnel(result.stage_stats, result.stage_order)
    _print_reconciliation(result.reconciliation)
    if not result.reconciliation["ok"]:
        raise RunFailed("reconciliation failed: some input records are neither kept, rejected nor quarantined (see stats/reconciliation.json)")
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


# --- sources ---------------------------------------------------------------------------------------


@cli.group()
def sources() -> None:
    """Inspect and validate source manifests."""


@sources.command("list")
@click.option("--manifest", type=click.Path(dir_okay=False), help="A sources.yaml (default: the bundled one).")
def sources_list(manifest: str | None) -> None:
    """Table of sources: name, languages, licence, domain, format, found locally or not."""
    from curation.manifest import bundled_manifest_path, load_manifest, resolve_location
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
    from curation.manifest import bundled_manifest_path, load_manifest
    from curation.yamlfile import read_yaml

    path = Path(file) if file else bundled_manifest_path()
    data, _ = read_yaml(path)
    if isinstance(data, dict) and "name" in data:
        from curation.pipeline import load_pipeline

        rp = load_pipeline(path)
        console.print(f"{path}: pipeline '{rp.pipeline.name}' OK ({len(rp.sources)} sources)")
    else:
        m = load_manifest(path)
        console.print(f"{path}: {len(m.sources)} sources OK")


@sources.command("show")
@click.argument("name")
@click.option("--manifest", type=click.Path(dir_okay=False), help="A sources.yaml (default: the bundled one).")
def sources_show(name: str, manifest: str | None) -> None:
    """Print one source entry (by id or name)."""
    from curation.manifest import load_manifest

    m = load_manifest(manifest)
    src = m.get(name) or next((s for s in m.sources if s.name.lower() == name.lower()), None)
    if src is None:
        raise UserError(f"no source '{name}' (try `curate sources list`)")
    console.print(yaml.safe_dump(src.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True, width=110), highlight=False)


# --- bench -----------------------------------------------------------------------------------------


def _bench_choices() -> list[str]:
    from curation.bench import available

    return available()


@cli.command()
@click.argument("stage", required=False, type=click.Choice(_bench_choices()))
@click.option("--repeat", default=3, show_default=True, type=click.IntRange(min=1), help="Timed repetitions (best is kept).")
def bench(stage: str | None, repeat: int) -> None:
    """Throughput of a stage next to the reference implementation, measured in the same run.
    No STAGE: every benchmark in turn."""
    from curation.bench import available, run_bench

    for name in [stage] if stage else available():
        run_bench(name, repeat=repeat, console=console)


def _eval_choices() -> list[str]:
    from curation.evals import available

    return available()


@cli.command("eval")
@click.argument("name", type=click.Choice(_eval_choices()))
def eval_(name: str) -> None:
    """Accuracy of a stage against ground truth (e.g. language ID, dedup), printed as tables."""
    from curation.evals import run_eval

    run_eval(name, console)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except UserError as e:
        for line in str(e).splitlines():
            print(f"error: {line}", file=sys.stderr)
        sys.exit(e.exit_code)
    except RunFailed as e:
        print(f"run failed: {e}", file=sys.stderr)
        sys.exit(e.exit_code)


if __name__ == "__main__":
    main()
