"""`curate datasheet`: the Gebru et al. (2021) datasheet of a run."""

from __future__ import annotations

import click

from curation.cli.console import console, warn


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
        warn(problem)
    console.print(f"datasheet: {sheet.markdown}\nhtml: {sheet.html}", highlight=False, markup=False)
