"""Bugs the atheris fuzzer of the binding (bindings/python/fuzz/fuzz_python.py) found, kept as
tests. Each needs no fixture: the model is an 8-token WordLevel model built from arrays."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import m2v_native

TOKENIZER = json.dumps({
    "version": "1.0",
    "added_tokens": [{"id": 1, "content": "[UNK]", "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True}],
    "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None,
    "model": {"type": "WordLevel", "vocab": {"[PAD]": 0, "[UNK]": 1, "a": 2, "b": 3, "c": 4, "the": 5, ".": 6, "dog": 7},
              "unk_token": "[UNK]"},
})


@pytest.fixture(scope="module")
def tiny() -> m2v_native.StaticModel:
    table = (np.arange(32, dtype=np.float32).reshape(8, 4) - 16) / 8
    return m2v_native.StaticModel(table, m2v_native.Tokenizer.from_str(TOKENIZER))


@pytest.mark.parametrize("bad", [None, b"{}", 5, ["{}"]])
def test_tokenizer_from_str_needs_a_str(bad):
    # Was AttributeError ('NoneType' object has no attribute 'encode'); tokenizers raises TypeError.
    with pytest.raises(TypeError, match="str"):
        m2v_native.Tokenizer.from_str(bad)


def test_save_refuses_nul_in_subfolder(tiny, tmp_path):
    # The glue passed the str's UTF-8 as a C string, so "s\0t" silently became "s".
    with pytest.raises(ValueError, match="null"):
        tiny.save_pretrained(tmp_path, subfolder="s\0t")
    assert not os.path.exists(tmp_path / "s")


def test_save_refuses_nul_in_model_name(tiny, tmp_path):
    with pytest.raises(ValueError, match="null"):
        tiny.save_pretrained(tmp_path / "m", model_name="a\0b")
    assert not os.path.exists(tmp_path / "m")


def test_tensor_name_with_nul(tiny):
    # "embeddings\0x" was looked up as "embeddings".
    with pytest.raises(ValueError, match="null"):
        tiny._core.tensor("embeddings\0x")
    assert tiny._core.tensor("embeddings") is not None


# Found by the config fuzz target (fuzz/regressions/config-card-*, config-duplicate-keys).
CARD_CASES = [
    ("a\nb", ["\u0301en", 'x"y\\z']),   # a newline; a leading combining mark; quote and backslash
    ("it's", ["fr", "tab\there", "\u2028"]),
    ("org/name", ["en"]),
    (" spaced ", ["yes", "1.5", "null"]),  # strings YAML would read as other types unquoted
    ("org/name", []),  # config-card-empty-language: [] came back as None
]


@pytest.mark.parametrize("base_model,language", CARD_CASES)
def test_model_card_round_trip(tiny, tmp_path, base_model, language):
    """base_model / language survive save_pretrained -> from_pretrained, in m2v_native and in
    model2vec (which reads the card with huggingface_hub's YAML parser)."""
    from model2vec import StaticModel

    tiny.base_model_name, tiny.language = base_model, language
    tiny.save_pretrained(tmp_path)
    back = m2v_native.StaticModel.from_pretrained(tmp_path)
    assert (back.base_model_name, back.language) == (base_model, language)
    ref = StaticModel.from_pretrained(str(tmp_path))
    assert (ref.base_model_name, ref.language) == (base_model, language)


@pytest.mark.parametrize("language", [[], ["en", "nl"], None])
def test_model_card_from_model2vec(tmp_path, language):
    """A card model2vec wrote (huggingface_hub's YAML: `language: []` for an empty list) gives
    m2v_native the language model2vec reads back."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer

    table = (np.arange(32, dtype=np.float32).reshape(8, 4) - 16) / 8
    ref = StaticModel(table, Tokenizer.from_str(TOKENIZER), base_model_name="org/base", language=language)
    ref.save_pretrained(str(tmp_path))
    back = m2v_native.StaticModel.from_pretrained(tmp_path)
    assert back.language == StaticModel.from_pretrained(str(tmp_path)).language == language


def test_config_duplicate_keys_as_json_load(tmp_path):
    """A repeated key in config.json: the last value, once, at the first position, as model2vec's
    json.load holds it."""
    from model2vec import StaticModel

    table = (np.arange(32, dtype=np.float32).reshape(8, 4) - 16) / 8
    m2v_native.StaticModel(table, m2v_native.Tokenizer.from_str(TOKENIZER)).save_pretrained(tmp_path)
    cfg = tmp_path / "config.json"
    text = cfg.read_text().rstrip().rstrip("}") + ', "max_length": 3, "normalize": true, "max_length": 2}'
    cfg.write_text(text)
    ours, ref = m2v_native.StaticModel.from_pretrained(tmp_path), StaticModel.from_pretrained(str(tmp_path))
    assert ours.max_length == ref.max_length == 2
    assert ours.config == ref.config
    assert list(ours.config) == list(ref.config)
    np.testing.assert_allclose(ours.encode(["a b the dog"]), ref.encode(["a b the dog"]), rtol=1e-6)
