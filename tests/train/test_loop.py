"""The training loop on one process (curation/train/loop.py): training that lowers the loss, exact resume,
the saved model and tokenizer, throughput, the schedule, and `curate train`'s errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import curate, tiny

from curation.core.errors import UserError
from curation.train.config import load_train_config

torch = pytest.importorskip("torch", reason="the trainer's tests need the train extra (torch, transformers)")
pytestmark = pytest.mark.usefixtures("one_thread")


def test_tiny_model_trains_resumes_exactly_and_saves_a_loadable_model(run_dir, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from curation.train.loop import train

    blend = run_dir / "blend" / "mix.per-split.json"
    roots = {"data_root": run_dir / "shards", "log": lambda m: None}
    whole = train(blend, load_train_config("tiny", tiny()), out=tmp_path / "whole", device="cpu", **roots)
    losses = [whole.losses[s] for s in range(1, 17)]
    assert np.mean(losses[-4:]) < losses[0] - 1.0, losses  # from ~ln(256) towards the grammar's entropy
    assert set(whole.valid) == {"ca", "en", "es"} and all(math.isfinite(v) for v in whole.valid.values())

    # Interrupted at step 5 (not a checkpoint step: the stop saves one), resumed in a fresh call.
    cut = train(blend, load_train_config("tiny", tiny()), out=tmp_path / "cut", device="cpu", stop_at_step=5, **roots)
    assert cut.step == 5 and cut.model_dir is None
    rest = train(blend, load_train_config("tiny", tiny()), out=tmp_path / "cut", device="cpu", **roots)
    resumed = {**cut.losses, **rest.losses}
    assert sorted(rest.losses) == list(range(6, 17))
    assert [resumed[s] for s in range(1, 17)] == losses  # bit for bit: same samples, same optimizer state
    logged = [json.loads(line) for line in (tmp_path / "cut" / "log.jsonl").read_text().splitlines()]
    assert [r["loss"] for r in logged if "loss" in r] == losses

    # A changed config cannot resume that run's checkpoints.
    with pytest.raises(UserError, match="another blend or config"):
        train(blend, load_train_config("tiny", tiny(**{"optim.lr": 1e-2})), out=tmp_path / "cut", device="cpu", stop_at_step=16, **roots)

    model = AutoModelForCausalLM.from_pretrained(whole.model_dir)
    tok = AutoTokenizer.from_pretrained(whole.model_dir)
    assert type(model).__name__ == "LlamaForCausalLM" and model.config.vocab_size == 256
    assert model.config.num_key_value_heads == 2 and not model.config.tie_word_embeddings
    ids = tok("el gat menja pa", return_tensors="pt").input_ids
    assert ids[0, 0] == 1 and ids.shape[1] > 2  # bos, then pieces of the run's tokenizer
    with torch.no_grad():
        out = model(input_ids=ids).logits
    assert out.shape == (1, ids.shape[1], 256) and torch.isfinite(out).all()


def test_bf16_autocast_path_trains_and_reports_throughput(run_dir, tmp_path):
    """The GPU code path (bf16 autocast, fused-or-foreach AdamW, the same loop) exercised on the CPU."""
    from curation.train.loop import train

    r = train(run_dir / "blend" / "mix.per-split.json", load_train_config("tiny", tiny(precision="bf16", train_steps=6, eval_interval=100, save_interval=100)),
              out=tmp_path / "bf16", device="cpu", data_root=run_dir / "shards", log=lambda m: None)
    assert r.step == 6 and r.tokens_per_s and r.tokens_per_s > 0 and r.mfu is None  # no peak FLOP/s known for a CPU
    summary = json.loads((tmp_path / "bf16" / "summary.json").read_text())
    assert summary["precision"] == "bf16 autocast" and summary["flops_per_token"] > 0


def test_steps_from_the_mixture_budget_and_the_schedule(run_dir):
    from curation.train.loop import steps_from_budget
    from curation.train.optim import lr_at

    assert steps_from_budget(run_dir / "blend" / "mix.per-split.json", 8 * 32) == math.ceil(1e5 / 256)
    cfg = load_train_config("tiny", ["optim.lr=1e-3", "optim.min_lr=1e-4", "optim.warmup_steps=4"])
    assert lr_at(0, cfg, 100) == pytest.approx(1e-3 / 5) and lr_at(3, cfg, 100) == pytest.approx(1e-3 * 4 / 5)
    assert lr_at(4, cfg, 100) == pytest.approx(1e-3) and lr_at(100, cfg, 100) == pytest.approx(1e-4)
    assert lr_at(52, cfg, 100) == pytest.approx(1e-4 + 0.9e-3 * 0.5)


# --- user errors ----------------------------------------------------------------------------------------


def test_cli_reports_a_missing_blend_in_one_line(tmp_path):
    r = curate("train", "--blend", str(tmp_path / "nope.per-split.json"), "--device", "cpu")
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'nope.per-split.json'}: no such blend file"


@pytest.mark.slow
def test_demo_run_blend_trains_a_tiny_model_from_the_command_line(tmp_path):
    """End to end: the bundled demo with a tokenizer and the demo mixture -> RUN/blend -> `curate train`."""
    demo = Path(__file__).resolve().parents[2] / "pipelines" / "demo.yaml"
    text = demo.read_text().replace("name: demo\n", "name: demo-train\n", 1)
    if "\ntokenizer:" not in text:
        text += "\ntokenizer:\n  train: {vocab_size: 2000}\n"
    if "\nmixture:" not in text:
        text += "mixture: demo\n"
    pipeline = tmp_path / "demo.yaml"
    pipeline.write_text(text)
    r = curate("run", str(pipeline), "--runs-dir", str(tmp_path / "runs"), timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    run = tmp_path / "runs" / "demo-train"
    blend = next((run / "blend").glob("*.per-split.json"))
    r = curate("train", "--blend", str(blend), "--device", "cpu", "--steps", "30", "--set", "precision=fp32", "--set", "eval_interval=30",
               env={"OMP_NUM_THREADS": "1"}, timeout=900)  # see one_thread()
    assert r.returncode == 0, r.stderr[-3000:]
    out = run / "train" / f"{blend.name.replace('.per-split.json', '')}-tiny"
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    losses = [x["loss"] for x in records if "loss" in x]
    assert len(losses) == 30 and np.mean(losses[-5:]) < losses[0] - 0.5, losses
    valid = [x["valid"] for x in records if "valid" in x][-1]
    assert {"es", "ca"} <= set(valid)
    assert (out / "model" / "model.safetensors").is_file() and (out / "model" / "tokenizer.model").is_file()
