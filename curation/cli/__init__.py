"""The `curate` command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.table import Table

from curation.core.errors import RunFailed, UserError

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


# --- mix / audit ---------------------------------------------------------------------------------


@cli.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--mixture", "mixture_ref", required=True, help="A mixtures/*.yaml file, or a bundled recipe's name (e.g. salamandra-2.68T).")
@click.option("--root", help="Write shard prefixes relative to this root (e.g. /data/shards) instead of absolute paths; '' for bare relative paths.")
def mix(run_dir: str, mixture_ref: str, root: str | None) -> None:
    """Blend a run's shards under a mixture recipe: weights, epochs, Megatron and NeMo blend files."""
    from curation.phases.mix import mix_run, resolve_mixture

    result = mix_run(Path(run_dir), resolve_mixture(mixture_ref), root)
    table = Table(title=f"mixture {result['mixture']}: train blend", title_justify="left")
    for col in ("shard", "tokens", "factor", "weight", "epochs"):
        table.add_column(col, justify="left" if col == "shard" else "right")
    for e in result["blend"]["train"]:
        table.add_row(e.shard.name, f"{e.shard.tokens:,}", f"{e.factor:g}", f"{e.weight:.6f}", f"{e.epochs:.3f}")
    console.print(table)
    for key in ("languages", "sources"):
        t = Table(title=f"{key[:-1]} shares of the train blend (%)", title_justify="left")
        for col in (key[:-1], "tokens", "before resampling", "after resampling"):
            t.add_column(col, justify="left" if col == key[:-1] else "right")
        for name, v in result[key].items():
            t.add_row(name, f"{int(v['tokens']):,}", f"{v['raw_share']:.3f}", f"{v['share']:.3f}")
        console.print(t)
    for kind, path in result["files"].items():
        console.print(f"{kind}: {path}")


@cli.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--mixture", "mixture_ref", help="Show shares after this recipe's resampling, next to its targets.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="PNG bar chart (default RUN/audit/languages.png).")
@click.option("--checksums", is_flag=True, help="Also verify every shard's sha256 against the manifest (reads all bytes).")
def audit(run_dir: str, mixture_ref: str | None, fmt: str, plot_path: str | None, checksums: bool) -> None:
    """Per-language and per-source token counts read from the .idx files, cross-checked and compared."""
    import json as _json

    from curation.reports import audit as aud
    from curation.core.rundir import write_atomic, write_json

    run = Path(run_dir)
    result = aud.audit_run(run, aud.load_mixture_ref(mixture_ref), verify_checksums=checksums)
    out = run / "audit"
    write_atomic(out / "audit.csv", aud.to_csv(result))
    write_json(out / "audit.json", aud.to_json(result))
    aud.plot(result, Path(plot_path) if plot_path else out / "languages.png")
    if fmt == "csv":
        click.echo(aud.to_csv(result), nl=False)
    elif fmt == "json":
        click.echo(_json.dumps(aud.to_json(result), indent=1))
    else:
        cols = list(result.rows[0]) if result.rows else []
        table = Table(title=f"token audit of {run}" + (f" under {result.mixture}" if result.mixture else ""), title_justify="left")
        for c in cols:
            table.add_column(c, justify="left" if c == "language" else "right")
        for r in result.rows:
            table.add_row(*("" if r[c] is None else f"{r[c]:,}" if isinstance(r[c], int) else str(r[c]) for c in cols))
        console.print(table)
    if not result.ok:
        raise RunFailed("audit failed:\n" + "\n".join(result.problems))


@cli.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default RUN/datasheet).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Datasheet answers no run can know (default: the bundled datasheet/datasheet.yaml).")
@click.option("--template", "template_path", type=click.Path(dir_okay=False), help="Jinja2 template (default: the bundled datasheet/DATASHEET.md.j2).")
def datasheet(run_dir: str, out: str | None, config_path: str | None, template_path: str | None) -> None:
    """Gebru et al. (2021) datasheet of a run: DATASHEET.md, figures and a self-contained DATASHEET.html."""
    from curation.reports.datasheet import write_datasheet

    sheet = write_datasheet(run_dir, out, config_path, template_path)
    for problem in sheet.facts["problems"]:
        err.print(f"warning: {problem}", highlight=False)
    console.print(f"datasheet: {sheet.markdown}\nhtml: {sheet.html}")


# --- sources ---------------------------------------------------------------------------------------


@cli.group()
def sources() -> None:
    """Inspect and validate source manifests."""


@sources.command("list")
@click.option("--manifest", type=click.Path(dir_okay=False), help="A sources.yaml (default: the bundled one).")
def sources_list(manifest: str | None) -> None:
    """Table of sources: name, languages, licence, domain, format, found locally or not."""
    from curation.config.manifest import bundled_manifest_path, load_manifest, resolve_location
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
    from curation.config.manifest import load_manifest

    m = load_manifest(manifest)
    src = m.get(name) or next((s for s in m.sources if s.name.lower() == name.lower()), None)
    if src is None:
        raise UserError(f"no source '{name}' (try `curate sources list`)")
    console.print(yaml.safe_dump(src.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True, width=110), highlight=False)


