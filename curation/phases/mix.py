"""Mixture recipes (`mixtures/*.yaml`) and the blend they give: per-shard weights, epochs, blend files.

Salamandra's rule (salamandra-data.md 2.4): a shard's weight is its raw tokens times the sampling factors
of its language, its source and the shard itself (es/ca/gl/eu x2, en x0.5, code x0.5, others x1),
normalized to sum 1. Megatron normalizes again, so only ratios matter; zero weights are not allowed
(BlendedDataset asserts every weight > 0), so a factor of 0 is expressed by leaving the shard out.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, model_validator

from curation.config.base import Strict
from curation.config.manifest import LanguageCode
from curation.core.errors import UserError
from curation.core.rundir import RunDir, write_atomic, write_json
from curation.core.yamlfile import read_yaml, validate
from curation.engine.phase import Phase, PhaseContext
from curation.core.schema import SPLITS

PositiveFactor = Annotated[float, Field(gt=0)]


class Sampling(Strict):
    """Factors multiply: language x source x shard (LLM-Datasets' sampling_factor_by_* semantics)."""

    default: PositiveFactor = 1.0
    by_language: dict[LanguageCode, PositiveFactor] = {}
    by_source: dict[str, PositiveFactor] = {}
    by_shard: dict[str, PositiveFactor] = {}  # shard name as in the manifest, e.g. "es/colossal-oscar-1"


class Exclude(Strict):
    source: str | None = None
    language: LanguageCode | None = None

    @model_validator(mode="after")
    def _some(self) -> "Exclude":
        if self.source is None and self.language is None:
            raise ValueError("an exclude rule needs a source, a language or both")
        return self


class Selection(Strict):
    """Which shards a training phase of the mixture uses (a phase of model training, e.g. Salamandra's
    continued pre-training; not a whole-run pipeline phase of curation/phases/). `phase` selects the sources
    whose sources.yaml `phases` list it."""

    phase: str | None = None
    sources: list[str] | None = None  # explicit list (overrides phase membership)
    languages: list[LanguageCode] | None = None
    exclude: list[Exclude] = []


class Mixture(Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    description: str = ""
    token_budget: Annotated[float, Field(gt=0)]  # tokens drawn from the train blend in this phase
    seq_length: Annotated[int, Field(gt=0)] = 4096
    select: Selection = Selection()
    sampling: Sampling = Sampling()
    # valid/test blends: "resampled" weights them like train (ALIA-40b's per-language weighted lists);
    # "proportional" by raw tokens.
    eval_weighting: Literal["resampled", "proportional"] = "resampled"
    # Target language shares in percent, reported next to the realised ones by `curate audit`.
    targets: dict[LanguageCode, Annotated[float, Field(ge=0)]] = {}
    # A train shard repeated more often than this for the token budget is warned about, by name. Past
    # ~16 epochs repeated data adds next to nothing (Muennighoff et al. 2023, "Scaling Data-Constrained
    # Language Models": returns from repetition decay to ~0 around 16 epochs).
    max_epochs: Annotated[float, Field(gt=0)] = 16.0
    notes: str = ""


def bundled_mixtures_dir() -> Path:
    from curation.config.manifest import bundled_manifest_path

    return bundled_manifest_path().parent / "mixtures"


def resolve_mixture(ref: str | Path, base: Path | None = None) -> Path:
    """A mixture file: a path (relative to `base` or the working directory) or a bundled recipe's name."""
    ref = str(ref)
    candidates = [Path(ref)] if Path(ref).is_absolute() else [(base or Path.cwd()) / ref, Path(ref)]
    candidates.append(bundled_mixtures_dir() / (ref if ref.endswith(".yaml") else f"{ref}.yaml"))
    for c in candidates:
        if c.is_file():
            return c
    names = sorted(p.stem for p in bundled_mixtures_dir().glob("*.yaml"))
    raise UserError(f"{ref}: no such mixture file (bundled recipes: {', '.join(names)})")


def load_mixture(path: str | Path) -> Mixture:
    path = Path(path)
    data, lines = read_yaml(path)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping (a mixture recipe)")
    return validate(Mixture, data, path, lines)


@dataclass(frozen=True)
class Shard:
    """One shard as recorded in shards/manifest.json."""

    name: str  # e.g. "es/colossal-oscar-1_train_text_document"
    prefix: str  # path without .bin/.idx, relative to the run directory
    language: str
    source: str
    split: str
    documents: int
    tokens: int


def load_shards(run_dir: Path) -> tuple[list[Shard], dict[str, Any]]:
    """The shards of a run, from shards/manifest.json (written by the shards phase)."""
    path = RunDir(run_dir).shards_manifest
    if not path.is_file():
        raise UserError(f"{path}: {_why_no_manifest(run_dir)}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not valid JSON ({e}); rerun `curate run` to rebuild the shards") from None
    entries = manifest.get("shards") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        raise UserError(f"{path}: not a shard manifest (no 'shards' list); rerun `curate run` to rebuild the shards")
    shards = []
    for i, s in enumerate(entries):
        try:
            shards.append(Shard(s["name"], f"shards/{s['name']}", s["language"], s["source"], s["split"], int(s["documents"]), int(s["tokens"])))
        except (KeyError, TypeError, ValueError) as e:
            raise UserError(f"{path}: shard #{i + 1}: missing or invalid field {e}; rerun `curate run` to rebuild the shards") from None
    return shards, manifest


def _why_no_manifest(run_dir: Path) -> str:
    """A missing manifest: deleted from finished shards, or never written (no tokenizer, unfinished)."""
    try:
        status = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["stages"]["shards"]["status"]
    except (OSError, ValueError, KeyError, TypeError):
        status = None
    if status == "done":
        return "missing, although the shards phase finished (deleted?); rerun `curate run` to rebuild the shards"
    return "no shard manifest: the run has no shards yet (its pipeline needs a `tokenizer:`, or its shards phase has not finished)"


def training_phases(run_dir: Path) -> dict[str, list[str]]:
    """Phase membership of the run's sources (resolved entries recorded in run.json)."""
    meta = json.loads(RunDir(run_dir).run_json.read_text(encoding="utf-8"))
    return {s["id"]: list(s.get("phases", [])) for s in meta.get("sources", [])}


def mix_run(run_dir: Path, mixture_file: Path, root: str | None = None, out: Path | None = None, max_epochs: float | None = None) -> dict[str, Any]:
    """`curate mix`: the blend of a run's shards under a recipe, written to RUN/blend/ (or `out`).

    RUN/blend/<mixture>.* is the run's own blend, with absolute shard paths (what `curate run` writes
    and `curate train` reads). A blend for another `root` gets a name of its own there, so that the
    run's blend is never overwritten by one whose paths only resolve on another machine."""
    m = load_mixture(mixture_file)
    shards, _ = load_shards(run_dir)
    blend = compute_blend(m, shards, training_phases(run_dir))
    own_folder = RunDir(run_dir).blend
    folder = Path(out) if out is not None else own_folder
    own = folder.resolve() == own_folder.resolve()
    paths = write_blend_files(run_dir, m, blend, root, folder, blend_name(m, root) if own else m.name)
    bound = m.max_epochs if max_epochs is None else max_epochs
    return {"mixture": m.name, "files": {k: str(v) for k, v in paths.items()}, "train_shards": len(blend["train"]),
            "languages": shares(blend["train"], "language"), "sources": shares(blend["train"], "source"), "blend": blend,
            "max_epochs": bound, "warnings": epoch_warnings(m, blend["train"], bound)}


def blend_name(m: Mixture, root: str | None) -> str:
    """File stem of a blend in RUN/blend/: the recipe's name for the run's own blend (absolute paths),
    `<name>.under-<root>` or `<name>.relative` for prefixes meant for another place."""
    if root is None:
        return m.name
    slug = re.sub(r"[^A-Za-z0-9._]+", "-", root).strip("-.")
    return f"{m.name}.under-{slug}" if slug else f"{m.name}.relative"


def epoch_warnings(m: Mixture, train: list[BlendEntry], bound: float, show: int = 5) -> list[str]:
    """Warnings naming the train shards the recipe repeats more than `bound` times for its token
    budget, most repeated first (the first `show` by name, then a count), and what to do about it."""
    over = sorted((e for e in train if e.epochs > bound), key=lambda e: (-e.epochs, e.shard.name))
    lines = [f"shard {e.shard.name}: {e.epochs:,.1f} epochs ({e.shard.tokens:,} tokens at weight {e.weight:.4f} of a {m.token_budget:.3g}-token budget)"
             for e in over[:show]]
    if len(over) > show:
        lines.append(f"... and {len(over) - show} more train shards over {bound:g} epochs (the weights file lists every shard's epochs)")
    if over:
        lines.append(f"{len(over)} of {len(train)} train shards of '{m.name}' are repeated more than max_epochs {bound:g}: "
                     "fewer tokens in the budget, lower factors for those shards, or more data")
    return lines


def factor(m: Mixture, shard: Shard) -> float:
    s = m.sampling
    f = s.by_language.get(shard.language, s.default)
    f *= s.by_source.get(shard.source, 1.0)
    base = shard.name.rsplit("_", 3)[0] if shard.name.endswith("_text_document") else shard.name
    f *= s.by_shard.get(base, s.by_shard.get(shard.name, 1.0))
    return f


def selected(m: Mixture, shard: Shard, training_phases: dict[str, list[str]]) -> bool:
    sel = m.select
    if sel.sources is not None:
        if shard.source not in sel.sources:
            return False
    elif sel.phase is not None and sel.phase not in training_phases.get(shard.source, []):
        return False
    if sel.languages is not None and shard.language not in sel.languages:
        return False
    for ex in sel.exclude:
        if (ex.source in (None, shard.source)) and (ex.language in (None, shard.language)):
            return False
    return True


@dataclass
class BlendEntry:
    shard: Shard
    factor: float
    weight: float  # normalized within its split
    epochs: float  # train only: how many times the shard is seen for the token budget


def compute_blend(m: Mixture, shards: list[Shard], training_phases: dict[str, list[str]]) -> dict[str, list[BlendEntry]]:
    """Per split, the selected non-empty shards with their normalized weights (and train epochs)."""
    out: dict[str, list[BlendEntry]] = {}
    for split in SPLITS:
        chosen = sorted((s for s in shards if s.split == split and s.tokens > 0 and selected(m, s, training_phases)), key=lambda s: s.name)
        if split != "train" and m.eval_weighting == "proportional":
            raw = [float(s.tokens) for s in chosen]
        else:
            raw = [s.tokens * factor(m, s) for s in chosen]
        total = sum(raw)
        entries = []
        for s, r in zip(chosen, raw):
            w = r / total
            epochs = m.token_budget * w / s.tokens if split == "train" else 0.0
            entries.append(BlendEntry(s, factor(m, s), w, epochs))
        out[split] = entries
    if not out["train"]:
        raise UserError(f"mixture '{m.name}': no train shard of the run matches its selection")
    return out


def shares(entries: list[BlendEntry], key: str) -> dict[str, dict[str, float]]:
    """Share (percent) of each language or source before resampling (raw tokens) and after (weights)."""
    raw_total = sum(e.shard.tokens for e in entries)
    acc: dict[str, dict[str, float]] = {}
    for e in entries:
        k = getattr(e.shard, key)
        a = acc.setdefault(k, {"tokens": 0, "raw_share": 0.0, "share": 0.0})
        a["tokens"] += e.shard.tokens
        a["raw_share"] += 100.0 * e.shard.tokens / raw_total
        a["share"] += 100.0 * e.weight
    return dict(sorted(acc.items(), key=lambda kv: -kv[1]["share"]))


def _prefix(run_dir: Path, shard: Shard, root: str | None) -> str:
    if root is None:
        return str((run_dir / shard.prefix).resolve())
    rel = os.path.relpath(run_dir / shard.prefix, RunDir(run_dir).shards)
    return f"{root.rstrip('/')}/{rel}" if root else rel


def _pairs(entries: list[BlendEntry], run_dir: Path, root: str | None) -> list[Any]:
    out: list[Any] = []
    for e in entries:
        out += [float(f"{e.weight:.12g}"), _prefix(run_dir, e.shard, root)]
    return out


def write_blend_files(run_dir: Path, m: Mixture, blend: dict[str, list[BlendEntry]], root: str | None = None,
                      folder: Path | None = None, name: str | None = None) -> dict[str, Path]:
    """Megatron --data-args-path, --per-split-data-args-path JSON and NeMo data_prefix YAML, as
    `folder/name.*` (default RUN/blend/<mixture>.*)."""
    folder = RunDir(run_dir).blend if folder is None else folder
    name = name or m.name
    pairs = {split: _pairs(blend[split], run_dir, root) for split in SPLITS}
    paths = {
        "data_args": folder / f"{name}.data-args.txt",
        "per_split": folder / f"{name}.per-split.json",
        "nemo": folder / f"{name}.nemo.yaml",
        "weights": folder / f"{name}.weights.json",
    }
    write_atomic(paths["data_args"], "\n".join(f"{w} {p}" for w, p in zip(pairs["train"][::2], pairs["train"][1::2])) + "\n")
    # Megatron requires all three keys with a value; an empty eval split falls back to the train blend.
    per_split = {split: pairs[split] or pairs["train"] for split in SPLITS}
    write_atomic(paths["per_split"], json.dumps(per_split, indent=1) + "\n")
    nemo = {"model": {"data": {"data_prefix": {"train": per_split["train"], "validation": per_split["valid"], "test": per_split["test"]}}}}
    write_atomic(paths["nemo"], yaml.safe_dump(nemo, sort_keys=False, width=1000))
    write_json(paths["weights"], {
        "mixture": m.name,
        "token_budget": m.token_budget,
        "splits": {split: [{"shard": e.shard.name, "language": e.shard.language, "source": e.shard.source, "tokens": e.shard.tokens,
                            "factor": e.factor, "weight": e.weight, **({"epochs": round(e.epochs, 6)} if split == "train" else {})}
                           for e in blend[split]] for split in SPLITS},
        "languages": shares(blend["train"], "language"),
        "sources": shares(blend["train"], "source"),
    })
    return paths


class MixPhase(Phase):
    """When a pipeline names a `mixture:`, `curate run` writes its blend files after the shards."""

    name = "mix"

    def enabled(self, ctx: PhaseContext) -> bool:
        return ctx.pipeline.pipeline.mixture is not None and ctx.run.shards_manifest.is_file()

    def outputs(self, run: RunDir) -> list[Path]:
        return [run.blend]  # every blend names the shards, which are made again

    def run(self, ctx: PhaseContext) -> dict[str, Any]:
        base = Path(ctx.pipeline.path).resolve().parent if ctx.pipeline.path else None
        result = mix_run(ctx.run.root, resolve_mixture(ctx.pipeline.pipeline.mixture, base))  # type: ignore[arg-type]
        ctx.log(f"mix: {result['mixture']}: {result['train_shards']} train shards -> {result['files']['per_split']}")
        for w in result["warnings"]:
            ctx.log(f"warning: mix: {w}")
        return {"mixture": result["mixture"], "files": result["files"], "train_shards": result["train_shards"], "warnings": result["warnings"]}
