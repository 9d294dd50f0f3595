"""Unicode NFC, encoding repair (mojibake) and whitespace clean-up.

Salamandra's datasheet says document content was not rewritten beyond what cleaning needs, so each step
is a switch. Encoding repair runs only on text that looks broken (ftfy's own badness check), which keeps
the common case fast.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
import ftfy.badness
import pyarrow as pa

from curation.config.manifest import Source
from curation.config.base import StageConfig
from curation.stages.base import Stage, StageOutput

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


class NormalizeConfig(StageConfig):
    # Defaults change only what is broken (Salamandra kept document content as it was); the layout
    # options are off by default. Code keeps its leading and trailing whitespace whatever is set.
    nfc: bool = True
    fix_encoding: bool = True  # repair mojibake (UTF-8 read as Latin-1 and the like) with ftfy
    remove_control_chars: bool = True  # C0 controls except tab, newline and carriage return
    unify_newlines: bool = False  # \r\n and \r -> \n (the Salamandra tokenizer has a \r token)
    strip_trailing_spaces: bool = False
    max_blank_lines: int | None = None  # collapse longer runs of empty lines; None keeps them
    strip: bool = True  # leading/trailing whitespace of the whole document (never for code)
    min_chars: int = 1  # shorter documents after normalization -> dropped with reason "empty"


class Normalize(Stage[NormalizeConfig]):
    name = "normalize"

    def normalize(self, text: str, is_code: bool = False) -> str:
        cfg = self.config
        if cfg.fix_encoding and not text.isascii() and ftfy.badness.is_bad(text):
            text = ftfy.fix_encoding(text)
        if cfg.remove_control_chars:
            text = _CONTROL.sub("", text)
        if cfg.unify_newlines and "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if cfg.nfc and not text.isascii():
            text = unicodedata.normalize("NFC", text)
        if cfg.strip_trailing_spaces and not is_code:
            text = _TRAILING.sub("", text)
        if cfg.max_blank_lines is not None and not is_code:
            text = re.sub("\n{%d,}" % (cfg.max_blank_lines + 2), "\n" * (cfg.max_blank_lines + 1), text)
        return text.strip() if cfg.strip and not is_code else text

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        cfg = self.config
        is_code = source.languages == ["code"]
        texts = [self.normalize(t, is_code) for t in table["text"].to_pylist()]
        reasons = [None if len(t.strip()) >= cfg.min_chars else "empty" for t in texts]
        table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts, pa.string()))
        return StageOutput(table, reasons)
