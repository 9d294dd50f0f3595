"""`attention: flash` (curation/train/attention.py): the trainer proves the flash kernel ran, or stops."""

from __future__ import annotations

import pytest
from conftest import random_blend

from curation.core.errors import UserError
from curation.train.config import load_train_config

torch = pytest.importorskip("torch", reason="the trainer's tests need the train extra (torch, transformers)")
pytestmark = pytest.mark.usefixtures("one_thread")


def test_flash_only_training_logs_the_flash_kernel_of_every_layer(tmp_path):
    from curation.train.loop import train

    cfg = load_train_config("tiny", ["model.vocab_size=1000", "data.seq_length=32", "train_steps=3", "precision=fp32", "attention=flash", "data.reset_attention_mask=false"])
    lines: list[str] = []
    r = train(random_blend(tmp_path), cfg, out=tmp_path / "out", device="cpu", log=lines.append)
    assert r.step == 3
    verified = [line for line in lines if line.startswith("attention: flash verified")]
    assert verified == ["attention: flash verified: one forward of 4 x 32 tokens, fp32, on cpu ran 2 x aten::_scaled_dot_product_flash_attention_for_cpu (2 layers), no other SDPA kernel"]


def test_a_forward_that_cannot_take_flash_stops_with_the_reason():
    """Attention dropout in training mode has no flash kernel on a CPU: SDPA picks the math kernel when
    free to choose, and raises under flash only (no silent fallback)."""
    from curation.train.attention import sdpa_kernels, verify_flash
    from curation.train.model import build_model, llama_config

    config = llama_config(load_train_config("tiny").model, 128, 32)
    config.attention_dropout = 0.1
    model = build_model(config, seed=0).train()
    ids = torch.randint(4, 128, (2, 32))
    with torch.no_grad():
        assert sdpa_kernels(lambda: model(input_ids=ids)) == {"aten::_scaled_dot_product_attention_math": 2}
        with pytest.raises(UserError, match=r"attention: flash: the flash-attention kernel cannot run 2 x 32 \(.*dropout.*No available kernel"):
            verify_flash(lambda: model(input_ids=ids), 2, "2 x 32")
        model.eval()  # no dropout: flash runs
        assert verify_flash(lambda: model(input_ids=ids), 2, "2 x 32").startswith("attention: flash verified")
