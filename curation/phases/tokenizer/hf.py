"""Hugging Face export of a SentencePiece tokenizer: the run's `tokenizer/hf/` folder, which
`AutoTokenizer.from_pretrained` loads offline.

- `tokenizer.json`: the Rust `tokenizers` tokenizer converted from the `.model`
  (curation/phases/tokenizer/tokenizer_json.py): SentencePiece's ids token for token, and a decoder
  that turns byte-fallback pieces back into text, so decode(encode(text)) == text for NFC text.
- `tokenizer_config.json`: class `PreTrainedTokenizerFast` (transformers 5 loads it as
  `TokenizersBackend`, 4.x as `PreTrainedTokenizerFast`; 5 ignores `use_fast`). transformers' own
  SentencePiece class (`SentencePieceBackend`) is not named: it joins pieces as text, so byte pieces
  decode as the literal text "<0xE2><0x80><0x94>".
- `tokenizer.model`: the SentencePiece model itself, for SentencePiece, NeMo and Megatron users.

Special tokens as in the model: unk `<unk>` 0, bos `<s>` 1 (added in front, as Salamandra's HF
tokenizer does: add_bos_token true), eos `</s>` 2 (not added), pad `<pad>` 3. `split_special_tokens`
keeps a literal "</s>" in text as text, as SentencePiece does.
"""

from __future__ import annotations

import json
from pathlib import Path

from curation.core.rundir import write_atomic
from curation.phases.tokenizer.tokenizer_json import load_proto, tokenizer_json

HF_CLASS = "PreTrainedTokenizerFast"
FILES = ("tokenizer.model", "tokenizer.json", "tokenizer_config.json")


def hf_config(model: bytes, model_max_length: int) -> dict:
    proto = load_proto(model)
    spec = proto.trainer_spec

    def piece(i: int) -> str | None:
        return proto.pieces[i].piece if 0 <= i < len(proto.pieces) else None

    return {
        "tokenizer_class": HF_CLASS,
        "bos_token": piece(spec.bos_id),
        "eos_token": piece(spec.eos_id),
        "unk_token": piece(spec.unk_id),
        "pad_token": piece(spec.pad_id),
        "add_bos_token": spec.bos_id >= 0,
        "add_eos_token": False,
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
        "model_max_length": model_max_length,
    }


def export_hf(model: bytes, out_dir: Path, model_max_length: int = 8192) -> list[str]:
    """Write the Hugging Face tokenizer folder; returns the files written. Raises NotConvertible (a
    UserError) for a model tokenizer.json cannot reproduce (not BPE, whitespace as suffix, ...)."""
    tok = tokenizer_json(model, add_bos=load_proto(model).trainer_spec.bos_id >= 0)
    write_atomic(out_dir / "tokenizer.model", model)
    write_atomic(out_dir / "tokenizer.json", tok.to_str(pretty=False) + "\n")
    write_atomic(out_dir / "tokenizer_config.json", json.dumps(hf_config(model, model_max_length), indent=2, sort_keys=True) + "\n")
    return list(FILES)
