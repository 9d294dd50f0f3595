"""Megatron's data semantics (curation/train/data.py): megatron-core's sample order, the greedy blend's
mixture and resumable state, a process's share of a draw, and blend-file errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import EOD, random_shard

from curation.core.errors import UserError
from curation.train.data import BlendedSamples, GreedyBlend, read_blend


def test_blend_order_and_samples_equal_megatron_core(tmp_path):
    """Same per-split blend, size and seed -> the same shard and the same tokens for every sample as
    megatron-core 0.16.1's BlendedMegatronDatasetBuilder (one-epoch, multi-epoch and separated-final-epoch
    shards, uint16 and int32 tokens)."""
    pytest.importorskip("megatron.core", reason="megatron-core (dev extra) is the reference implementation")
    from megatron.core.datasets.blended_megatron_dataset_builder import (
        BlendedMegatronDatasetBuilder,
    )
    from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
    from megatron.core.datasets.utils import get_blend_from_list

    prefixes = [
        random_shard(tmp_path / "es" / "a_train_text_document", 400, 60, 1),
        random_shard(tmp_path / "ca" / "b_train_text_document", 40, 60, 2),
        random_shard(tmp_path / "gl" / "c_train_text_document", 7, 30, 3, dtype=np.int32),
        random_shard(tmp_path / "eu" / "d_train_text_document", 90, 20, 4),  # 2 epochs, the 2nd used < 80%
    ]
    weights = [4.5e-05, 3e-05, 2e-05, 5e-06]  # unnormalized, as in Salamandra's lists: both normalize
    pairs = [x for w, p in zip(weights, prefixes) for x in (w, p)]
    (tmp_path / "mix.per-split.json").write_text(json.dumps({"train": pairs, "valid": pairs, "test": pairs}))
    N, S, seed = 700, 64, 1234
    ours = BlendedSamples(read_blend(tmp_path / "mix.per-split.json")["train"], N, S, seed)
    tokens, dataset = ours.next(N)
    epochs = [d.epochs for d in ours.datasets]
    assert max(epochs) > 1 and min(epochs) == 1
    assert any(d.separate_final_epoch for d in ours.datasets), "the test should cover a separated final epoch"

    class Tok:
        eod, vocab_size, pad = EOD, 1000, 3
        unique_identifiers = {"class": "test"}

    cfg = GPTDatasetConfig(
        random_seed=seed, sequence_length=S, blend_per_split=[get_blend_from_list([str(x) for x in pairs]), None, None],
        path_to_cache=None, tokenizer=Tok(), reset_position_ids=False, reset_attention_mask=False,
        eod_mask_loss=False, create_attention_mask=False,
    )
    reference, _, _ = BlendedMegatronDatasetBuilder(GPTDataset, [N, 0, 0], lambda: True, cfg).build()
    for t in range(N):
        sample = reference[t]
        text = np.concatenate([sample["tokens"].numpy(), sample["labels"].numpy()[-1:]])
        assert int(sample["dataset_id"]) == dataset[t], f"sample {t}: shard differs"
        assert np.array_equal(text, tokens[t]), f"sample {t}: tokens differ"


def test_realised_mixture_within_one_sample_per_dataset():
    rng = np.random.default_rng(7)
    for k in (2, 5, 40):
        weights = rng.dirichlet(np.full(k, 0.5))
        weights = weights / weights.sum()
        blend = GreedyBlend(list(weights))
        drawn = 0
        for n in (1, 9, 90, 900, 9000):
            blend.take(n)
            drawn += n
            counts = blend.counts
            assert counts.sum() == drawn
            assert np.all(np.abs(counts - drawn * blend.weights) <= 1.0), (k, drawn, counts, drawn * blend.weights)


def test_blend_stream_resumes_from_its_state():
    weights = [0.5, 0.25, 0.125, 0.125]
    whole = GreedyBlend(weights)
    ds_all, idx_all = whole.take(1000)
    first = GreedyBlend(weights)
    ds1, idx1 = first.take(333)
    resumed = GreedyBlend(weights)
    resumed.load_state_dict(json.loads(json.dumps(first.state_dict())))  # as a checkpoint stores it
    ds2, idx2 = resumed.take(667)
    assert np.array_equal(np.concatenate([ds1, ds2]), ds_all) and np.array_equal(np.concatenate([idx1, idx2]), idx_all)
    for i in range(len(weights)):  # each shard's samples are used in order, none skipped or repeated
        assert np.array_equal(idx_all[ds_all == i], np.arange((ds_all == i).sum()))


def test_a_share_of_a_draw_is_those_rows_and_advances_the_blend_by_the_whole_draw(tmp_path):
    prefixes = [random_shard(tmp_path / "es" / "a_train_text_document", 50, 30, 1), random_shard(tmp_path / "ca" / "b_train_text_document", 20, 30, 2)]
    items = read_blend_items(tmp_path, prefixes)
    whole, share = BlendedSamples(items, 64, 16, 7), BlendedSamples(items, 64, 16, 7)
    rows = np.array([1, 2, 5, 6])
    for _ in range(3):
        tokens, datasets = whole.next(8)
        mine, mine_datasets = share.next(8, rows)
        assert np.array_equal(mine, tokens[rows]) and np.array_equal(mine_datasets, datasets[rows])
        assert share.blend.state_dict() == whole.blend.state_dict()


def read_blend_items(folder, prefixes):
    path = folder / "two.per-split.json"
    path.write_text(json.dumps({"train": [2, prefixes[0], 1, prefixes[1]], "valid": [], "test": []}))
    return read_blend(path)["train"]


def test_blend_file_errors_are_user_errors(tmp_path, run_dir):
    bad = tmp_path / "bad.per-split.json"
    bad.write_text(json.dumps({"train": [0.5, "/x/a", 0, "/x/b"], "valid": [], "test": []}))
    with pytest.raises(UserError, match=r"'train'\[2\]: weight 0 must be > 0"):
        read_blend(bad)
    bad.write_text(json.dumps({"train": [1.0, "es/synthetic_train_text_document"], "valid": None, "test": None}))
    with pytest.raises(UserError, match="pass --data-root"):
        read_blend(bad)
    assert read_blend(bad, run_dir / "shards")["train"][0].language == "es"
    bad.write_text(json.dumps({"train": "3 /x/es/a 1 /x/ca/b", "valid": [], "test": []}))  # Megatron's string form
    assert [(it.weight, it.prefix, it.language) for it in read_blend(bad)["train"]] == [(0.75, "/x/es/a", "es"), (0.25, "/x/ca/b", "ca")]
