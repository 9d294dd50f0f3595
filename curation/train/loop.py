"""The training loop of `curate train`.

One optimizer step draws `global_batch_size` samples of the train blend in Megatron's order, runs them as
micro-batches under bf16 autocast (fp32 master weights), averages the loss over every token of the step,
clips the gradient norm at 1.0 and steps AdamW (fused on CUDA, foreach on CPU) on NeMo's CosineAnnealing
schedule: linear warm-up lr * (s + 1) / (warmup + 1), then cosine from lr to min_lr at the last step.

Output folder (default RUN/train/<mixture>-<config>/):
    log.jsonl                one line per step (loss, lr, grad norm, tokens) and per validation
    checkpoints/step-N/      model, optimizer, scheduler, RNG and blend position; `latest` names the newest
    model/                   the final `save_pretrained` model and the run's tokenizer
    summary.json             sizes, FLOPs per token, peak FLOP/s assumed, throughput, MFU, last losses
A rerun with the same blend and config resumes from the newest checkpoint; the samples it then sees and
the losses it logs are those of an uninterrupted run. Single process, single device: for data- or
model-parallel training feed the same blend files to Megatron-LM / NeMo.
"""

from __future__ import annotations

import hashlib
import json
import math
import queue
import shutil
import threading
import time
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from curation.core.rundir import TMP_MARK, write_atomic, write_json
from curation.core.errors import UserError
from curation.formats.indexed import IndexedReader
from curation.train.config import TrainConfig
from curation.train.data import BlendedSamples, BlendItem, MicroBatch, make_micro_batch, read_blend
from curation.train.model import build_model, flops_per_token, llama_config, padded_vocab, peak_flops

CHECKPOINTS = "checkpoints"
LATEST = "latest"


# --- set-up -------------------------------------------------------------------------------------------


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available to torch (use --device cpu or auto)")
    if name not in ("cpu", "cuda"):
        raise UserError(f"--device {name}: expected cpu, cuda or auto")
    return torch.device(name)


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """bf16 where asked, or where the device computes in bf16 natively under `auto`; None = fp32."""
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    native = getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)() or getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
    return torch.bfloat16 if native else None


@dataclass
class Tokenizer:
    folder: Path  # holds tokenizer.model
    size: int
    bos: int
    eos: int
    pad: int  # -1: none


def find_tokenizer(blend_path: Path, explicit: str | Path | None) -> Tokenizer | None:
    """The run's tokenizer (RUN/tokenizer/ next to RUN/blend/), or the folder/.model given."""
    if explicit is not None:
        folder = Path(explicit)
        folder = folder.parent if folder.suffix == ".model" else folder
        if not (folder / "tokenizer.model").is_file():
            raise UserError(f"--tokenizer {explicit}: no tokenizer.model there")
    else:
        folder = blend_path.resolve().parent.parent / "tokenizer"
        if not (folder / "tokenizer.model").is_file():
            return None
    import sentencepiece as spm

    try:
        sp = spm.SentencePieceProcessor(model_file=str(folder / "tokenizer.model"))
    except (OSError, RuntimeError) as e:
        raise UserError(f"{folder / 'tokenizer.model'}: not a SentencePiece model ({e})") from None
    return Tokenizer(folder, sp.get_piece_size(), sp.bos_id(), sp.eos_id(), sp.pad_id())


def save_tokenizer(tok: Tokenizer, out: Path, model_max_length: int) -> None:
    """The run's Hugging Face tokenizer files next to the model (exported from the .model if absent)."""
    for hf in (tok.folder / "hf", tok.folder):
        if (hf / "tokenizer_config.json").is_file():
            for f in sorted(hf.iterdir()):
                if f.is_file() and TMP_MARK not in f.name and f.suffix in (".json", ".model"):
                    shutil.copy2(f, out / f.name)
            if not (out / "tokenizer.model").exists():
                shutil.copy2(tok.folder / "tokenizer.model", out / "tokenizer.model")
            return
    from curation.phases.tokenizer.hf import export_hf

    export_hf((tok.folder / "tokenizer.model").read_bytes(), out, model_max_length=model_max_length)


