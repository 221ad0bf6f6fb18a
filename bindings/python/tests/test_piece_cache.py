"""The per-thread piece cache (piece -> ids memo, used by WordPiece, BPE and Unigram) against HF
`tokenizers`: one large batch of texts whose words come from a pool much larger than the cache
and repeat with a Zipf-like law, so single-thread encoding runs through every cache path — hits,
misses, 2-way eviction, slot-table growth, arena growth and the clear of a full arena — plus
pieces above the cache's key limit (24 scalars) and above max_input_chars_per_word, mixed
scripts, accents, CJK, control characters and whitespace kinds. Also encode's ids
(truncation, character cut, unk dropped) against model2vec through `tokenize`."""
from __future__ import annotations

import os
import random

import pytest

import m2v_native
from conftest import missing, tokenizer_files
from tokenizer_configs import ALPHABETS

N_WORDS = int(os.environ.get("M2V_CACHE_WORDS", "60000"))
N_TEXTS = int(os.environ.get("M2V_CACHE_TEXTS", "6000"))
SEPARATORS = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", ", ", ". ", "!", "-", "'", "\x07", "\u200b"]


def _word(rng: random.Random) -> str:
    alpha = rng.choice(ALPHABETS)
    r = rng.random()
    n = rng.randint(1, 8) if r < 0.85 else rng.randint(9, 30) if r < 0.98 else rng.randint(90, 130)
    w = "".join(rng.choice(alpha) for _ in range(n))
    if rng.random() < 0.05:
        w += rng.choice(["\u0301", "\u0308", "\x00", "\x7f", "\ufffd", "\u0130"])
    return w


def _texts(seed: str) -> list[str]:
    rng = random.Random(seed)
    pool = [_word(rng) for _ in range(N_WORDS)]
    texts = []
    for _ in range(N_TEXTS):
        parts = []
        for _ in range(rng.randint(1, 60)):
            # Zipf-like: index ~ N * u^3 puts most draws on the first words of the pool.
            parts.append(pool[min(N_WORDS - 1, int(N_WORDS * rng.random() ** 3))])
            parts.append(rng.choice(SEPARATORS))
        texts.append("".join(parts))
    return texts


@pytest.mark.parametrize("name,path", tokenizer_files(), ids=[n for n, _ in tokenizer_files()])
def test_cached_tokenization_matches_hf_tokenizers(name, path):
    from tokenizers import Tokenizer as HFTokenizer

    if not path.is_file():
        missing(str(path))
    texts = _texts(f"cache-{name}")
    ref = HFTokenizer.from_file(str(path))
    ref.no_truncation()
    ref.no_padding()
    want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=False)]
    tok = m2v_native.Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    # Twice: the second pass runs on a warm cache in a fresh call.
    for rnd in range(2):
        got = tok.encode_batch(texts, add_special_tokens=False)
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, (f"{name} pass {rnd}: first differing text #{i}: {texts[i]!r}\n"
                            f"  m2v:        {g[:40]}\n  tokenizers: {w[:40]}")
