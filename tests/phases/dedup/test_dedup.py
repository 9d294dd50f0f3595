"""Dedup: signatures vs datasketch, LSH edges, distributed components, keep rule, and the dedup phase
(removal into rejected/, reconciliation, determinism, resume after a crash, scopes, incremental runs)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasketch import MinHash

from conftest import tree_digest, write_pipeline
from curation.evals.sets import dups as synthetic
from curation.phases.dedup import components, lsh
from curation.stages.minhash import MinHasher, jaccard_estimate, permutations, shingle_hash, shingles, sketch, tokens
from curation.core.errors import UserError
from curation.config.stages import StagesConfig

TEXTS = [
    "Hola, món! Això és una prova de 2023 i 1999 amb l'àvia i el seu gos, que corre pel parc cada matí.",
    "Die Straße war nass; ÜBER 42 Autos standen still.\n\nDanach: Ruhe. İstanbul, x² + y²…",
    "这是一个没有空格的中文句子用来测试字符级别的分词方法是否与参考实现完全一致",
    "short text",
    "",
    "... !!! ¿? «»",
    "def foo(x):\n    return x + 1  # añadir uno\n",
]


def _random_text(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    return [rng.choice(vocab) for _ in range(n)]


# --- signatures --------------------------------------------------------------------------------------


def test_permutations_are_datasketchs() -> None:
    a, b = permutations(128, 7)
    ref = MinHash(num_perm=128, seed=7)  # datasketch 2.x: affine32 scheme
    assert ref.scheme == "affine32"
    assert np.array_equal(a, ref.permutations[0]) and np.array_equal(b, ref.permutations[1])


def test_signatures_equal_datasketch_given_the_same_shingle_hash() -> None:
    hasher = MinHasher(num_perm=64, seed=3)
    sigs, counts = hasher.signatures(TEXTS)
    for text, sig, count in zip(TEXTS, sigs, counts):
        sh = hasher.shingles(text)
        assert count == len(sh)
        ref = MinHash(num_perm=64, seed=3, hashfunc=shingle_hash)
        ref.update_batch(sh)
        assert np.array_equal(ref.hashvalues, sig), text


def test_normalization_and_character_shingles() -> None:
    words, as_chars = tokens("Ça VA? L'ÀVIA té 1.234,5 euros")
    assert not as_chars and words == ["ca", "va", "l", "avia", "te", "0", "0", "0", "euros"]
    chars, as_chars = tokens("这是一个没有空格的中文句子用来测试字符级别的分词方法")
    assert as_chars and chars[:3] == ["这", "是", "一"]
    assert shingles("a b c") == [("a", "b", "c")]  # shorter than the n-gram: one shingle
    assert shingles("¡¿...?!") == []


def test_jaccard_estimates_agree_with_datasketch_default_hash() -> None:
    """Our signatures differ from datasketch's SHA-1 ones value by value; their estimates must not."""
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(3000)]
    hasher = MinHasher(num_perm=128, seed=1)
    errs_ours, errs_ds, diffs = [], [], []
    for k in range(40):
        base = _random_text(rng, vocab, 300)
        other = list(base)
        for i in rng.sample(range(300), int(300 * k / 100)):  # 0..39% of the words substituted
            other[i] = rng.choice(vocab)
        a, b = " ".join(base), " ".join(other)
        sa, sb = set(shingles(a)), set(shingles(b))
        true_j = len(sa & sb) / len(sa | sb)
        sigs, _ = hasher.signatures([a, b])
        ours = jaccard_estimate(sigs[0], sigs[1])
        ma, mb = MinHash(num_perm=128, seed=1), MinHash(num_perm=128, seed=1)
        ma.update_batch([" ".join(s).encode() for s in sa])
        mb.update_batch([" ".join(s).encode() for s in sb])
        ds = ma.jaccard(mb)
        errs_ours.append(abs(ours - true_j))
        errs_ds.append(abs(ds - true_j))
        diffs.append(ours - ds)
        assert abs(ours - true_j) < 0.16  # 4.5 standard errors at J = 0.5
    assert np.mean(errs_ours) < 0.035 and np.mean(errs_ds) < 0.035
    assert abs(np.mean(diffs)) < 0.02  # no bias between the two


# --- LSH edges and components ------------------------------------------------------------------------


