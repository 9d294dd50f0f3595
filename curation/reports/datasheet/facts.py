"""Every number and fact the datasheet states, collected from a run directory into one plain dict.

Sources of each fact (nothing else is read, nothing is made up):
- run.json: the resolved sources (sources.yaml entries with the pipeline's overrides), the stage order and
  every stage's configuration, phase statuses, seed, software versions;
- stats/: stages.json (documents in/out and drops by reason per stage), reconciliation.json (records,
  kept, rejected, quarantined per source), dedup.json (duplicates removed), tokens.json (documents, bytes
  and tokens per source x language x split);
- the token audit (curation.reports.audit.audit_run: counts read back from the shards' .idx files);
- shards/manifest.json, tokenizer/ (the SentencePiece model itself, its training sample), blend/*.weights.json
  (the mixture: factors, shares, epochs) and the mixture recipe;
- the footers of the docs/ parquet files (missing values per column).

Numbers are kept as numbers; the template formats them. No timestamps or absolute paths of the run
directory go in, so that the same run always gives the same datasheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curation.core.errors import UserError
from curation.core.rundir import RunDir
from curation.reports.datasheet.facts_counts import (
    dedup_facts,
    document_facts,
    drop_facts,
    funnel_facts,
    missing_facts,
    reconciliation_facts,
)
from curation.reports.datasheet.facts_io import read_json
from curation.reports.datasheet.facts_pipeline import (
    column_facts,
    run_facts,
    source_facts,
    stage_facts,
)
from curation.reports.datasheet.facts_safety import blocklist_facts, decontamination_facts, pii_facts, source_filter_facts
from curation.reports.datasheet.facts_tokens import (
    audit_facts,
    language_facts,
    mixture_facts,
    shard_facts,
    token_facts,
    tokenizer_facts,
)


def collect(run_dir: str | Path) -> dict[str, Any]:
    run = RunDir(run_dir)
    if not run.root.is_dir():
        raise UserError(f"{run.root}: no such run directory")
    meta = read_json(run.run_json, "not a run directory (run.json is written by `curate run`)")
    stages = read_json(run.stage_stats, "the run has not finished; rerun `curate run` to complete it")
    recon = read_json(run.reconciliation, "the run has not finished; rerun `curate run` to complete it")
    dedup = read_json(run.dedup_stats)
    tokens = read_json(run.token_stats)
    manifest = read_json(run.shards_manifest)
    problems: list[str] = []

    sources = source_facts(meta)
    facts: dict[str, Any] = {
        "run": run_facts(meta),
        "sources": sources,
        "stages": stage_facts(meta),
        "columns": column_facts(run, [s["id"] for s in sources]),
        "reconciliation": reconciliation_facts(recon, sources),
        "drops": drop_facts(stages, dedup),
        "dedup": dedup_facts(dedup, meta),
        "missing": missing_facts(run, [s["id"] for s in sources]),
        "pii": pii_facts(stages, meta.get("pipeline", {}).get("stages", {})),
        "blocklist": blocklist_facts(stages, meta.get("pipeline", {}).get("stages", {})),
        "decontamination": decontamination_facts(stages, meta.get("pipeline", {}).get("stages", {})),
        "source_filters": source_filter_facts(stages, meta.get("sources", [])),
    }
    facts["funnel"] = funnel_facts(stages, recon, dedup, problems)
    facts["documents"] = document_facts(stages, dedup, recon, sources, problems)
    facts["tokenizer"] = tokenizer_facts(run, meta)
    facts["shards"] = shard_facts(manifest, tokens)
    facts["mixtures"], recipes = mixture_facts(run, meta)
    # The mixture the datasheet describes: the pipeline's own, else the first blend made with `curate mix`.
    facts["mixture"] = facts["mixtures"][0] if facts["mixtures"] else None
    facts["audit"] = audit_facts(run, manifest, recipes.get(facts["mixture"]["name"]) if facts["mixture"] else None)
    facts["tokens"] = token_facts(tokens, facts["audit"], recon, problems)
    facts["languages"] = language_facts(facts)
    facts["problems"] = problems + (facts["audit"]["problems"] if facts["audit"] else [])
    return facts
