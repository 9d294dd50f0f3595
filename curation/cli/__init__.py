"""The `curate` command line: one module per command (group); this module assembles them and turns
errors into one line and an exit code.

To add a command: write `curation/cli/<name>.py` with a click command or group, and add it to COMMANDS.
"""

from __future__ import annotations

import sys

import click

from curation.cli import audit, bench, datasheet, mix, run, sources, tokenizer, train
from curation.cli.console import err
from curation.core.errors import RunFailed, UserError

COMMANDS: list[click.Command] = [
    run.run,
    sources.sources,
    tokenizer.tokenizer,
    mix.mix,
    audit.audit,
    datasheet.datasheet,
    train.train,
    bench.bench,
    bench.eval_,
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="curation")
def cli() -> None:
    """Curate multilingual pretraining corpora into weighted Megatron shards (the Salamandra pipeline)."""


for command in COMMANDS:
    cli.add_command(command)


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
