"""Colossal OSCAR's own annotations, as LLM-Datasets filters them (salamandra-data.md 2.2): any
`quality_warnings` (or a chosen set), `harmful_pp` outside [25, 100000] (per-language bounds allowed;
low perplexity under the harmful-content KenLM means adult-like text), and UT1 blocklist `categories`."""

from __future__ import annotations

from typing import Literal

from curation.config.manifest import Source
from curation.stages.quality.base import Docs, FilterConfig, FilterResult, QualityFilter

# LLM-Datasets' EXCLUDE_CATEGORIES.
DEFAULT_BLOCKED_CATEGORIES = ["agressif", "adult", "cryptojacking", "dangerous_material", "phishing", "warez", "ddos",
                              "hacking", "malware", "mixed_adult", "sect"]


class OscarConfig(FilterConfig):
    quality_warnings: Literal["any"] | list[str] = "any"  # "any": a document with any warning is dropped
    min_harmful_pp: float = 25.0
    max_harmful_pp: float = 100_000.0
    min_harmful_pp_by_language: dict[str, float] = {}
    max_harmful_pp_by_language: dict[str, float] = {}
    blocked_categories: list[str] = DEFAULT_BLOCKED_CATEGORIES


class OscarAnnotations(QualityFilter):
    name = "oscar"
    description = "Colossal OSCAR's own annotations, as LLM-Datasets filters them: quality warnings, harmful_pp (perplexity under a KenLM trained on harmful content) bounds, UT1 blocklist categories"  # for the datasheet
    Config = OscarConfig

    def applies_to(self, source: Source) -> bool:
        return bool({"quality_warnings", "harmful_pp", "categories"} & set(source.annotations))

    def evaluate(self, docs: Docs, source: Source) -> FilterResult:
        cfg: OscarConfig = self.config  # type: ignore[assignment]
        blocked = set(cfg.blocked_categories)
        use = set(source.annotations)
        reasons: list[str | None] = []
        for meta, lang in zip(docs.metadata, docs.languages):
            reasons.append(self._reason(meta, lang, cfg, blocked, use))
        return FilterResult(reasons)

    @staticmethod
    def _reason(meta: dict, lang: str | None, cfg: OscarConfig, blocked: set[str], use: set[str]) -> str | None:
        warnings = meta.get("quality_warnings") if "quality_warnings" in use else None
        if warnings:
            for w in warnings:
                if cfg.quality_warnings == "any" or w in cfg.quality_warnings:
                    return f"quality_warnings:{w}"
        pp = meta.get("harmful_pp") if "harmful_pp" in use else None
        if pp is not None:
            lo = cfg.min_harmful_pp_by_language.get(lang or "", cfg.min_harmful_pp)
            hi = cfg.max_harmful_pp_by_language.get(lang or "", cfg.max_harmful_pp)
            if pp < lo:
                return "harmful_pp:low"
            if pp > hi:
                return "harmful_pp:high"
        cats = meta.get("categories") if "categories" in use else None
        for c in cats or ():
            if c in blocked:
                return f"category:{c}"
        return None
