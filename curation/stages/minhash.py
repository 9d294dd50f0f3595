"""MinHash signatures with datasketch's semantics, computed by a compiled kernel over Arrow buffers.

What a signature is, exactly (so that it can be checked against datasketch):

1. Shingling normalization (datatrove's `simplify_text` idea, per code point): lowercase, diacritics
   stripped (first code point of the NFD decomposition), every run of digits -> "0", punctuation,
   symbols, separators and control characters -> word boundaries, stray combining marks dropped.
2. Tokens: the normalized words; or, for text written without spaces (a document averaging more than
   `chars_per_word` characters per word: Chinese, Japanese, Thai, ...), its characters.
3. Shingles: runs of `ngram` consecutive tokens (`char_ngram` for characters); a document with fewer
   tokens than that is one shingle of all of them; a document with no token has no signature.
4. Shingle hash (the only difference from datasketch's default, which is SHA-1 of the shingle's bytes):
   FNV-1a 64 of each token's code points, the token hashes folded FNV-style, MurmurHash3's 64-bit
   finalizer, low 32 bits. `shingle_hash` below is the same function in Python.
5. Permutations: datasketch 2.x "affine32", bit for bit: the 32-bit input hash is pre-mixed with the
   MurmurHash3 32-bit finalizer, then `a_k * h + b_k mod 2^32` with (a_k, b_k) drawn exactly as
   `datasketch.MinHash(num_perm, seed)` draws them; the signature is the minimum over shingles.

So `MinHash(num_perm, seed, hashfunc=shingle_hash).update_batch(shingles(text))` gives our signature
exactly (tests/test_dedup.py checks it), and with datasketch's default SHA-1 hashfunc the signatures
differ value by value but estimate the same Jaccard similarities (also checked there).

Speed: the kernel walks the UTF-8 bytes of a whole Arrow batch once (numba, no Python object per word
or shingle); `curate bench dedup` compares it with datasketch's `update`/`update_batch` and datatrove.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import numba
import numpy as np
import pyarrow as pa

# Classes in the code point table; other entries are the normalized code point itself.
SEPARATOR = -1
DROP = -2
DIGIT = -3
TABLE_SIZE = 0x20000  # BMP and SMP; code points above (CJK extensions, ...) are kept as they are
MAX_HASH = np.uint32(0xFFFFFFFF)

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_M64 = 0xFFFFFFFFFFFFFFFF


@functools.lru_cache(maxsize=1)
def code_point_table() -> np.ndarray:
    """int32[TABLE_SIZE]: SEPARATOR, DROP, DIGIT or the normalized (lowercase, undiacritized) code point."""
    table = np.empty(TABLE_SIZE, np.int32)
    for cp in range(TABLE_SIZE):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat[0] in "PSZC":
            table[cp] = SEPARATOR
        elif cat[0] == "M":
            table[cp] = DROP
        elif cat[0] == "N":
            table[cp] = DIGIT
        else:
            # 'İ' lowers to 'i' + a combining dot; the first code point of the NFD form is the base letter
            table[cp] = ord(unicodedata.normalize("NFD", ch.lower())[0])
    return table


# --- the pure-Python definition (reference for tests, evaluations and datasketch) ---------------------


def tokens(text: str, chars_per_word: float = 20.0) -> tuple[list[str], bool]:
    """Normalized tokens of `text` and whether they are characters (text without spaces)."""
    table = code_point_table()
    words: list[str] = []
    chars: list[str] = []
    cur: list[str] = []
    last_digit = False
    for ch in text:
        cp = ord(ch)
        cls = int(table[cp]) if cp < TABLE_SIZE else cp
        if cls == SEPARATOR:
            if cur:
                words.append("".join(cur))
                cur = []
            last_digit = False
        elif cls == DROP:
            continue
        elif cls == DIGIT:
            if not last_digit:
                cur.append("0")
                chars.append("0")
            last_digit = True
        else:
            cur.append(chr(cls))
            chars.append(chr(cls))
            last_digit = False
    if cur:
        words.append("".join(cur))
    if words and len(chars) > chars_per_word * len(words):
        return chars, True
    return words, False


def shingles(text: str, ngram: int = 5, char_ngram: int = 5, chars_per_word: float = 20.0) -> list[tuple[str, ...]]:
    toks, as_chars = tokens(text, chars_per_word)
    n = char_ngram if as_chars else ngram
    if not toks:
        return []
    if len(toks) < n:
        return [tuple(toks)]
    return [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]


def _fmix64(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _M64
    return h ^ (h >> 33)


def token_hash(token: str) -> int:
    h = _FNV_OFFSET
    for ch in token:
        h = ((h ^ ord(ch)) * _FNV_PRIME) & _M64
    return h


def shingle_hash(shingle: tuple[str, ...]) -> int:
    """The 32-bit input hash of a shingle (datasketch's `hashfunc` role)."""
    h = 0
    for tok in shingle:
        h = ((h ^ token_hash(tok)) * _FNV_PRIME) & _M64
    return _fmix64(h) & 0xFFFFFFFF


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of datasketch's affine32 scheme: the same draws as `datasketch.MinHash(num_perm, seed)`."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


# --- the kernel -------------------------------------------------------------------------------------

_U64 = np.uint64
_U32 = np.uint32


@numba.njit(inline="always")
def _k_fmix64(h):
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


@numba.njit(inline="always")
def _k_fmix32(h):
    h ^= h >> _U32(16)
    h = _U32(h * _U32(0x85EBCA6B))
    h ^= h >> _U32(13)
    h = _U32(h * _U32(0xC2B2AE35))
    return h ^ (h >> _U32(16))


@numba.njit(cache=True, nogil=True)
def _signatures(data, offsets, table, a, b, ngram, char_ngram, chars_per_word, out, counts):
    """Fill out[i] (uint32[num_perm]) and counts[i] (number of shingles; 0 = no token) for each text i,
    the texts being the UTF-8 `data[offsets[i]:offsets[i+1]]`."""
    n_docs = offsets.shape[0] - 1
    num_perm = a.shape[0]
    longest = 1
    for i in range(n_docs):
        longest = max(longest, offsets[i + 1] - offsets[i])
    word_h = np.empty(longest + 1, np.uint64)  # at most one token per byte
    char_cp = np.empty(longest + 1, np.uint64)
    shingle_h = np.empty(longest + 1, np.uint32)
    fnv_offset = _U64(0xCBF29CE484222325)
    fnv_prime = _U64(0x100000001B3)
    for i in range(n_docs):
        n_words = 0
        n_chars = 0
        h = fnv_offset
        in_word = False
        last_digit = False
        j = offsets[i]
        end = offsets[i + 1]
        while j < end:
            # decode one UTF-8 code point
            c0 = np.int64(data[j])
            if c0 < 0x80:
                cp = c0
                j += 1
            elif c0 < 0xE0:
                cp = ((c0 & 0x1F) << 6) | (np.int64(data[j + 1]) & 0x3F)
                j += 2
            elif c0 < 0xF0:
                cp = ((c0 & 0x0F) << 12) | ((np.int64(data[j + 1]) & 0x3F) << 6) | (np.int64(data[j + 2]) & 0x3F)
                j += 3
            else:
                cp = ((c0 & 0x07) << 18) | ((np.int64(data[j + 1]) & 0x3F) << 12) | ((np.int64(data[j + 2]) & 0x3F) << 6) | (np.int64(data[j + 3]) & 0x3F)
                j += 4
            cls = np.int64(table[cp]) if cp < table.shape[0] else cp
            if cls == -1:  # SEPARATOR
                if in_word:
                    word_h[n_words] = h
                    n_words += 1
                    in_word = False
                last_digit = False
                continue
            if cls == -2:  # DROP
                continue
            if cls == -3:  # DIGIT: a run of digits is one "0"
                if last_digit:
                    continue
                cls = 48
                last_digit = True
            else:
                last_digit = False
            if not in_word:
                h = fnv_offset
                in_word = True
            h = (h ^ _U64(cls)) * fnv_prime
            char_cp[n_chars] = _U64(cls)
            n_chars += 1
        if in_word:
            word_h[n_words] = h
            n_words += 1
        for p in range(num_perm):
            out[i, p] = _U32(0xFFFFFFFF)
        if n_words == 0:
            counts[i] = 0
            continue
        if n_chars > chars_per_word * n_words:  # text without spaces: character tokens
            for k in range(n_chars):
                word_h[k] = (fnv_offset ^ char_cp[k]) * fnv_prime
            n_tok = n_chars
            n = char_ngram
        else:
            n_tok = n_words
            n = ngram
        width = n if n_tok >= n else n_tok
        n_sh = n_tok - width + 1
        for s in range(n_sh):
            g = _U64(0)
            for k in range(width):
                g = (g ^ word_h[s + k]) * fnv_prime
            shingle_h[s] = _k_fmix32(_U32(_k_fmix64(g) & _U64(0xFFFFFFFF)))
        for p in range(num_perm):
            ap = a[p]
            bp = b[p]
            m = _U32(0xFFFFFFFF)
            for s in range(n_sh):
                v = _U32(ap * shingle_h[s] + bp)
                if v < m:
                    m = v
            out[i, p] = m
        counts[i] = n_sh


@dataclass(frozen=True)
class MinHasher:
    num_perm: int = 128
    seed: int = 1
    ngram: int = 5
    char_ngram: int = 5
    chars_per_word: float = 20.0

    @functools.cached_property
    def _perms(self) -> tuple[np.ndarray, np.ndarray]:
        return permutations(self.num_perm, self.seed)

    def signatures(self, texts: pa.Array | pa.ChunkedArray | list[str]) -> tuple[np.ndarray, np.ndarray]:
        """uint32[n, num_perm] signatures and int32[n] shingle counts (0: no token, no signature)."""
        if isinstance(texts, list):
            texts = pa.array(texts, pa.large_string())
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
        n = len(texts)
        out = np.empty((n, self.num_perm), np.uint32)
        counts = np.zeros(n, np.int32)
        if n == 0:
            return out, counts
        if texts.null_count:
            raise ValueError("texts must not be null")
        offsets_type = np.int64 if pa.types.is_large_string(texts.type) else np.int32
        offsets = np.frombuffer(texts.buffers()[1], offsets_type)[texts.offset : texts.offset + n + 1]
        data_buf = texts.buffers()[2]
        data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
        a, b = self._perms
        _signatures(data, offsets.astype(np.int64), code_point_table(), a, b, self.ngram, self.char_ngram, float(self.chars_per_word), out, counts)
        return out, counts

    def shingles(self, text: str) -> list[tuple[str, ...]]:
        return shingles(text, self.ngram, self.char_ngram, self.chars_per_word)


def jaccard_estimate(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """datasketch's `MinHash.jaccard`: the fraction of equal signature values."""
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)


def sketch(signatures: np.ndarray) -> np.ndarray:
    """b-bit minwise sketch (b = 8): the low byte of each signature value, uint8[n, num_perm]."""
    return (signatures & np.uint32(0xFF)).astype(np.uint8)


def sketch_jaccard(matches: np.ndarray | float, num_perm: int) -> np.ndarray | float:
    """Jaccard estimate from the number of equal bytes of two 8-bit sketches (Li and Koenig 2010, as
    datasketch's bBitMinHash): equal bytes occur with probability J + (1 - J) / 256."""
    frac = np.asarray(matches, dtype=np.float64) / num_perm
    return (frac - 1 / 256) / (1 - 1 / 256)


@functools.lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, false_positive_weight: float, false_negative_weight: float) -> tuple[int, int]:
    """(bands, rows) minimizing the weighted false positive and negative areas, as datasketch's
    MinHashLSH chooses them (its `optimal_param`)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(false_positive_weight, false_negative_weight))
    return int(lsh.b), int(lsh.r)


def detection_probability(jaccard: float, bands: int, rows: int) -> float:
    """P(two documents at this Jaccard similarity share at least one band): the LSH S-curve."""
    return 1.0 - (1.0 - jaccard**rows) ** bands
