"""The training loop of `curate train`, on one process or on W processes started by torchrun.

One optimizer step draws `global_batch_size` samples of the train blend in Megatron's order; each process
trains on its share of them (batch.py) as micro-batches under bf16 autocast (fp32 master weights), the
loss averaged over every token of the step (step.py); gradients are all-reduced (DDP) or reduce-scattered
(FSDP2) across processes (parallel.py), clipped at 1.0, and AdamW steps on NeMo's CosineAnnealing schedule
(optim.py).

Output folder (default RUN/train/<mixture>-<config>/), written by process 0:
    log.jsonl                one line per step (loss, lr, grad norm, tokens), per log window (tokens/s,
                             tokens/s per device, MFU) and per validation
    checkpoints/step-N/      model, optimizer, scheduler and the blend's global position (checkpoint.py);
                             `latest` names the newest
    model/                   the final `save_pretrained` model and the run's tokenizer
    summary.json             sizes, processes, FLOPs per token, peak FLOP/s assumed, throughput, MFU, losses
A rerun with the same blend and config resumes from the newest checkpoint, on any number of processes;
the samples it then sees are those of an uninterrupted run, and on the same number of processes so are
the losses it logs.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from curation.core.errors import UserError
from curation.core.rundir import RunDir, write_json
from curation.train.attention import verify_flash
from curation.train.batch import StepFeed, make_micro_batch, to_device
from curation.train.checkpoint import (
    fingerprint,
    full_model_state,
    latest_checkpoint,
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
)
from curation.train.config import TrainConfig
from curation.train.data import BlendedSamples, BlendItem, read_blend
from curation.train.distributed import World, init_world
from curation.train.evaluate import evaluate, validation_sets
from curation.train.meter import Meter, Speed
from curation.train.model import (
    autocast_dtype,
    build_model,
    flops_per_token,
    llama_config,
    peak_flops,
)
from curation.train.optim import make_optimizer, make_scheduler
from curation.train.outputs import Log, save_final
from curation.train.parallel import Parallel, parallelize
from curation.train.step import CausalLMLoss, train_step
from curation.train.tokenizer import Tokenizer, find_tokenizer, vocabulary


@dataclass
class TrainResult:
    out: Path
    steps: int  # total steps of the schedule
    step: int  # the step reached
    losses: dict[int, float] = field(default_factory=dict)  # this invocation's steps
    valid: dict[str, float] = field(default_factory=dict)
    speed: Speed | None = None  # over this invocation, first step left out
    model_dir: Path | None = None

    @property
    def tokens_per_s(self) -> float | None:
        return self.speed.tokens_per_s if self.speed else None

    @property
    def mfu(self) -> float | None:
        return self.speed.mfu if self.speed else None


@dataclass
class Plan:
    """What the run is: its blend, config, vocabulary, length and output folder."""

    blend_path: Path
    blend: dict[str, list[BlendItem]]
    cfg: TrainConfig  # with the tokenizer's EOD
    tok: Tokenizer | None
    vocab: int  # padded
    steps: int
    end: int  # the last step of this invocation (--stop-at-step)
    out: Path
    fingerprint: str


def steps_from_budget(blend_path: Path, tokens_per_step: int) -> int:
    weights = blend_path.with_name(blend_path.name.replace(".per-split.json", ".weights.json"))
    try:
        budget = float(json.loads(weights.read_text())["token_budget"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"train_steps is not set and {weights} has no token_budget: pass --steps or set train_steps") from None
    return max(1, math.ceil(budget / tokens_per_step))


def plan_run(blend_path: Path, cfg: TrainConfig, out: str | Path | None, data_root, tokenizer, stop_at_step: int | None) -> Plan:
    blend = read_blend(blend_path, data_root)
    if not blend["train"]:
        raise UserError(f"{blend_path}: the 'train' split is empty")
    rundir = RunDir(blend_path.resolve().parent.parent)  # the blend is RUN/blend/<mixture>.per-split.json
    tok = find_tokenizer(rundir, tokenizer)
    cfg, vocab = vocabulary(cfg, tok, rundir)
    d = cfg.data
    steps = cfg.train_steps or steps_from_budget(blend_path, d.global_batch_size * d.seq_length)
    if stop_at_step is not None and not 0 < stop_at_step <= steps:
        raise UserError(f"--stop-at-step {stop_at_step}: expected 1..{steps}")
    out = Path(out) if out is not None else rundir.train / f"{blend_path.name.replace('.per-split.json', '')}-{cfg.name}"
    end = steps if stop_at_step is None else stop_at_step
    return Plan(blend_path, blend, cfg, tok, vocab, steps, end, out, fingerprint(cfg, steps, blend, vocab))


@dataclass
class Model:
    """The model on this run's processes, its optimizer and what the log and the summary say of it."""

    par: Parallel
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    amp: torch.dtype | None
    compiled: bool
    parameters: int
    flops_per_token: float