def steps_from_budget(blend_path: Path, tokens_per_step: int) -> int:
    weights = blend_path.with_name(blend_path.name.replace(".per-split.json", ".weights.json"))
    try:
        budget = float(json.loads(weights.read_text())["token_budget"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"train_steps is not set and {weights} has no token_budget: pass --steps or set train_steps") from None
    return max(1, math.ceil(budget / tokens_per_step))


def lr_at(step: int, cfg: TrainConfig, steps: int) -> float:
    """NeMo CosineAnnealing with warm-up (Salamandra's scheduler); `step` counts from 0."""
    o = cfg.optim
    if step < o.warmup_steps:
        return o.lr * (step + 1) / (o.warmup_steps + 1)
    decay = max(steps - o.warmup_steps, 1)
    progress = min((step - o.warmup_steps) / decay, 1.0)
    return o.min_lr + (o.lr - o.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices only (not on norm weights), Megatron's rule."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]
    keep = [p for p in model.parameters() if p.requires_grad and p.ndim < 2]
    groups = [{"params": decay, "weight_decay": cfg.optim.weight_decay}, {"params": keep, "weight_decay": 0.0}]
    fused = device.type == "cuda"
    return torch.optim.AdamW(groups, lr=cfg.optim.lr, betas=cfg.optim.betas, eps=cfg.optim.eps, fused=fused, foreach=None if fused else True)


# --- batches ------------------------------------------------------------------------------------------


def to_device(mb: MicroBatch, cfg: TrainConfig, device: torch.device) -> dict[str, torch.Tensor | None]:
    """Model inputs. With `reset_attention_mask` a (B, 1, S, S) boolean mask lets each position see only
    earlier positions of its own document; otherwise plain causal attention (SDPA's is_causal path)."""
    pin = device.type == "cuda"

    def put(a: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(a)
        return t.pin_memory().to(device, non_blocking=True) if pin else t

    d = cfg.data
    out: dict[str, torch.Tensor | None] = {"input_ids": put(mb.input_ids), "labels": put(mb.labels), "loss_mask": put(mb.loss_mask)}
    out["position_ids"] = put(mb.position_ids) if d.reset_position_ids else None
    if d.reset_attention_mask:
        doc = put(mb.document_ids)
        S = doc.shape[1]
        causal = torch.ones(S, S, dtype=torch.bool, device=device).tril()
        out["attention_mask"] = ((doc[:, :, None] == doc[:, None, :]) & causal)[:, None]
    elif d.reset_position_ids:
        # An explicit all-ones 2D mask: transformers would otherwise read restarted positions as packed
        # sequences and block attention across documents, which this setting asks not to do.
        out["attention_mask"] = torch.ones(mb.input_ids.shape, dtype=torch.bool, device=device)
    else:
        out["attention_mask"] = None
    return out


class CausalLMLoss(torch.nn.Module):
    """The model and its loss in one module, so that `torch.compile` fuses the fp32 softmax over the
    vocabulary with the output head instead of materialising fp32 logits (B x S x 256k)."""

    def __init__(self, model, amp: torch.dtype | None, device: torch.device):
        super().__init__()
        self.model, self.amp, self.device_type = model, amp, device.type

    def forward(self, input_ids, labels, loss_mask, attention_mask=None, position_ids=None) -> torch.Tensor:
        """Sum over the batch of the masked next-token cross-entropy."""
        ctx = torch.autocast(device_type=self.device_type, dtype=self.amp) if self.amp is not None else nullcontext()
        with ctx:
            logits = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=False).logits
        losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction="none")
        return (losses * loss_mask.reshape(-1)).sum()


class Prefetch:
    """Draws the next steps' samples in a thread (CUDA only: on a CPU the thread would compete with the
    model for the same cores). Each item carries the blend state after it, for checkpoints."""

    def __init__(self, data: BlendedSamples, per_step: int, steps: int, threaded: bool):
        self.data, self.per_step = data, per_step
        self.queue: queue.Queue | None = None
        if threaded and steps > 0:
            self.queue = queue.Queue(maxsize=2)
            threading.Thread(target=self._fill, args=(steps,), daemon=True).start()

    def _draw(self):
        samples, datasets = self.data.next(self.per_step)
        return samples, datasets, self.data.blend.state_dict()

    def _fill(self, n: int) -> None:
        for _ in range(n):
            try:
                self.queue.put(("ok", self._draw()))
            except BaseException as e:  # handed to the training thread, which raises it
                self.queue.put(("error", e))
                return

    def next(self):
        if self.queue is None:
            return self._draw()
        kind, value = self.queue.get()
        if kind == "error":
            raise value
        return value


# --- checkpoints ----------------------------------------------------------------------------------------


def fingerprint(cfg: TrainConfig, steps: int, blend: dict[str, list[BlendItem]], vocab: int) -> str:
    """What the sample order and the optimisation depend on; a checkpoint resumes only under the same."""
    what = {
        "config": cfg.model_dump(mode="json", exclude={"log_interval", "eval_interval", "eval_samples", "save_interval", "keep_checkpoints", "compile", "peak_tflops", "name"}),
        "steps": steps,
        "vocab": vocab,
        "blend": {split: [[it.weight, it.prefix] for it in items] for split, items in blend.items()},
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:16]


def latest_checkpoint(out: Path) -> Path | None:
    pointer = out / CHECKPOINTS / LATEST
    if not pointer.is_file():
        return None
    path = out / CHECKPOINTS / pointer.read_text().strip()
    return path if (path / "state.pt").is_file() else None


def save_checkpoint(out: Path, step: int, model, optimizer, scheduler, blend_state: dict, fp: str, keep: int) -> Path:
    root = out / CHECKPOINTS
    final = root / f"step-{step:08d}"
    tmp = root / f"step-{step:08d}{TMP_MARK}{time.time_ns()}"
    tmp.mkdir(parents=True)
    state = {
        "step": step,
        "fingerprint": fp,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "blend": blend_state,
        "rng": {"torch": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None},
    }
    torch.save(state, tmp / "state.pt")
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    write_atomic(root / LATEST, final.name + "\n")
    for old in sorted(p for p in root.glob("step-*") if p.is_dir() and TMP_MARK not in p.name)[:-keep]:
        shutil.rmtree(old)
    for stale in root.glob(f"step-*{TMP_MARK}*"):  # left by a run killed while saving
        shutil.rmtree(stale, ignore_errors=True)
    return final


class Log:
    """log.jsonl, rewritten on resume to end at the checkpoint's step (a killed run may have logged past it)."""

    def __init__(self, path: Path, resume_step: int):
        self.path = path
        kept = []
        if resume_step > 0 and path.exists():
            kept = [line for line in path.read_text().splitlines() if line and json.loads(line).get("step", 0) <= resume_step]
        write_atomic(path, "".join(line + "\n" for line in kept))
        self.file = open(path, "a", buffering=1)

    def write(self, record: dict) -> None:
        self.file.write(json.dumps(record, sort_keys=True) + "\n")

    def close(self) -> None:
        self.file.close()


# --- validation ---------------------------------------------------------------------------------------


def validation_sets(items: list[BlendItem], cfg: TrainConfig) -> dict[str, BlendedSamples]:
    """One blend per language (the parent folder of each valid prefix), with its valid weights
    renormalized; up to `eval_samples` samples each, no more than one pass over the language's tokens."""
    by_lang: dict[str, list[BlendItem]] = defaultdict(list)
    for it in items:
        by_lang[it.language].append(it)
    S = cfg.data.seq_length
    out = {}
    for lang, group in sorted(by_lang.items()):
        total_w = sum(it.weight for it in group)
        group = [BlendItem(it.weight / total_w, it.prefix, lang) for it in group]
        tokens = sum(IndexedReader(it.prefix).num_tokens for it in group)
        n = max(1, min(cfg.eval_samples, (tokens - 1) // S))
        out[lang] = BlendedSamples(group, n, S, cfg.data.seed, cfg.data.mid_level_dataset_surplus)
    return out


@torch.no_grad()
def evaluate(model: CausalLMLoss, sets: dict[str, BlendedSamples], cfg: TrainConfig, device) -> dict[str, float]:
    model.eval()
    out = {}
    for lang, data in sets.items():
        data.restart()  # the same samples at every evaluation
        total, count, left = 0.0, 0.0, data.size
        while left > 0:
            n = min(left, cfg.data.micro_batch_size)
            samples, _ = data.next(n)
            mb = make_micro_batch(samples, cfg.data.eod_id, cfg.data.reset_position_ids, cfg.data.eod_mask_loss)
            total += float(model(**to_device(mb, cfg, device)))
            count += float(mb.loss_mask.sum())
            left -= n
        out[lang] = total / max(count, 1.0)
    model.train()
    return out


# --- the loop -------------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    out: Path
    steps: int  # total steps of the schedule
    step: int  # the step reached
    losses: dict[int, float] = field(default_factory=dict)  # this invocation's steps
    valid: dict[str, float] = field(default_factory=dict)
    tokens_per_s: float | None = None
    mfu: float | None = None
    model_dir: Path | None = None


def vocabulary(cfg: TrainConfig, tok: Tokenizer | None, blend_path: Path) -> tuple[TrainConfig, int]:
    """The model's (padded) vocabulary; with a tokenizer, its `</s>` is the EOD (the shards phase appends it)."""
    m = cfg.model
    if tok is None:
        if m.vocab_size is None:
            raise UserError(f"no tokenizer at {blend_path.resolve().parent.parent / 'tokenizer'}: pass --tokenizer or set model.vocab_size")
        return cfg, padded_vocab(m.vocab_size, m.pad_vocab_to_multiple_of)
    if m.vocab_size is not None and m.vocab_size < tok.size:
        raise UserError(f"model.vocab_size {m.vocab_size} is smaller than the tokenizer's {tok.size} pieces ({tok.folder})")
    if tok.eos != cfg.data.eod_id:
        cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"eod_id": tok.eos})})
    return cfg, padded_vocab(m.vocab_size or tok.size, m.pad_vocab_to_multiple_of)


