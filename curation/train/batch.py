"""From a step's global batch to this process's model inputs.

A step draws `global_batch_size` samples of the blend in Megatron's order. With W processes they are
consumed as Megatron's MegatronPretrainingSampler does (megatron/legacy/data/data_samplers.py): micro-step
by micro-step, each micro-step taking micro_batch x W consecutive samples, process r the r-th micro-batch
of them. Every process advances the blend by the whole global batch but reads the tokens of its own rows
only, so the blend's state (what a checkpoint stores) is global and a run resumes on any number of
processes; the W processes' samples, micro-step by micro-step and rank by rank, are exactly the sample
sequence of one process with the same global batch.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import numpy as np
import torch

from curation.train.config import DataConfig
from curation.train.data import BlendedSamples


def rank_rows(global_batch: int, micro_batch: int, world_size: int, rank: int) -> np.ndarray:
    """Positions in the global batch of process `rank`'s samples, in the order it trains on them."""
    starts = np.arange(0, global_batch, micro_batch * world_size) + rank * micro_batch
    return (starts[:, None] + np.arange(micro_batch)).reshape(-1)


@dataclass
class MicroBatch:
    input_ids: np.ndarray  # (B, S) int64
    labels: np.ndarray  # (B, S) int64
    loss_mask: np.ndarray  # (B, S) float32
    position_ids: np.ndarray  # (B, S) int64
    document_ids: np.ndarray  # (B, S) int64: which packed document each position belongs to


def make_micro_batch(samples: np.ndarray, eod_id: int, reset_position_ids: bool, eod_mask_loss: bool) -> MicroBatch:
    """Inputs and labels from samples of S + 1 tokens, and GPTDataset's EOD-derived masks and positions:
    a document starts after each EOD of the inputs; positions restart there when `reset_position_ids`."""
    tokens, labels = samples[:, :-1], samples[:, 1:]
    eod = tokens == eod_id
    starts = np.zeros_like(eod)
    starts[:, 0] = True
    starts[:, 1:] = eod[:, :-1]
    document_ids = np.cumsum(starts, axis=1, dtype=np.int64) - 1
    arange = np.broadcast_to(np.arange(tokens.shape[1], dtype=np.int64), tokens.shape)
    if reset_position_ids:
        position_ids = arange - np.maximum.accumulate(np.where(starts, arange, 0), axis=1)
    else:
        position_ids = np.array(arange)
    loss_mask = np.where(eod, 0.0, 1.0).astype(np.float32) if eod_mask_loss else np.ones(tokens.shape, np.float32)
    return MicroBatch(np.ascontiguousarray(tokens), np.ascontiguousarray(labels), loss_mask, position_ids, document_ids)


def micro_batches(samples: np.ndarray, d: DataConfig) -> list[MicroBatch]:
    """This process's samples of a step cut into its micro-batches, in order."""
    return [make_micro_batch(samples[i : i + d.micro_batch_size], d.eod_id, d.reset_position_ids, d.eod_mask_loss) for i in range(0, len(samples), d.micro_batch_size)]


def to_device(mb: MicroBatch, d: DataConfig, device: torch.device) -> dict[str, torch.Tensor | None]:
    """Model inputs. With `reset_attention_mask` a (B, 1, S, S) boolean mask lets each position see only
    earlier positions of its own document; otherwise plain causal attention (SDPA's is_causal path, the
    one flash attention can take)."""
    pin = device.type == "cuda"

    def put(a: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(a)
        return t.pin_memory().to(device, non_blocking=True) if pin else t

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


class StepFeed:
    """This process's samples of each step, with the blend's (global) state after the step, for
    checkpoints. On CUDA a thread draws the next steps ahead; on a CPU it would compete with the model
    for the same cores."""

    def __init__(self, data: BlendedSamples, d: DataConfig, world_size: int, rank: int, steps: int, threaded: bool):
        self.data, self.per_step = data, d.global_batch_size
        self.rows = rank_rows(d.global_batch_size, d.micro_batch_size, world_size, rank)
        self.queue: queue.Queue | None = None
        if threaded and steps > 0:
            self.queue = queue.Queue(maxsize=2)
            threading.Thread(target=self._fill, args=(steps,), daemon=True).start()

    def _draw(self) -> tuple[np.ndarray, np.ndarray, dict]:
        samples, datasets = self.data.next(self.per_step, self.rows)
        return samples, datasets, self.data.blend.state_dict()

    def _fill(self, n: int) -> None:
        for _ in range(n):
            try:
                self.queue.put(("ok", self._draw()))
            except BaseException as e:  # handed to the training thread, which raises it
                self.queue.put(("error", e))
                return

    def next(self) -> tuple[np.ndarray, np.ndarray, dict]:
        if self.queue is None:
            return self._draw()
        kind, value = self.queue.get()
        if kind == "error":
            raise value
        return value
