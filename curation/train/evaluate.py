"""Validation loss per language, computed by all processes together.

The valid blend is split by language (the parent folder of each prefix) and each language's weights
renormalized; up to `eval_samples` samples per language, never more than one pass over its tokens, the
same samples at every evaluation. Micro-batches are dealt round-robin to the processes; in the last round
a process without one repeats the first with zero weight, because under FSDP every forward is collective.
"""

from __future__ import annotations

from collections import defaultdict

import torch

from curation.formats.indexed import IndexedReader
from curation.train.attention import attention_context
from curation.train.batch import micro_batches, to_device
from curation.train.config import TrainConfig
from curation.train.data import BlendedSamples, BlendItem
from curation.train.distributed import World


def validation_sets(items: list[BlendItem], cfg: TrainConfig) -> dict[str, BlendedSamples]:
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
def evaluate(loss_fn, sets: dict[str, BlendedSamples], cfg: TrainConfig, world: World) -> dict[str, float]:
    """Mean next-token loss per language over its validation samples."""
    loss_fn.train(False)
    out = {}
    for lang, data in sets.items():
        data.restart()
        samples, _ = data.next(data.size)
        micro = micro_batches(samples, cfg.data)
        sums = torch.zeros(2, dtype=torch.float64, device=world.device)  # loss, tokens
        for first in range(0, len(micro), world.size):
            mine = first + world.rank
            mb = micro[mine] if mine < len(micro) else micro[0]
            with attention_context(cfg.attention):
                loss = loss_fn(**to_device(mb, cfg.data, world.device))
            if mine < len(micro):
                sums += torch.stack([loss.double(), torch.tensor(float(mb.loss_mask.sum()), dtype=torch.float64, device=world.device)])
        world.sum(sums)
        out[lang] = float(sums[0] / sums[1].clamp(min=1.0))
    loss_fn.train(True)
    return out