def test_band_keys_depend_on_band_values_and_group() -> None:
    sigs = np.arange(2 * 12, dtype=np.uint32).reshape(2, 12)
    sigs[1, :4] = sigs[0, :4]  # the first band is equal
    g = lsh.group_hashes(["a", "a"])
    keys = lsh.band_keys(sigs, 3, 4, g)
    assert keys[0, 0] == keys[1, 0] and (keys[0, 1:] != keys[1, 1:]).all()
    other_group = lsh.band_keys(sigs, 3, 4, lsh.group_hashes(["a", "b"]))
    assert other_group[0, 0] != other_group[1, 0]


def test_verified_edges_link_only_similar_bucket_members() -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32)
    near = base.copy()
    near[:10] = rng.integers(0, 2**32, 10, dtype=np.uint64)  # estimated J ~ 0.92
    far = rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32)
    sigs = np.stack([base, far, near, base, far])
    keys = np.full(5, 42, np.uint64)  # all five share one bucket
    nodes = np.array([10, 11, 12, 13, 14], np.uint64)
    u, v = lsh.verified_edges(keys, nodes, sketch(sigs), 0.8)
    assert sorted(zip(u.tolist(), v.tolist())) == [(10, 12), (10, 13), (11, 14)]
    u, v = lsh.star_edges([keys], nodes)
    assert sorted(zip(u.tolist(), v.tolist())) == [(10, 11), (10, 12), (10, 13), (10, 14)]


def _union_find_labels(u: np.ndarray, v: np.ndarray) -> dict[int, int]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(u.tolist(), v.tolist()):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


@pytest.mark.parametrize("partitions", [1, 3])
def test_star_rounds_find_the_connected_components(partitions: int) -> None:
    rng = np.random.default_rng(1)
    part = rng.integers(0, 6, 800).astype(np.uint64)
    nodes = (part << np.uint64(32)) | np.arange(800, dtype=np.uint64)
    u = nodes[rng.integers(0, 800, 500)]
    v = nodes[rng.integers(0, 800, 500)]
    chain = nodes[rng.permutation(800)[:150]]  # a long path: large diameter
    u, v = np.concatenate([u, chain[:-1]]), np.concatenate([v, chain[1:]])
    expected = _union_find_labels(u, v)

    route = lambda x: (lsh.part_of(x) % partitions)  # noqa: E731  as the phase routes nodes
    edges = components.both_directions(u, v)
    inbox = [edges.filter(pa.array(route(edges["u"].to_numpy()) == q)) for q in range(partitions)]
    for k in range(40):
        outs, labels, done = [], {}, True
        for q in range(partitions):
            x, y, ns, ls, conv = components.star_round(inbox[q]["u"].to_numpy(), inbox[q]["v"].to_numpy(), large=k % 2 == 0)
            done &= conv
            labels.update(zip(ns.tolist(), ls.tolist()))
            outs.append(components.both_directions(x, y))
        if done:
            break
        out = pa.concat_tables(outs)
        inbox = [out.filter(pa.array(route(out["u"].to_numpy()) == q)) for q in range(partitions)]
    assert done and labels == {n: r for n, r in expected.items() if n in labels}
    assert set(labels) == {n for n in expected if any(n == a or n == b for a, b in zip(u.tolist(), v.tolist()) if a != b)}


def _members(rows: list[dict]) -> pa.Table:
    base = {"reference": False, "quality": None, "length": 10, "source": "s", "language": "es", "exact_hash": b"h" * 16, "run": None}
    return pa.Table.from_pylist([{**base, **r} for r in rows], schema=components.MEMBER_SCHEMA)


def test_keep_rule_quality_then_length_then_id() -> None:
    t = _members([
        {"root": 1, "node": 1, "id": "b", "origin": "f:1", "quality": 0.5, "length": 10},
        {"root": 1, "node": 2, "id": "a", "origin": "f:2", "quality": 0.9, "length": 5, "exact_hash": b"x" * 16},
        {"root": 1, "node": 3, "id": "c", "origin": "f:3", "quality": None, "length": 99},
        {"root": 7, "node": 7, "id": "z", "origin": "f:7", "length": 10},
        {"root": 7, "node": 8, "id": "y", "origin": "f:8", "length": 12},
        {"root": 7, "node": 9, "id": "x", "origin": "f:9", "length": 12},
    ])
    d = {r["id"]: r for r in components.decide(t).to_pylist()}
    assert d["a"]["kept"] and d["a"]["reason"] is None
    assert d["b"]["reason"] == "duplicate:near" and d["c"]["reason"] == "duplicate:near"  # other text hash than "a"
    assert d["x"]["kept"] and d["y"]["reason"] == "duplicate:exact" and d["z"]["reason"] == "duplicate:exact"
    assert d["b"]["cluster"] == d["a"]["cluster"] == components.cluster_id("s", "f:2") and d["b"]["kept_id"] == "a"


