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
