"""From a global batch to a process's model inputs (curation/train/batch.py): GPTDataset's masks and
positions, per-document attention, and Megatron's split of a global batch over processes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EOD, random_blend

from curation.train.batch import StepFeed, make_micro_batch, rank_rows, to_device
from curation.train.config import load_train_config
from curation.train.data import BlendedSamples, read_blend

torch = pytest.importorskip("torch", reason="the trainer's tests need the train extra (torch, transformers)")
pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("reset_position_ids,eod_mask_loss", [(False, False), (True, True)])
def test_masks_and_positions_equal_megatron(reset_position_ids, eod_mask_loss):
    """Position ids, loss mask and the per-document attention mask equal GPTDataset's."""
    pytest.importorskip("megatron.core", reason="megatron-core (dev extra) is the reference implementation")
    from megatron.core.datasets.gpt_dataset import _get_ltor_masks_and_position_ids

    samples = np.array([[5, 6, 2, 7, 8, 9, 2, 2, 10, 11, 12, 13, 14], [2, 4, 4, 4, 4, 4, 4, 2, 5, 5, 5, 5, 5]])
    mb = make_micro_batch(samples, EOD, reset_position_ids, eod_mask_loss)
    cfg = load_train_config("tiny", [f"data.reset_position_ids={str(reset_position_ids).lower()}", "data.reset_attention_mask=true"])
    ours = to_device(mb, cfg.data, torch.device("cpu"))
    for b in range(len(samples)):
        mask, loss_mask, positions = _get_ltor_masks_and_position_ids(
            torch.from_numpy(samples[b, :-1]), EOD, reset_position_ids, True, eod_mask_loss, True
        )
        assert np.array_equal(mb.position_ids[b], positions.numpy())
        assert np.array_equal(mb.loss_mask[b], loss_mask.numpy())
        assert torch.equal(ours["attention_mask"][b, 0], ~mask[0])  # Megatron: True = masked out
    assert np.array_equal(mb.labels, samples[:, 1:]) and np.array_equal(mb.input_ids, samples[:, :-1])


def test_attention_reset_keeps_documents_apart():
    """With reset_attention_mask a document packed after another gets the logits it gets alone."""
    from curation.train.model import build_model, llama_config

    cfg = load_train_config("tiny")
    model = build_model(llama_config(cfg.model, 128, 64), seed=0).eval()
    a, b, c = [5, 6, 7, 2], [8, 9, 10, 11, 12, 2], [13, 14]
    batch = to_device(make_micro_batch(np.array([a + b + c + [15]]), EOD, False, False), cfg.data, torch.device("cpu"))
    with torch.no_grad():
        packed = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], position_ids=batch["position_ids"]).logits
        alone = model(input_ids=torch.tensor([b])).logits
        leaky = model(input_ids=batch["input_ids"]).logits
    assert torch.allclose(packed[0, 4:10], alone[0], atol=1e-5)
    assert not torch.allclose(leaky[0, 4:10], alone[0], atol=1e-3)  # without the mask, a leaks into b


def test_rank_rows_follow_megatrons_sampler():
    """MegatronPretrainingSampler: micro-step by micro-step, micro_batch x world consecutive samples,
    rank r the r-th micro-batch of them (megatron/legacy/data/data_samplers.py, __iter__ / get_start_end_idx)."""
    assert rank_rows(8, 2, 2, 0).tolist() == [0, 1, 4, 5]
    assert rank_rows(8, 2, 2, 1).tolist() == [2, 3, 6, 7]
    for gb, mb, world in ((8, 4, 1), (12, 2, 3), (64, 4, 8), (6, 1, 6)):
        shares = [rank_rows(gb, mb, world, r) for r in range(world)]
        steps = gb // (mb * world)
        # micro-step by micro-step, rank by rank: the whole global batch, in order
        merged = [int(x) for s in range(steps) for share in shares for x in share[s * mb : (s + 1) * mb]]
        assert merged == list(range(gb))


def test_ranks_together_read_the_one_process_sample_sequence(tmp_path):
    """Two processes' feeds, interleaved per micro-step, give exactly one process's samples, step by step,
    and every feed reports the same global blend position."""
    items = read_blend(random_blend(tmp_path))["train"]
    d = load_train_config("tiny", ["data.seq_length=16", "data.micro_batch_size=2", "data.global_batch_size=8"]).data
    feeds = [StepFeed(BlendedSamples(items, 5 * 8, 16, d.seed), d, world, rank, 5, threaded=False) for world, rank in ((1, 0), (2, 0), (2, 1))]
    for _ in range(5):
        (one, _, state1), (r0, _, state_a), (r1, _, state_b) = (f.next() for f in feeds)
        merged = np.concatenate([r0[0:2], r1[0:2], r0[2:4], r1[2:4]])
        assert np.array_equal(merged, one)
        assert state1 == state_a == state_b
