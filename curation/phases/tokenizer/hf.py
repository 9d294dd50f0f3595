"""Hugging Face export of a SentencePiece tokenizer: a folder `AutoTokenizer.from_pretrained` loads.

The folder holds the `.model` itself and a `tokenizer_config.json` naming transformers' SentencePiece-backed
class (`SentencePieceBackend`, transformers >= 5), so encoding runs SentencePiece on the same model and
gives the same ids, token for token. A `tokenizer.json` converted for the Rust `tokenizers` library is
deliberately not shipped: converters approximate SentencePiece's user-defined whitespace pieces and byte
fallback, and disagree on part of real text (`curate bench tokenize` measures by how much).
Special tokens: bos `<s>` (added in front, as Salamandra's HF tokenizer does: add_bos_token true), eos `</s>`,
unk `<unk>`, pad `<pad>`. `split_special_tokens` keeps literal "</s>" in text as text, as SentencePiece does.
"""

from __future__ import annotations

import json
from pathlib import Path

from curation.core.rundir import write_atomic

HF_CLASS = "SentencePieceBackend"


def hf_config(sp, model_max_length: int) -> dict:
    def piece(i: int) -> str | None:
        return sp.id_to_piece(i) if 0 <= i < sp.get_piece_size() else None

    return {
        "tokenizer_class": HF_CLASS,
        "bos_token": piece(sp.bos_id()),
        "eos_token": piece(sp.eos_id()),
        "unk_token": piece(sp.unk_id()),
        "pad_token": piece(sp.pad_id()),
        "special_tokens_pattern": "bos",  # <s> in front of every encoded text, nothing after
        "add_bos_token": True,
        "add_eos_token": False,
        "legacy": True,  # plain SentencePiece encoding (the model's own dummy-prefix rule)
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
        "model_max_length": model_max_length,
    }


def export_hf(model: bytes, out_dir: Path, model_max_length: int = 8192) -> list[str]:
    """Write the Hugging Face tokenizer folder; returns the files written."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=model)
    write_atomic(out_dir / "tokenizer.model", model)
    write_atomic(out_dir / "tokenizer_config.json", json.dumps(hf_config(sp, model_max_length), indent=2, sort_keys=True) + "\n")
    return ["tokenizer.model", "tokenizer_config.json"]
