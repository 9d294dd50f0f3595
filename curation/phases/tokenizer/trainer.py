"""SentencePiece BPE with Salamandra's trainer settings (langtech-bsc tokenizer/config.yml, alpha_0).

Fixed here, because they define what a "Salamandra tokenizer" is: BPE, byte fallback, every digit its own
token, NFC normalization (a rule table, as Salamandra's nfc.tsv), no whitespace collapsing, whitespace-only
pieces allowed, user-defined pieces for `\\r` and for runs of spaces (2..24), tabs (2..6) and newlines
(2..3), control tokens `<|im_start|>`, `<|im_end|>` and 98 reserved ones, ids unk 0 / bos 1 / eos 2 /
pad 3. Vocabulary size, character coverage and threads come from the pipeline (`TrainConfig`).
"""

from __future__ import annotations

import io
import os
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from curation.core.errors import UserError
from curation.phases.tokenizer.config import TrainConfig

MAX_SENTENCE_LENGTH = 35_145_728  # bytes; documents are fed whole, newlines included
SPACE_RUNS, TAB_RUNS, NEWLINE_RUNS = 24, 6, 3
RESERVED_TOKENS = 98
CONTROL_TOKENS = ["<|im_start|>", "<|im_end|>"] + [f"<|reserved_token_{i}|>" for i in range(1, RESERVED_TOKENS + 1)]
UNK_ID, BOS_ID, EOS_ID, PAD_ID = 0, 1, 2, 3


def user_defined_symbols() -> list[str]:
    # Spaces are matched after SentencePiece escapes them to U+2581, so the runs are written that way.
    return (
        ["\r"]
        + ["\u2581" * n for n in range(2, SPACE_RUNS + 1)]
        + ["\t" * n for n in range(2, TAB_RUNS + 1)]
        + ["\n" * n for n in range(2, NEWLINE_RUNS + 1)]
    )


@lru_cache(maxsize=1)
def nfc_rules() -> str:
    """An NFC normalization table in SentencePiece's TSV format ("src code points<TAB>target code points",
    hex), built the way SentencePiece builds its NFKC table: every code point whose NFC differs, and every
    canonical decomposition mapped back to its composed form. Depends only on Python's Unicode version."""
    rules: dict[str, str] = {}
    for cp in range(1, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        nfc = unicodedata.normalize("NFC", c)
        if nfc != c:
            rules[c] = nfc
        nfd = unicodedata.normalize("NFD", c)
        if nfd != c and nfd != nfc:
            rules[nfd] = nfc
    return "".join(" ".join(f"{ord(x):X}" for x in src) + "\t" + " ".join(f"{ord(x):X}" for x in dst) + "\n" for src, dst in sorted(rules.items()))


def trainer_options(cfg: TrainConfig, rules_tsv: Path) -> dict[str, Any]:
    """Keyword arguments of `SentencePieceTrainer.train` (besides the input)."""
    return dict(
        model_type="bpe",
        vocab_size=cfg.vocab_size,
        character_coverage=cfg.character_coverage,
        byte_fallback=True,
        split_digits=True,
        remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True,
        normalization_rule_tsv=str(rules_tsv),
        max_sentence_length=MAX_SENTENCE_LENGTH,
        unk_id=UNK_ID,
        bos_id=BOS_ID,
        eos_id=EOS_ID,
        pad_id=PAD_ID,
        user_defined_symbols=user_defined_symbols(),
        # The characters the user-defined runs are made of are pieces of their own, so that each run is
        # also a BPE merge of two pieces (a Hugging Face tokenizer.json can then rebuild it); a small
        # vocabulary trained on text with few tabs would otherwise leave "\t" to byte fallback.
        required_chars="".join(sorted({c for s in user_defined_symbols() if len(s) > 1 for c in s} - set(user_defined_symbols()))),
        control_symbols=CONTROL_TOKENS,
        input_sentence_size=0,  # the sample is already drawn and bounded; keep all of it, in order
        num_threads=cfg.num_threads or os.cpu_count() or 1,
        minloglevel=2,
    )


def train_sentencepiece(sentences: Iterator[str], cfg: TrainConfig, workdir: Path, where: str) -> bytes:
    """Train on the given documents; return the serialized `.model`. `where` names the config in errors."""
    import sentencepiece as spm

    workdir.mkdir(parents=True, exist_ok=True)
    rules = workdir / "nfc.tsv"
    rules.write_text(nfc_rules(), encoding="utf-8")
    model = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(sentence_iterator=sentences, model_writer=model, **trainer_options(cfg, rules))
    except RuntimeError as e:
        msg = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        if "Vocabulary size" in msg or "vocab_size" in msg:
            raise UserError(f"{where}: field 'tokenizer.train.vocab_size': {cfg.vocab_size} is too large for the training sample ({msg.split(']')[-1].strip()})") from None
        raise UserError(f"{where}: field 'tokenizer.train': SentencePiece training failed: {msg}") from None
    return _without_machine_details(model.getvalue())


def _without_machine_details(model: bytes) -> bytes:
    """The trained pieces and scores do not depend on the thread count or where the rule table was, but
    the model records both in its trainer/normalizer spec; fix them so the .model bytes are the same on
    any machine and in any run directory."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(model)
    proto.trainer_spec.ClearField("num_threads")
    proto.normalizer_spec.normalization_rule_tsv = "nfc.tsv"
    return proto.SerializeToString(deterministic=True)
