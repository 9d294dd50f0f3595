"""The `curate` command line."""

from __future__ import annotations

import sys

import click

from curation.cli import (
    blend,
    inspect,
    measure,
    quality,
    run,
    sources,
    tokenizer,
    train,
)
from curation.cli.console import err
from curation.core.errors import RunFailed, UserError, storage_error


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="curation")
def cli() -> None:
    """Curate multilingual pretraining corpora into weighted Megatron shards (the Salamandra pipeline)."""


# One module per command (group); each command is registered here, in help order.
cli.add_command(run.run)
cli.add_command(inspect.inspect)
cli.add_command(blend.mix)
cli.add_command(blend.audit)
cli.add_command(blend.datasheet)
cli.add_command(sources.sources)
cli.add_command(tokenizer.tokenizer)
cli.add_command(train.train)
cli.add_command(quality.quality)
cli.add_command(measure.bench)
cli.add_command(measure.eval_)


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
    except OSError as e:  # disk full, permission denied, ...: one line naming the path, no traceback
        message = storage_error(e)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        sys.exit(UserError.exit_code)


if __name__ == "__main__":
    main()
