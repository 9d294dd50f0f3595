"""The labelled language-ID evaluation set (never used to choose a parameter).

Data: curation/data/langid_eval_sentences.json.gz, 36 sentences per language for es, ca, gl, eu, en, fr,
de, it, pt, written for this set (everyday topics, the same situations in every language so that
content does not give the language away; none taken from tools/sample_data/, which the sample corpus
is built from, nor downloaded). The builder composes documents of varied length from them, seeded:
a quarter single sentences, then 2-3, 4-8 and 9-20 sentences, joined by spaces or newlines, every
document distinct.
"""

from __future__ import annotations

import gzip
import json
import random
from functools import lru_cache
from importlib import resources
from pathlib import Path

SEED = 176
LANGUAGES = ["es", "ca", "gl", "eu", "en", "fr", "de", "it", "pt"]
# (share of documents, fewest sentences, most sentences)
LENGTHS = [(0.25, 1, 1), (0.25, 2, 3), (0.30, 4, 8), (0.20, 9, 20)]


def sentences_path() -> Path:
    return Path(str(resources.files("curation") / "data" / "langid_eval_sentences.json.gz"))


@lru_cache(maxsize=1)
def load_sentences() -> dict[str, list[str]]:
    return json.loads(gzip.decompress(sentences_path().read_bytes()))


def build(per_language: int = 300, seed: int = SEED) -> list[tuple[str, str]]:
    """(language, text) pairs: `per_language` distinct documents per language, deterministic."""
    sentences = load_sentences()
    out: list[tuple[str, str]] = []
    for lang in LANGUAGES:
        rng = random.Random(f"{seed}:{lang}")
        pool = sentences[lang]
        seen: set[str] = set()
        # single sentences are capped by the pool size; the rest of their share goes to longer documents
        quotas = [(max(1, round(share * per_language)), lo, hi) for share, lo, hi in LENGTHS]
        quotas[0] = (min(quotas[0][0], len(pool)), 1, 1)
        quotas[-1] = (per_language - sum(q for q, _, _ in quotas[:-1]), quotas[-1][1], quotas[-1][2])
        for quota, lo, hi in quotas:
            made = tries = 0
            while made < quota and tries < 100 * quota:
                tries += 1
                k = rng.randint(lo, hi)
                picks = [pool[i % len(pool)] for i in rng.sample(range(max(k, len(pool))), k)]
                sep = rng.choice([" ", " ", "\n"])
                text = sep.join(picks)
                if text in seen:
                    continue
                seen.add(text)
                out.append((lang, text))
                made += 1
    return out
