"""The typed `stages:` section of a pipeline file: one config per per-document stage and whole-run phase.

Each stage or phase declares its own config class beside its code; this module only assembles them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pyarrow as pa

from curation.config.base import StageConfig, Strict
from curation.core.errors import UserError
from curation.phases.dedup.config import DedupConfig
from curation.phases.shards.config import ShardsConfig
from curation.readers.parts import DEFAULT_MAX_PART_BYTES
from curation.stages import PER_DOCUMENT_STAGES
from curation.stages.base import Stage
from curation.stages.blocklist import BlocklistConfig
from curation.stages.decontaminate import DecontaminateConfig
from curation.stages.extract import ExtractConfig
from curation.stages.langid import LangidConfig
from curation.stages.normalize import NormalizeConfig
from curation.stages.pii import PiiConfig
from curation.stages.quality import QualityConfig
from curation.stages.signatures import SignaturesConfig


class ReadConfig(Strict):
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES  # larger splittable files are cut into ranges
    batch_records: int = 2048
    # "full": rejected/ keeps whole rows (text included); "ids": id, source, language, origin, reason.
    rejected: Literal["full", "ids"] = "full"


class StagesConfig(Strict):
    read: ReadConfig = ReadConfig()
    blocklist: BlocklistConfig = BlocklistConfig()
    extract: ExtractConfig = ExtractConfig()
    normalize: NormalizeConfig = NormalizeConfig()
    langid: LangidConfig = LangidConfig()
    quality: QualityConfig = QualityConfig()
    decontaminate: DecontaminateConfig = DecontaminateConfig()
    pii: PiiConfig = PiiConfig()
    signatures: SignaturesConfig = SignaturesConfig()
    dedup: DedupConfig = DedupConfig()  # the whole-run dedup phase (curation/phases/dedup/)
    shards: ShardsConfig = ShardsConfig()  # the whole-run shards phase (curation/phases/shards/)

    def build(self) -> list[Stage]:
        """The enabled per-document stages, in the order documents flow through them."""
        stages: list[Stage] = []
        for cls in PER_DOCUMENT_STAGES:
            cfg: StageConfig = getattr(self, cls.name)
            if cfg.active():
                stages.append(cls(cfg))
        return stages

    def with_paths_resolved(self, base: Path) -> "StagesConfig":
        """Relative paths of the stages' input files (blocklists, evaluation sets) made absolute against
        `base` (the pipeline file's folder), and checked to exist."""
        blocklist, decontaminate = self.blocklist, self.decontaminate
        if blocklist.lists is not None:
            blocklist = blocklist.model_copy(update={"lists": _absolute(blocklist.lists, base)})
            blocklist.category_dirs()  # a missing folder or category fails now, not in a worker
        if decontaminate.against:
            sets = [ev.model_copy(update={"path": _absolute(ev.path, base)}) for ev in decontaminate.against]
            for ev in sets:
                if not Path(ev.path).is_file():
                    raise UserError(f"stages.decontaminate.against '{ev.name}': {ev.path} is not a file")
            decontaminate = decontaminate.model_copy(update={"against": sets})
        return self.model_copy(update={"blocklist": blocklist, "decontaminate": decontaminate})

    def stage_columns(self) -> list[pa.Field]:
        return [c for s in self.build() for c in s.columns]


def _absolute(path: str, base: Path) -> str:
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())