def build(plan: Plan, world: World) -> Model:
    cfg, d, dev = plan.cfg, plan.cfg.data, world.device
    amp = autocast_dtype(cfg.precision, dev)
    tok = plan.tok
    hf_config = llama_config(cfg.model, plan.vocab, d.seq_length, bos_id=tok.bos if tok else 1, eos_id=d.eod_id, pad_id=tok.pad if tok else None)
    model = build_model(hf_config, d.seed)  # the same weights on every process: same seed
    parameters = sum(p.numel() for p in model.parameters())
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    compiled = cfg.compile == "on" or (cfg.compile == "auto" and dev.type == "cuda")
    par = parallelize(model, CausalLMLoss(model, amp, dev), world, cfg.parallel, amp, compiled)
    optimizer = make_optimizer(par.model, cfg, dev)  # after sharding: FSDP's parameters are its shards
    return Model(par, optimizer, make_scheduler(optimizer, cfg, plan.steps), amp, compiled, parameters, flops_per_token(hf_config, d.seq_length))


def resume(plan: Plan, m: Model, train_data: BlendedSamples, world: World, force: bool, log) -> int:
    """The step to continue from (0: a fresh start), with model, optimizer, scheduler and blend restored."""
    ckpt = world.from_main(None if force else latest_checkpoint(plan.out))
    if ckpt is None:
        return 0
    state = read_checkpoint(ckpt, world)
    if state["fingerprint"] != plan.fingerprint:
        raise UserError(f"{ckpt}: made with another blend or config; use --force to start over or another --out")
    load_checkpoint(state, m.par.model, m.optimizer, m.scheduler, world)
    train_data.blend.load_state_dict(state["blend"])
    log(f"resumed from {ckpt} (step {state['step']}, saved by {state['processes']} process(es))")
    return state["step"]


def describe(plan: Plan, m: Model, meter: Meter, world: World) -> str:
    c, dev = plan.cfg, world.device
    processes = f"{world.size} processes ({m.par.kind}, {'nccl' if dev.type == 'cuda' else 'gloo'})" if world.distributed else "1 process"
    peak = f"{meter.peak / 1e12:.0f} TFLOP/s" if meter.peak else "unknown (no MFU)"
    return (
        f"model: {m.parameters / 1e6:.2f}M parameters (vocab {plan.vocab}, d {c.model.hidden_size}, {c.model.num_layers} layers, "
        f"{c.model.num_heads}/{c.model.kv_heads} heads); {processes} on {dev.type}, {'bf16 autocast' if m.amp else 'fp32'}, "
        f"compile {'on' if m.compiled else 'off'}; {meter.fpt / 1e9:.3f} GFLOP/token; peak {peak} per device"
    )


@torch.no_grad()
def check_flash(plan: Plan, m: Model, world: World) -> str:
    """attention.verify_flash on a micro-batch of the training shape, through the training inputs' path."""
    d = plan.cfg.data
    mb = make_micro_batch(np.full((d.micro_batch_size, d.seq_length + 1), d.eod_id + 1, dtype=np.int64), d.eod_id, d.reset_position_ids, d.eod_mask_loss)
    inputs = to_device(mb, d, world.device)
    what = f"{d.micro_batch_size} x {d.seq_length} tokens, {'bf16 autocast' if m.amp else 'fp32'}, on {summary_device(world)}"
    return verify_flash(lambda: m.par.eval_fn(**inputs), plan.cfg.model.num_layers, what)


def summary_device(world: World) -> str:
    return torch.cuda.get_device_name(world.device) if world.device.type == "cuda" else "cpu"


