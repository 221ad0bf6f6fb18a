"""Differential tests: m2v_native against model2vec 0.10 and HF tokenizers on every fixture model
(the eight in fixtures/models plus the tokenlearn wheel's) and the dev + edge corpora."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import assert_close, missing, model_dir, tokenizer_files

import m2v_native


def ref_ids(ref, texts, max_length):
    """The ids model2vec's encode looks up: cut to max_length * median_token_length characters,
    truncate to max_length tokens, drop the unk id (model2vec's _encode_dispatch + tokenize)."""
    if max_length is not None:
        cut = max_length * ref.median_token_length
        texts = [t[:cut] for t in texts]
    ref._set_max_length_in_tokenizer(max_length)
    try:
        return ref.tokenize(texts)
    finally:
        ref._set_max_length_in_tokenizer(ref.max_length)


def test_properties(m2v, ref):
    assert m2v.dim == ref.dim
    assert m2v.normalize == ref.normalize
    assert list(m2v.tokens) == list(ref.tokens)
    assert m2v.median_token_length == ref.median_token_length
    assert m2v.vocab_size == ref.tokenizer.get_vocab_size(with_added_tokens=True)


def test_encode_default(m2v, ref, texts):
    assert_close(m2v.encode(texts), ref.encode(texts), "encode()")


@pytest.mark.parametrize(
    "kwargs",
    [{"normalize": False}, {"normalize": True}, {"max_length": None}, {"max_length": 16}],
    ids=["nonorm", "norm", "maxlen_none", "maxlen_16"],
)
def test_encode_options(m2v, ref, texts, kwargs):
    assert_close(m2v.encode(texts, **kwargs), ref.encode(texts, **kwargs), f"encode({kwargs})")


def test_encode_batch_size_and_threads_do_not_change_bytes(m2v, texts):
    base = m2v.encode(texts)
    for kwargs in ({"batch_size": 7}, {"n_threads": 1}, {"n_threads": 3, "batch_size": 100}):
        assert np.array_equal(m2v.encode(texts, **kwargs), base), kwargs


def test_single_str_shapes(m2v, ref):
    v = m2v.encode("hello world")
    assert v.shape == (m2v.dim,) and v.dtype == np.float32
    assert_close(v, ref.encode("hello world"), "single str")
    assert m2v.encode(["hello world"]).shape == (1, m2v.dim)
    assert m2v.encode([]).shape == (0, m2v.dim)
    assert m2v.encode(("a", "b")).shape == (2, m2v.dim)
    seq = m2v.encode_as_sequence("hello world")
    assert isinstance(seq, np.ndarray) and seq.ndim == 2 and seq.shape[1] == m2v.dim
    assert m2v.encode_as_sequence([]) == []
    assert m2v.encode_as_sequence([""])[0].shape == (0, m2v.dim)
    assert m2v.tokenize("hello world") == m2v.tokenize(["hello world"])


@pytest.mark.parametrize("max_length", [None, 16])
def test_encode_as_sequence(m2v, ref, texts, max_length):
    subset = texts[:200] + texts[1000:]
    got = m2v.encode_as_sequence(subset, max_length=max_length)
    want = ref.encode_as_sequence(subset, max_length=max_length)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        if w.shape[0] == 0:
            assert g.shape == (0, m2v.dim), i
            continue
        assert_close(g, w, f"encode_as_sequence text {i}")


@pytest.mark.parametrize("max_length", [None, 512, 16])
def test_tokenize(m2v, ref, texts, max_length):
    """tokenize is model2vec's tokenize: truncation to max_length tokens, no character cut."""
    ref._set_max_length_in_tokenizer(max_length)
    try:
        want = ref.tokenize(texts)
    finally:
        ref._set_max_length_in_tokenizer(ref.max_length)
    assert m2v.tokenize(texts, max_length=max_length) == want


def test_tokenize_default_truncates_to_max_length(m2v, ref, texts):
    """Without max_length both truncate to the model's max_length (512 here), and a changed
    max_length changes both alike."""
    long_texts = [t * 40 for t in texts[:50]]
    assert m2v.tokenize(long_texts) == ref.tokenize(long_texts)
    old = (m2v.max_length, ref.max_length)
    try:
        m2v.max_length = ref.max_length = 5
        assert m2v.tokenize(long_texts) == ref.tokenize(long_texts)
    finally:
        m2v.max_length, ref.max_length = old


def test_encode_ids_match_reference_dispatch(m2v, ref, texts):
    """The ids encode uses (character cut + truncation) stay model2vec's _encode_dispatch ones."""
    for ml in (None, 16):
        got = m2v._core.tokenize(list(texts), 0 if ml is None else ml, 1)
        assert got == ref_ids(ref, texts, ml)


def test_model_default_max_length_from_config(tmp_path, texts):
    """encode() without max_length uses config.json's max_length, as model2vec does."""
    from model2vec import StaticModel

    src = model_dir("minilm-pca32-f32")
    for value in (16, None):
        dst = tmp_path / f"maxlen-{value}"
        shutil.copytree(src, dst)
        cfg = json.loads((dst / "config.json").read_text())
        cfg["max_length"] = value
        (dst / "config.json").write_text(json.dumps(cfg))
        got = m2v_native.StaticModel.from_pretrained(dst).encode(texts)
        want = StaticModel.from_pretrained(dst).encode(texts)
        assert_close(got, want, f"config max_length {value}")


def test_normalize_override(model_name, ref, texts):
    src = model_dir(model_name)
    for flag in (False, True):
        m = m2v_native.StaticModel.from_pretrained(src, normalize=flag)
        assert m.normalize is flag
        assert_close(m.encode(texts[:100]), ref.encode(texts[:100], normalize=flag), f"normalize={flag}")


def test_save_pretrained_loads_in_model2vec(m2v, ref, texts, tmp_path):
    from model2vec import StaticModel

    m2v.save_pretrained(tmp_path / "saved")
    reloaded = StaticModel.from_pretrained(tmp_path / "saved")
    assert_close(m2v.encode(texts), reloaded.encode(texts), "model2vec on m2v's save")
    assert_close(m2v_native.StaticModel.from_pretrained(tmp_path / "saved").encode(texts), ref.encode(texts),
                 "m2v on m2v's save")


def test_model2vec_save_loads_in_m2v(ref, texts, tmp_path):
    ref.save_pretrained(tmp_path / "ref")
    m = m2v_native.StaticModel.from_pretrained(tmp_path / "ref")
    assert_close(m.encode(texts), ref.encode(texts), "m2v on model2vec's save")


@pytest.mark.parametrize("name,path", tokenizer_files(), ids=[n for n, _ in tokenizer_files()])
def test_tokenizer_encode_batch(name, path, texts):
    from tokenizers import Tokenizer as HFTokenizer

    if not path.is_file():
        missing(str(path))
    # As tokenizer.json says (its truncation and padding, e.g. max_length 512), on both sides.
    ref = HFTokenizer.from_file(str(path))
    tok = m2v_native.Tokenizer.from_file(path)
    assert tok.truncation == ref.truncation and tok.padding == ref.padding
    for special in (False, True):
        want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=special)]
        assert tok.encode_batch(texts, add_special_tokens=special) == want, f"{name} special={special}, file settings"
    # And without them, on both sides.
    ref.no_truncation()
    ref.no_padding()
    tok.no_truncation()
    tok.no_padding()
    assert tok.vocab_size == ref.get_vocab_size(with_added_tokens=True)
    for special in (False, True):
        want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=special)]
        got = tok.encode_batch(texts, add_special_tokens=special)
        bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
        assert len(got) == len(want) and not bad, f"{name} special={special}: texts {bad[:10]} differ"
    assert tok.encode(texts[0]) == ref.encode(texts[0], add_special_tokens=False).ids
    assert tok.encode("hello", add_special_tokens=True) == ref.encode("hello").ids


@pytest.mark.parametrize("name", ["minilm-pca32-f32", "minilm-default", "trained-unigram-6k-weights"])
def test_normalization_is_numpys_bytes(name):
    """The L2 normalization step reproduces numpy's float32 pairwise sum of squares exactly:
    encode(normalize=True) == raw / (np.linalg.norm(raw, axis=1, keepdims=True) + 1e-32) byte
    for byte, raw being our own encode(normalize=False)."""
    import m2v_native

    m = m2v_native.StaticModel.from_pretrained(str(model_dir(name)))
    rng = np.random.default_rng(7)
    words = ["alpha", "beta", "Gamma", "δέλτα", "日本", "tokenization", "!", "42", "straße", "the"]
    texts = [" ".join(rng.choice(words, size=int(rng.integers(0, 40)))) for _ in range(300)]
    raw = m.encode(texts, normalize=False)
    expected = raw / (np.linalg.norm(raw, axis=1, keepdims=True) + 1e-32)
    assert expected.dtype == np.float32
    got = m.encode(texts, normalize=True)
    assert got.tobytes() == expected.tobytes()