def test_keep_rule_reference_documents_win_and_are_never_removed() -> None:
    t = _members([
        {"root": 1, "node": 1, "id": "ours", "origin": "f:1", "quality": 1.0, "length": 99},
        {"root": 1, "node": 2, "id": "ref", "origin": "g:1", "reference": True, "length": 1, "run": "/r"},
        {"root": 5, "node": 5, "id": "r1", "origin": "g:5", "reference": True, "run": "/r"},
        {"root": 5, "node": 6, "id": "r2", "origin": "g:6", "reference": True, "run": "/r"},
    ])
    d = {r["id"]: r for r in components.decide(t).to_pylist()}
    assert d["ref"]["kept"] and d["ours"]["reason"] == "duplicate:exact"
    assert "r1" not in d and "r2" not in d  # a cluster of reference documents only changes nothing


# --- the phase ---------------------------------------------------------------------------------------


@pytest.fixture
def in_process(monkeypatch):
    """Run the phase's tasks sequentially in this process (no Ray): one worker, faults visible here."""
    from curation.engine import executor

    def run_tasks(fn, parts, context, **kwargs):
        for p in parts:
            fn(p, context)
        return []

    monkeypatch.setattr(executor, "run_tasks", run_tasks)
    monkeypatch.setattr(executor, "ensure_ray", lambda *a, **k: None)


def _corpus(seed: int = 3) -> tuple[list[dict], list[synthetic.PlantedPair]]:
    return synthetic.planted_corpus(60, [0.6, 0.9, 1.0], 4, seed=seed, words=(120, 300))


def _signed_run(tmp_path: Path, name: str, stages: StagesConfig, docs: list[dict]) -> Path:
    run = tmp_path / name
    synthetic.write_run(run, docs, stages, parts=3)
    return run


def _outputs(run: Path) -> dict[str, str]:
    return tree_digest(run, folders=("docs", "rejected", "dedup", "stats"))


def test_phase_removes_planted_duplicates_and_is_idempotent(tmp_path: Path, in_process) -> None:
    docs, pairs = _corpus()
    stages = StagesConfig(dedup={"partitions": 2})
    run = _signed_run(tmp_path, "r", stages, docs)
    rows_before = sum(pq.ParquetFile(p).metadata.num_rows for p in (run / "docs").rglob("*.parquet"))
    summary = synthetic.run_dedup(run, stages)
    rejected = pa.concat_tables([pq.read_table(p) for p in sorted((run / "rejected").rglob("*.dedup.parquet"))]).to_pylist()
    kept = pa.concat_tables([pq.read_table(p) for p in sorted((run / "docs").rglob("*.parquet"))])
    assert kept.num_rows + len(rejected) == rows_before  # nothing lost
    removed = {r["id"] for r in rejected}
    for p in pairs:
        if p.jaccard >= 0.9:  # far above the threshold: always found
            assert len({p.original, p.variant} & removed) == 1, p
        if p.jaccard < 0.65:
            assert not {p.original, p.variant} & removed, p
    assert all(r["stage"] == "dedup" and r["reason"] in ("duplicate:exact", "duplicate:near") and r["dedup_cluster"] for r in rejected)
    exact = {p.variant for p in pairs if p.edit == "exact_copy"} | {p.original for p in pairs if p.edit == "exact_copy"}
    assert {r["id"] for r in rejected if r["reason"] == "duplicate:exact"} == removed & exact
    clusters = {r["id"]: r for r in pa.concat_tables([pq.read_table(p) for p in (run / "dedup" / "clusters").glob("*.parquet")]).to_pylist()}
    for r in rejected:  # the cluster id of a removed row names its cluster, whose kept member is in docs/
        kept_row = [c for c in clusters.values() if c["cluster"] == r["dedup_cluster"] and c["kept"]]
        assert len(kept_row) == 1 and kept_row[0]["id"] in set(kept["id"].to_pylist())
    kept_members = kept.filter(pa.compute.is_valid(kept["dedup_cluster"]))
    assert set(kept_members["id"].to_pylist()) == {c["id"] for c in clusters.values() if c["kept"]}
    stats = json.loads((run / "stats" / "dedup.json").read_text())
    cell = stats["sources"]["synthetic"]["es"]
    assert cell["removed_exact"] + cell["removed_near"] == len(rejected) == summary["removed_exact"] + summary["removed_near"]
    assert not (run / "dedup" / "scratch").exists()
    before = _outputs(run)
    synthetic.run_dedup(run, stages)  # a rerun of a finished phase removes nothing more
    assert _outputs(run) == before


