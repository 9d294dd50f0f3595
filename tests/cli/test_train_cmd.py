"""`curate train`'s options as handed to the processes torchrun starts (curation/cli/train.py)."""

from __future__ import annotations

from curation.cli.train import forwarded_options, train


def test_every_option_given_but_nproc_per_node_is_forwarded():
    args = ["--blend", "b.per-split.json", "--config", "150m", "--set", "a=1", "--set", "b.c=x y", "--steps", "7", "--device", "cpu",
            "--data-root", "/d", "--tokenizer", "/t", "--out", "/o", "--force", "--stop-at-step", "3", "--nproc-per-node", "4"]
    ctx = train.make_context("train", list(args))
    assert forwarded_options(ctx) == [
        "--blend", "b.per-split.json", "--config", "150m", "--set", "a=1", "--set", "b.c=x y", "--steps", "7", "--device", "cpu",
        "--data-root", "/d", "--tokenizer", "/t", "--out", "/o", "--force", "--stop-at-step", "3",
    ]
    ctx = train.make_context("train", ["--blend", "b.per-split.json", "--nproc-per-node", "2"])
    assert forwarded_options(ctx) == ["--blend", "b.per-split.json", "--device", "auto"]  # defaults stay explicit
