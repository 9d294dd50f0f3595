"""Typed trainer configuration: presets `tiny` (CPU tests), `150m`, `1b` (configs/*.yaml) or a YAML file.

Defaults are Salamandra's (salamandra-data.md 5, the 2B NeMo config): RoPE base 10000, RMSNorm eps 1e-5,
no bias, untied embeddings, AdamW betas 0.9/0.95, weight decay 0.1, lr 2e-4 -> 2e-5 cosine after 2000
warm-up steps, clipping at 1.0, reset_attention_mask true, reset_position_ids false, eod_mask_loss false.
The presets scale the model, batch and schedule down; any field can be overridden with `--set a.b=value`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from curation.core.errors import UserError
from curation.core.yamlfile import load as load_yaml_text
from curation.core.yamlfile import read_yaml, validate

PositiveInt = Annotated[int, Field(ge=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelConfig(_Strict):
    """Llama architecture as Salamandra uses it (SwiGLU MLP, RMSNorm, RoPE, grouped-query attention)."""

    vocab_size: PositiveInt | None = None  # None: the run's tokenizer size (required when there is none)
    # Megatron's make_vocab_size_divisible_by: the embedding is padded so matmuls tile well.
    pad_vocab_to_multiple_of: PositiveInt = 128
    hidden_size: PositiveInt = 2048
    intermediate_size: PositiveInt = 5440
    num_layers: PositiveInt = 24
    num_heads: PositiveInt = 16
    num_kv_heads: PositiveInt | None = None  # None: as many as query heads (MHA, Salamandra 2B); 8 for 7B
    rope_theta: Annotated[float, Field(gt=0)] = 10000.0
    rms_norm_eps: Annotated[float, Field(gt=0)] = 1e-5
    tie_embeddings: bool = False  # Salamandra: untied; tied pays off when a 256k vocabulary dominates
    init_std: Annotated[float, Field(gt=0)] = 0.02

    @model_validator(mode="after")
    def _heads(self) -> ModelConfig:
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size {self.hidden_size} is not a multiple of num_heads {self.num_heads}")
        if self.num_heads % self.kv_heads:
            raise ValueError(f"num_heads {self.num_heads} is not a multiple of num_kv_heads {self.kv_heads}")
        return self

    @property
    def kv_heads(self) -> int:
        return self.num_kv_heads or self.num_heads


class DataConfig(_Strict):
    """How samples are cut from the shards (Megatron GPTDataset / BlendedDataset semantics)."""

    seq_length: Annotated[int, Field(ge=2)] = 4096
    micro_batch_size: PositiveInt = 1
    # Samples per optimizer step, over all processes: global = micro x accumulation x processes.
    global_batch_size: PositiveInt = 512
    seed: int = 1234  # Megatron's random_seed: document and sample shuffles of every shard
    eod_id: int = 2  # `</s>`, appended to every document by the shards phase
    reset_attention_mask: bool = True  # no attention across documents packed in one sample
    reset_position_ids: bool = False  # positions restart after each EOD (irrelevant to RoPE when the mask resets)
    eod_mask_loss: bool = False  # no loss on predicting the token after an EOD
    mid_level_dataset_surplus: Annotated[float, Field(ge=0)] = 0.005  # Megatron's per-shard sample buffer

    @model_validator(mode="after")
    def _batches(self) -> DataConfig:
        if self.global_batch_size % self.micro_batch_size:
            raise ValueError(f"global_batch_size {self.global_batch_size} is not a multiple of micro_batch_size {self.micro_batch_size}")
        return self

    def accumulation_steps(self, world_size: int) -> int:
        """Micro-batches per process and step; a one-line UserError when the global batch does not split."""
        per_step = self.micro_batch_size * world_size
        if self.global_batch_size % per_step:
            raise UserError(
                f"data.global_batch_size {self.global_batch_size} is not a multiple of data.micro_batch_size "
                f"{self.micro_batch_size} x {world_size} processes (= {per_step}): global = micro x accumulation x processes"
            )
        return self.global_batch_size // per_step


class OptimConfig(_Strict):
    lr: Annotated[float, Field(gt=0)] = 2e-4
    min_lr: Annotated[float, Field(ge=0)] = 2e-5
    betas: tuple[Annotated[float, Field(ge=0, lt=1)], Annotated[float, Field(ge=0, lt=1)]] = (0.9, 0.95)
    eps: Annotated[float, Field(gt=0)] = 1e-8
    weight_decay: Annotated[float, Field(ge=0)] = 0.1  # on matrices only, not on norms (Megatron's rule)
    warmup_steps: Annotated[int, Field(ge=0)] = 2000
    clip_grad: Annotated[float, Field(gt=0)] = 1.0

    @model_validator(mode="after")
    def _lrs(self) -> OptimConfig:
        if self.min_lr > self.lr:
            raise ValueError(f"min_lr {self.min_lr} is above lr {self.lr}")
        return self


class TrainConfig(_Strict):
    name: str = "custom"
    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    optim: OptimConfig = OptimConfig()
    # None: enough steps to draw the mixture's token budget (blend/<mixture>.weights.json) once.
    train_steps: PositiveInt | None = None
    log_interval: PositiveInt = 10
    eval_interval: PositiveInt = 1000  # validation loss per language every this many steps (and at the end)
    eval_samples: PositiveInt = 64  # validation samples per language (fewer if the language has fewer)
    save_interval: PositiveInt = 1000  # checkpoint every this many steps (and at the end)
    keep_checkpoints: PositiveInt = 2
    # auto: bf16 autocast where the device computes in bf16 natively (CUDA with bf16, CPUs with AVX512-BF16
    # or AMX), fp32 elsewhere.
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    compile: Literal["auto", "on", "off"] = "auto"  # auto: torch.compile on CUDA only
    # Peak dense bf16 FLOP/s of one device for MFU; None: looked up from the GPU's name (no MFU on CPU).
    peak_tflops: Annotated[float, Field(gt=0)] | None = None
    # With several processes: ddp replicates the model (gradients all-reduced once per step); fsdp shards
    # parameters, gradients and optimizer state with FSDP2 `fully_shard` (per decoder layer, then the
    # model), for models whose training state does not fit one device.
    parallel: Literal["ddp", "fsdp"] = "ddp"
    # sdpa: PyTorch SDPA picks its kernel. flash: every attention call runs under
    # sdpa_kernel(FLASH_ATTENTION) alone, so SDPA raises instead of falling back to another kernel; a
    # run that trains took the flash path. Needs data.reset_attention_mask=false (no per-document mask).
    attention: Literal["sdpa", "flash"] = "sdpa"

    @model_validator(mode="after")
    def _flash(self) -> TrainConfig:
        if self.attention == "flash" and self.data.reset_attention_mask:
            raise ValueError("attention 'flash' takes no per-document mask: set data.reset_attention_mask=false")
        return self


PRESETS = ("tiny", "150m", "1b")


def preset_path(name: str):
    return resources.files("curation.train") / "configs" / f"{name}.yaml"


def load_train_config(config: str | None, overrides: list[str] = ()) -> TrainConfig:
    """`config` is a preset name or a YAML file (None: `tiny`); `overrides` are `a.b=value` strings."""
    config = config or "tiny"
    path = Path(config)
    if path.suffix in (".yaml", ".yml") or path.exists():
        data, lines = read_yaml(path)
        where = path
    elif config in PRESETS:
        where = Path(str(preset_path(config)))
        data, lines = read_yaml(where)
    else:
        raise UserError(f"--config {config}: neither a YAML file nor a preset ({', '.join(PRESETS)})")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UserError(f"{where}: expected a mapping (a trainer config)")
    base = validate(TrainConfig, data, where, lines)
    if not overrides:
        return base
    merged = base.model_dump(mode="json", exclude_unset=True)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UserError(f"--set {item}: expected KEY=VALUE, e.g. optim.lr=1e-3")
        *parents, leaf = key.split(".")
        node: dict[str, Any] = merged
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise UserError(f"--set {item}: '{p}' is not a section")
        node[leaf] = load_yaml_text(raw)
    try:
        return TrainConfig.model_validate(merged)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise UserError(f"--set / {where}: field '{loc}': {first['msg']}") from None
