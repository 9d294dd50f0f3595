"""The dedup phase's plan: the docs parts to cluster, the shuffle partitions, the LSH bands, and the
jobs of each step (see curation/phases/dedup/phase.py for the steps)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from curation.core.errors import UserError
from curation.core.rundir import RunDir
from curation.core.schema import documents_schema, rejected_schema
from curation.engine.ledger import Ledger
from curation.engine.phase import PhaseContext
from curation.phases.dedup import lsh
from curation.phases.dedup.config import DedupConfig
from curation.stages.minhash import lsh_params
from curation.stages.signatures import SignaturesConfig

PHASE = "dedup"


STAGE = "dedup"  # the `stage` of the rows this phase moves to rejected/


KEYS_PER_PARTITION = 2_000_000  # default partition size, in shuffled keys


MAX_ROUNDS = 64


BATCH_ROWS = 8192


EXACT_SCHEMA = pa.schema([pa.field("k1", pa.uint64()), pa.field("k2", pa.uint64()), pa.field("node", pa.uint64())])


ASSIGN_SCHEMA = pa.schema([pa.field("node", pa.uint64()), pa.field("origin", pa.string()), pa.field("cluster", pa.string()), pa.field("reason", pa.string())])


CLUSTER_COLUMNS = ["cluster", "kept_id", "source", "id", "origin", "language", "quality", "length", "kept", "reason", "run"]


def band_schema(sketch_bytes: int | None) -> pa.Schema:
    fields = [pa.field("key", pa.uint64()), pa.field("node", pa.uint64())]
    if sketch_bytes:
        fields.append(pa.field("sketch", pa.binary(sketch_bytes)))
    return pa.schema(fields)


@dataclass(frozen=True)
class DocsPart:
    index: int
    source: str
    path: str  # absolute
    slug: str  # docs file name without .parquet
    run: str | None  # the reference run's directory; None for this run's parts

    def describe(self) -> str:
        return f"{self.run or 'this run'}: {self.path}"


@dataclass(frozen=True)
class Job:
    """One Ray task of a step: `index` is a part index, a partition or a group of parts."""

    step: str
    index: int
    round: int = 0

    def describe(self) -> str:
        return f"dedup {self.step}" + (f" round {self.round}" if self.step == "cc" else "") + f" #{self.index}"


@dataclass(frozen=True)
class Plan:
    run_dir: str
    parts: tuple[DocsPart, ...]
    partitions: int
    scope: str
    near: bool
    bands: int
    rows: int
    verify: bool
    threshold: float
    num_perm: int
    docs_schema: pa.Schema
    rejected_schema: pa.Schema

    @property
    def run(self) -> RunDir:
        return RunDir(self.run_dir)

    @property
    def scratch(self) -> Path:
        return self.run.dedup_scratch

    def shuffle(self, name: str) -> lsh.Shuffle:
        return lsh.Shuffle(self.scratch / name, self.partitions)

    def ledger(self, step: str) -> Ledger:
        return Ledger(self.run.ledger(PHASE) / step)

    def ours(self) -> list[DocsPart]:
        return [p for p in self.parts if p.run is None]

    def in_group(self, g: int) -> list[DocsPart]:
        return [p for p in self.parts if p.index % self.partitions == g]

    def route(self, nodes: np.ndarray) -> np.ndarray:
        """The partition of a node: its part's group."""
        return lsh.part_of(nodes) % self.partitions


def make_plan(ctx: PhaseContext) -> Plan:
    stages = ctx.pipeline.pipeline.stages
    cfg: DedupConfig = stages.dedup
    sig: SignaturesConfig = stages.signatures
    where = ctx.pipeline.path or "pipeline"
    if not sig.enabled:
        raise UserError(f"{where}: stages.dedup needs the signatures stage: set stages.signatures.enabled to true (or stages.dedup.enabled to false)")
    if cfg.bands is not None and cfg.rows is not None:
        bands, rows = cfg.bands, cfg.rows
        if bands * rows > sig.num_perm:
            raise UserError(f"{where}: stages.dedup.bands x rows = {bands * rows} exceeds stages.signatures.num_perm ({sig.num_perm})")
    else:
        bands, rows = lsh_params(cfg.threshold, sig.num_perm, *cfg.lsh_weights())
    ledger = Ledger(ctx.run.ledger(PHASE))
    docs_schema = documents_schema(stages.stage_columns())
    rej_schema = rejected_schema(docs_schema, ids_only=stages.read.rejected == "ids")
    if ledger.is_done("plan"):
        saved = ledger.read("plan")
        parts = tuple(DocsPart(**p) for p in saved["parts"])
        partitions = saved["partitions"]
    else:
        parts = _list_parts(ctx, cfg, sig)
        total = sum(pq.ParquetFile(p.path).metadata.num_rows for p in parts)
        keys = total * (1 + (bands if cfg.near else 0))
        partitions = cfg.partitions or max(1, math.ceil(keys / KEYS_PER_PARTITION))
        ledger.mark_done("plan", {"parts": [p.__dict__ for p in parts], "partitions": partitions, "documents": total, "bands": bands, "rows": rows})
    return Plan(str(ctx.run.root.resolve()), parts, partitions, cfg.scope, cfg.near, bands, rows, cfg.verify, cfg.threshold, sig.num_perm, docs_schema, rej_schema)


def _list_parts(ctx: PhaseContext, cfg: DedupConfig, sig: SignaturesConfig) -> tuple[DocsPart, ...]:
    parts: list[DocsPart] = []

    def add(docs_root: Path, run: str | None) -> None:
        if not docs_root.exists():
            return
        for src_dir in sorted(p for p in docs_root.iterdir() if p.is_dir()):
            for f in sorted(src_dir.glob("*.parquet")):
                parts.append(DocsPart(len(parts), src_dir.name, str(f.resolve()), f.name[: -len(".parquet")], run))

    add(ctx.run.docs(), None)
    base = Path(ctx.pipeline.path).parent if ctx.pipeline.path else Path.cwd()
    for i, ref in enumerate(cfg.against):
        ref_dir = (base / ref).resolve()
        _check_reference(ref_dir, sig, f"{ctx.pipeline.path}: stages.dedup.against[{i}]")
        add(RunDir(ref_dir).docs(), str(ref_dir))
    return tuple(parts)


def _check_reference(ref_dir: Path, sig: SignaturesConfig, where: str) -> None:
    meta_path = ref_dir / "run.json"
    if not meta_path.is_file():
        raise UserError(f"{where}: {ref_dir} is not a run directory (no run.json)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    theirs = meta.get("pipeline", {}).get("stages", {}).get("signatures")
    if theirs is None:
        raise UserError(f"{where}: {ref_dir} has no signatures (its pipeline had no signatures stage)")
    ours = sig.model_dump(mode="json")
    for field in ("num_perm", "seed", "ngram", "char_ngram", "chars_per_word"):
        if theirs.get(field) != ours[field]:
            raise UserError(f"{where}: {ref_dir} made its signatures with {field}={theirs.get(field)}, this pipeline's stages.signatures.{field} is {ours[field]}; they must match")
    if not theirs.get("enabled", True):
        raise UserError(f"{where}: {ref_dir} ran with the signatures stage disabled")


def ledger_folder(job: Job) -> str:
    return f"cc/{job.round:03d}" if job.step == "cc" else job.step


def job_key(job: Job) -> str:
    return f"{job.index:06d}"
