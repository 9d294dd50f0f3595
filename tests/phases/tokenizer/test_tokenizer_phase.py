"""The tokenizer: Salamandra's SentencePiece settings, the alpha-sampled training sample, the Hugging Face
export (same ids as SentencePiece), a given .model, and the user errors around them."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import corpus, curate, make_docs_run, synthetic_text, tokenizer_for, write_pipeline
from curation.core.errors import UserError
from curation.phases.tokenizer.config import TokenizerConfig, TrainConfig
from curation.phases.tokenizer.phase import build_tokenizer, model_path
from curation.phases.tokenizer.sample import language_budgets
from curation.phases.tokenizer.trainer import CONTROL_TOKENS, train_sentencepiece

@pytest.fixture(scope="module")
def trained(tmp_path_factory, ray_session):
    """A run of four languages and code, its tokenizer, and a SentencePiece processor on it."""
    import sentencepiece as spm

    run = make_docs_run(tmp_path_factory.mktemp("tok"), corpus({"es": 300, "ca": 200, "eu": 60, "en": 150, "code": 40}))
    summary = tokenizer_for(run)
    return run, summary, spm.SentencePieceProcessor(model_file=str(model_path(run)))


def test_salamandra_trainer_settings(trained) -> None:
    from sentencepiece import sentencepiece_model_pb2 as pb

    run, summary, sp = trained
    assert summary["vocab_size"] == sp.get_piece_size() == 1200
    # ids: unk 0, bos 1, eos 2, pad 3, then the control tokens in order (Salamandra: im_start 4, im_end 5)
    assert [sp.id_to_piece(i) for i in range(4)] == ["<unk>", "<s>", "</s>", "<pad>"]
    assert (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id()) == (0, 1, 2, 3)
    assert [sp.id_to_piece(i) for i in range(4, 4 + len(CONTROL_TOKENS))] == CONTROL_TOKENS
    assert sp.piece_to_id("<|reserved_token_98|>") == 4 + 99 and all(sp.is_control(4 + i) for i in range(100))
    proto = pb.ModelProto()
    proto.ParseFromString(model_path(run).read_bytes())
    t, n = proto.trainer_spec, proto.normalizer_spec
    assert t.model_type == pb.TrainerSpec.BPE and t.byte_fallback and t.split_digits and t.allow_whitespace_only_pieces
    assert not n.remove_extra_whitespaces and n.name == "user_defined" and n.normalization_rule_tsv == "nfc.tsv"
    assert t.max_sentence_length == 35_145_728
    user = {p.piece for p in proto.pieces if p.type == pb.ModelProto.SentencePiece.USER_DEFINED}
    assert user == {"\r"} | {"\u2581" * k for k in range(2, 25)} | {"\t" * k for k in range(2, 7)} | {"\n" * k for k in range(2, 4)}
    assert len(user) == 1 + 23 + 5 + 2


def test_encoding_behaviour(trained) -> None:
    _, _, sp = trained
    # every digit its own token
    assert all(len(p.lstrip("\u2581")) <= 1 for p in sp.encode("año 1234567 y 89", out_type=str) if any(c.isdigit() for c in p))
    # NFC: a decomposed accent encodes like the composed one
    assert sp.encode("nin\u0303o") == sp.encode("niño")
    # no whitespace collapsing: runs of spaces, tabs, newlines and \r survive a round trip, as user pieces
    text = "a  b    c\t\td\n\ne\r\nf   "
    assert sp.decode(sp.encode(text)) == text
    pieces = sp.encode("x    y\n\nz", out_type=str)
    assert "\u2581\u2581\u2581\u2581" in pieces and "\n\n" in pieces
    # byte fallback: a character never seen in training becomes its UTF-8 bytes, not <unk>
    ids = sp.encode("\U0001d518")
    assert sp.unk_id() not in ids and [sp.id_to_piece(i) for i in ids][-4:] == ["<0xF0>", "<0x9D>", "<0x94>", "<0x98>"]
    assert sp.decode(ids) == "\U0001d518"


def test_model_bytes_do_not_depend_on_threads_or_folder(tmp_path: Path) -> None:
    rng = random.Random(1)
    texts = [synthetic_text(rng, lang) for lang in ["es", "ca", "en"] * 100]
    one = train_sentencepiece(iter(texts), TrainConfig(vocab_size=800, num_threads=1), tmp_path / "a", "p")
    two = train_sentencepiece(iter(texts), TrainConfig(vocab_size=800, num_threads=2), tmp_path / "b" / "c", "p")
    assert one == two


def test_vocab_too_large_is_a_user_error(tmp_path: Path) -> None:
    texts = ["hola món"] * 50
    with pytest.raises(UserError, match=r"pipeline\.yaml: field 'tokenizer\.train\.vocab_size': 5000 is too large"):
        train_sentencepiece(iter(texts), TrainConfig(vocab_size=5000), tmp_path, "pipeline.yaml")


def test_language_budgets() -> None:
    sizes = {"es": 1000, "ca": 400, "eu": 50}
    uniform = language_budgets(sizes, 600, alpha=0.0)
    # eu has less than its third: it gives all of it, the others share the rest equally
    assert uniform["eu"] == 50 and uniform["es"] == uniform["ca"] == 275
    proportional = language_budgets(sizes, 145, alpha=1.0)
    assert proportional == {"ca": 40, "es": 100, "eu": 5}
    half = language_budgets({"a": 900, "b": 100}, 100, alpha=0.5)
    assert half["a"] == 75 and half["b"] == 25  # 30:10 = sqrt(900):sqrt(100)
    assert language_budgets(sizes, 10**6, alpha=0.0) == sizes  # bound above the corpus: everything


def test_sample_is_balanced_bounded_and_independent_of_file_layout(tmp_path: Path, ray_session) -> None:
    docs = corpus({"es": 400, "ca": 100, "eu": 40}, seed=11)
    a = make_docs_run(tmp_path / "a", docs, files_per_source=1)
    b = make_docs_run(tmp_path / "b", docs, files_per_source=5)
    bound = 60_000
    sa = tokenizer_for(a, vocab=700, sample_bytes=bound)
    sb = tokenizer_for(b, vocab=700, sample_bytes=bound)
    stats = json.loads((a.root / "tokenizer" / "sample.json").read_text())
    langs = stats["languages"]
    assert stats["total_bytes"] <= bound and stats["total_bytes"] > 0.9 * bound
    # alpha 0: equal shares; eu has less than a third of the bound and gives all it has
    assert langs["eu"]["sample_bytes"] == langs["eu"]["corpus_bytes"] < bound / 3
    assert langs["es"]["budget_bytes"] == langs["ca"]["budget_bytes"] == (bound - langs["eu"]["corpus_bytes"]) // 2
    longest = max(len(t.encode()) for _, _, t, _ in docs)
    for lang in ("es", "ca"):  # filled up to the budget, within one document
        assert 0 <= langs[lang]["budget_bytes"] - langs[lang]["sample_bytes"] <= longest, (lang, langs[lang])
    # the same documents, however the run's files are cut: same sample, same model
    assert json.loads((b.root / "tokenizer" / "sample.json").read_text()) == stats
    assert sa["model_sha256"] == sb["model_sha256"]
    # alpha 1: shares follow the corpus
    c = make_docs_run(tmp_path / "c", docs)
    tokenizer_for(c, vocab=700, alpha=1.0, sample_bytes=bound)
    prop = json.loads((c.root / "tokenizer" / "sample.json").read_text())["languages"]
    assert prop["es"]["sample_bytes"] > 3 * prop["ca"]["sample_bytes"] > 3 * prop["eu"]["sample_bytes"]


def test_hf_export_gives_sentencepiece_ids(trained) -> None:
    from transformers import AutoTokenizer

    run, summary, sp = trained
    tok = AutoTokenizer.from_pretrained(str(run.root / "tokenizer" / "hf"))
    rng = random.Random(5)
    texts = [synthetic_text(rng, lang) for lang in ["es", "ca", "eu", "en", "code"] * 40]
    texts += ["", " ", "  leading spaces", "trailing  ", "x </s> y <s> <unk> <pad> <|im_start|>", "tab\tnew\r\nline\n\n\n\nend",
              "nin\u0303o \u212b", "\U0001d518 漢字 ١٢٣ 🙂", "1234567890"]
    for t in texts:
        assert tok(t, add_special_tokens=False)["input_ids"] == sp.encode(t), repr(t)
        assert tok(t)["input_ids"] == [sp.bos_id()] + sp.encode(t)
    assert tok.eos_token_id == 2 and tok.pad_token_id == 3 and tok.bos_token_id == 1
    assert tok.decode(sp.encode("Hola  món\n\nA")) == "Hola  món\n\nA"


def test_given_model_is_used_as_is(trained, tmp_path: Path, ray_session) -> None:
    run, summary, _ = trained
    other = make_docs_run(tmp_path / "run", corpus({"es": 5}))
    shipped = tmp_path / "salamandra.model"
    shipped.write_bytes(model_path(run).read_bytes())
    cfg = TokenizerConfig(model="salamandra.model")  # relative: against the pipeline's folder
    got = build_tokenizer(other, sources=["web"], seed=0, run_fingerprint="x", cfg=cfg, base_dir=tmp_path, where="p.yaml", origin="pipeline", log=lambda m: None)
    assert got["model_sha256"] == summary["model_sha256"] and model_path(other).read_bytes() == shipped.read_bytes()
    assert (other.root / "tokenizer" / "hf" / "tokenizer.model").read_bytes() == shipped.read_bytes()
    with pytest.raises(UserError, match=r"p\.yaml: field 'tokenizer\.model': .*absent\.model: no such file"):
        build_tokenizer(other, sources=["web"], seed=0, run_fingerprint="x", cfg=TokenizerConfig(model="absent.model"), base_dir=tmp_path, where="p.yaml", origin="pipeline")
    (tmp_path / "bad.model").write_text("not a model")
    with pytest.raises(UserError, match="not a SentencePiece model"):
        build_tokenizer(other, sources=["web"], seed=0, run_fingerprint="x", cfg=TokenizerConfig(model="bad.model"), base_dir=tmp_path, where="p.yaml", origin="pipeline")


def test_pipeline_tokenizer_key_is_typed(tmp_path: Path) -> None:
    from curation.config.pipeline import load_pipeline

    base = "name: t\nsources:\n  - use: colossal-oscar\n    location: data/*.jsonl\n"
    ok = load_pipeline(write_pipeline(tmp_path, base + "tokenizer: {train: {vocab_size: 32000, alpha: 0.3}}\n"))
    assert ok.pipeline.tokenizer.train.vocab_size == 32000 and ok.pipeline.tokenizer.train.alpha == 0.3
    assert load_pipeline(write_pipeline(tmp_path, base + "tokenizer: {train: {}}\n")).pipeline.tokenizer.train.vocab_size == 256_000
    for bad, field in [("{}", "tokenizer"), ("{train: {vocab_sise: 10}}", "vocab_sise"), ("{train: {alpha: 2}}", "alpha"), ("{model: a.model, train: {}}", "tokenizer")]:
        with pytest.raises(UserError, match=field) as e:
            load_pipeline(write_pipeline(tmp_path, base + f"tokenizer: {bad}\n"))
        assert "pipeline.yaml" in str(e.value)


def test_cli_reports_a_missing_run(tmp_path: Path) -> None:
    r = curate("tokenizer", "train", str(tmp_path / "nope"))
    assert r.returncode == 2 and "not a run directory" in r.stderr and "Traceback" not in r.stderr
