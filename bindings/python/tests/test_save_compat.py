"""save_pretrained and re-quantization against model2vec 0.10, byte for byte where the reference
is deterministic: the folder m2v_native writes for a model (model.safetensors, config.json,
modules.json, README.md model card) equals the one model2vec writes for the same model and
arguments; quantize_to / dimensionality at load give model2vec's exact table; a vocabulary-
quantized model (m2v's own k-means) saves a folder model2vec loads with the same vectors."""
from __future__ import annotations

import os

import numpy as np
import pytest

import m2v_native
from conftest import model_dir

model2vec = pytest.importorskip("model2vec")

FILES = ["model.safetensors", "config.json", "modules.json", "README.md"]


def _folder_bytes(path: str) -> dict[str, bytes]:
    name = os.path.basename(path).encode()
    # The default model name is the folder's name: compare with it masked.
    return {f: open(os.path.join(path, f), "rb").read().replace(name, b"<folder>") for f in FILES}


@pytest.mark.parametrize("model", ["minilm-default", "minilm-vq256-int8", "trained-unigram-6k-weights",
                                   "trained-wordlevel-5k-nonorm"])
@pytest.mark.parametrize("card", [{}, {"base_model_name": "org/base", "language": ["en", "nl"]}])
@pytest.mark.parametrize("model_name", [None, "org/name", "my: model"])
def test_save_pretrained_is_byte_identical(tmp_path, model, card, model_name):
    ref = model2vec.StaticModel.from_pretrained(model_dir(model))
    args = dict(config=ref.config, normalize=not ref.normalize, weights=ref.weights,
                token_mapping=ref.token_mapping, max_length=77, **card)
    ours = m2v_native.StaticModel(ref.embedding, ref.tokenizer, **args)
    theirs = model2vec.StaticModel(ref.embedding, ref.tokenizer, **args)
    assert ours.config == theirs.config
    a, b = tmp_path / "a", tmp_path / "b"
    ours.save_pretrained(a, model_name=model_name, subfolder="sub")
    theirs.save_pretrained(b, model_name=model_name, subfolder="sub")
    assert _folder_bytes(str(a / "sub")) == _folder_bytes(str(b / "sub"))
    back = m2v_native.StaticModel.from_pretrained(b, subfolder="sub")
    assert back.base_model_name == theirs.base_model_name and back.language == theirs.language
    assert back.max_length == 77 and back.normalize == theirs.normalize


@pytest.mark.parametrize("model", ["minilm-default", "minilm-pca32-f32", "trained-unigram-6k-weights"])
@pytest.mark.parametrize("quantize_to,dimensionality", [("float32", None), ("int8", None), ("float16", 16),
                                                         ("int8", 8), (None, 20), ("float64", 3)])
def test_quantize_at_load_matches_reference(model, quantize_to, dimensionality):
    ours = m2v_native.StaticModel.from_pretrained(model_dir(model), quantize_to=quantize_to,
                                                  dimensionality=dimensionality)
    theirs = model2vec.StaticModel.from_pretrained(model_dir(model), quantize_to=quantize_to,
                                                   dimensionality=dimensionality)
    assert ours.embedding.dtype == theirs.embedding.dtype
    assert ours.embedding.shape == theirs.embedding.shape
    if ours.embedding.dtype == np.int8:
        # numpy's float16 division then rint: allow a one-step difference at exact .5 ties.
        assert np.abs(ours.embedding.astype(int) - theirs.embedding.astype(int)).max() <= 1
    else:
        np.testing.assert_array_equal(ours.embedding, theirs.embedding)
    assert ours.config == theirs.config
    texts = ["hello world", "static embeddings are fast", ""]
    np.testing.assert_allclose(ours.encode(texts), theirs.encode(texts).astype(np.float32), rtol=2e-3, atol=2e-3)


def test_quantize_errors_match_reference():
    path = model_dir("minilm-default")
    for mod in (m2v_native, model2vec):
        with pytest.raises(ValueError):
            mod.StaticModel.from_pretrained(path, dimensionality=10_000)
        with pytest.raises(ValueError):
            mod.StaticModel.from_pretrained(path, quantize_to="int4")
    vq = m2v_native.StaticModel.from_pretrained(model_dir("minilm-vq256-int8"))
    with pytest.raises(ValueError, match="already"):
        m2v_native.quantize_model(vq, vocabulary_quantization=8)


def test_vocabulary_quantization_round_trips_through_model2vec(tmp_path):
    ours = m2v_native.StaticModel.from_pretrained(model_dir("minilm-default"), vocabulary_quantization=64)
    assert ours.embedding.shape == (64, ours.dim)
    assert ours.vocabulary_quantization == 64
    assert ours.token_mapping.shape == (len(ours.tokens),) and ours.token_mapping.max() < 64
    assert ours.weights is not None and ours.weights.shape == (len(ours.tokens),)
    ours.save_pretrained(tmp_path)
    theirs = model2vec.StaticModel.from_pretrained(tmp_path)
    assert theirs.vocabulary_quantization == 64
    texts = ["hello world", "static embeddings are fast", "a b c d e f"]
    np.testing.assert_allclose(ours.encode(texts), theirs.encode(texts).astype(np.float32), rtol=2e-3, atol=2e-3)


def test_pickle_keeps_python_state(tmp_path):
    import pickle

    m = m2v_native.StaticModel.from_pretrained(model_dir("minilm-default"))
    m.max_length = 4
    m.normalize = not m.normalize
    r = pickle.loads(pickle.dumps(m))
    assert (r.max_length, r.normalize, r.config) == (m.max_length, m.normalize, m.config)
    texts = ["one two three four five six seven"]
    np.testing.assert_array_equal(r.encode(texts), m.encode(texts))
    ref = model2vec.StaticModel.from_pretrained(model_dir("minilm-default"))
    built = m2v_native.StaticModel(ref.embedding, ref.tokenizer, max_length=None)
    r2 = pickle.loads(pickle.dumps(built))
    assert r2.max_length is None
    np.testing.assert_array_equal(r2.encode(texts), built.encode(texts))
