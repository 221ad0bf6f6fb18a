"""tokenizer.json's "truncation" and "padding" in the standalone Tokenizer API (issue 15), against
HF tokenizers: the settings from the file (random values of every field written into real
fixture tokenizers, with and without post-processors), and the HF-style overrides
(no_truncation / enable_truncation / no_padding / enable_padding) applied to both sides."""
from __future__ import annotations

import json
import random
import zlib

import pytest

import m2v_native
from conftest import model_dir

tokenizers = pytest.importorskip("tokenizers")

MODELS = ["minilm-default", "trained-bytebpe-8k", "trained-unigram-6k-weights", "trained-wordlevel-5k-nonorm"]
WORDS = ["hello", "world", "the", "a", "static", "embeddings", "are", "fast", "ünïcödé", "日本語", "!", "12"]


def _texts(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30))) for _ in range(n)]


def _random_settings(rng: random.Random) -> tuple[dict | None, dict | None]:
    trunc = None
    if rng.random() < 0.7:
        trunc = {"max_length": rng.randint(1, 40), "stride": rng.choice([0, 0, 2]),
                 "strategy": rng.choice(["LongestFirst", "OnlyFirst"]), "direction": rng.choice(["Right", "Left"])}
    pad = None
    if rng.random() < 0.7:
        pad = {"strategy": rng.choice(["BatchLongest", {"Fixed": rng.randint(1, 50)}]),
               "direction": rng.choice(["Right", "Left"]),
               "pad_to_multiple_of": rng.choice([None, None, 8, 3]), "pad_id": rng.randint(0, 5),
               "pad_type_id": 0, "pad_token": "[PAD]"}
    return trunc, pad


@pytest.mark.parametrize("name", MODELS)
def test_file_settings_as_hf(name):
    rng = random.Random(zlib.crc32(name.encode()))
    base = json.loads((model_dir(name) / "tokenizer.json").read_text(encoding="utf-8"))
    for round_ in range(25):
        trunc, pad = _random_settings(rng)
        doc = dict(base, truncation=trunc, padding=pad)
        text = json.dumps(doc)
        hf, ours = tokenizers.Tokenizer.from_str(text), m2v_native.Tokenizer.from_str(text)
        texts = _texts(rng, rng.randint(1, 9))
        for special in (False, True):
            try:
                want = [e.ids for e in hf.encode_batch(texts, add_special_tokens=special)]
            except BaseException as e:  # HF panics on a stride >= max_len when it truncates
                assert "stride" in str(e), e
                with pytest.raises(m2v_native.InvalidArgumentError, match="stride"):
                    ours.encode_batch(texts, add_special_tokens=special)
                continue
            assert ours.encode_batch(texts, add_special_tokens=special) == want, (name, trunc, pad, special)
            one = texts[0]
            assert ours.encode(one, add_special_tokens=special) == hf.encode(one, add_special_tokens=special).ids
        assert ours.truncation == hf.truncation
        assert ours.padding == hf.padding


@pytest.mark.parametrize("name", ["minilm-default", "trained-bytebpe-8k"])
def test_overrides_as_hf(name):
    rng = random.Random(7)
    text = (model_dir(name) / "tokenizer.json").read_text(encoding="utf-8")
    for round_ in range(30):
        hf, ours = tokenizers.Tokenizer.from_str(text), m2v_native.Tokenizer.from_str(text)
        if rng.random() < 0.5:
            for t in (hf, ours):
                t.enable_truncation(max_length=5, direction="left")  # file-like base to override
        action = rng.choice(["none", "trunc", "pad", "both", "off"])
        if action in ("trunc", "both"):
            kw = {"max_length": rng.randint(1, 30), "direction": rng.choice(["right", "left"])}
            hf.enable_truncation(**kw)
            ours.enable_truncation(**kw)
        if action in ("pad", "both"):
            kw = {"direction": rng.choice(["right", "left"]), "pad_id": rng.randint(0, 3),
                  "length": rng.choice([None, rng.randint(1, 40)]), "pad_to_multiple_of": rng.choice([None, 4])}
            hf.enable_padding(**kw)
            ours.enable_padding(**kw)
        if action == "off":
            for t in (hf, ours):
                t.no_truncation()
                t.no_padding()
        texts = _texts(rng, rng.randint(1, 6))
        special = rng.random() < 0.5
        want = [e.ids for e in hf.encode_batch(texts, add_special_tokens=special)]
        assert ours.encode_batch(texts, add_special_tokens=special) == want, (name, action)
        assert ours.truncation == hf.truncation and ours.padding == hf.padding, action


def test_malformed_settings_are_format_errors():
    base = json.loads((model_dir("trained-wordlevel-5k-nonorm") / "tokenizer.json").read_text(encoding="utf-8"))
    for field, value in [("truncation", {"stride": 0}), ("truncation", {"max_length": -1}),
                         ("padding", {"strategy": "Sideways"}), ("padding", {"strategy": {"Fixed": 1 << 40}}),
                         ("truncation", {"max_length": 4, "direction": "Up"}), ("padding", [1])]:
        with pytest.raises(m2v_native.FormatError):
            m2v_native.Tokenizer.from_str(json.dumps(dict(base, **{field: value})))