@pytest.mark.parametrize("point", ["after_rejected", "after_docs"])
def test_phase_resumes_after_a_crash_with_identical_outputs(tmp_path: Path, in_process, monkeypatch, point: str) -> None:
    docs, _ = _corpus()
    stages = StagesConfig()
    clean = _signed_run(tmp_path, "clean", stages, docs)
    crashed = tmp_path / "crashed"
    shutil.copytree(clean, crashed)
    synthetic.run_dedup(clean, stages)
    monkeypatch.setenv("CURATION_TEST_DEDUP_FAIL", point)
    with pytest.raises(RuntimeError, match="injected"):
        synthetic.run_dedup(crashed, stages)
    monkeypatch.delenv("CURATION_TEST_DEDUP_FAIL")
    synthetic.run_dedup(crashed, stages)
    assert _outputs(crashed) == _outputs(clean)


def test_phase_outputs_do_not_depend_on_workers_or_partitions(tmp_path: Path, ray_session, monkeypatch) -> None:
    from curation.engine import executor

    docs, _ = _corpus()
    one = StagesConfig(dedup={"partitions": 1})
    three = StagesConfig(dedup={"partitions": 3})
    a = _signed_run(tmp_path, "a", one, docs)
    b = tmp_path / "b"
    shutil.copytree(a, b)
    synthetic.run_dedup(a, one)  # Ray, two workers, one partition
    monkeypatch.setattr(executor, "run_tasks", lambda fn, parts, ctx, **kw: [fn(p, ctx) for p in parts] and [])
    synthetic.run_dedup(b, three)  # one worker (this process), three partitions
    assert tree_digest(a, folders=("docs", "rejected")) == tree_digest(b, folders=("docs", "rejected"))
    assert synthetic.cluster_of(a) == synthetic.cluster_of(b)


def test_exact_only_and_scopes(tmp_path: Path, in_process) -> None:
    docs, pairs = _corpus()
    exact_only = StagesConfig(dedup={"near": False})
    run = _signed_run(tmp_path, "exact", exact_only, docs)
    synthetic.run_dedup(run, exact_only)
    reasons = {r["reason"] for r in pq.read_table(sorted((run / "rejected").rglob("*.parquet"))[0]).to_pylist()}
    assert reasons == {"duplicate:exact"}

    # the same document in two sources: kept in both within sources, once across them
    gen_docs = [{"id": "d1", "text": docs[0]["text"]}, {"id": "d2", "text": docs[1]["text"]}]
    for scope, expect in (("source", 0), ("language", 1), ("global", 1)):
        stages = StagesConfig(dedup={"scope": scope})
        root = tmp_path / scope
        synthetic.write_run(root, gen_docs, stages, source="src-a", parts=1)
        synthetic.write_run(root / "b", gen_docs, stages, source="src-b", parts=1)
        shutil.move(root / "b" / "docs" / "src-b", root / "docs" / "src-b")
        synthetic.run_dedup(root, stages)
        removed = sum(pq.ParquetFile(p).metadata.num_rows for p in (root / "rejected").rglob("*.parquet"))
        assert removed == 2 * expect, scope


def test_incremental_against_a_reference_run(tmp_path: Path, in_process) -> None:
    docs, pairs = _corpus()
    stages = StagesConfig()
    ref = _signed_run(tmp_path, "ref", stages, [d for d in docs if not d["id"].endswith("-b")])
    synthetic.run_dedup(ref, stages)
    ref_before = _outputs(ref)
    new_docs = [d for d in docs if d["id"].endswith("-b")]
    against = StagesConfig(dedup={"against": [str(ref)]})
    new = _signed_run(tmp_path, "new", against, new_docs)
    synthetic.run_dedup(new, against)
    removed = {r["id"] for p in (new / "rejected").rglob("*.parquet") for r in pq.read_table(p).to_pylist()}
    assert {p.variant for p in pairs if p.jaccard >= 0.9} <= removed
    assert not {p.variant for p in pairs if p.jaccard < 0.65} & removed
    assert _outputs(ref) == ref_before  # the reference run is read, never changed
    stats = json.loads((new / "stats" / "dedup.json").read_text())
    assert stats["config"]["against"] == [str(ref)]

    other = StagesConfig(signatures={"num_perm": 64}, dedup={"against": [str(ref)]})
    mismatch = _signed_run(tmp_path, "mismatch", other, new_docs[:5])
    with pytest.raises(UserError, match="num_perm"):
        synthetic.run_dedup(mismatch, other)
    missing = StagesConfig(dedup={"against": [str(tmp_path / "nope")]})
    fresh = _signed_run(tmp_path, "fresh", missing, new_docs[:5])
    with pytest.raises(UserError, match="not a run directory"):
        synthetic.run_dedup(fresh, missing)


