"""A second language-ID model per segment: Google's CLD3 (the `cld3-py` wheel, Apache-2.0; its model is
compiled into the extension, so it loads offline).

Why: lid.176 is weak on Galician (it reads it as Spanish or Portuguese) and on short Basque and Catalan
lines; CLD3 is strong there and weak elsewhere (short English lines). Adding CLD3's log-probabilities,
weighted, to fastText's per segment (a product of experts) measured best on the tuning half of the
evaluation set (`curate eval langid`; curation/evals/langid.py reports both with and without it).
"""

from __future__ import annotations

import numpy as np

from curation.core.errors import UserError
from curation.stages.langid.labels import normalize_label

# CLD3 reports its three most likely languages; any other label gets this probability (a floor, so one
# model alone cannot veto a label: log(1e-3) is the most it subtracts).
FLOOR = 1e-3
TOP_N = 3
MAX_BYTES = 1000  # CLD3 reads at most this many bytes of a segment


class Cld3:
    """`log_probs(segments, labels)`: CLD3's log-probability of each label (a model's label list) for each
    segment, floored at log(FLOOR)."""

    def __init__(self) -> None:
        try:
            import gcld3  # the module the cld3-py wheel installs
        except ImportError:
            raise UserError("stages.langid.second_model: cld3 needs the cld3-py package (pip install cld3-py)") from None
        self._ident = gcld3.NNetLanguageIdentifier(0, MAX_BYTES)
        self._code_cache: dict[str, str | None] = {}

    def _code(self, cld3_label: str) -> str | None:
        if cld3_label not in self._code_cache:
            self._code_cache[cld3_label] = normalize_label(cld3_label)
        return self._code_cache[cld3_label]

    def log_probs(self, segments: list[str], labels: list[str]) -> np.ndarray:
        index = {lab: i for i, lab in enumerate(labels)}
        out = np.full((len(segments), len(labels)), np.log(FLOOR), np.float32)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        top_n = self._ident.FindTopNMostFreqLangs
        for row, text in enumerate(segments):
            for r in top_n(text, TOP_N):
                col = index.get(self._code(r.language))  # type: ignore[arg-type]
                if col is not None and r.probability > FLOOR:
                    rows.append(row)
                    cols.append(col)
                    vals.append(r.probability)
        if rows:
            # a label CLD3 names twice (zh and zh-Latn both -> zh) keeps its higher probability
            np.maximum.at(out, (np.asarray(rows), np.asarray(cols)), np.log(np.asarray(vals, np.float32)))
        return out


SECOND_MODELS = {"cld3": Cld3}
_LOADED: dict[str, Cld3] = {}


def load_second(name: str) -> Cld3:
    """The named second model, loaded once per process."""
    if name not in _LOADED:
        _LOADED[name] = SECOND_MODELS[name]()
    return _LOADED[name]
