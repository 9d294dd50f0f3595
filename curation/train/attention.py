"""`attention: flash`: attention that must take PyTorch's flash-attention kernel, or fail saying why.

Under `sdpa_kernel([SDPBackend.FLASH_ATTENTION])` SDPA may use no other kernel: where flash cannot run
(an explicit mask on CUDA, a dtype or head size it does not support, a GPU without it, dropout on a CPU)
the call raises instead of falling back to the memory-efficient, cuDNN or math kernel. The trainer runs
every forward (and the backward that follows it) inside that context. Before the first step,
`verify_flash` runs one forward of the model on a micro-batch of the training shape under the profiler
and counts the SDPA kernels that ran (`aten::_scaled_dot_product_<kernel>` ops): exactly one flash call
per layer and no other kernel, or the run stops with the kernels it saw. Under torch.compile the kernel is
chosen while tracing, inside the same context, so the compiled graph holds the flash op or tracing fails.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.profiler import ProfilerActivity, profile

from curation.core.errors import UserError

SDPA_KERNEL_PREFIX = "aten::_scaled_dot_product_"  # ..._flash_attention(_for_cpu), _efficient_attention, _cudnn_attention, _attention_math


def attention_context(mode: str) -> AbstractContextManager:
    """The context every forward and backward runs in: flash only, or SDPA's own choice."""
    return sdpa_kernel([SDPBackend.FLASH_ATTENTION]) if mode == "flash" else nullcontext()


def sdpa_kernels(forward: Callable[[], object]) -> Counter[str]:
    """The SDPA kernels `forward` ran, by profiler op name, counted."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:  # op events are recorded on the host
        forward()
    return Counter(e.name for e in prof.events() if e.name.startswith(SDPA_KERNEL_PREFIX))


def verify_flash(forward: Callable[[], object], layers: int, what: str) -> str:
    """Run `forward` (one model forward, no grad) flash-only; the line to log, or a UserError."""
    try:
        # SDPA says why a kernel cannot run in warnings, and raises "No available kernel" after them.
        with warnings.catch_warnings(record=True) as said, attention_context("flash"):
            warnings.simplefilter("always")
            kernels = sdpa_kernels(forward)
    except RuntimeError as e:
        why = [str(w.message).split(" (Triggered internally")[0] for w in said if "kernel" in str(w.message).lower()]
        reason = " ".join("; ".join([*why, str(e)]).replace(":;", ":").split())[:400]
        raise UserError(f"attention: flash: the flash-attention kernel cannot run {what} ({reason})") from None
    flash = sum(n for name, n in kernels.items() if "flash" in name)
    if flash != layers or len(kernels) != 1:
        raise UserError(f"attention: flash: one forward of {what} ran SDPA kernels {dict(kernels)}; expected {layers} flash-attention calls and no other")
    return f"attention: flash verified: one forward of {what} ran {flash} x {next(iter(kernels))} ({layers} layers), no other SDPA kernel"