def test_pipeline_run_moves_duplicates_to_rejected_and_reconciles(tmp_path: Path, ray_session, monkeypatch) -> None:
    """Through `curate run`'s runner: documents phase (signatures stage on Ray), then the dedup phase."""
    from curation import runner
    from curation.phases.dedup.phase import DedupPhase

    monkeypatch.setattr(runner, "PHASES", [DedupPhase])  # the later phases are other tests' business
    docs, pairs = _corpus()
    data = tmp_path / "data"
    data.mkdir()
    for f in range(2):
        with open(data / f"part{f}.jsonl", "w") as fh:
            for d in docs[f::2]:
                fh.write(json.dumps({"id": d["id"], "text": d["text"], "lang": "es"}) + "\n")
    write_pipeline(tmp_path, """\
        name: dd
        sources:
          - id: synthetic
            name: Synthetic
            format: jsonl
            location: data/*.jsonl
            languages: [es]
            domain: web
            licence: none
            fields: {text: text, id: id, language: lang}
        stages:
          langid: {enabled: false}
          quality: {enabled: false}
          dedup: {partitions: 2}
        """)
    result = runner.run_pipeline(tmp_path / "pipeline.yaml", runs_dir=tmp_path / "runs", log=lambda m: None)
    assert result.reconciliation["ok"]
    src = result.reconciliation["sources"]["synthetic"]
    assert src["records"] == len(docs) and src["rejected"] > 0
    rejected = [r for p in (result.run.rejected("synthetic")).glob("*.dedup.parquet") for r in pq.read_table(p).to_pylist()]
    assert len(rejected) == src["rejected"]
    high = [p for p in pairs if p.jaccard >= 0.9]
    removed = {r["id"] for r in rejected}
    assert all(len({p.original, p.variant} & removed) == 1 for p in high)
    meta = json.loads(result.run.run_json.read_text())
    assert meta["stages"]["dedup"]["status"] == "done"
    before = tree_digest(result.run.root)
    again = runner.run_pipeline(tmp_path / "pipeline.yaml", runs_dir=tmp_path / "runs", log=lambda m: None)
    assert again.reconciliation["ok"] and tree_digest(result.run.root) == before


def test_config_errors_are_one_line_user_errors(tmp_path: Path) -> None:
    from curation.config.pipeline import load_pipeline

    write_pipeline(tmp_path, """\
        name: bad
        sources:
          - use: colossal-oscar
            location: data/*.jsonl.zst
        stages:
          dedup: {bands: 10}
        """)
    with pytest.raises(UserError) as e:
        load_pipeline(tmp_path / "pipeline.yaml")
    assert "dedup" in str(e.value) and "\n" not in str(e.value)
    write_pipeline(tmp_path, """\
        name: bad
        sources:
          - use: colossal-oscar
            location: data/*.jsonl.zst
        stages:
          dedup: {scope: planet}
        """)
    with pytest.raises(UserError, match="scope"):
        load_pipeline(tmp_path / "pipeline.yaml")


@pytest.mark.slow
def test_eval_recall_and_precision_on_planted_pairs(ray_session) -> None:
    """`curate eval dedup` at a smaller size: the done-when numbers hold with verification on."""
    from rich.console import Console

    from curation.evals import dedup as eval_dedup

    r = eval_dedup.run(Console(quiet=True), n_background=600, pairs_per_level=24)
    on = r["verified"]
    assert on["recall_j_ge_0.85"] >= 0.95 and on["precision"] >= 0.99
    assert on["curve"][0.5][1] == 0.0 and on["curve"][1.0][1] == 1.0  # the S-curve's two ends
