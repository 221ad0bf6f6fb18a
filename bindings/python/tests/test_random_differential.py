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

N_TEXTS = int(os.environ.get("M2V_DIFF_TEXTS", "3000"))

ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àáâäæçèéêëìíîïñòóôöøùúûüýÿßÀÉÎÖÜŒœİıŞşĞğ",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГД",
    "αβγδεζηθικλμνξοπρσςτυφχψωΑΒΓΔΣΩάέή",
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "אבגדהוזחטיכלמנסעפצקרשת",
    "अआइईउऊएऐओऔकखगघचछजझटठडढतथदधनपफबभमयरलवशसह्ािीुूेैोौं",
    "กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะาำิีึืุู่้๊๋",
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年",
    "ひらがなカタカナ漢字日本語東京",
    "가나다라마바사아자차카타파하한국어",
    "😀😃😄😁🍕👍🏽👩‍💻🏳️‍🌈🇳🇱❤️",
    "\u0301\u0302\u0303\u0308\u0327\u200d\u200c\ufe0f\u00ad",
    "0123456789٠١٢٣٤٥٦٧٨٩½²³",
]
PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»“”‘’—–…·•"
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000", " \u200b "]
SPECIALS = ["[CLS]", "[SEP]", "[UNK]", "[PAD]", "<s>", "</s>", "<unk>", "<|endoftext|>", "[MASK]"]


def random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 25)):
        r = rng.random()
        if r < 0.55:
            alpha = rng.choice(ALPHABETS)
            n = rng.choice([1, 2, 3, 5, 8, 13]) if rng.random() < 0.97 else rng.randint(90, 130)
            parts.append("".join(rng.choice(alpha) for _ in range(n)))
        elif r < 0.75:
            parts.append(rng.choice(SPACES))
        elif r < 0.92:
            parts.append("".join(rng.choice(PUNCT) for _ in range(rng.randint(1, 4))))
        else:
            parts.append(rng.choice(SPECIALS))
    return "".join(parts)


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
