"""The run's Hugging Face tokenizer folder: AutoTokenizer loads it offline, gives SentencePiece's ids and
decodes them back to the text, on real multilingual text (tests/data/debian_multilingual.jsonl)."""

from __future__ import annotations

import json

import pytest
import sentencepiece as spm

from curation.phases.tokenizer.hf import FILES, export_hf


@pytest.fixture(scope="module")
def hf_dir(salamandra_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("hf")
    assert export_hf(salamandra_model, out, model_max_length=4096) == list(FILES)
    return out


def check(tok, sp, texts: list[str]) -> None:
    assert (tok.unk_token_id, tok.bos_token_id, tok.eos_token_id, tok.pad_token_id) == (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id()) == (0, 1, 2, 3)
    for text in texts:
        got = tok(text)["input_ids"]
        assert got == [sp.bos_id()] + sp.encode(text)
        assert tok(text, add_special_tokens=False)["input_ids"] == sp.encode(text)
        assert tok.decode(got, skip_special_tokens=True) == text


@pytest.mark.parametrize("use_fast", [True, False])
def test_auto_tokenizer_offline_gives_sentencepiece_ids_and_the_text_back(hf_dir, salamandra_model, debian_texts, use_fast) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(hf_dir), use_fast=use_fast, local_files_only=True)
    assert tok.is_fast and tok.model_max_length == 4096  # transformers 5 ignores use_fast: tokenizer.json either way
    check(tok, spm.SentencePieceProcessor(model_file=str(hf_dir / "tokenizer.model")), debian_texts)


def test_beside_a_saved_llama_model_and_after_save_pretrained(hf_dir, debian_texts, tmp_path) -> None:
    """As `curate train` leaves it: the folder copied next to a LlamaConfig; then saved again by a user."""
    import shutil

    from transformers import AutoTokenizer, LlamaConfig

    model_dir = tmp_path / "model"
    shutil.copytree(hf_dir, model_dir)
    LlamaConfig(vocab_size=3000).save_pretrained(model_dir)
    sp = spm.SentencePieceProcessor(model_file=str(hf_dir / "tokenizer.model"))
    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    check(tok, sp, debian_texts)
    tok.save_pretrained(tmp_path / "again")
    check(AutoTokenizer.from_pretrained(str(tmp_path / "again"), local_files_only=True), sp, debian_texts)


def test_export_is_deterministic_and_names_a_fast_class(hf_dir, salamandra_model, tmp_path) -> None:
    export_hf(salamandra_model, tmp_path, model_max_length=4096)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (hf_dir / name).read_bytes()
    config = json.loads((hf_dir / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "PreTrainedTokenizerFast" and config["split_special_tokens"] is True
    assert (hf_dir / "tokenizer.model").read_bytes() == salamandra_model
