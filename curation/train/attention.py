"""`attention: flash`: attention that must take PyTorch's flash-attention kernel, or fail saying why.

Under `sdpa_kernel([SDPBackend.FLASH_ATTENTION])` SDPA may use no other kernel: where flash cannot run
(an explicit mask, a dtype or head size it does not support, a GPU without it) the call raises instead of
falling back to the memory-efficient or math kernel. The trainer runs every forward (and the backward
that follows it) inside that context, so a run that trains took the flash path; `probe_flash` makes the
same call once with the model's shapes before training, so a run that cannot take it stops at once.
Under torch.compile the kernel is chosen while tracing, inside the same context: the compiled graph
holds the flash op or tracing fails.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel
from transformers import LlamaConfig

from curation.core.errors import UserError


def attention_context(mode: str) -> AbstractContextManager:
    """The context every forward and backward runs in: flash only, or SDPA's own choice."""
    return sdpa_kernel([SDPBackend.FLASH_ATTENTION]) if mode == "flash" else nullcontext()


def probe_flash(config: LlamaConfig, micro_batch: int, seq_length: int, dtype: torch.dtype, device: torch.device) -> str:
    """One causal SDPA call with the model's attention shapes under flash only; the line to log."""
    heads, kv = config.num_attention_heads, config.num_key_value_heads
    head_dim = config.hidden_size // heads
    shape = (micro_batch, heads, seq_length, head_dim)
    q = torch.randn(shape, dtype=dtype, device=device, requires_grad=True)
    k, v = (torch.randn(micro_batch, kv, seq_length, head_dim, dtype=dtype, device=device, requires_grad=True) for _ in range(2))
    try:
        with attention_context("flash"):
            # The call transformers makes with no mask: is_causal, grouped-query heads left to the kernel.
            F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=kv != heads).sum().backward()
    except RuntimeError as e:
        reason = " ".join(str(e).split())[:300]
        raise UserError(f"attention: flash: the flash-attention kernel cannot run q {tuple(shape)} {dtype} on {device} ({reason})") from None
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return f"attention: flash only (sdpa_kernel FLASH_ATTENTION, no fallback); probe passed for q {tuple(shape)} {str(dtype).removeprefix('torch.')} on {name}"
