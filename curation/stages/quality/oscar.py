"""Colossal OSCAR's own annotations, as LLM-Datasets filters them (salamandra-data.md 2.2): any
`quality_warnings` (or a chosen set), `harmful_pp` outside [25, 100000] (per-language bounds allowed;
low perplexity under the harmful-content KenLM means adult-like text), and UT1 blocklist `categories`."""

from __future__ import annotations

from typing import Literal

from curation.config.manifest import Source
from curation.stages.quality.base import annotation_list, annotation_number, Doc, FilterConfig, QualityFilter, Verdict

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


class OscarAnnotations(QualityFilter[OscarConfig]):
    name = "oscar"
    description = ("Colossal OSCAR's own annotations, as LLM-Datasets filters them: quality warnings, harmful_pp (perplexity under a "
                   "KenLM trained on harmful content) bounds, UT1 blocklist categories")
    reason_prefixes = ("quality_warnings:", "harmful_pp:", "category:")

    def applies_to(self, source: Source) -> bool:
        return bool({"quality_warnings", "harmful_pp", "categories"} & set(source.annotations))

    def judge(self, doc: Doc, source: Source) -> Verdict:
        """Score: the document's harmful_pp (perplexity under the harmful-content KenLM), where it has one."""
        cfg, use, meta = self.config, set(source.annotations), doc.metadata
        raw_pp = meta.get("harmful_pp") if "harmful_pp" in use else None
        pp = None if raw_pp is None else annotation_number(raw_pp)
        warnings = annotation_list(meta.get("quality_warnings")) if "quality_warnings" in use else []
        for w in warnings:
            if cfg.quality_warnings == "any" or w in cfg.quality_warnings:
                return Verdict(f"quality_warnings:{w}", pp)
        if raw_pp is not None and pp is None:  # a broken annotation is not a pass
            return Verdict("harmful_pp:invalid")
        if pp is not None:
            lang = doc.language or ""
            if pp < cfg.min_harmful_pp_by_language.get(lang, cfg.min_harmful_pp):
                return Verdict("harmful_pp:low", pp)
            if pp > cfg.max_harmful_pp_by_language.get(lang, cfg.max_harmful_pp):
                return Verdict("harmful_pp:high", pp)
        cats = annotation_list(meta.get("categories")) if "categories" in use else []
        blocked = set(cfg.blocked_categories)
        for c in cats:
            if c in blocked:
                return Verdict(f"category:{c}", pp)
        return Verdict(None, pp)
