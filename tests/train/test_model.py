"""The model (curation/train/model.py): preset sizes and the FLOPs MFU counts."""

from __future__ import annotations

import pytest

from curation.train.config import load_train_config

torch = pytest.importorskip("torch", reason="the trainer's tests need the train extra (torch, transformers)")


def test_preset_sizes():
    """150m: ~155M parameters with the 256k vocabulary; 1b: ~1.0B (counted on the meta device)."""
    from transformers import LlamaForCausalLM

    from curation.train.model import llama_config, matmul_params

    for preset, low, high in (("150m", 150e6, 160e6), ("1b", 0.95e9, 1.1e9)):
        cfg = load_train_config(preset)
        with torch.device("meta"):
            model = LlamaForCausalLM(llama_config(cfg.model, 256_000, cfg.data.seq_length))
        n = sum(p.numel() for p in model.parameters())
        assert low < n < high, (preset, n)
        assert matmul_params(model.config) == sum(p.numel() for name, p in model.named_parameters() if p.ndim == 2 and "embed" not in name) + (256_000 * cfg.model.hidden_size if cfg.model.tie_embeddings else 0)
