"""The model: transformers' `LlamaForCausalLM` with Salamandra's architecture at the configured size.

Salamandra's own converter exports to LlamaForCausalLM (megatron-format.md 5.1), so the checkpoint loads
anywhere in the Hugging Face ecosystem. Attention is PyTorch SDPA (`attn_implementation="sdpa"`).

MFU follows PaLM (Chowdhery et al. 2022, appendix B): FLOPs per token = 6 * N + 12 * L * d * S, N the
parameters of every matmul (attention, MLP and the output head, not the embedding lookup), L layers, d
the query width (heads x head_dim), S the sequence length. The attention term counts the full S x S score
matrix although causal (and per-document) masking skips part of it, as PaLM, nanoGPT and torchtitan do,
so MFU is comparable with theirs.
"""

from __future__ import annotations

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from curation.train.config import ModelConfig

# Dense bf16 tensor-core peak per device (vendor datasheets, without sparsity), by device-name substring,
# most specific first.
PEAK_BF16_FLOPS = (
    ("H100 PCIe", 756e12),
    ("H100 NVL", 835e12),
    ("H100", 989e12),  # SXM5 (HBM3)
    ("H200", 989e12),
    ("GH200", 989e12),
    ("B200", 2250e12),
    ("A100", 312e12),
    ("L40S", 362e12),
    ("A10G", 70e12),
    ("L4", 121e12),
)


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """bf16 where asked, or where the device computes in bf16 natively under `auto`; None = fp32."""
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else None
    native = getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)() or getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
    return torch.bfloat16 if native else None


def padded_vocab(vocab_size: int, multiple: int) -> int:
    return -(-vocab_size // multiple) * multiple


def llama_config(cfg: ModelConfig, vocab_size: int, seq_length: int, bos_id: int = 1, eos_id: int = 2, pad_id: int | None = 3) -> LlamaConfig:
    return LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        num_key_value_heads=cfg.kv_heads,
        hidden_act="silu",  # SwiGLU: silu(gate) * up
        max_position_embeddings=seq_length,
        rms_norm_eps=cfg.rms_norm_eps,
        rope_theta=cfg.rope_theta,
        tie_word_embeddings=cfg.tie_embeddings,
        attention_bias=False,
        mlp_bias=False,
        attention_dropout=0.0,
        initializer_range=cfg.init_std,
        bos_token_id=bos_id,
        eos_token_id=eos_id,
        pad_token_id=pad_id if pad_id is not None and 0 <= pad_id < vocab_size else None,
        use_cache=False,
    )


def build_model(config: LlamaConfig, seed: int) -> LlamaForCausalLM:
    """Weights initialised from `seed` (fp32 master weights; autocast handles bf16)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM._from_config(config, attn_implementation="sdpa", dtype=torch.float32)
    return model


def matmul_params(config: LlamaConfig) -> int:
    """Parameters that take part in a matmul per token: attention, MLP and the output head."""
    d, L, f, V = config.hidden_size, config.num_hidden_layers, config.intermediate_size, config.vocab_size
    head_dim = d // config.num_attention_heads
    q_o = 2 * d * d
    k_v = 2 * d * config.num_key_value_heads * head_dim
    mlp = 3 * d * f
    return L * (q_o + k_v + mlp) + V * d


def flops_per_token(config: LlamaConfig, seq_length: int) -> float:
    """Training FLOPs per token (forward + backward), PaLM's formula (see the module docstring)."""
    return 6.0 * matmul_params(config) + 12.0 * config.num_hidden_layers * config.hidden_size * seq_length


def peak_flops(device: torch.device, override_tflops: float | None) -> float | None:
    """Peak dense bf16 FLOP/s of one device, or None where unknown (CPUs: no MFU unless configured)."""
    if override_tflops is not None:
        return override_tflops * 1e12
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for key, flops in PEAK_BF16_FLOPS:
        if key in name:
            return flops
    return None
