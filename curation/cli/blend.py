"""`curate mix`, `curate audit` and `curate datasheet`: what a finished run is made into and reported as."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from curation.cli.console import console, err
from curation.core.errors import RunFailed


@click.command()
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


@click.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--mixture", "mixture_ref", help="Show shares after this recipe's resampling, next to its targets.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="PNG bar chart (default RUN/audit/languages.png).")
@click.option("--checksums", is_flag=True, help="Also verify every shard's sha256 against the manifest (reads all bytes).")
def audit(run_dir: str, mixture_ref: str | None, fmt: str, plot_path: str | None, checksums: bool) -> None:
    """Per-language and per-source token counts read from the .idx files, cross-checked and compared."""
    import json as _json

    from curation.core.rundir import write_atomic, write_json
    from curation.reports import audit as aud

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


@click.command()
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
