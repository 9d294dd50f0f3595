"""Per-document stages, in pipeline order, and the typed `stages:` section of a pipeline file."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from curation.readers.parts import DEFAULT_MAX_PART_BYTES
from curation.stages.base import Stage, StageConfig, StageOutput
from curation.stages.extract import Extract, ExtractConfig
from curation.stages.normalize import Normalize, NormalizeConfig
from curation.stages.langid import Langid, LangidConfig
from curation.stages.quality import Quality, QualityConfig
from curation.stages.signatures import Signatures, SignaturesConfig
from curation.dedup.config import DedupConfig
from curation.megatron.config import ShardsConfig

# The order documents flow through. Later stages (langid, quality, signatures) append here.
PER_DOCUMENT_STAGES: list[type[Stage]] = [Extract, Normalize, Langid, Quality]
PER_DOCUMENT_STAGES.append(Signatures)  # last: signatures of the text as the other stages leave it


class ReadConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES  # larger splittable files are cut into ranges
    batch_records: int = 2048
    # "full": rejected/ keeps whole rows (text included); "ids": id, source, language, origin, reason.
    rejected: Literal["full", "ids"] = "full"


class StagesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    read: ReadConfig = ReadConfig()
    extract: ExtractConfig = ExtractConfig()
    normalize: NormalizeConfig = NormalizeConfig()
    langid: LangidConfig = LangidConfig()
    quality: QualityConfig = QualityConfig()
    signatures: SignaturesConfig = SignaturesConfig()
    dedup: DedupConfig = DedupConfig()  # the whole-run dedup phase (curation/dedup/phase.py)
    shards: ShardsConfig = ShardsConfig()  # the whole-run shards phase (curation/megatron/shards.py)

    def build(self) -> list[Stage]:
        stages = []
        for cls in PER_DOCUMENT_STAGES:
            cfg = getattr(self, cls.name)
            if cfg.enabled:
                stages.append(cls(cfg))
        return stages

    def stage_columns(self) -> list[pa.Field]:
        return [c for s in self.build() for c in s.columns]


__all__ = ["PER_DOCUMENT_STAGES", "ReadConfig", "Stage", "StageConfig", "StageOutput", "StagesConfig"]
