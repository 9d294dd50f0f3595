"""`curate train`: the bundled trainer on a blend."""

from __future__ import annotations

from pathlib import Path

import click

from curation.cli.console import console, log
from curation.core.errors import UserError
from curation.train.launch import exit_launched_process, is_main_process, launched, run_torchrun


@click.command()
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
@click.option(
    "--nproc-per-node", type=click.IntRange(min=1), default=1, show_default=True,
    help="Data-parallel processes on this machine, one per GPU (NCCL) or CPU processes (gloo), started with torchrun.",
)
@click.pass_context
def train(ctx, blend_path, config_ref, overrides, steps, device, data_root, tokenizer_path, out, force, stop_at_step, nproc_per_node) -> None:
    """Train a Llama-architecture model (Salamandra's, scaled) on a blend, with Megatron's sampling.

    Under torchrun (RANK/WORLD_SIZE set) each process trains on its share of every global batch."""
    from curation.train.config import load_train_config

    if not Path(blend_path).is_file():  # before importing torch: a typo should fail fast
        raise UserError(f"{blend_path}: no such blend file")
    cfg = load_train_config(config_ref, [*overrides, *([f"train_steps={steps}"] if steps else [])])
    if nproc_per_node > 1:
        if launched():
            raise UserError("--nproc-per-node: this process was itself started by torchrun (RANK is set); drop the option")
        cfg.data.accumulation_steps(nproc_per_node)  # the one-line error here, not once per process
        status = run_torchrun(nproc_per_node, forwarded_options(ctx))
        if status:
            raise UserError(f"torchrun: the {nproc_per_node} training processes stopped with status {status} (their messages are above)")
        return
    try:
        from curation.train.loop import train as run_training
    except ImportError as e:
        raise UserError(f"curate train needs the 'train' extra (torch, transformers): pip install 'curation[train]' ({e})") from None
    r = run_training(blend_path, cfg, out=out, device=device, data_root=data_root, tokenizer=tokenizer_path, force=force, stop_at_step=stop_at_step, log=log)
    if is_main_process():
        speed = "; " + ", ".join(r.speed.parts()) if r.speed else ""
        console.print(f"trained to step {r.step}/{r.steps}{speed}: {r.model_dir or r.out}", highlight=False, markup=False)
    if launched():
        exit_launched_process()


def forwarded_options(ctx: click.Context) -> list[str]:
    """This command's options as given, for the processes torchrun starts (all but --nproc-per-node)."""
    args: list[str] = []
    for param in ctx.command.params:
        value = ctx.params[param.name]
        if not isinstance(param, click.Option) or param.name == "nproc_per_node" or value in (None, False, ()):
            continue
        flag = param.opts[0]
        if param.is_flag:
            args.append(flag)
        elif param.multiple:
            args += [x for v in value for x in (flag, str(v))]
        else:
            args += [flag, str(value)]
    return args
