"""tokenizer.json from a SentencePiece .model: SentencePiece's ids token for token, and a decode that
gives the text back, on real multilingual text (tests/data/debian_multilingual.jsonl)."""

from __future__ import annotations

import io
import unicodedata

import pytest
import sentencepiece as spm

from curation.core.errors import UserError
from curation.phases.tokenizer.phase import load_model_file
from curation.phases.tokenizer.config import TrainConfig
from curation.phases.tokenizer.tokenizer_json import NotConvertible, load_proto, mergeable, table_is_nfc, tokenizer_json
from curation.phases.tokenizer.trainer import train_sentencepiece


@pytest.fixture(scope="module")
def pair(salamandra_model):
    tok = tokenizer_json(salamandra_model)
    tok.encode_special_tokens = True  # SentencePiece reads "</s>" in text as text
    return spm.SentencePieceProcessor(model_proto=salamandra_model), tok


def ids(tok, text: str) -> list[int]:
    return tok.encode(text, add_special_tokens=False).ids


def test_ids_equal_sentencepiece_on_real_text(pair, debian_texts) -> None:
    sp, tok = pair
    for text in debian_texts:
        assert ids(tok, text) == sp.encode(text)
        assert tok.encode(text).ids == [sp.bos_id()] + sp.encode(text)  # bos in front, no eos


def test_decode_gives_the_text_back_byte_pieces_included(pair, debian_texts) -> None:
    sp, tok = pair
    byte_pieces = 0
    for text in debian_texts:
        encoded = tok.encode(text).ids
        byte_pieces += sum(sp.is_byte(i) for i in encoded)
        assert tok.decode(encoded) == text
    assert byte_pieces > 1000  # emoji and rare CJK characters went through byte fallback


def test_decomposed_text_is_composed_as_sentencepiece_does(pair, salamandra_model, debian_texts) -> None:
    # The trainer's rule table is NFC; `tokenizers`' Precompiled reading of it leaves decomposed kana
    # (6 bytes a grapheme) uncomposed, so the converter must have chosen NFC.
    sp, tok = pair
    assert table_is_nfc(salamandra_model)
    changed = [unicodedata.normalize("NFD", t) for t in debian_texts if unicodedata.normalize("NFD", t) != t]
    assert len(changed) >= 10
    for text in changed:
        assert ids(tok, text) == sp.encode(text)


@pytest.mark.parametrize("ws,runs", [(" ", (2, 3, 24, 25, 30)), ("\t", (2, 6, 7, 13)), ("\n", (2, 3, 4, 7)), ("\r\n", (1, 2))])
def test_whitespace_runs_use_the_user_defined_pieces(pair, debian_texts, ws, runs) -> None:
    sp, tok = pair
    for n in runs:
        for text in debian_texts[:6]:
            stretched = text.replace(ws, ws * n)
            for variant in (stretched, ws * n + stretched, stretched + ws * n):
                assert ids(tok, variant) == sp.encode(variant), (repr(ws), n)
                assert tok.decode(tok.encode(variant).ids) == variant
    if ws == " ":  # 30 spaces after the dummy prefix: the 24-space piece, then a 7-space one
        assert sp.piece_to_id("\u2581" * 24) in ids(tok, " " * 30 + debian_texts[0])


def test_every_piece_is_rebuilt_whole_by_its_merges(salamandra_model) -> None:
    tok = tokenizer_json(salamandra_model)
    proto = load_proto(salamandra_model)
    for piece in mergeable(proto):
        assert [t.value for t in tok.model.tokenize(piece)] == [piece]
    assert not any(c.isdigit() for p in mergeable(proto) if len(p) > 1 for c in p)  # split_digits


def test_conversion_is_deterministic(salamandra_model) -> None:
    assert tokenizer_json(salamandra_model).to_str() == tokenizer_json(salamandra_model).to_str()


def _default_model(debian_texts, **options) -> bytes:
    """SentencePiece's own defaults (NFKC table, extra whitespace removed), trained line by line."""
    lines = [line for text in debian_texts[::2] for line in text.split("\n") if line.strip()]
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=out, vocab_size=1500, minloglevel=2, **options)
    return out.getvalue()


def test_a_model_with_sentencepiece_defaults_converts_too(debian_texts) -> None:
    model = _default_model(debian_texts, model_type="bpe", byte_fallback=True)
    assert not table_is_nfc(model)  # NFKC: the model's own table is used
    sp, tok = spm.SentencePieceProcessor(model_proto=model), tokenizer_json(model)
    tok.encode_special_tokens = True
    for text in debian_texts:
        assert ids(tok, text) == sp.encode(text)
        assert tok.decode(ids(tok, text)) == sp.decode(sp.encode(text))


def test_a_unigram_model_is_refused_in_one_line(debian_texts, tmp_path) -> None:
    model = _default_model(debian_texts, model_type="unigram")
    with pytest.raises(NotConvertible, match="a UNIGRAM model") as e:
        tokenizer_json(model)
    assert isinstance(e.value, UserError) and "\n" not in str(e.value)
    (tmp_path / "uni.model").write_bytes(model)  # given as the pipeline's `tokenizer: {model: ...}`
    with pytest.raises(UserError, match=r"p\.yaml: field 'tokenizer\.model': .*uni\.model: no Hugging Face tokenizer\.json .*UNIGRAM"):
        load_model_file(tmp_path / "uni.model", "p.yaml")


def test_a_user_defined_piece_that_merges_cannot_rebuild_is_refused(debian_texts) -> None:
    # Salamandra's instruct tokenizer makes <|im_start|> user-defined (langtech_tokenizers
    # changes_configs/salamandra_instructed.yml); no merges lead to it from its characters.
    model = _default_model(debian_texts, model_type="bpe", byte_fallback=True, user_defined_symbols=["<|im_start|>"])
    with pytest.raises(NotConvertible, match=r"user-defined piece '<\|im_start\|>'"):
        tokenizer_json(model)


def test_a_small_vocabulary_trained_on_text_without_tabs_still_converts(debian_texts, tmp_path):
    """The whitespace runs are user-defined pieces; their characters are required characters of the
    trainer, so even a small vocabulary on text with no tab keeps "\\t" as a piece and "\\t\\t" is a merge
    (without it the run's tokenizer.json could not be written and `curate run` failed)."""
    import sentencepiece as spm

    texts = [t.replace("\t", " ") for t in debian_texts[1::2]]
    model = train_sentencepiece(iter(texts), TrainConfig(vocab_size=1500, num_threads=1), tmp_path, "test")
    sp = spm.SentencePieceProcessor(model_proto=model)
    assert sp.piece_to_id("\t") != sp.unk_id() and not sp.is_byte(sp.piece_to_id("\t"))
    tok = tokenizer_json(model, add_bos=False)
    for text in ["a\t\tb", "x\t\t\t\t\t\ty\n\n\nz", "{\n\t\treturn\n}"]:
        assert tok.encode(text).ids == sp.encode(text)
        assert tok.decode(tok.encode(text).ids) == text