def train_step(loss_fn, model, optimizer, scheduler, samples: np.ndarray, cfg: TrainConfig, dev) -> tuple[torch.Tensor, torch.Tensor, float]:
    """One optimizer step over a global batch: the loss is the mean over all its tokens, whatever the
    micro-batching. Returns (loss, gradient norm before clipping, learning rate used), on the device."""
    d = cfg.data
    micro = [make_micro_batch(samples[i : i + d.micro_batch_size], d.eod_id, d.reset_position_ids, d.eod_mask_loss) for i in range(0, len(samples), d.micro_batch_size)]
    count = float(sum(mb.loss_mask.sum() for mb in micro))
    total = torch.zeros((), device=dev)
    for mb in micro:
        loss = loss_fn(**to_device(mb, cfg, dev))
        (loss / count).backward()
        total += loss.detach()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.optim.clip_grad)
    lr = optimizer.param_groups[0]["lr"]
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return total / count, grad_norm.detach(), lr


class Meter:
    """Tokens/s over log windows and over the whole invocation, leaving out the first step (compilation,
    allocator warm-up) and the time spent validating and checkpointing. Losses stay on the device until a
    window is logged, so the loop does not wait for the device every step."""

    def __init__(self, tokens_per_step: int, fpt: float, peak: float | None, dev: torch.device):
        self.tokens_per_step, self.fpt, self.peak, self.dev = tokens_per_step, fpt, peak, dev
        self.pending: list[tuple[int, torch.Tensor, torch.Tensor, float]] = []
        self.window_t, self.window_steps = time.perf_counter(), 0
        self.first_t: float | None = None
        self.first_step = 0
        self.steps = 0
        self.paused = 0.0

    def step(self, step: int, loss, grad_norm, lr: float) -> None:
        self.pending.append((step, loss, grad_norm, lr))
        if self.first_t is None:
            if self.dev.type == "cuda":
                torch.cuda.synchronize()
            self.first_t = self.window_t = time.perf_counter()
            self.first_step = step
        else:
            self.window_steps += 1
            self.steps += 1

    def flush(self) -> tuple[list[tuple[int, float, float, float]], float | None]:
        """The pending steps as numbers, and the window's tokens/s (None when it has no timed step)."""
        values = [(s, float(l), float(g), lr) for s, l, g, lr in self.pending]  # waits for the device
        now = time.perf_counter()
        tps = self.window_steps * self.tokens_per_step / (now - self.window_t) if self.window_steps else None
        self.pending, self.window_t, self.window_steps = [], now, 0
        return values, tps

    @contextmanager
    def pause(self):
        """Time inside is left out of every throughput figure."""
        t = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - t
            self.paused += spent
            self.window_t += spent

    def mfu(self, tps: float | None) -> float | None:
        return tps * self.fpt / self.peak if tps and self.peak else None

    def overall(self) -> float | None:
        if self.first_t is None or not self.steps:
            return None
        return self.steps * self.tokens_per_step / (time.perf_counter() - self.first_t - self.paused)


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
    blend_path = Path(blend_path)
    blend = read_blend(blend_path, data_root)
    if not blend["train"]:
        raise UserError(f"{blend_path}: the 'train' split is empty")
    dev = resolve_device(device)
    amp = autocast_dtype(cfg.precision, dev)
    tok = find_tokenizer(blend_path, tokenizer)
    cfg, vocab = vocabulary(cfg, tok, blend_path)
    d = cfg.data
    steps = cfg.train_steps or steps_from_budget(blend_path, d.global_batch_size * d.seq_length)
    if stop_at_step is not None and not 0 < stop_at_step <= steps:
        raise UserError(f"--stop-at-step {stop_at_step}: expected 1..{steps}")
    out = Path(out) if out is not None else blend_path.resolve().parent.parent / "train" / f"{blend_path.name.replace('.per-split.json', '')}-{cfg.name}"
    if force and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    fp = fingerprint(cfg, steps, blend, vocab)

    # Data sized for the whole run, as Megatron sizes its datasets from train_iters x global batch.
    train_data = BlendedSamples(blend["train"], steps * d.global_batch_size, d.seq_length, d.seed, d.mid_level_dataset_surplus)
    epochs = [s.epochs for s in train_data.datasets]
    log(f"train blend: {len(epochs)} shards, {steps} steps x {d.global_batch_size} samples x {d.seq_length} tokens; epochs per shard {min(epochs)}..{max(epochs)}")
    if blend["valid"] and [it.prefix for it in blend["valid"]] == [it.prefix for it in blend["train"]]:
        log("note: the valid blend lists the train shards (the run has no valid split): validation loss is on training data")
    valid_sets = validation_sets(blend["valid"], cfg) if blend["valid"] else {}

    hf_config = llama_config(cfg.model, vocab, d.seq_length, bos_id=tok.bos if tok else 1, eos_id=d.eod_id, pad_id=tok.pad if tok else None)
    model = build_model(hf_config, d.seed).to(dev)
    optimizer = make_optimizer(model, cfg, dev)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_at(s, cfg, steps) / cfg.optim.lr)

    start = 0
    ckpt = None if force else latest_checkpoint(out)
    if ckpt is not None:
        state = torch.load(ckpt / "state.pt", map_location=dev, weights_only=False)
        if state["fingerprint"] != fp:
            raise UserError(f"{ckpt}: made with another blend or config; use --force to start over or another --out")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        train_data.blend.load_state_dict(state["blend"])
        torch.set_rng_state(state["rng"]["torch"])
        if state["rng"]["cuda"] is not None and dev.type == "cuda":
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        start = state["step"]
        log(f"resumed from {ckpt} (step {start})")
    if start >= steps and (out / "model" / "config.json").is_file():
        log(f"{out}: already trained ({steps} steps)")
        return TrainResult(out, steps, start, model_dir=out / "model")
    if stop_at_step is not None and stop_at_step <= start:
        log(f"{out}: already at step {start} (--stop-at-step {stop_at_step})")
        return TrainResult(out, steps, start)

    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    compiled = cfg.compile == "on" or (cfg.compile == "auto" and dev.type == "cuda")
    loss_fn = CausalLMLoss(model, amp, dev)
    eval_fn = loss_fn  # eager: a compiled graph would be specialised to the training micro-batch and grad mode
    if compiled:
        loss_fn = torch.compile(loss_fn)
    n_params = sum(p.numel() for p in model.parameters())
    meter = Meter(d.global_batch_size * d.seq_length, flops_per_token(hf_config, d.seq_length), peak_flops(dev, cfg.peak_tflops), dev)
    log(
        f"model: {n_params / 1e6:.2f}M parameters (vocab {vocab}, d {cfg.model.hidden_size}, {cfg.model.num_layers} layers, "
        f"{cfg.model.num_heads}/{cfg.model.kv_heads} heads); device {dev}, {'bf16 autocast' if amp else 'fp32'}, "
        f"compile {'on' if compiled else 'off'}; {meter.fpt / 1e9:.3f} GFLOP/token; "
        f"peak {'%.0f TFLOP/s' % (meter.peak / 1e12) if meter.peak else 'unknown (no MFU)'}"
    )

    logfile = Log(out / "log.jsonl", start)
    result = TrainResult(out, steps, start)
    end = steps if stop_at_step is None else stop_at_step
    feed = Prefetch(train_data, d.global_batch_size, end - start, threaded=dev.type == "cuda")
    model.train()

    def flush() -> None:
        values, tps = meter.flush()
        for s, loss, g, lr in values:
            result.losses[s] = loss
            logfile.write({"step": s, "loss": loss, "lr": lr, "grad_norm": g, "tokens": s * meter.tokens_per_step})
        if values:
            s, loss, g, lr = values[-1]
            speed = (f" | {tps:,.0f} tokens/s" if tps else "") + (f" | MFU {100 * meter.mfu(tps):.1f}%" if meter.mfu(tps) else "")
            log(f"step {s}/{steps} | loss {loss:.4f} | lr {lr:.3e} | grad norm {g:.3f}{speed}")

    try:
        for step in range(start + 1, end + 1):
            samples, datasets, blend_state = feed.next()
            if int(samples.max()) >= vocab:
                row = int(np.argmax(samples.max(axis=1)))
                raise UserError(f"{train_data.items[int(datasets[row])].prefix}.bin: token id {int(samples.max())} is outside the model's vocabulary of {vocab}")
            meter.step(step, *train_step(loss_fn, model, optimizer, scheduler, samples, cfg, dev))
            if step % cfg.log_interval == 0 or step == end:
                flush()
            if valid_sets and (step % cfg.eval_interval == 0 or step == steps):
                flush()
                with meter.pause():
                    result.valid = evaluate(eval_fn, valid_sets, cfg, dev)
                logfile.write({"step": step, "valid": result.valid})
                log(f"step {step} validation loss: " + ", ".join(f"{k} {v:.4f}" for k, v in result.valid.items()))
            if step % cfg.save_interval == 0 or step == end:
                flush()
                with meter.pause():
                    path = save_checkpoint(out, step, model, optimizer, scheduler, blend_state, fp, cfg.keep_checkpoints)
                log(f"checkpoint {path}")
            result.step = step
    finally:
        logfile.close()

    result.tokens_per_s = meter.overall()
    result.mfu = meter.mfu(result.tokens_per_s)
    if result.step == steps:
        result.model_dir = save_final(out, model, tok, d.seq_length)
        log(f"model saved: {result.model_dir}")
    write_json(out / "summary.json", {
        "config": cfg.model_dump(mode="json"),
        "blend": str(blend_path),
        "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
        "precision": "bf16 autocast" if amp else "fp32",
        "compiled": compiled,
        "parameters": n_params,
        "vocab_size": vocab,
        "flops_per_token": meter.fpt,
        "flops_formula": "6 * matmul parameters + 12 * layers * hidden * seq_length (PaLM)",
        "peak_flops": meter.peak,
        "steps": steps,
        "step": result.step,
        "tokens_per_step": meter.tokens_per_step,
        "tokens_per_s": result.tokens_per_s,
        "mfu": result.mfu,
        "last_loss": result.losses.get(result.step),
        "valid": result.valid,
    })
    return result


def save_final(out: Path, model, tok: Tokenizer | None, seq_length: int) -> Path:
    """`save_pretrained` model (+ tokenizer) under a temporary name, then renamed to out/model."""
    from transformers.utils import logging as hf_logging

    final = out / "model"
    tmp = out / f"model{TMP_MARK}{time.time_ns()}"
    hf_logging.disable_progress_bar()  # one bar per file otherwise, in the middle of the training log
    model.save_pretrained(tmp)
    if tok is not None:
        save_tokenizer(tok, tmp, seq_length)
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    return final
