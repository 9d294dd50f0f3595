"""`curate audit`: per-language and per-source token counts read back from the shards."""

from __future__ import annotations

import json
from pathlib import Path

import click

from curation.cli.console import console
from curation.cli.tables import Column, show
from curation.core.errors import RunFailed

# Published shares are context, not the audit: they go first when the terminal is narrow.
_DROP = {"valid_tokens": 2, "test_tokens": 2, "delta_vs_target": 1, "salamandra_alia_40b": 3, "salamandra_datasheet": 4}


def audit_columns(keys: list[str]) -> list[Column]:
    return [Column(k) if k == "language" else Column(k, number=True, drop=_DROP.get(k, 0)) for k in keys]


@click.command()
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, exists=True))
@click.option("--mixture", "mixture_ref", help="Show shares after this recipe's resampling, next to its targets.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="PNG bar chart (default RUN/audit/languages.png).")
@click.option("--checksums", is_flag=True, help="Also verify every shard's sha256 against the manifest (reads all bytes).")
def audit(run_dir: str, mixture_ref: str | None, fmt: str, plot_path: str | None, checksums: bool) -> None:
    """Per-language and per-source token counts read from the .idx files, cross-checked and compared."""
    from curation.core.rundir import write_atomic, write_json
    from curation.reports import audit as aud

    run = Path(run_dir)
    result = aud.audit_run(run, aud.load_mixture_ref(mixture_ref), verify_checksums=checksums)
    out = run / "audit"
    write_atomic(out / "audit.csv", aud.to_csv(result))
    write_json(out / "audit.json", aud.to_json(result))
    aud.plot(result, Path(plot_path) if plot_path else out / "languages.png")
    if fmt == "json":
        click.echo(json.dumps(aud.to_json(result), indent=1))
    elif fmt == "csv":
        click.echo(aud.to_csv(result), nl=False)
    else:
        keys = list(result.rows[0]) if result.rows else ["language"]
        show(console, fmt, result.rows, audit_columns(keys), title=f"token audit of {run}" + (f" under {result.mixture}" if result.mixture else ""))
    if not result.ok:
        raise RunFailed("audit failed:\n" + "\n".join(result.problems))