# --- tokenizer -------------------------------------------------------------------------------------


@cli.group()
def tokenizer() -> None:
    """The run's SentencePiece tokenizer (also made by `curate run` when the pipeline has `tokenizer:`)."""


@tokenizer.command("train")
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False))
@click.option("--vocab-size", type=click.IntRange(min=512), help="Pieces (default: the pipeline's, else 256000).")
@click.option("--alpha", type=click.FloatRange(0, 1), help="Language sampling exponent: 0 uniform (Salamandra), 1 as in the corpus.")
@click.option("--sample-bytes", type=click.IntRange(min=1), help="Bound on the training sample, in UTF-8 bytes.")
@click.option("--character-coverage", type=click.FloatRange(0, 1, min_open=True), help="SentencePiece character coverage.")
@click.option("--threads", type=click.IntRange(min=1), help="Training threads (default: all cores).")
@click.option("--model", type=click.Path(dir_okay=False), help="Take this SentencePiece .model (e.g. Salamandra's) instead of training.")
@click.option("--ray-address", help="Join an existing Ray cluster for the sampling passes.")
@click.option("--num-cpus", type=click.IntRange(min=1), help="CPUs for a local Ray (default: all).")
def tokenizer_train(run_dir: str, vocab_size, alpha, sample_bytes, character_coverage, threads, model, ray_address, num_cpus) -> None:
    """Train RUN's tokenizer on a language-balanced sample of its documents (or import --model); writes
    RUN/tokenizer/ (tokenizer.model, tokenizer.vocab, hf/ for transformers.AutoTokenizer)."""
    from curation.phases.tokenizer.standalone import train_for_run

    overrides = {"vocab_size": vocab_size, "alpha": alpha, "sample_bytes": sample_bytes, "character_coverage": character_coverage, "num_threads": threads}
    s = train_for_run(run_dir, overrides=overrides, model=model, ray_address=ray_address, num_cpus=num_cpus, log=lambda m: err.print(m, highlight=False))
    sample = f", sample {s['sample']['docs']} documents / {s['sample']['bytes'] / 1e6:.1f} MB" if s.get("sample") else ""
    console.print(f"tokenizer: {Path(run_dir) / s['model']} ({s['vocab_size']} pieces{sample}; sha256 {s['model_sha256'][:16]}); Hugging Face folder {Path(run_dir) / 'tokenizer' / 'hf'}")


# --- train -----------------------------------------------------------------------------------------


@cli.command()
@click.option("--blend", "blend_path", required=True, type=click.Path(dir_okay=False), help="RUN/blend/<mixture>.per-split.json (Megatron --per-split-data-args-path).")
@click.option("--config", "config_ref", help="A trainer preset (tiny, 150m, 1b) or a YAML file; default tiny.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config field, e.g. --set optim.lr=1e-3 (repeatable).")
@click.option("--steps", type=click.IntRange(min=1), help="Optimizer steps (default: the config's, else the mixture's token budget).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--data-root", type=click.Path(file_okay=False), help="Resolve relative shard prefixes of the blend against this folder.")
@click.option("--tokenizer", "tokenizer_path", type=click.Path(), help="Tokenizer folder or .model (default: RUN/tokenizer).")
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default RUN/train/<mixture>-<config>).")
@click.option("--force", is_flag=True, help="Start over instead of resuming from the newest checkpoint.")
@click.option("--stop-at-step", type=click.IntRange(min=1), help="Checkpoint and exit at this step (e.g. a job's time limit); rerun to resume.")
def train(blend_path, config_ref, overrides, steps, device, data_root, tokenizer_path, out, force, stop_at_step) -> None:
    """Train a Llama-architecture model (Salamandra's, scaled) on a blend, with Megatron's sampling."""
    from curation.train.config import load_train_config

    if not Path(blend_path).is_file():  # before importing torch: a typo should fail fast
        raise UserError(f"{blend_path}: no such blend file")
    cfg = load_train_config(config_ref, [*overrides, *([f"train_steps={steps}"] if steps else [])])
    try:
        from curation.train.loop import train as run_training
    except ImportError as e:
        raise UserError(f"curate train needs the 'train' extra (torch, transformers): pip install 'curation[train]' ({e})") from None
    r = run_training(blend_path, cfg, out=out, device=device, data_root=data_root, tokenizer=tokenizer_path, force=force, stop_at_step=stop_at_step, log=lambda m: err.print(m, highlight=False, markup=False, soft_wrap=True))
    speed = f"; {r.tokens_per_s:,.0f} tokens/s" + (f", MFU {100 * r.mfu:.1f}%" if r.mfu is not None else "") if r.tokens_per_s else ""
    console.print(f"trained to step {r.step}/{r.steps}{speed}: {r.model_dir or r.out}")


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
