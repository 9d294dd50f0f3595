"""The typed `stages:` section of a pipeline file: one config per per-document stage and whole-run phase.

Each stage or phase declares its own config class beside its code; this module only assembles them.
"""

from __future__ import annotations

from typing import Literal

import pyarrow as pa

from curation.config.base import StageConfig, Strict
from curation.phases.dedup.config import DedupConfig
from curation.phases.shards.config import ShardsConfig
from curation.readers.parts import DEFAULT_MAX_PART_BYTES
from curation.stages import PER_DOCUMENT_STAGES
from curation.stages.base import Stage
from curation.stages.extract import ExtractConfig
from curation.stages.langid import LangidConfig
from curation.stages.normalize import NormalizeConfig
from curation.stages.quality import QualityConfig
from curation.stages.signatures import SignaturesConfig


class ReadConfig(Strict):
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES  # larger splittable files are cut into ranges
    batch_records: int = 2048
    # "full": rejected/ keeps whole rows (text included); "ids": id, source, language, origin, reason.
    rejected: Literal["full", "ids"] = "full"


class StagesConfig(Strict):
    read: ReadConfig = ReadConfig()
    extract: ExtractConfig = ExtractConfig()
    normalize: NormalizeConfig = NormalizeConfig()
    langid: LangidConfig = LangidConfig()
    quality: QualityConfig = QualityConfig()
    signatures: SignaturesConfig = SignaturesConfig()
    dedup: DedupConfig = DedupConfig()  # the whole-run dedup phase (curation/phases/dedup/)
    shards: ShardsConfig = ShardsConfig()  # the whole-run shards phase (curation/phases/shards/)

    def build(self) -> list[Stage]:
        """The enabled per-document stages, in the order documents flow through them."""
        stages: list[Stage] = []
        for cls in PER_DOCUMENT_STAGES:
            cfg: StageConfig = getattr(self, cls.name)
            if cfg.enabled:
                stages.append(cls(cfg))
        return stages

    def stage_columns(self) -> list[pa.Field]:
        return [c for s in self.build() for c in s.columns]