def train(
    blend_path: str | Path,
    cfg: TrainConfig,
    *,
    out: str | Path | None = None,
    device: str = "auto",
    data_root: str | Path | None = None,
    tokenizer: str | Path | None = None,
    force: bool = False,
    stop_at_step: int | None = None,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Train on this process, or as one of the processes torchrun started (RANK, WORLD_SIZE set)."""
    plan = plan_run(Path(blend_path), cfg, out, data_root, tokenizer, stop_at_step)
    world = init_world(device)
    try:
        plan.cfg.data.accumulation_steps(world.size)  # a one-line error when the global batch does not split
        result = run(plan, world, force, log if world.main else (lambda m: None))
        # Process 0 saves the model last: the others wait for it before the group is destroyed (a process
        # tearing gloo down while another still uses it can abort: "terminate called without an active exception").
        world.barrier()
        return result
    finally:
        world.close()


def run(plan: Plan, world: World, force: bool, log: Callable[[str], None]) -> TrainResult:
    cfg, d = plan.cfg, plan.cfg.data
    if world.main:
        if force and plan.out.exists():
            shutil.rmtree(plan.out)
        plan.out.mkdir(parents=True, exist_ok=True)
    world.barrier()

    # Data sized for the whole run, as Megatron sizes its datasets from train_iters x global batch.
    train_data = BlendedSamples(plan.blend["train"], plan.steps * d.global_batch_size, d.seq_length, d.seed, d.mid_level_dataset_surplus)
    epochs = [s.epochs for s in train_data.datasets]
    log(f"train blend: {len(epochs)} shards, {plan.steps} steps x {d.global_batch_size} samples x {d.seq_length} tokens; epochs per shard {min(epochs)}..{max(epochs)}")
    valid = plan.blend["valid"]
    if valid and [it.prefix for it in valid] == [it.prefix for it in plan.blend["train"]]:
        log("note: the valid blend lists the train shards (the run has no valid split): validation loss is on training data")
    valid_sets = validation_sets(valid, cfg) if valid else {}

    m = build(plan, world)
    start = resume(plan, m, train_data, world, force, log)
    result = TrainResult(plan.out, plan.steps, start)
    if start >= plan.steps and world.from_main((plan.out / "model" / "config.json").is_file()):
        log(f"{plan.out}: already trained ({plan.steps} steps)")
        result.model_dir = plan.out / "model"
        return result
    if plan.end <= start:
        log(f"{plan.out}: already at step {start} (--stop-at-step {plan.end})")
        return result

    meter = Meter(d.global_batch_size * d.seq_length, m.flops_per_token, peak_flops(world.device, cfg.peak_tflops), world.size, world.device)
    log(describe(plan, m, meter, world))
    if cfg.attention == "flash":
        log(check_flash(plan, m, world))
    logfile = Log(plan.out / "log.jsonl", start) if world.main else None
    try:
        loop(plan, m, train_data, valid_sets, meter, world, logfile, result, log)
    finally:
        if logfile is not None:
            logfile.close()
    result.speed = meter.overall()
    if result.step == plan.steps:
        state = full_model_state(m.par.model) if m.par.kind == "fsdp" else None  # collective under FSDP
        if world.main:
            result.model_dir = save_final(plan.out, m.par.model, state, plan.tok, d.seq_length)
            log(f"model saved: {result.model_dir}")
        world.barrier()
    if world.main:
        write_json(plan.out / "summary.json", summary(plan, m, meter, world, result))
    return result


def loop(plan: Plan, m: Model, train_data: BlendedSamples, valid_sets, meter: Meter, world: World, logfile: Log | None, result: TrainResult, log) -> None:
    cfg = plan.cfg
    feed = StepFeed(train_data, cfg.data, world.size, world.rank, plan.end - result.step, threaded=world.device.type == "cuda")
    m.par.model.train()

    def flush() -> None:
        values, speed = meter.flush()
        for s, loss, g, lr in values:
            result.losses[s] = loss
            if logfile is not None:
                logfile.write({"step": s, "loss": loss, "lr": lr, "grad_norm": g, "tokens": s * meter.tokens_per_step, **(speed.record() if speed and s == values[-1][0] else {})})
        if values:
            s, loss, g, lr = values[-1]
            log(f"step {s}/{plan.steps} | loss {loss:.4f} | lr {lr:.3e} | grad norm {g:.3f}{speed.text() if speed else ''}")

    for step in range(result.step + 1, plan.end + 1):
        samples, datasets, blend_state = feed.next()
        if int(samples.max()) >= plan.vocab:
            row = int(np.argmax(samples.max(axis=1)))
            raise UserError(f"{train_data.items[int(datasets[row])].prefix}.bin: token id {int(samples.max())} is outside the model's vocabulary of {plan.vocab}")
        meter.step(step, *train_step(m.par, m.optimizer, m.scheduler, samples, cfg, world))
        if step % cfg.log_interval == 0 or step == plan.end:
            flush()
        if valid_sets and (step % cfg.eval_interval == 0 or step == plan.steps):
            flush()
            with meter.pause():
                result.valid = evaluate(m.par.eval_fn, valid_sets, cfg, world)
            if logfile is not None:
                logfile.write({"step": step, "valid": result.valid})
            log(f"step {step} validation loss: " + ", ".join(f"{k} {v:.4f}" for k, v in result.valid.items()))
        if step % cfg.save_interval == 0 or step == plan.end:
            flush()
            with meter.pause():
                path = save_checkpoint(plan.out, step, m.par.model, m.optimizer, m.scheduler, blend_state, plan.fingerprint, cfg.keep_checkpoints, world)
            log(f"checkpoint {path}")
        result.step = step


def summary(plan: Plan, m: Model, meter: Meter, world: World, result: TrainResult) -> dict:
    return {
        "config": plan.cfg.model_dump(mode="json"),
        "blend": str(plan.blend_path),
        "device": summary_device(world),
        "processes": world.size,
        "parallel": m.par.kind,
        "attention": plan.cfg.attention,
        "precision": "bf16 autocast" if m.amp else "fp32",
        "compiled": m.compiled,
        "parameters": m.parameters,
        "vocab_size": plan.vocab,
        "flops_per_token": meter.fpt,
        "flops_formula": "6 * matmul parameters + 12 * layers * hidden * seq_length (PaLM)",
        "peak_flops": meter.peak,
        "steps": plan.steps,
        "step": result.step,
        "tokens_per_step": meter.tokens_per_step,
        **(result.speed.record() if result.speed else {"tokens_per_s": None, "tokens_per_s_per_device": None, "mfu": None}),
        "last_loss": result.losses.get(result.step),
        "valid": result.valid,
    }
