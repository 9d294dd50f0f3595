"""The trainer's data path vs megatron-core's (BlendedMegatronDatasetBuilder + GPTDataset), same blend.

Both build the per-shard indices (epochs, document shuffle, sample positions, sample shuffle) and the
greedy blend for N samples over the same Megatron shards, then read the first samples in blend order.
Index build in seconds (lower is better) and samples/s read (tokens of seq_len + 1 each); megatron-core
builds its indices with its C++ helpers and writes them as .npy caches, we keep them in memory.

On a CUDA device it then measures the trainer itself: the `150m` preset with Salamandra's 256k vocabulary
at sequence length 4096 on one device, flash attention enforced and verified (`attention: flash`,
`data.reset_attention_mask=false`), for MFU_STEPS steps on random-token shards (throughput does not depend
on what the tokens are). It prints tokens/s, tokens/s per device and MFU against the device's dense bf16
peak; the goal on one H100 is >= 35%. Without CUDA that part says so and is skipped.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from curation.formats.indexed import IndexedWriter
from curation.train.data import BlendedSamples, BlendItem

SHARDS = 8
DOCS_PER_SHARD = 100_000
SEQ = 1024
SAMPLES = 200_000  # drawn from the blend (about 200M tokens: shards repeat up to ~10 times)
READ = 5_000  # samples read back, timed
SEED = 1234
MFU_VOCAB = 256_000  # Salamandra's
MFU_STEPS = 30  # the first (compilation) is left out of the throughput
MFU_GOAL = 0.35


def _shards(folder: Path) -> tuple[list[str], list[float]]:
    rng = np.random.default_rng(0)
    prefixes, weights = [], []
    for i in range(SHARDS):
        prefix = folder / f"l{i}" / "src_train_text_document"
        w = IndexedWriter(prefix, np.int32)
        lengths = rng.integers(20, 400, DOCS_PER_SHARD // (1 + i))  # shards of unequal size: some repeat
        flat = rng.integers(4, 256_000, int(lengths.sum())).astype(np.int32)
        w.add_documents(flat, lengths)
        w.finalize()
        prefixes.append(str(prefix))
        weights.append(float(2.0 ** -i))
    return prefixes, weights


def _ours(prefixes, weights) -> tuple[float, float]:
    t0 = time.perf_counter()
    data = BlendedSamples([BlendItem(w / sum(weights), p, "x") for w, p in zip(weights, prefixes)], SAMPLES, SEQ, SEED)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(0, READ, 100):
        data.next(100)
    return build, READ / (time.perf_counter() - t0)


def _megatron(prefixes, weights) -> tuple[float, float] | None:
    try:
        from megatron.core.datasets.blended_megatron_dataset_builder import (
            BlendedMegatronDatasetBuilder,
        )
        from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
        from megatron.core.datasets.utils import get_blend_from_list
    except ImportError:
        return None

    class Tok:
        eod, vocab_size, pad = 2, 256_000, 3
        unique_identifiers = {"class": "bench"}

    cfg = GPTDatasetConfig(
        random_seed=SEED, sequence_length=SEQ, blend=get_blend_from_list([x for w, p in zip(weights, prefixes) for x in (str(w), p)]),
        split="100,0,0", path_to_cache=None, tokenizer=Tok(), reset_position_ids=False, reset_attention_mask=False,
        eod_mask_loss=False, create_attention_mask=False,
    )
    t0 = time.perf_counter()
    train, _, _ = BlendedMegatronDatasetBuilder(GPTDataset, [SAMPLES, 0, 0], lambda: True, cfg).build()
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in range(READ):
        train[t]
    return build, READ / (time.perf_counter() - t0)


def run(repeat: int, console: Console) -> None:
    import logging

    logging.getLogger("megatron").setLevel(logging.ERROR)
    best: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        prefixes, weights = _shards(Path(tmp))
        for _ in range(repeat):
            for name, fn in (("ours", _ours), ("megatron-core", _megatron)):
                got = fn(prefixes, weights)
                if got is None:
                    continue
                b = best.setdefault(name, [float("inf"), 0.0])
                best[name] = [min(b[0], got[0]), max(b[1], got[1])]
                if name == "megatron-core":  # its index cache would make the next build a load
                    for cache in Path(tmp).rglob("cache"):
                        import shutil

                        shutil.rmtree(cache, ignore_errors=True)
    table = Table(title=f"trainer data path: {SHARDS} shards, {SAMPLES:,} samples of {SEQ + 1} tokens (best of {repeat})", title_justify="left")
    for col in ("implementation", "index build s", "samples/s read", "build speed ratio", "read ratio"):
        table.add_column(col, justify="left" if col == "implementation" else "right")
    ref = best.get("megatron-core")
    for name, (build, rate) in best.items():
        table.add_row(name, f"{build:.2f}", f"{rate:,.0f}", f"{ref[0] / build:.2f}x" if ref else "-", f"{rate / ref[1]:.2f}x" if ref else "-")
    console.print(table)
    if ref is None:
        console.print("megatron-core is not installed (dev extra): no reference to compare with")
    run_mfu(console)


def _random_blend(folder: Path, tokens: int) -> Path:
    """One int32 shard of random tokens in the 256k vocabulary (documents of 100..8000 tokens ending in EOD)."""
    rng = np.random.default_rng(SEED)
    lengths = rng.integers(100, 8000, tokens // 4000)
    flat = rng.integers(4, MFU_VOCAB, int(lengths.sum())).astype(np.int32)
    flat[np.cumsum(lengths) - 1] = 2  # </s>
    prefix = folder / "shards" / "xx" / "random_train_text_document"
    w = IndexedWriter(prefix, np.int32)
    w.add_documents(flat, lengths)
    w.finalize()
    blend = folder / "blend" / "mfu.per-split.json"
    blend.parent.mkdir(parents=True)
    blend.write_text(json.dumps({"train": [1.0, str(prefix)], "valid": [], "test": []}))
    return blend


def run_mfu(console: Console, extra: list[str] = (), device: str = "cuda") -> None:
    """The 150m preset on one CUDA device: the per-step log, then a table of the invocation's throughput.
    `extra`: more `key=value` config overrides (e.g. data.micro_batch_size=4)."""
    import torch  # the train extra

    if device == "cuda" and not torch.cuda.is_available():
        console.print("trainer MFU: no CUDA device, skipped (on a GPU: curate bench train)")
        return
    from curation.train.config import load_train_config
    from curation.train.loop import train

    overrides = [f"model.vocab_size={MFU_VOCAB}", "data.reset_attention_mask=false", "attention=flash", f"train_steps={MFU_STEPS}", "log_interval=1", f"save_interval={MFU_STEPS * 10}"]
    cfg = load_train_config("150m", [*overrides, *extra])
    d = cfg.data
    with tempfile.TemporaryDirectory() as tmp:
        blend = _random_blend(Path(tmp), int(1.2 * MFU_STEPS * d.global_batch_size * (d.seq_length + 1)))
        r = train(blend, cfg, out=Path(tmp) / "out", device=device, log=lambda m: console.print(m, highlight=False, markup=False, soft_wrap=True))
    table = Table(title=f"trainer: 150m preset, vocab {MFU_VOCAB:,}, seq {d.seq_length}, {d.global_batch_size} x {d.micro_batch_size}-sample micro-batches, flash attention; steps 2..{cfg.train_steps}{' (' + ', '.join(extra) + ')' if extra else ''}", title_justify="left")
    for col in ("device", "tokens/s", "tokens/s/device", "MFU", "goal"):
        table.add_column(col, justify="left" if col == "device" else "right")
    speed = r.speed
    table.add_row(
        torch.cuda.get_device_name() if device == "cuda" else device, f"{speed.tokens_per_s:,.0f}", f"{speed.tokens_per_s_per_device:,.0f}",
        f"{100 * speed.mfu:.1f}%" if speed.mfu is not None else "unknown peak (set peak_tflops)", f">= {100 * MFU_GOAL:.0f}%",
    )
    console.print(table)


if __name__ == "__main__":
    # The MFU part alone, e.g. on a lent GPU: python -m curation.bench.train [--set key=value ...]
    import argparse

    parser = argparse.ArgumentParser(description="MFU of the trainer's 150m preset on one CUDA device")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--device", default="cuda", help="cuda (the measurement) or cpu (a smoke run with small --set sizes)")
    args = parser.parse_args()
    run_mfu(Console(), args.overrides, args.device)
