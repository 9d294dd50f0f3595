"""Per-document stages, in the order documents flow through them.

A stage is a small module with one job (curation/stages/base.py is the contract); its config class lives
beside it and curation/config/stages.py assembles the pipeline's `stages:` section from them.
"""

from __future__ import annotations

from curation.stages.base import Stage
from curation.stages.blocklist import Blocklist
from curation.stages.decontaminate import Decontaminate
from curation.stages.extract import Extract
from curation.stages.langid import Langid
from curation.stages.normalize import Normalize
from curation.stages.pii import Pii
from curation.stages.quality import Quality
from curation.stages.signatures import Signatures

PER_DOCUMENT_STAGES: list[type[Stage]] = [
    Blocklist,  # first: it needs only the URL (CURATE classifies by blocklist before anything else)
    Extract,
    Normalize,
    Langid,
    Quality,
    Decontaminate,  # on the text as cleaned, before PII labels could hide a copied passage
    Pii,  # after langid: national phone formats follow the document's language
    Signatures,  # last: signatures of the text as the other stages leave it
]
