"""A Rust `tokenizers` tokenizer (`tokenizer.json`) built from a SentencePiece BPE `.model`, giving
SentencePiece's ids token for token.

How SentencePiece encodes (src/normalizer.cc, src/bpe_model.cc), and how each step is expressed here:

1. Normalize: the model's rule table (Salamandra's is NFC), spaces escaped to U+2581 "▁", one "▁" put in
   front of the text (`add_dummy_prefix`), nothing collapsed (`remove_extra_whitespaces` false).
   -> normalizers NFC (when the table behaves as NFC on every code point and canonical decomposition,
   checked below; `tokenizers`' `Precompiled` reads the table per grapheme and leaves decomposed Japanese
   kana and stacked accents uncomposed), Replace(" ", "▁"), Prepend("▁"). The table is applied longest
   match first, without reordering: in text that is not NFC, "e" + U+0329 + U+0300 stays as it is there
   and becomes "è" + U+0329 under NFC (25 of 4,501 NFD-converted Debian documents; none in NFC text).
2. Split into symbols: user-defined pieces (`\\r`, runs of 2..24 "▁", 2..6 tabs, 2..3 newlines) are
   matched longest first, left to right, and never merge with a neighbour.
   -> a pre-tokenizer Split isolating them (a regex of the literals, longest first: the same matches);
   BPE rebuilds each from its merges (a piece it cannot rebuild, such as a user-defined "<|im_start|>",
   makes the model NotConvertible: as an added token it would get the dummy prefix wrong).
   Digits and "▁" bound every piece too when the vocabulary says so (no piece of two or more characters
   holds a digit; "▁" only at a piece's start): those splits change no id and keep words short.
3. Merge: repeatedly the adjacent pair whose concatenation is a piece with the highest score, leftmost
   first on ties. Any pair that concatenates to a piece may merge.
   -> BPE merges: for every piece, every split into two pieces, ranked by the piece's score. One
   difference is left: two *different* pairs that make the *same* piece and overlap ("ab|a|ba" making
   "aba" both ways) are ordered by position in SentencePiece and by rank here.
4. Characters that are no piece become their UTF-8 bytes `<0xNN>` (`byte_fallback`). -> BPE byte_fallback.

Decoding: Replace("▁", " "), ByteFallback (byte pieces back to UTF-8), Fuse, Strip one leading space
(the dummy prefix). Control pieces (<s>, </s>, <pad>, <|im_start|>, reserved) are special added tokens;
SentencePiece never matches them in text, so encode with `encode_special_tokens = True` (transformers:
`split_special_tokens`, set in the exported tokenizer_config.json); `tokenizers` does not save that flag.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from curation.core.errors import UserError

SPACE = "\u2581"
NFC_PROBE_CHUNK = 20_000  # code points per SentencePiece normalize() call in the NFC check


class NotConvertible(UserError):
    """The model uses a SentencePiece feature that tokenizer.json cannot reproduce exactly."""


def load_proto(model: bytes) -> Any:
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(model)
    return proto


def mergeable(proto: Any) -> dict[str, int]:
    """Pieces BPE may build (SentencePiece's `pieces_`: normal, user-defined, unused), piece -> id."""
    t = proto.SentencePiece
    return {p.piece: i for i, p in enumerate(proto.pieces) if p.type in (t.NORMAL, t.USER_DEFINED, t.UNUSED)}


def merges(proto: Any) -> list[tuple[str, str]]:
    """Every (left, right) whose concatenation is a mergeable piece and whose parts are pieces, ranked
    by the piece's score (higher first), then id, then the left part's length."""
    pieces = mergeable(proto)
    ranked = []
    for piece, i in pieces.items():
        for k in range(1, len(piece)):
            left, right = piece[:k], piece[k:]
            if left in pieces and right in pieces:
                ranked.append((-proto.pieces[i].score, i, k, left, right))
    ranked.sort()
    return [(left, right) for *_, left, right in ranked]


def check_convertible(proto: Any) -> None:
    t, spec, ns = proto.SentencePiece, proto.trainer_spec, proto.normalizer_spec
    if spec.model_type != spec.BPE:
        raise NotConvertible(f"a {spec.ModelType.Name(spec.model_type)} model (only BPE models are converted)")
    if spec.treat_whitespace_as_suffix or not ns.escape_whitespaces:
        raise NotConvertible("whitespace as suffix or unescaped whitespace")
    if any(p.type == t.UNUSED for p in proto.pieces):
        raise NotConvertible("UNUSED pieces (SentencePiece re-splits them after merging)")


@lru_cache(maxsize=1)
def _nfc_probe() -> tuple[str, ...]:
    items = []
    for cp in range(0x21, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        items.append(c)
        d = unicodedata.normalize("NFD", c)
        if d != c:
            items.append(d)
    return tuple(items)


def table_is_nfc(model: bytes) -> bool:
    """Whether the model's rule table maps every code point and every canonical decomposition as NFC
    does (the trainer's nfc.tsv is built that way; a NFKC table is not). ~2 s, once per table."""
    charsmap = load_proto(model).normalizer_spec.precompiled_charsmap
    if charsmap not in _NFC_TABLES:
        _NFC_TABLES[charsmap] = _normalizes_as_nfc(model)
    return _NFC_TABLES[charsmap]


_NFC_TABLES: dict[bytes, bool] = {}


def _normalizes_as_nfc(model: bytes) -> bool:
    import sentencepiece as spm

    proto = load_proto(model)
    proto.normalizer_spec.add_dummy_prefix = False
    proto.normalizer_spec.remove_extra_whitespaces = False
    t = proto.SentencePiece
    for p in proto.pieces:
        if p.type == t.USER_DEFINED:
            p.type = t.CONTROL  # no user-defined matching: compare the table alone
    sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
    items = _nfc_probe()
    for k in range(0, len(items), NFC_PROBE_CHUNK):
        text = "\n".join(items[k : k + NFC_PROBE_CHUNK])
        if sp.normalize(text) != unicodedata.normalize("NFC", text).replace(" ", SPACE):
            return False
    return True


def _literal(s: str) -> str:
    return "".join(f"\\x{{{ord(c):X}}}" for c in s)


def _normalizer(proto: Any, model: bytes) -> Any:
    from tokenizers import Regex, normalizers

    ns = proto.normalizer_spec
    steps = []
    if ns.precompiled_charsmap:
        steps.append(normalizers.NFC() if table_is_nfc(model) else normalizers.Precompiled(ns.precompiled_charsmap))
    if ns.remove_extra_whitespaces:
        steps += [normalizers.Replace(Regex(r"\A +| +\z"), ""), normalizers.Replace(Regex(" {2,}"), " ")]
    steps.append(normalizers.Replace(" ", SPACE))
    if ns.add_dummy_prefix:
        steps.append(normalizers.Prepend(SPACE))
    return normalizers.Sequence(steps)


def _pre_tokenizer(proto: Any) -> Any:
    from tokenizers import Regex, pre_tokenizers

    t = proto.SentencePiece
    user = sorted({p.piece for p in proto.pieces if p.type == t.USER_DEFINED}, key=lambda s: (-len(s), s))
    user_set = set(user)
    longer = [p for p in mergeable(proto) if len(p) > 1]
    isolate = [_literal(u) for u in user]
    if not any(c in "0123456789" for p in longer for c in p):
        isolate.append("[0-9]")
    splits = [pre_tokenizers.Split(Regex("|".join(isolate)), "isolated")] if isolate else []
    # "▁" starts a piece and never follows another character in one (runs of "▁" are user-defined
    # pieces, isolated above, and the split below leaves a run whole).
    if all(SPACE not in p[1:] or (p in user_set and not p.strip(SPACE)) for p in longer):
        splits.append(pre_tokenizers.Split(Regex(f"{SPACE}[^{SPACE}]+"), "isolated"))
    return pre_tokenizers.Sequence(splits) if splits else None


def _decoder(proto: Any) -> Any:
    from tokenizers import decoders

    steps = [decoders.Replace(SPACE, " ")]
    if proto.trainer_spec.byte_fallback:
        steps.append(decoders.ByteFallback())
    steps.append(decoders.Fuse())
    if proto.normalizer_spec.add_dummy_prefix or proto.normalizer_spec.remove_extra_whitespaces:
        steps.append(decoders.Strip(" ", 1, 0))
    return decoders.Sequence(steps)


def tokenizer_json(model: bytes, add_bos: bool = True) -> Any:
    """The `tokenizers.Tokenizer` for a serialized SentencePiece BPE model (`.save(path)` writes
    tokenizer.json). Raises NotConvertible when ids could not match SentencePiece's."""
    from tokenizers import AddedToken, Tokenizer, models, processors

    proto = load_proto(model)
    check_convertible(proto)
    t, spec = proto.SentencePiece, proto.trainer_spec
    vocab = {p.piece: i for i, p in enumerate(proto.pieces)}
    unk = proto.pieces[spec.unk_id].piece if 0 <= spec.unk_id < len(proto.pieces) else None
    tok = Tokenizer(models.BPE(vocab, merges(proto), unk_token=unk, byte_fallback=spec.byte_fallback, fuse_unk=True))
    tok.normalizer = _normalizer(proto, model)
    pre = _pre_tokenizer(proto)
    if pre is not None:
        tok.pre_tokenizer = pre
    tok.decoder = _decoder(proto)
    for p in proto.pieces:  # a user-defined piece is a segment of its own; BPE must rebuild it whole
        if p.type == t.USER_DEFINED and len(p.piece) > 1 and [x.value for x in tok.model.tokenize(p.piece)] != [p.piece]:
            raise NotConvertible(f"user-defined piece {p.piece!r} cannot be rebuilt from merges of smaller pieces")
    tok.add_special_tokens([AddedToken(p.piece, special=True, normalized=False) for p in proto.pieces if p.type in (t.CONTROL, t.UNKNOWN)])
    if add_bos and 0 <= spec.bos_id < len(proto.pieces):
        bos = proto.pieces[spec.bos_id].piece
        tok.post_processor = processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, spec.bos_id)])
    return tok


def load_tokenizer_json(path: Path | str) -> Any:
    """A saved tokenizer.json, set to encode as SentencePiece does: "</s>" in text is text (tokenizers
    does not save `encode_special_tokens`)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.encode_special_tokens = True
    return tok
