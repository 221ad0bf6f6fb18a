"""Differential fuzzing of the tokenizer engine against the real HF `tokenizers`: seeded random
texts mixing scripts (Latin with accents, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai,
CJK, Hangul, emoji with ZWJ/VS16, combining marks), random whitespace (incl. NBSP, U+2028, tabs,
CRLF), punctuation runs, digits, special-token literals and very long words, through every
fixture tokenizer, with and without special tokens. The first differing text is reported."""
from __future__ import annotations

import os
import random

import pytest

import m2v_native
from conftest import missing, tokenizer_files
from tokenizer_configs import random_text  # the multi-script text generator, shared with the config fuzzer

N_TEXTS = int(os.environ.get("M2V_DIFF_TEXTS", "3000"))


def _untruncated_pair(path):
    """HF's and m2v's tokenizer of one tokenizer.json, both without truncation and padding."""
    from tokenizers import Tokenizer as HFTokenizer

    ref = HFTokenizer.from_file(str(path))
    tok = m2v_native.Tokenizer.from_file(path)
    for t in (ref, tok):
        t.no_truncation()
        t.no_padding()
    return ref, tok


def _assert_same_ids(name, path, texts):
    """m2v's ids are HF's on every text, with and without special tokens (the first difference
    is reported)."""
    ref, tok = _untruncated_pair(path)
    for special in (False, True):
        want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=special)]
        got = tok.encode_batch(texts, add_special_tokens=special)
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, (f"{name} add_special_tokens={special}: first differing text #{i}: {texts[i]!r}\n"
                            f"  m2v:        {g[:40]}\n  tokenizers: {w[:40]}")


@pytest.mark.parametrize("name,path", tokenizer_files(), ids=[n for n, _ in tokenizer_files()])
def test_random_texts_match_hf_tokenizers(name, path):
    if not path.is_file():
        missing(str(path))
    rng = random.Random(f"m2v-{name}")
    texts = [random_text(rng) for _ in range(N_TEXTS)]
    _assert_same_ids(name, path, texts)


@pytest.mark.parametrize("name,path", tokenizer_files(), ids=[n for n, _ in tokenizer_files()])
def test_every_scalar_below_0x800_matches_hf_tokenizers(name, path):
    """Each scalar of U+0080..U+07FF (BertNormalizer's direct tables: clean_text, strip_accents,
    lowercase) alone, inside words, doubled, after an uppercase letter and before a combining
    mark, plus U+0130 and CJK around them, against HF tokenizers."""
    if not path.is_file():
        missing(str(path))
    texts = []
    for lo in range(0x80, 0x800, 8):
        parts = []
        for c in map(chr, range(lo, lo + 8)):
            parts.append(f"{c} a{c}b {c}{c} A{c}\u0301 \u0130{c}中{c}.")
        texts.append(" ".join(parts))
    ref, tok = _untruncated_pair(path)
    want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=False)]
    got = tok.encode_batch(texts, add_special_tokens=False)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"{name}: text #{i} (from U+{0x80 + 8 * i:04X}): {texts[i]!r}\n  m2v: {g[:40]}\n  hf:  {w[:40]}"


@pytest.mark.parametrize("name,path", tokenizer_files(), ids=[n for n, _ in tokenizer_files()])
def test_two_byte_texts_match_hf_tokenizers(name, path):
    """The one-pass path of BERT-style tokenizers (texts whose scalars are all below U+0800):
    the random texts with every longer scalar replaced, and each scalar of U+0080..U+07FF alone,
    inside and after words, doubled, before a combining mark and between punctuation, against HF
    tokenizers, with and without special tokens."""
    if not path.is_file():
        missing(str(path))
    rng = random.Random(f"m2v-2byte-{name}")
    texts = ["".join(c if ord(c) < 0x800 else rng.choice(" a.\u00e9") for c in random_text(rng)) for _ in range(N_TEXTS)]
    for lo in range(0x80, 0x800, 8):
        texts.append(" ".join(f"{c} a{c}b {c}{c} A{c}\u0301 ({c}) x{c}." for c in map(chr, range(lo, lo + 8))))
    texts += ["".join(map(chr, range(lo, lo + 64))) for lo in range(0, 0x800, 64)]
    _assert_same_ids(name, path, texts)
