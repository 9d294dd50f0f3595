"""Megatron shards: byte compatibility with megatron-core (dtype edges included), the shards phase's
contents read back with megatron-core's IndexedDataset, splits, shuffling, naming, manifest, and
byte-identical outputs whatever the partitioning, the workers or an interruption."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import curate, oscar_record, write_pipeline
from curation.core.rundir import RunDir
from curation.phases.shards.config import ShardsConfig
from curation.formats.indexed import IndexedReader, IndexedWriter, optimal_dtype
from curation.phases.shards.phase import build_shards
from conftest import corpus, make_docs_run, synthetic_text, tokenizer_for

CAP = 20_000  # tokens per shard in these tests: the larger groups are cut into parts


def megatron():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from megatron.core.datasets import indexed_dataset
    return indexed_dataset


@pytest.mark.parametrize("vocab, code", [(65_499, 8), (65_500, 4), (256_000, 4)])
def test_writer_is_byte_identical_to_megatron_core(tmp_path: Path, vocab: int, code: int) -> None:
    import torch

    md = megatron()
    rng = np.random.default_rng(vocab)
    docs = [rng.integers(0, vocab, size=n) for n in (1, 7, 3, 250_000, 2, 1)]
    docs[1][0] = vocab - 1  # the largest id survives the dtype
    ours = tmp_path / "ours_text_document"
    w = IndexedWriter(ours, optimal_dtype(vocab))
    w.add_document(docs[0])
    w.add_documents(np.concatenate(docs[1:4]), np.array([len(d) for d in docs[1:4]]))
    for d in docs[4:]:
        w.add_document(d)
    info = w.finalize()
    assert optimal_dtype(vocab) == md.DType.optimal_dtype(vocab)
    ref = tmp_path / "ref_text_document"
    b = md.IndexedDatasetBuilder(md.get_bin_path(str(ref)), dtype=md.DType.optimal_dtype(vocab))
    for d in docs:
        b.add_document(torch.tensor(d), [len(d)])
    b.finalize(md.get_idx_path(str(ref)))
    for ext in (".bin", ".idx"):
        assert Path(f"{ours}{ext}").read_bytes() == Path(f"{ref}{ext}").read_bytes()
    raw = Path(f"{ours}.idx").read_bytes()
    assert raw[:9] == b"MMIDIDX\x00\x00" and raw[17] == code and len(raw) == 34 + 12 * len(docs) + 8 * (len(docs) + 1)
    assert info.documents == len(docs) and info.tokens == sum(map(len, docs))
    assert info.bin_sha256 == hashlib.sha256(Path(f"{ours}.bin").read_bytes()).hexdigest()
    ds = md.IndexedDataset(str(ours))
    assert [ds[i].tolist() for i in range(len(ds))] == [d.tolist() for d in docs]
    assert ds.document_indices.tolist() == list(range(len(docs) + 1))
    mine = IndexedReader(ours)
    assert mine.dtype == optimal_dtype(vocab) and [mine[i].tolist() for i in range(len(mine))] == [d.tolist() for d in docs]


def edge_docs() -> list[tuple[str, str, str, str | None]]:
    rng = random.Random(99)
    long_text = "\n\n".join(synthetic_text(rng, "es") for _ in range(400))  # one document over the cap
    return [
        ("web", "empty-1", "", "es"),
        ("web", "blank-1", "   \n\t ", "es"),
        ("web", "long-1", long_text, "es"),
        ("web", "nolang-1", "Texto sin etiqueta de idioma.", None),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory, ray_session):
    """A run (four languages, code, edge documents), its tokenizer and shards at a small token cap."""
    import sentencepiece as spm

    docs = corpus({"es": 900, "ca": 300, "en": 200, "code": 60}, seed=21) + edge_docs()
    run = make_docs_run(tmp_path_factory.mktemp("shards"), docs, files_per_source=3)
    tokenizer_for(run, vocab=1000)
    summary = build_shards(run, sources=["code-src", "web"], seed=5, run_fingerprint="test", config=ShardsConfig(max_tokens_per_shard=CAP), log=lambda m: None)
    sp = spm.SentencePieceProcessor(model_file=str(run.root / "tokenizer" / "tokenizer.model"))
    manifest = json.loads((run.root / "shards" / "manifest.json").read_text())
    return run, docs, sp, manifest, summary


def read_shards(run, manifest) -> dict[str, list[tuple[int, ...]]]:
    md = megatron()
    out = {}
    for s in manifest["shards"]:
        ds = md.IndexedDataset(str(run.root / "shards" / s["name"]))
        out[s["name"]] = [tuple(ds[i].tolist()) for i in range(len(ds))]
    return out


def test_shards_hold_every_document_encoded_plus_eod(built) -> None:
    run, docs, sp, manifest, _ = built
    eod = sp.eos_id()
    shards = read_shards(run, manifest)
    by_group: dict[tuple[str, str], Counter] = {}
    for s in manifest["shards"]:
        by_group.setdefault((s["language"], s["source"]), Counter()).update(shards[s["name"]])
    expected: dict[tuple[str, str], Counter] = {}
    for src, _, text, lang in docs:
        expected.setdefault((lang or "und", src), Counter())[tuple(sp.encode(text) + [eod])] += 1
    assert by_group == expected
    everything = [seq for seqs in shards.values() for seq in seqs]
    assert len(everything) == len(docs) and all(seq[-1] == eod for seq in everything)
    assert (eod,) in everything  # the empty document: EOD alone
    long_seq = tuple(sp.encode(edge_docs()[2][2]) + [eod])
    assert len(long_seq) > CAP and any(seqs == [long_seq] for seqs in shards.values())  # whole, in a shard of its own
    assert manifest["dtype"] == "uint16" and manifest["tokenizer"]["eod_id"] == eod == 2


def test_manifest_names_caps_and_stats(built) -> None:
    run, docs, _, manifest, summary = built
    root = run.root / "shards"
    names = {s["name"] for s in manifest["shards"]}
    assert {"und/web_train_text_document", "code/code-src_train_text_document"} <= names
    es_train = sorted(s["name"] for s in manifest["shards"] if s["language"] == "es" and s["source"] == "web" and s["split"] == "train")
    assert len(es_train) > 2 and es_train == sorted(f"es/web-{k}_train_text_document" for k in range(len(es_train)))
    for s in manifest["shards"]:
        assert hashlib.sha256((root / f"{s['name']}.bin").read_bytes()).hexdigest() == s["bin_sha256"]
        assert hashlib.sha256((root / f"{s['name']}.idx").read_bytes()).hexdigest() == s["idx_sha256"]
        reader = IndexedReader(root / s["name"])
        assert (len(reader), reader.num_tokens, reader.dtype.name) == (s["documents"], s["tokens"], s["dtype"])
        assert s["tokens"] <= CAP or s["documents"] == 1
        assert s["name"] == f"{s['language']}/{s['source']}{'-%d' % s['part'] if s['parts'] > 1 else ''}_{s['split']}_text_document"
    # greedy fill: every part but the last of a group is full up to the next document
    parts = [s for s in manifest["shards"] if s["parts"] > 1 and s["part"] < s["parts"] - 1 and s["documents"] > 1]
    assert parts and all(s["tokens"] > CAP * 0.8 for s in parts)
    assert manifest["totals"] == {"shards": len(names), "documents": len(docs), "tokens": sum(s["tokens"] for s in manifest["shards"])}
    assert summary["documents"] == len(docs)
    stats = json.loads((run.stats / "tokens.json").read_text())
    assert stats["total"]["tokens"] == manifest["totals"]["tokens"] and stats["total"]["documents"] == len(docs)
    es = stats["sources"]["web"]["es"]
    assert es["documents"] == sum(1 for d in docs if d[0] == "web" and d[3] == "es")
    assert es["train"]["tokens"] + es["valid"]["tokens"] + es["test"]["tokens"] == es["tokens"]
    assert not (run.root / "work").exists()  # intermediate runs are gone once the manifest is written


def _ids_by_split(run, docs, sp, manifest) -> dict[str, set[str]]:
    text_of = {}
    for _, i, text, _ in docs:
        text_of.setdefault(tuple(sp.encode(text) + [sp.eos_id()]), []).append(i)
    out: dict[str, set[str]] = {"train": set(), "valid": set(), "test": set()}
    for prefix, seqs in read_shards(run, manifest).items():
        split = prefix.rsplit("_", 3)[-3]
        for seq in seqs:
            out[split].update(text_of[seq])
    return out


def test_heldout_split_is_by_id_and_order_is_shuffled(built, tmp_path: Path) -> None:
    run, docs, sp, manifest, _ = built
    splits = _ids_by_split(run, docs, sp, manifest)
    n = len(docs)
    assert 0.003 * n < len(splits["valid"]) < 0.03 * n and 0.003 * n < len(splits["test"]) < 0.03 * n
    # another seed: other shard order, the same held-out documents
    other = make_docs_run(tmp_path / "seed", docs, files_per_source=1)
    shutil.copytree(run.root / "tokenizer", other.root / "tokenizer")
    shutil.copytree(run.root / "ledger" / "tokenizer", other.root / "ledger" / "tokenizer")
    build_shards(other, sources=["code-src", "web"], seed=6, run_fingerprint="test", config=ShardsConfig(max_tokens_per_shard=CAP), log=lambda m: None)
    m2 = json.loads((other.root / "shards" / "manifest.json").read_text())
    assert _ids_by_split(other, docs, sp, m2) == splits
    def ca_train(r, m) -> list:  # the parts of ca/web train, in order
        seqs = read_shards(r, m)
        return [x for s in sorted(m["shards"], key=lambda s: s["part"]) if s["name"].startswith("ca/web") and s["split"] == "train" for x in seqs[s["name"]]]

    first, second = ca_train(run, manifest), ca_train(other, m2)
    assert Counter(first) == Counter(second) and first != second
    # shuffled: the shard order is not the documents' order
    input_order = [tuple(sp.encode(t) + [2]) for s, _, t, lang in docs if s == "web" and lang == "ca"]
    positions = [input_order.index(seq) for seq in first]
    assert abs(np.corrcoef(positions, range(len(positions)))[0, 1]) < 0.3


def test_byte_identical_whatever_the_partitioning(built, tmp_path: Path) -> None:
    """Other documents files and a tiny run buffer (many sorted runs, many buckets' worth of merging):
    the same shards, byte for byte. Which worker runs what cannot matter more than this."""
    run, docs, _, manifest, _ = built
    other = make_docs_run(tmp_path / "p", list(reversed(docs)), files_per_source=7)
    shutil.copytree(run.root / "tokenizer", other.root / "tokenizer")
    shutil.copytree(run.root / "ledger" / "tokenizer", other.root / "ledger" / "tokenizer")
    cfg = ShardsConfig(max_tokens_per_shard=CAP, run_tokens=3000, batch_docs=17, bucket_tokens=1500)
    build_shards(other, sources=["code-src", "web"], seed=5, run_fingerprint="test", config=cfg, log=lambda m: None)
    m2 = json.loads((other.root / "shards" / "manifest.json").read_text())
    assert m2["shards"] == manifest["shards"]


def test_resume_and_rebuild_on_change(built, tmp_path: Path) -> None:
    run, docs, _, manifest, _ = built
    copy = tmp_path / "copy"
    shutil.copytree(run.root, copy)
    r = RunDir(copy)
    # an interrupted phase: no completion marker, no manifest, one shard and its marker missing
    victim = manifest["shards"][3]["name"]
    for p in [r.ledger("shards") / "shards.json", copy / "shards" / "manifest.json", copy / "shards" / f"{victim}.bin", r.ledger("shards") / "write" / f"{victim}.json"]:
        p.unlink()
    build_shards(r, sources=["code-src", "web"], seed=5, run_fingerprint="test", config=ShardsConfig(max_tokens_per_shard=CAP), log=lambda m: None)
    assert json.loads((copy / "shards" / "manifest.json").read_text()) == manifest
    # another cap: the old shards go, the new ones come
    build_shards(r, sources=["code-src", "web"], seed=5, run_fingerprint="test", config=ShardsConfig(max_tokens_per_shard=10**9), log=lambda m: None)
    m3 = json.loads((copy / "shards" / "manifest.json").read_text())
    assert all(s["parts"] == 1 for s in m3["shards"]) and not list((copy / "shards").rglob("*-0_*"))
    assert m3["totals"]["tokens"] == manifest["totals"]["tokens"]


@pytest.mark.slow
def test_curate_run_shards_same_bytes_with_one_or_two_cpus(tmp_path: Path) -> None:
    import zstandard

    rng = random.Random(4)
    data = tmp_path / "data"
    data.mkdir()
    for f, lang in enumerate(["es", "ca", "es"]):
        lines = [json.dumps(oscar_record(f * 1000 + i, synthetic_text(rng, lang), lang)) for i in range(150)]
        (data / f"{lang}_part_{f}.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(("\n".join(lines) + "\n").encode()))
    write_pipeline(tmp_path, """\
        name: tok
        seed: 9
        sources:
          - use: colossal-oscar
            location: data/*.jsonl.zst
            languages: [es, ca]
        stages:
          quality: {enabled: false}    # the synthetic word salad is not what quality filters keep
          shards: {max_tokens_per_shard: 30000}
        tokenizer: {train: {vocab_size: 700}}
        """)
    one = curate("run", "pipeline.yaml", "--runs-dir", "r1", "--num-cpus", "1", cwd=tmp_path)
    two = curate("run", "pipeline.yaml", "--runs-dir", "r2", "--num-cpus", "2", cwd=tmp_path)
    assert one.returncode == 0, one.stderr[-2000:]
    assert two.returncode == 0, two.stderr[-2000:]
    m1, m2 = ((tmp_path / r / "tok" / "shards" / "manifest.json").read_text() for r in ("r1", "r2"))
    assert m1 == m2 and json.loads(m1)["totals"]["shards"] > 2
    for name in ("tokenizer/tokenizer.model", "stats/tokens.json", "tokenizer/hf/tokenizer_config.json"):
        assert (tmp_path / "r1" / "tok" / name).read_bytes() == (tmp_path / "r2" / "tok" / name).read_bytes()
    run_json = json.loads((tmp_path / "r1" / "tok" / "run.json").read_text())
    assert run_json["reconciled"] and run_json["stages"]["shards"]["status"] == "done"
    kept = sum(pq.ParquetFile(p).metadata.num_rows for p in (tmp_path / "r1" / "tok" / "docs").rglob("*.parquet"))
    assert json.loads(m1)["totals"]["documents"] == kept
