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


@pytest.mark.parametrize("name,path", tokenizer_files(), ids=[n for n, _ in tokenizer_files()])
def test_random_texts_match_hf_tokenizers(name, path):
    from tokenizers import Tokenizer as HFTokenizer

    if not path.is_file():
        missing(str(path))
    rng = random.Random(f"m2v-{name}")
    texts = [random_text(rng) for _ in range(N_TEXTS)]
    ref = HFTokenizer.from_file(str(path))
    ref.no_truncation()
    ref.no_padding()
    tok = m2v_native.Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    for special in (False, True):
        want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=special)]
        got = tok.encode_batch(texts, add_special_tokens=special)
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, (f"{name} add_special_tokens={special}: first differing text #{i}: {texts[i]!r}\n"
                            f"  m2v:        {g[:40]}\n  tokenizers: {w[:40]}")
