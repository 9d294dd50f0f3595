"""Mixtures: Salamandra's factor rule, blend files, megatron-core's blend, and the token audit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curation.reports.audit import audit_run
from curation.core.errors import UserError
from curation.phases.mix import Shard, compute_blend, load_mixture, mix_run, resolve_mixture, shares

FACTORS = {"es": 2.0, "ca": 2.0, "gl": 2.0, "eu": 2.0, "en": 0.5, "code": 0.5}


def _shard(lang: str, source: str, tokens: int, split: str = "train", k: int | None = None) -> Shard:
    stem = source if k is None else f"{source}-{k}"
    name = f"{lang}/{stem}_{split}_text_document"
    return Shard(name, f"shards/{name}", lang, source, split, max(1, tokens // 100), tokens)


def test_every_bundled_recipe_loads() -> None:
    for name in ("salamandra-2.4T", "salamandra-2.68T", "alia-40b-hq", "alia-40b-long-context", "demo"):
        m = load_mixture(resolve_mixture(name))
        assert m.token_budget > 0 and m.sampling.by_language == FACTORS


def test_268t_recipe_reproduces_the_factor_rule_exactly() -> None:
    """Given raw tokens per language, shares are proportional to raw tokens x factor; OSCAR English out."""
    m = load_mixture(resolve_mixture("salamandra-2.68T"))
    raw = {"en": 9_000, "es": 2_000, "ca": 300, "gl": 50, "eu": 40, "fr": 1_600, "de": 1_200, "ru": 1_400, "hu": 1_100, "pt": 500}
    shards = [_shard(lang, "colossal-oscar", t) for lang, t in raw.items()]
    shards += [_shard("en", "fineweb-edu", 5_000), _shard("code", "starcoder", 3_000, k=0), _shard("code", "starcoder", 1_000, k=1)]
    phases = {"colossal-oscar": ["base-2.4T", "fineweb-2.68T"], "fineweb-edu": ["fineweb-2.68T"], "starcoder": ["base-2.4T", "fineweb-2.68T"]}
    blend = compute_blend(m, shards, phases)
    used = {e.shard.name for e in blend["train"]}
    assert "en/colossal-oscar_train_text_document" not in used and "en/fineweb-edu_train_text_document" in used
    expected = {lang: t * FACTORS.get(lang, 1.0) for lang, t in raw.items() if lang != "en"}
    expected["en"] = 5_000 * 0.5
    expected["code"] = 4_000 * 0.5
    total = sum(expected.values())
    got = shares(blend["train"], "language")
    for lang, v in expected.items():
        assert got[lang]["share"] == pytest.approx(100 * v / total, rel=1e-12)
    # code x0.5 is spread evenly: both code shards keep their relative sizes
    code = [e for e in blend["train"] if e.shard.language == "code"]
    assert code[0].weight / code[1].weight == pytest.approx(3.0)
    # epochs: the budget times the weight over the shard's tokens
    for e in blend["train"]:
        assert e.epochs == pytest.approx(m.token_budget * e.weight / e.shard.tokens)
    # the base mix keeps OSCAR English and has no FineWeb-Edu
    base = compute_blend(load_mixture(resolve_mixture("salamandra-2.4T")), shards, phases)
    assert {e.shard.source for e in base["train"] if e.shard.language == "en"} == {"colossal-oscar"}


def test_blend_files(small_run: Path) -> None:
    result = mix_run(small_run, resolve_mixture("salamandra-2.68T"))
    files = {k: Path(v) for k, v in result["files"].items()}
    pairs = files["data_args"].read_text().split()
    weights = [float(w) for w in pairs[::2]]
    assert all(w > 0 for w in weights) and sum(weights) == pytest.approx(1.0)
    assert all(Path(p).is_absolute() and Path(p + ".idx").is_file() for p in pairs[1::2])
    per_split = json.loads(files["per_split"].read_text())
    assert set(per_split) == {"train", "valid", "test"} and all(per_split.values())
    assert per_split["train"][::2] == weights
    import yaml

    nemo = yaml.safe_load(files["nemo"].read_text())["model"]["data"]["data_prefix"]
    assert set(nemo) == {"train", "validation", "test"} and nemo["train"] == per_split["train"]
    # raw tokens x factor, normalized
    tokens = {e.shard.language: e.shard.tokens for e in result["blend"]["train"]}
    raw = {lang: t * FACTORS.get(lang, 1.0) for lang, t in tokens.items()}
    for e in result["blend"]["train"]:
        assert e.weight == pytest.approx(raw[e.shard.language] / sum(raw.values()))
    relative = mix_run(small_run, resolve_mixture("salamandra-2.68T"), root="/data/shards")
    pairs = Path(relative["files"]["data_args"]).read_text().split()
    assert pairs[1].startswith("/data/shards/") and pairs[1].endswith("_text_document")


def test_blend_in_megatron_core_matches_weights(small_run: Path) -> None:
    pytest.importorskip("megatron.core")
    from megatron.core.datasets.blended_megatron_dataset_builder import BlendedMegatronDatasetBuilder
    from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
    from megatron.core.datasets.utils import get_blend_from_list

    result = mix_run(small_run, resolve_mixture("salamandra-2.68T"))
    per_split = json.loads(Path(result["files"]["per_split"]).read_text())

    class Tok:
        eod, vocab_size, pad = 2, 1000, 0
        unique_identifiers = {"class": "test"}

    n = 300
    cfg = GPTDatasetConfig(random_seed=1234, sequence_length=32, blend=get_blend_from_list([str(x) for x in per_split["train"]]),
                           split="100,0,0", path_to_cache=None, tokenizer=Tok(), reset_position_ids=False,
                           reset_attention_mask=False, eod_mask_loss=False, create_attention_mask=False)
    train, _, _ = BlendedMegatronDatasetBuilder(GPTDataset, [n, 0, 0], lambda: True, cfg).build()
    counts = np.bincount(np.asarray(train.dataset_index), minlength=len(result["blend"]["train"]))
    for e, c in zip(result["blend"]["train"], counts):
        assert abs(c - len(train) * e.weight) <= 1, (e.shard.name, c, len(train) * e.weight)


def test_audit_reads_the_idx_files(small_run: Path) -> None:
    result = audit_run(small_run, load_mixture(resolve_mixture("salamandra-2.68T")))
    assert result.ok, result.problems
    by_lang = {r["language"]: r for r in result.rows}
    assert by_lang["es"]["documents"] == 305 and by_lang["es"]["valid_tokens"] > 0
    assert sum(r["raw_share"] for r in result.rows) == pytest.approx(100, abs=1e-3)
    assert sum(r["mixed_share"] for r in result.rows) == pytest.approx(100, abs=1e-3)
    assert by_lang["es"]["target_share"] == pytest.approx(15.9)
    assert by_lang["es"]["salamandra_datasheet"] == pytest.approx(16.12)


@pytest.mark.parametrize("damage", ["truncate_bin", "truncate_idx", "bad_magic", "manifest_tokens", "lost_docs"])
def test_audit_fails_on_damage_naming_the_shard(small_run: Path, damage: str) -> None:
    prefix = small_run / "shards" / "ca" / "catalog_train_text_document"
    if damage == "truncate_bin":
        data = prefix.with_suffix(".bin").read_bytes()
        prefix.with_suffix(".bin").write_bytes(data[:-10])
    elif damage == "truncate_idx":
        data = prefix.with_suffix(".idx").read_bytes()
        prefix.with_suffix(".idx").write_bytes(data[:50])
    elif damage == "bad_magic":
        data = prefix.with_suffix(".idx").read_bytes()
        prefix.with_suffix(".idx").write_bytes(b"XXXXXXXXX" + data[9:])
    elif damage == "manifest_tokens":
        m = json.loads((small_run / "shards" / "manifest.json").read_text())
        next(s for s in m["shards"] if s["name"].startswith("ca/"))["tokens"] += 1
        (small_run / "shards" / "manifest.json").write_text(json.dumps(m))
    elif damage == "lost_docs":
        pq.write_table(pa.table({"language": ["ca"] * 59}), small_run / "docs" / "catalog" / "part.parquet")
    result = audit_run(small_run)
    assert not result.ok
    assert any("catalog" in p for p in result.problems), result.problems
    cli = subprocess.run([sys.executable, "-m", "curation.cli", "audit", str(small_run)], capture_output=True, text=True)
    assert cli.returncode != 0 and "catalog" in cli.stderr and "Traceback" not in cli.stderr


def test_audit_cli_writes_csv_json_png(small_run: Path) -> None:
    cli = subprocess.run([sys.executable, "-m", "curation.cli", "audit", str(small_run), "--mixture", "salamandra-2.68T", "--format", "json"], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    data = json.loads(cli.stdout)
    assert data["ok"] and {r["language"] for r in data["languages"]} == {"es", "ca", "en", "code"}
    assert (small_run / "audit" / "audit.csv").read_text().startswith("language,")
    png = (small_run / "audit" / "languages.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_mixture_is_one_line() -> None:
    with pytest.raises(UserError, match="no such mixture"):
        resolve_mixture("nope")


# --- what `curate mix` writes where, and what it warns about -----------------------------------------


def _recipe(tmp_path: Path, budget: float, **extra: str) -> Path:
    body = f"name: small\ntoken_budget: {budget}\n" + "".join(f"{k}: {v}\n" for k, v in extra.items())
    path = tmp_path / "small.yaml"
    path.write_text(body)
    return path


def test_root_and_out_never_overwrite_the_runs_blend(small_run: Path, tmp_path: Path) -> None:
    own = mix_run(small_run, resolve_mixture("salamandra-2.68T"))
    before = {k: Path(v).read_bytes() for k, v in own["files"].items()}
    rooted = mix_run(small_run, resolve_mixture("salamandra-2.68T"), root="/data/shards")
    assert Path(rooted["files"]["per_split"]).name == "salamandra-2.68T.under-data-shards.per-split.json"
    bare = mix_run(small_run, resolve_mixture("salamandra-2.68T"), root="")
    assert Path(bare["files"]["data_args"]).name == "salamandra-2.68T.relative.data-args.txt"
    assert Path(bare["files"]["data_args"]).read_text().split()[1] == "ca/catalog_train_text_document"
    elsewhere = mix_run(small_run, resolve_mixture("salamandra-2.68T"), root="/data/shards", out=tmp_path / "blends")
    assert Path(elsewhere["files"]["nemo"]) == tmp_path / "blends" / "salamandra-2.68T.nemo.yaml"
    # the run's own blend (absolute prefixes, what `curate train` reads) is untouched
    assert {k: Path(v).read_bytes() for k, v in own["files"].items()} == before
    assert all(Path(p).is_absolute() for p in json.loads(before["per_split"])["train"][1::2])


def test_epoch_warnings_name_the_shards(small_run: Path, tmp_path: Path) -> None:
    train_tokens = sum(e.shard.tokens for e in compute_blend(load_mixture(_recipe(tmp_path, 1)), *_shards_of(small_run))["train"])
    # no sampling factors: every train shard is seen budget / train tokens times
    assert mix_run(small_run, _recipe(tmp_path, 2 * train_tokens))["warnings"] == []
    # 100x: every train shard is over 16 epochs, and named (the most repeated first, then by name)
    many = mix_run(small_run, _recipe(tmp_path, 100 * train_tokens))
    assert len([w for w in many["warnings"] if w.startswith("shard ")]) == 4
    assert "4 of 4 train shards of 'small' are repeated more than max_epochs 16" in many["warnings"][-1]
    assert many["warnings"][0].startswith("shard ca/catalog_train_text_document: 100.0 epochs")
    # the bound comes from the recipe, or from the caller
    assert mix_run(small_run, _recipe(tmp_path, 100 * train_tokens, max_epochs="150"))["warnings"] == []
    assert mix_run(small_run, _recipe(tmp_path, 100 * train_tokens), max_epochs=150)["warnings"] == []


def _shards_of(run: Path):
    from curation.phases.mix import load_shards, training_phases

    return load_shards(run)[0], training_phases(run)


def test_mix_cli_warns_on_stderr_and_prints_csv(small_run: Path) -> None:
    cli = subprocess.run([sys.executable, "-m", "curation.cli", "mix", str(small_run), "--mixture", "salamandra-2.68T", "--root", "/data", "--format", "csv"],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.splitlines()[0] == "shard,tokens,factor,weight,epochs"
    assert len(cli.stdout.splitlines()) == 1 + 4
    assert "warning: shard " in cli.stderr and "max_epochs 16" in cli.stderr
    assert (small_run / "blend" / "salamandra-2.68T.under-data.per-split.json").is_file()
    assert not (small_run / "blend" / "salamandra-2.68T.per-split.json").exists()


# --- `curate audit`: total row, checksum verdict, what it writes ------------------------------------


def test_audit_total_row(small_run: Path) -> None:
    from curation.reports.audit import to_csv, to_json

    result = audit_run(small_run, load_mixture(resolve_mixture("salamandra-2.68T")))
    total = to_json(result)["total"]
    assert total["language"] == "total"
    for key in ("documents", "tokens", "train_tokens", "valid_tokens", "test_tokens"):
        assert total[key] == sum(r[key] for r in result.rows)
    assert total["raw_share"] == pytest.approx(100, abs=1e-3) and total["mixed_share"] == pytest.approx(100, abs=1e-3)  # sums of rounded shares
    assert total["delta_vs_target"] is None and total["salamandra_alia_40b"] is None
    assert to_csv(result).splitlines()[-1].startswith(f"total,{total['documents']},{total['tokens']},")


def test_audit_checksum_verdict_and_what_it_wrote(small_run: Path) -> None:
    def audit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "curation.cli", "audit", str(small_run), *args], capture_output=True, text=True,
                              env={**__import__("os").environ, "COLUMNS": "80"})

    ok = audit("--checksums", "--no-write")
    assert ok.returncode == 0, ok.stderr
    assert "checksums: OK: all 10 shard files (.bin and .idx of 5 shards) match shards/manifest.json" in ok.stdout
    assert not (small_run / "audit").exists() and "wrote" not in ok.stderr
    # one flipped byte, same size: only the checksum can tell
    b = small_run / "shards" / "en" / "fineweb-edu_train_text_document.bin"
    data = bytearray(b.read_bytes())
    data[100] ^= 0xFF
    b.write_bytes(bytes(data))
    bad = audit("--checksums")
    assert bad.returncode == 1
    assert "checksums: FAILED: 1 of 10 shard files differ from shards/manifest.json (en/fineweb-edu_train_text_document.bin)" in bad.stdout
    assert f"audit: wrote {small_run / 'audit' / 'audit.csv'}" in bad.stderr
    assert (small_run / "audit" / "audit.json").is_file()
    assert "…" not in bad.stdout and "total" in bad.stdout
