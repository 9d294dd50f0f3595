"""Data-parallel training on 2 CPU processes (gloo) started by `curate train --nproc-per-node 2` (torchrun):
the same losses as one process with the same global batch, resume on 2 processes and on 1 from a
2-process checkpoint (distributed.py, parallel.py, checkpoint.py, launch.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import curate, random_blend

from curation.train.config import load_train_config

torch = pytest.importorskip("torch", reason="the trainer's tests need the train extra (torch, transformers)")
pytestmark = pytest.mark.usefixtures("one_thread")

# 8 samples per step: one micro-batch of 4 per process on 2 processes, two accumulated on 1.
SETTINGS = {
    "model.vocab_size": 1000, "precision": "fp32", "data.seq_length": 32, "data.micro_batch_size": 4, "data.global_batch_size": 8,
    "train_steps": 10, "log_interval": 1, "eval_interval": 5, "save_interval": 5, "eval_samples": 6,
    "data.eod_mask_loss": "true",  # loss-token counts then differ per process: the global count is summed
}
ONE_THREAD = {"OMP_NUM_THREADS": "1"}  # per process; see one_thread()


def options(blend: Path, out: Path, **extra) -> list[str]:
    sets = [x for k, v in {**SETTINGS, **extra}.items() for x in ("--set", f"{k}={v}")]
    return ["--blend", str(blend), "--device", "cpu", "--out", str(out), *sets]


def one_process(blend: Path, out: Path, **extra):
    from curation.train.loop import train

    cfg = load_train_config("tiny", [f"{k}={v}" for k, v in {**SETTINGS, **extra}.items()])
    return train(blend, cfg, out=out, device="cpu", log=lambda m: None)


def two_processes(blend: Path, out: Path, *more: str, **extra):
    r = curate("train", *options(blend, out, **extra), "--nproc-per-node", "2", *more, env=ONE_THREAD, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    return r


def logged(out: Path) -> tuple[dict[int, float], dict[int, dict]]:
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    return {r["step"]: r["loss"] for r in records if "loss" in r}, {r["step"]: r["valid"] for r in records if "valid" in r}


def test_two_processes_train_as_one_and_resume_on_two_or_one(tmp_path):
    blend = random_blend(tmp_path)
    one_process(blend, tmp_path / "one")
    one_losses, one_valid = logged(tmp_path / "one")
    assert sorted(one_losses) == list(range(1, 11))

    # 2 processes, stopped at step 5 (a checkpoint), then resumed on 2 processes ...
    r = two_processes(blend, tmp_path / "two", "--stop-at-step", "5")
    assert "2 processes (ddp, gloo)" in r.stderr and "tokens/s/device" in r.stderr
    assert r.stdout.count("trained to step 5/10") == 1  # printed by process 0 only
    shutil.copytree(tmp_path / "two", tmp_path / "two-then-one")
    two_processes(blend, tmp_path / "two")
    two_losses, two_valid = logged(tmp_path / "two")
    assert sorted(two_losses) == list(range(1, 11))
    for step in range(1, 11):
        assert two_losses[step] == pytest.approx(one_losses[step], rel=1e-5, abs=1e-6), step
    for step in (5, 10):
        assert two_valid[step] == pytest.approx(one_valid[step], rel=1e-5)
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["processes"] == 2 and summary["parallel"] == "ddp" and summary["tokens_per_s_per_device"] == pytest.approx(summary["tokens_per_s"] / 2)

    # ... and the 2-process checkpoint of step 5 resumed on 1 process
    rest = one_process(blend, tmp_path / "two-then-one")
    assert sorted(rest.losses) == list(range(6, 11))
    for step in range(6, 11):
        assert rest.losses[step] == pytest.approx(one_losses[step], rel=1e-5, abs=1e-6), step
    assert (tmp_path / "two-then-one" / "model" / "model.safetensors").is_file()


def test_a_global_batch_that_does_not_split_is_one_line_before_any_process_starts(tmp_path):
    blend = random_blend(tmp_path)
    r = curate("train", *options(blend, tmp_path / "out"), "--nproc-per-node", "3", env=ONE_THREAD)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: data.global_batch_size 8 is not a multiple of data.micro_batch_size 4 x 3 processes (= 12): global = micro x accumulation x processes"


@pytest.mark.slow
def test_fsdp_on_two_processes_trains_as_one_and_resumes(tmp_path):
    """parallel=fsdp: parameters, gradients and optimizer state sharded (FSDP2 fully_shard); its
    checkpoint holds the full state, so it resumes sharded again, and the final model is whole."""
    blend = random_blend(tmp_path)
    every_token = {"data.eod_mask_loss": "false"}  # each process counts its tokens alone
    one = one_process(blend, tmp_path / "one", **every_token)
    r = two_processes(blend, tmp_path / "fsdp", "--stop-at-step", "5", parallel="fsdp", **every_token)
    assert "2 processes (fsdp, gloo)" in r.stderr
    two_processes(blend, tmp_path / "fsdp", parallel="fsdp", **every_token)
    losses, valid = logged(tmp_path / "fsdp")
    for step in range(1, 11):
        assert losses[step] == pytest.approx(one.losses[step], rel=1e-5, abs=1e-6), step
    assert valid[10] == pytest.approx(one.valid, rel=1e-5)
    from transformers import AutoModelForCausalLM

    ours = AutoModelForCausalLM.from_pretrained(tmp_path / "fsdp" / "model").state_dict()
    reference = AutoModelForCausalLM.from_pretrained(tmp_path / "one" / "model").state_dict()
    assert ours.keys() == reference.keys()
    for name in ours:
        assert torch.allclose(ours[name], reference[name], rtol=1e-4, atol=1e-5), name
