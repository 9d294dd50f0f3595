"""PII: find e-mail addresses, phone numbers, IBANs, payment cards, IP addresses, Spanish DNI/NIE/NIF and
credentials in URLs, count them per kind, and (by choice) replace them, mask them or drop the document.

The default `mode: none` changes nothing and only counts: Salamandra's datasheet says no document content
was changed and cites BSC's anonymiser (Mina et al., 2024), whose modes are label | random | none and
whose regex identifiers (EMAIL, IBAN, DNI, NIE, NIF, CARD, TELEPHONE, ...) this stage covers, adding the
check digits that anonymiser does not verify (langtech-bsc/ALIA-data-pipeline anonymizer/data/
regex_definition.csv). Counts land in the stage's stats under "counted" (`<kind>` = identifiers found,
`documents_with_pii` = documents holding one or more).
"""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import Field

from curation.config.base import StageConfig
from curation.config.manifest import Source
from curation.stages.base import Stage, StageOutput
from curation.stages.pii.detectors import (
    DEFAULT_PHONE_REGIONS,
    KINDS,
    NATIONAL_PHONE_FORMS,
    Span,
    detect,
)

PiiKind = Literal["url_credentials", "email", "iban", "card", "dni", "nie", "nif", "ipv6", "ipv4", "phone"]
PhoneRegion = Literal[tuple(NATIONAL_PHONE_FORMS)]  # type: ignore[valid-type]

# What `mode: label` writes in place of each kind.
LABELS: dict[str, str] = {
    "email": "[EMAIL]", "phone": "[PHONE]", "iban": "[IBAN]", "card": "[CARD]", "dni": "[DNI]", "nie": "[NIE]",
    "nif": "[NIF]", "ipv4": "[IP]", "ipv6": "[IP]", "url_credentials": "[CREDENTIALS]",
}
DOCUMENTS_WITH_PII = "documents_with_pii"


class PiiConfig(StageConfig):
    # none: count only; label: replace with [EMAIL], [PHONE], ...; mask: every letter and digit of the
    # identifier becomes mask_char (separators stay); remove_document: drop with reason pii:<kind>.
    mode: Literal["none", "label", "mask", "remove_document"] = "none"
    kinds: list[PiiKind] = list(KINDS)  # type: ignore[assignment]
    # Document language -> regions whose national phone formats are read in it (numbers written with
    # + or 00 and a country code are found in every language).
    phone_regions: dict[str, list[PhoneRegion]] = DEFAULT_PHONE_REGIONS  # type: ignore[assignment]
    # Only globally routed addresses identify someone; loopback, private, documentation, multicast
    # addresses and netmasks are left alone unless this is false.
    global_ip_only: bool = True
    mask_char: str = Field("*", min_length=1, max_length=1)


class Pii(Stage[PiiConfig]):
    name = "pii"

    def process(self, table: pa.Table, source: Source) -> StageOutput:
        cfg = self.config
        texts = table["text"].to_pylist()
        languages = table["language"].to_pylist()
        reasons: list[str | None] = [None] * len(texts)
        counts: list[dict[str, int]] = []
        changed = False
        for i, (text, lang) in enumerate(zip(texts, languages)):
            spans = detect(text, cfg.kinds, cfg.phone_regions.get(lang or "", ()), cfg.global_ip_only)
            row: dict[str, int] = {}
            for s in spans:
                row[s.kind] = row.get(s.kind, 0) + 1
            if spans:
                row[DOCUMENTS_WITH_PII] = 1
            counts.append(row)
            if not spans or cfg.mode == "none":
                continue
            if cfg.mode == "remove_document":
                reasons[i] = "pii:" + min((s.kind for s in spans), key=KINDS.index)
            else:
                texts[i] = rewrite(text, spans, cfg.mode, cfg.mask_char)
                changed = True
        if changed:
            table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts, pa.string()))
        return StageOutput(table, reasons, counts)


def rewrite(text: str, spans: list[Span], mode: str, mask_char: str = "*") -> str:
    """The text with each span replaced by its label (mode "label") or masked (mode "mask")."""
    out, pos = [], 0
    for s in spans:
        out.append(text[pos : s.start])
        found = text[s.start : s.end]
        out.append(LABELS[s.kind] if mode == "label" else "".join(mask_char if c.isalnum() else c for c in found))
        pos = s.end
    out.append(text[pos:])
    return "".join(out)
