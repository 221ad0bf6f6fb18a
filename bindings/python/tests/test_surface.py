"""Differential tests of the whole public surface of m2v_native.StaticModel against
model2vec.StaticModel 0.10 (issue 13: m2v_native as a drop-in for model2vec).

For every public name of model2vec.StaticModel: the same kind (method, classmethod, property,
settable or not) and the same signature (parameter names, order, kinds, defaults; m2v may add
keyword-only parameters after model2vec's), the same values (attributes, config, tokens,
unk_token_id, median_token_length, the stored table, weights and mapping, in their dtypes), the
same results (tokenize, encode, encode_as_sequence on corpus, seeded random multi-script and long
texts, with max_length unset / None / ints, normalize overrides, a str or a list), the same
exception types on bad input, the same effect of the setters, of from_pretrained's
quantize_to / dimensionality / vocabulary_quantization / max_length / normalize / subfolder, and
save_pretrained / push_to_hub output that model2vec loads (and the other way round).

Two kinds of models: every fixture model (float16 / float32 / int8 tables, weights + mapping,
WordPiece, Unigram, BPE, byte-level BPE, WordLevel) and models built in the test from random
vectors and a `tokenizers.Tokenizer` trained on random text (seeded random configurations:
dimension, table dtype, normalize, max_length, weights, token mapping, config, tokenizer kind).

Tolerances for vectors (compared as float64): model2vec rounds its result to the table's dtype,
so for float16 tables |m2v - ref| <= 1e-3 * max(|ref|, s), elsewhere 1e-5 * max(|ref|, s), where
s = the largest |ref| in that vector (summation order makes components that cancel to ~0 differ
by a few float32 ulps of the row's scale). Stored tables, weights, mappings and token ids are
compared exactly.
"""
from __future__ import annotations

import inspect
import json
import logging
import random
import shutil
from functools import lru_cache
from pathlib import Path

from typing import Any

import numpy as np
import pytest
from conftest import ALL_MODELS, CI, FIXTURES, corpus, model_dir

import tokenizer_configs as _tc

import model2vec
import model2vec.model
import model2vec.types
import m2v_native
from model2vec import StaticModel as RefModel

M2VModel = m2v_native.StaticModel

logging.getLogger("model2vec").setLevel(logging.ERROR)

# ------------------------------------------------------------------------------------------------
# Texts
# ------------------------------------------------------------------------------------------------

# The multi-script alphabets of the tokenizer fuzzers, with a space among the Latin letters.
ALPHABETS = [_tc.ALPHABETS[0][:26] + " " + _tc.ALPHABETS[0][26:], *_tc.ALPHABETS[1:]]
WORDS = ("the of and to in is was for on that with as by at from it an be this which or are "
         "model static embedding token vector hello world dangerous alone secret everybody").split()
PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»“”‘’—–…·•"
SPACES = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000"]
SPECIALS = ["[CLS]", "[SEP]", "[UNK]", "[PAD]", "<s>", "</s>", "<unk>", "<|endoftext|>", "[MASK]"]


def random_text(rng: random.Random, parts: int) -> str:
    out = []
    for _ in range(parts):
        r = rng.random()
        if r < 0.35:
            out.append(rng.choice(WORDS))
        elif r < 0.65:
            alpha = rng.choice(ALPHABETS)
            n = rng.choice([1, 2, 3, 5, 8]) if rng.random() < 0.97 else rng.randint(60, 130)
            out.append("".join(rng.choice(alpha) for _ in range(n)))
        elif r < 0.85:
            out.append(rng.choice(SPACES))
        elif r < 0.96:
            out.append("".join(rng.choice(PUNCT) for _ in range(rng.randint(1, 3))))
        else:
            out.append(rng.choice(SPECIALS))
    return "".join(out)


@lru_cache(maxsize=None)
def random_texts(seed: int = 13, n: int = 100) -> tuple[str, ...]:
    rng = random.Random(seed)
    texts = [random_text(rng, rng.randint(0, 30)) for _ in range(n)]
    # Long ones: far beyond max_length tokens and beyond max_length * median_token_length chars.
    texts += [random_text(rng, rng.randint(1500, 6000)) for _ in range(5)]
    texts += [" ".join(rng.choice(WORDS) for _ in range(3000)), "x" * 5000, "", " ", "\n\n"]
    return tuple(texts)


@lru_cache(maxsize=None)
def all_texts() -> tuple[str, ...]:
    """300 dev texts, the 58 edge cases (with the 50,000-char ones), the random texts."""
    c = corpus()
    return tuple(c[:300]) + tuple(c[1000:]) + random_texts()


@lru_cache(maxsize=None)
def short_texts() -> tuple[str, ...]:
    return tuple(t for t in all_texts() if len(t) <= 400)[:200]


@lru_cache(maxsize=None)
def medium_texts() -> tuple[str, ...]:
    """200 short texts and 6 long random ones (beyond max_length tokens): for the tests that
    load a model per case."""
    long = [t for t in random_texts() if len(t) > 4000][:6]
    return short_texts() + tuple(long)


# ------------------------------------------------------------------------------------------------
# Comparison helpers
# ------------------------------------------------------------------------------------------------


def rtol_for(table_dtype) -> float:
    return 1e-3 if np.dtype(table_dtype) == np.float16 else 1e-5


def assert_vectors_close(actual, reference, table_dtype, what: str) -> None:
    """Values as in the module docstring; shapes exactly."""
    assert isinstance(actual, np.ndarray), f"{what}: {type(actual).__name__}, not an ndarray"
    assert actual.shape == reference.shape, f"{what}: shape {actual.shape} != reference {reference.shape}"
    if reference.size == 0:
        return
    a = actual.astype(np.float64)
    r = reference.astype(np.float64)
    assert np.all(np.isfinite(a)), f"{what}: non-finite values"
    rtol = rtol_for(table_dtype)
    scale = np.abs(r).max(axis=-1, keepdims=True) if r.ndim else np.abs(r)
    allowed = rtol * np.maximum(np.abs(r), scale)
    bad = np.abs(a - r) > allowed
    if bad.any():
        idx = np.unravel_index(np.argmax(np.abs(a - r) - allowed), a.shape)
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {a.size} values outside rtol {rtol}; worst at {idx}: "
            f"m2v {a[idx]!r} vs model2vec {r[idx]!r}"
        )


def assert_same_array(actual, reference, what: str) -> None:
    if reference is None:
        assert actual is None, f"{what}: m2v has {type(actual).__name__}, model2vec None"
        return
    assert isinstance(actual, np.ndarray), f"{what}: {type(actual).__name__}, not an ndarray"
    assert actual.dtype == reference.dtype, f"{what}: dtype {actual.dtype} != model2vec {reference.dtype}"
    assert actual.shape == reference.shape, f"{what}: shape {actual.shape} != model2vec {reference.shape}"
    if not np.array_equal(actual, reference):
        n = int((actual != reference).sum())
        idx = np.unravel_index(np.argmax(actual != reference), actual.shape)
        raise AssertionError(f"{what}: {n} values differ, first at {idx}: {actual[idx]!r} vs {reference[idx]!r}")


def first_difference(a: list, b: list, texts) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"text {i} {texts[i][:80]!r}: m2v {x[:20]}... ({len(x)} ids) vs model2vec {y[:20]}... ({len(y)} ids)"
    return f"lengths {len(a)} vs {len(b)}"


def assert_same_ids(actual, reference, texts, what: str) -> None:
    actual = [list(x) for x in actual]
    assert len(actual) == len(reference), f"{what}: {len(actual)} id lists != {len(reference)}"
    assert actual == reference, f"{what}: {first_difference(actual, reference, texts)}"


def ids_of(tokenizer, texts) -> list[list[int]]:
    """Ids from a tokenizers.Tokenizer or an m2v_native.Tokenizer, without special tokens."""
    out = tokenizer.encode_batch(list(texts), add_special_tokens=False)
    return [list(getattr(e, "ids", e)) for e in out]


def assert_same_attributes(m, ref, what: str) -> None:
    """Every value model2vec exposes: instance attributes and read-only properties."""
    assert m.dim == ref.dim, what
    assert isinstance(m.tokens, tuple), f"{what}: tokens is a {type(m.tokens).__name__}"
    assert len(m.tokens) == len(ref.tokens), f"{what}: {len(m.tokens)} tokens != {len(ref.tokens)}"
    if m.tokens != ref.tokens:
        i = next(i for i, (a, b) in enumerate(zip(m.tokens, ref.tokens)) if a != b)
        raise AssertionError(f"{what}: token {i}: {m.tokens[i]!r} != {ref.tokens[i]!r}")
    assert m.unk_token_id == ref.unk_token_id, f"{what}: unk_token_id {m.unk_token_id} != {ref.unk_token_id}"
    assert type(m.unk_token_id) is type(ref.unk_token_id), what
    assert m.median_token_length == ref.median_token_length, (
        f"{what}: median_token_length {m.median_token_length} != {ref.median_token_length}")
    assert type(m.median_token_length) is int, what
    assert m.normalize == ref.normalize, f"{what}: normalize {m.normalize} != {ref.normalize}"
    assert m.max_length == ref.max_length, f"{what}: max_length {m.max_length} != {ref.max_length}"
    assert dict(m.config) == ref.config, f"{what}: config {dict(m.config)} != {ref.config}"
    assert m.base_model_name == ref.base_model_name, (
        f"{what}: base_model_name {m.base_model_name!r} != {ref.base_model_name!r}")
    assert m.language == ref.language, f"{what}: language {m.language!r} != {ref.language!r}"
    assert m.embedding_dtype == ref.embedding_dtype, (
        f"{what}: embedding_dtype {m.embedding_dtype!r} != {ref.embedding_dtype!r}")
    assert m.vocabulary_quantization == ref.vocabulary_quantization, (
        f"{what}: vocabulary_quantization {m.vocabulary_quantization} != {ref.vocabulary_quantization}")
    assert_same_array(m.embedding, ref.embedding, f"{what}: embedding")
    assert_same_array(m.weights, ref.weights, f"{what}: weights")
    assert_same_array(m.token_mapping, ref.token_mapping, f"{what}: token_mapping")


def is_unset(value) -> bool:
    """model2vec's or m2v_native's 'argument not passed' sentinel."""
    if value is model2vec.types._UNSET:
        return True
    if value is getattr(m2v_native, "_UNSET", object()):
        return True
    return "unset" in type(value).__name__.lower()


# ------------------------------------------------------------------------------------------------
# Fixture models (loaded once, never mutated: the setter tests load their own)
# ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def ref_fixture(name: str) -> RefModel:
    return RefModel.from_pretrained(model_dir(name))


@lru_cache(maxsize=None)
def m2v_fixture(name: str) -> M2VModel:
    return M2VModel.from_pretrained(model_dir(name))


# ------------------------------------------------------------------------------------------------
# Random models: random vectors + a tokenizers.Tokenizer trained in the test
# ------------------------------------------------------------------------------------------------

TOKENIZER_KINDS = ["wordpiece", "bpe", "bytelevel", "unigram", "wordlevel", "wordlevel-padded"]


@lru_cache(maxsize=None)
def trained_tokenizer_json(kind: str) -> str:
    """A small tokenizer of each model type on seeded random text (as JSON, so that each model
    gets its own object). BPE and WordLevel are trained (their trainers are deterministic);
    the WordPiece and Unigram vocabularies are built from the trained BPE pieces, since their
    trainers give a different vocabulary on each run."""
    import math

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    train = [random_text(random.Random(i), 25) for i in range(600)]
    for special in SPECIALS:  # a literal "<unk>" would become a second, learned "<unk>" piece
        train = [t.replace(special, " ") for t in train]
    trainer = None
    if kind in ("wordpiece", "unigram"):
        bpe = json.loads(trained_tokenizer_json("bpe"))["model"]["vocab"]
        pieces = [p for p, _ in sorted(bpe.items(), key=lambda kv: kv[1]) if p not in ("<unk>", "<s>", "</s>")]
        pieces += WORDS + [w[: len(w) // 2] for w in WORDS]
    if kind == "wordpiece":
        vocab: dict[str, int] = {}
        for p in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + [p.lower() for p in pieces] + ["##" + p.lower() for p in pieces]:
            vocab.setdefault(p, len(vocab))
        tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=True)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    elif kind == "bpe":
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        trainer = trainers.BpeTrainer(vocab_size=450, show_progress=False, special_tokens=["<unk>", "<s>", "</s>"])
    elif kind == "bytelevel":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=400, show_progress=False, special_tokens=["<|endoftext|>"],
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    elif kind == "unigram":
        seen: dict[str, None] = {}
        for p in ["<unk>", "<pad>", "\u2581"] + ["\u2581" + p for p in pieces] + pieces:
            seen.setdefault(p, None)
        # Nearly flat scores: the segmentation with the fewest pieces wins, ties by rank.
        scored = [(p, 0.0 if i < 2 else -8.0 - math.log(i + 1) / 100) for i, p in enumerate(seen)]
        tok = Tokenizer(models.Unigram(scored, unk_id=0))
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        tok.add_special_tokens(["<unk>", "<pad>"])
    elif kind.startswith("wordlevel"):
        tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
        tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        trainer = trainers.WordLevelTrainer(vocab_size=300, show_progress=False, special_tokens=["[UNK]", "[PAD]"])
    else:
        raise AssertionError(kind)
    if trainer is not None:
        tok.train_from_iterator(train, trainer=trainer)
    if kind == "wordlevel-padded":
        # Padding and a left truncation in the file: model2vec turns padding off and replaces the
        # truncation by max_length (or none).
        tok.enable_padding(pad_id=1, pad_token="[PAD]", length=40)
        tok.enable_truncation(3, direction="left")
    assert tok.get_vocab_size() == len(tok.get_vocab()), kind  # model2vec needs distinct tokens
    return tok.to_str()


def hf_tokenizer(kind: str):
    from tokenizers import Tokenizer

    return Tokenizer.from_str(trained_tokenizer_json(kind))


DTYPES = ["float16", "float32", "float64", "int8"]
N_RANDOM = 24
UNSET_ARG = "<unset>"


@lru_cache(maxsize=None)
def random_config(seed: int) -> dict:
    """Constructor arguments (except the tokenizer) of random model `seed`."""
    rng = np.random.default_rng(1000 + seed)
    prng = random.Random(seed)
    kind = TOKENIZER_KINDS[seed % len(TOKENIZER_KINDS)]
    vocab = hf_tokenizer(kind).get_vocab_size()
    dim = int(prng.choice([1, 2, 3, 7, 16, 33, 64, 300]))
    dtype = DTYPES[(seed // len(TOKENIZER_KINDS)) % len(DTYPES)]
    use_mapping = prng.random() < 0.35
    use_weights = use_mapping or prng.random() < 0.4
    rows = int(prng.choice([5, 17, 64])) if use_mapping else vocab
    if use_mapping and prng.random() < 0.2:
        rows = vocab  # a mapping that permutes a full table
    if dtype == "int8":
        vectors = rng.integers(-127, 128, size=(rows, dim)).astype(np.int8)
    else:
        vectors = rng.normal(0, prng.choice([0.05, 1.0, 30.0]), size=(rows, dim)).astype(dtype)
    if prng.random() < 0.2:
        vectors[rng.integers(0, rows, size=max(1, rows // 10))] = 0  # zero rows: zero vectors
    args: dict = {"vectors": vectors}
    if use_weights:
        wdtype = prng.choice([np.float32, np.float64])
        weights = rng.uniform(0.0, 2.0, size=vocab).astype(wdtype)
        weights[: max(1, vocab // 20)] = 0.0
        args["weights"] = weights
    if use_mapping:
        mdtype = prng.choice([np.int32, np.int64])
        mapping = (rng.permutation(vocab) if rows == vocab else rng.integers(0, rows, size=vocab)).astype(mdtype)
        args["token_mapping"] = mapping
    if prng.random() < 0.5:
        args["normalize"] = prng.random() < 0.5
    max_length = prng.choice([UNSET_ARG, None, 1, 2, 3, 16, 64, 512])
    if max_length != UNSET_ARG:
        args["max_length"] = max_length
    config_kind = prng.choice(["none", "empty", "full"])
    if config_kind == "empty":
        args["config"] = {}
    elif config_kind == "full":
        args["config"] = {
            "model_type": "model2vec",
            "architectures": ["StaticModel"],
            "hidden_dim": dim,
            "normalize": not args.get("normalize", False),  # overridden by the argument
            "max_length": 7,  # overridden by the argument
            "custom": {"nested": [1, 2.5, None, "x"]},
        }
    if prng.random() < 0.5:
        args["base_model_name"] = prng.choice(["some/base-model", "local-teacher"])
    if prng.random() < 0.5:
        args["language"] = prng.choice([["en"], ["en", "nl", "zh"]])
    return {"kind": kind, "args": args}


def build_pair(seed: int) -> tuple[RefModel, M2VModel]:
    cfg = random_config(seed)
    ref = RefModel(tokenizer=hf_tokenizer(cfg["kind"]), **cfg["args"])
    m = M2VModel(tokenizer=hf_tokenizer(cfg["kind"]), **cfg["args"])
    return ref, m


@lru_cache(maxsize=None)
def random_pair(seed: int) -> tuple[RefModel, M2VModel]:
    return build_pair(seed)


def describe(seed: int) -> str:
    cfg = random_config(seed)
    a = cfg["args"]
    parts = [cfg["kind"], f"{a['vectors'].dtype}{list(a['vectors'].shape)}"]
    for k in ("weights", "token_mapping"):
        if k in a:
            parts.append(f"{k}={a[k].dtype}")
    for k in ("normalize", "max_length"):
        if k in a:
            parts.append(f"{k}={a[k]}")
    if "config" in a:
        parts.append(f"config={sorted(a['config'])}")
    return f"random model {seed} ({', '.join(parts)})"


SEEDS = list(range(N_RANDOM))

# Both kinds of model, as one parameter: ("fixture", name) or ("random", seed).
ALL_PAIRS = [("fixture", n) for n in ALL_MODELS] + [("random", s) for s in SEEDS]
PAIR_IDS = [f"{k}-{v}" for k, v in ALL_PAIRS]


def pair(kind: str, key) -> tuple[RefModel, M2VModel, str]:
    if kind == "fixture":
        return ref_fixture(key), m2v_fixture(key), key
    ref, m = random_pair(key)
    return ref, m, describe(key)


def texts_for(kind: str) -> tuple[str, ...]:
    """The random models also get 100 dev texts when the fixtures are there (they need none)."""
    if kind == "fixture":
        return all_texts()
    if not CI and not (FIXTURES / "corpus" / "dev_texts.json").is_file():
        return random_texts()
    return random_texts() + tuple(corpus()[:100])


# ------------------------------------------------------------------------------------------------
# 1. Names and signatures
# ------------------------------------------------------------------------------------------------

PUBLIC_NAMES = sorted(n for n in dir(RefModel) if not n.startswith("_")) + ["__init__"]
INSTANCE_ATTRIBUTES = ["base_model_name", "config", "embedding", "language", "median_token_length",
                       "token_mapping", "tokenizer", "tokens", "unk_token_id", "weights"]


def assert_compatible_signature(ref_fn, m_fn, what: str) -> None:
    rparams = list(inspect.signature(ref_fn).parameters.values())
    mparams = list(inspect.signature(m_fn).parameters.values())
    r_varkw = [p for p in rparams if p.kind is p.VAR_KEYWORD]
    m_varkw = [p for p in mparams if p.kind is p.VAR_KEYWORD]
    rparams = [p for p in rparams if p.kind is not p.VAR_KEYWORD]
    mparams = [p for p in mparams if p.kind is not p.VAR_KEYWORD]
    rdesc = [f"{p.name}:{p.kind.name}" for p in rparams]
    mdesc = [f"{p.name}:{p.kind.name}" for p in mparams]
    assert mdesc[: len(rdesc)] == rdesc, f"{what}: parameters {mdesc} != model2vec's {rdesc}"
    for r, m in zip(rparams, mparams):
        if r.default is inspect.Parameter.empty:
            assert m.default is inspect.Parameter.empty, f"{what}: {m.name} has a default, model2vec's has none"
        elif is_unset(r.default):
            assert is_unset(m.default), f"{what}: {m.name} default {m.default!r}, model2vec's is 'not passed'"
        else:
            assert type(m.default) is type(r.default) and m.default == r.default, (
                f"{what}: {m.name} default {m.default!r} != model2vec's {r.default!r}")
    for extra in mparams[len(rparams):]:
        assert extra.kind is extra.KEYWORD_ONLY and extra.default is not inspect.Parameter.empty, (
            f"{what}: m2v-only parameter {extra.name} must be keyword-only with a default")
    assert bool(m_varkw) == bool(r_varkw), (
        f"{what}: **{m_varkw[0].name if m_varkw else r_varkw[0].name} on one side only "
        f"(model2vec: {bool(r_varkw)}): unknown keywords must {'be accepted' if r_varkw else 'raise TypeError'}")


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_public_name_and_signature(name):
    ref_static = inspect.getattr_static(RefModel, name)
    assert hasattr(M2VModel, name), f"m2v_native.StaticModel has no {name}"
    m_static = inspect.getattr_static(M2VModel, name)
    if isinstance(ref_static, property):
        assert isinstance(m_static, property), f"{name}: model2vec's is a property, m2v's a {type(m_static).__name__}"
        if ref_static.fset is not None:
            assert m_static.fset is not None, f"{name}: settable in model2vec, not in m2v"
        return
    assert type(m_static) is type(ref_static), (
        f"{name}: m2v's is a {type(m_static).__name__}, model2vec's a {type(ref_static).__name__}")
    assert_compatible_signature(getattr(RefModel, name), getattr(M2VModel, name), name)


def test_quantize_model_signature():
    assert hasattr(m2v_native, "quantize_model"), "m2v_native.quantize_model is missing"
    assert_compatible_signature(model2vec.quantize_model, m2v_native.quantize_model, "quantize_model")


@pytest.mark.parametrize("name", ["dim", "embedding_dtype", "vocabulary_quantization"])
def test_read_only_properties(name):
    ref, m = build_pair(0)
    with pytest.raises(AttributeError):
        setattr(ref, name, 3)
    with pytest.raises(AttributeError):
        setattr(m, name, 3)


@pytest.mark.parametrize("name", INSTANCE_ATTRIBUTES)
def test_instance_attribute_exists(name):
    ref, m = build_pair(1)
    assert hasattr(ref, name)
    assert hasattr(m, name), f"m2v_native.StaticModel instances have no {name}"


# ------------------------------------------------------------------------------------------------
# 2. Values
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_attributes(kind, key):
    ref, m, what = pair(kind, key)
    assert_same_attributes(m, ref, what)


@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_tokenizer_attribute(kind, key):
    """`model.tokenizer` tokenizes as model2vec's (texts shorter than max_length tokens, since
    model2vec's tokenizer object carries the truncation)."""
    ref, m, what = pair(kind, key)
    from tokenizers import Tokenizer as HFTokenizer

    assert isinstance(m.tokenizer, (HFTokenizer, m2v_native.Tokenizer)), type(m.tokenizer)
    limit = ref.max_length or 10**9
    texts = [t for t, ids in zip(short_texts(), ids_of(ref.tokenizer, short_texts())) if len(ids) < limit]
    assert_same_ids(ids_of(m.tokenizer, texts), ids_of(ref.tokenizer, texts), texts, f"{what}: tokenizer")


def test_config_is_a_copy():
    cfg = random_config(2)
    config = {"model_type": "model2vec", "extra": 1}
    args = {**cfg["args"], "config": config}
    ref = RefModel(tokenizer=hf_tokenizer(cfg["kind"]), **args)
    m = M2VModel(tokenizer=hf_tokenizer(cfg["kind"]), **args)
    config["extra"] = 2
    config["new"] = 3
    assert dict(m.config) == ref.config
    assert ref.config["extra"] == 1


# ------------------------------------------------------------------------------------------------
# 3. tokenize / encode / encode_as_sequence
# ------------------------------------------------------------------------------------------------

# (max_length, normalize) passed to encode: UNSET_ARG = not passed.
ENCODE_CASES = [(UNSET_ARG, UNSET_ARG), (UNSET_ARG, True), (UNSET_ARG, False), (None, UNSET_ARG),
                (1, UNSET_ARG), (5, False), (64, True)]


def kwargs_of(max_length=UNSET_ARG, normalize=UNSET_ARG) -> dict:
    out = {}
    if max_length != UNSET_ARG:
        out["max_length"] = max_length
    if normalize != UNSET_ARG:
        out["normalize"] = normalize
    return out


@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_tokenize(kind, key):
    ref, m, what = pair(kind, key)
    texts = list(texts_for(kind))
    assert_same_ids(m.tokenize(texts), ref.tokenize(texts), texts, f"{what}: tokenize")


@pytest.mark.parametrize("max_length,normalize", ENCODE_CASES,
                         ids=[f"max_length={a},normalize={b}" for a, b in ENCODE_CASES])
@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_encode(kind, key, max_length, normalize):
    ref, m, what = pair(kind, key)
    texts = list(texts_for(kind))
    kw = kwargs_of(max_length, normalize)
    expected = ref.encode(texts, **kw)
    got = m.encode(texts, **kw)
    assert_vectors_close(got, expected, ref.embedding.dtype, f"{what}: encode({kw})")


@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_encode_single_str(kind, key):
    ref, m, what = pair(kind, key)
    for i, text in enumerate(texts_for(kind)[::37]):
        for kw in ({}, {"max_length": 3}, {"max_length": None, "normalize": True}):
            expected = ref.encode(text, **kw)
            got = m.encode(text, **kw)
            assert_vectors_close(got, expected, ref.embedding.dtype, f"{what}: encode(str {i}, {kw})")


def reference_dtype_kw(method) -> dict:
    """m2v returns float32 by default (a documented difference) and model2vec's dtypes with
    the m2v-only keyword reference_dtype=True; without that keyword, the default is compared."""
    return {"reference_dtype": True} if "reference_dtype" in inspect.signature(method).parameters else {}


@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_encode_dtype(kind, key):
    """model2vec's encode returns the table's dtype (float16 stays float16, float64 stays
    float64; int8 gives float32), with or without weights: m2v with reference_dtype=True."""
    ref, m, what = pair(kind, key)
    kw = reference_dtype_kw(m.encode)
    texts = ["hello world", "x", ""] + list(short_texts() if kind == "fixture" else random_texts()[:50])
    got, exp = m.encode(texts, **kw), ref.encode(texts)
    assert got.dtype == exp.dtype, f"{what}: encode({kw}) dtype {got.dtype} != model2vec {exp.dtype}"
    assert_vectors_close(got, exp, ref.embedding.dtype, f"{what}: encode({kw})")
    assert m.encode("hello", **kw).dtype == ref.encode("hello").dtype, what
    assert m.encode(texts, normalize=True, **kw).dtype == exp.dtype, what


@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_encode_as_sequence_dtype(kind, key):
    """model2vec's rows: the table's dtype (int8 stays int8), promoted by the weights (float64
    weights give float64); an empty text gives a float64 (0, dim) array: m2v with
    reference_dtype=True."""
    ref, m, what = pair(kind, key)
    kw = reference_dtype_kw(m.encode_as_sequence)
    texts = ["hello world", "x", ""] + list(short_texts()[:50] if kind == "fixture" else random_texts()[:50])
    for got, exp, t in zip(m.encode_as_sequence(texts, **kw), ref.encode_as_sequence(texts), texts):
        assert got.dtype == exp.dtype, f"{what}: encode_as_sequence({t!r}, {kw}) dtype {got.dtype} != model2vec {exp.dtype}"
        assert_vectors_close(got, exp, ref.embedding.dtype, f"{what}: encode_as_sequence({t[:40]!r}, {kw})")
    single = m.encode_as_sequence("hello world", **kw)
    assert single.dtype == ref.encode_as_sequence("hello world").dtype, what


@pytest.mark.parametrize("max_length", [UNSET_ARG, 1, 5, 600], ids=lambda v: f"max_length={v}")
@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_encode_as_sequence(kind, key, max_length):
    ref, m, what = pair(kind, key)
    texts = [t for t in texts_for(kind) if len(t) <= 20000]
    kw = kwargs_of(max_length)
    expected = ref.encode_as_sequence(texts, **kw)
    got = m.encode_as_sequence(texts, **kw)
    assert isinstance(got, list) and len(got) == len(expected), f"{what}: {type(got).__name__}"
    for i, (g, e) in enumerate(zip(got, expected)):
        assert_vectors_close(g, e, ref.embedding.dtype, f"{what}: encode_as_sequence({kw}) text {i} {texts[i][:60]!r}")
    one = m.encode_as_sequence(texts[0], **kw)
    assert_vectors_close(one, ref.encode_as_sequence(texts[0], **kw), ref.embedding.dtype, f"{what}: single str")


@pytest.mark.parametrize("seed", SEEDS[:6])
def test_encode_keywords(seed):
    """model2vec's keywords are accepted and change nothing but what they say."""
    ref, m = random_pair(seed)
    texts = list(random_texts())[:60]
    for kw in ({"batch_size": 7}, {"show_progress_bar": False}, {"use_multiprocessing": False},
               {"multiprocessing_threshold": 1, "use_multiprocessing": True}, {"convert_to_numpy": True}):
        assert_vectors_close(m.encode(texts, **kw), ref.encode(texts, **kw), ref.embedding.dtype,
                             f"{describe(seed)}: encode({kw})")
    for kw in ({"batch_size": 7}, {"use_multiprocessing": False}, {"multiprocessing_threshold": 1}):
        for g, e in zip(m.encode_as_sequence(texts, **kw), ref.encode_as_sequence(texts, **kw)):
            assert_vectors_close(g, e, ref.embedding.dtype, f"{describe(seed)}: encode_as_sequence({kw})")


@pytest.mark.parametrize("seed", [1, 4, 9])
def test_max_length_zero(seed):
    """max_length=0 is an int to model2vec: every text is cut to "" (zero vectors, (0, dim)
    sequences), and as the model's max_length tokenize gives no ids."""
    ref, m = build_pair(seed)
    texts = list(random_texts())[:30]
    assert_vectors_close(m.encode(texts, max_length=0), ref.encode(texts, max_length=0), ref.embedding.dtype,
                         f"{describe(seed)}: encode(max_length=0)")
    for g, e in zip(m.encode_as_sequence(texts, max_length=0), ref.encode_as_sequence(texts, max_length=0)):
        assert_vectors_close(g, e, ref.embedding.dtype, f"{describe(seed)}: encode_as_sequence(max_length=0)")
    ref.max_length = 0
    m.max_length = 0
    assert dict(m.config) == ref.config
    assert_same_ids(m.tokenize(texts), ref.tokenize(texts), texts, f"{describe(seed)}: tokenize, max_length = 0")
    assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, f"{describe(seed)}: max_length = 0")


def test_encode_tuple_input():
    ref, m = random_pair(3)
    texts = tuple(random_texts()[:20])
    assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, "tuple")


def test_m2v_tokenizer_object(tmp_path):
    """A model built from an m2v_native.Tokenizer encodes as model2vec with the same
    tokenizer.json."""
    for seed in (0, 1, 3, 4):
        cfg = random_config(seed)
        ref = RefModel(tokenizer=hf_tokenizer(cfg["kind"]), **cfg["args"])
        path = tmp_path / str(seed) / "tokenizer.json"
        path.parent.mkdir()
        path.write_text(trained_tokenizer_json(cfg["kind"]), encoding="utf-8")
        m = M2VModel(tokenizer=m2v_native.Tokenizer.from_file(str(path)), **cfg["args"])
        texts = list(random_texts())
        assert_same_attributes(m, ref, describe(seed) + " (m2v_native.Tokenizer)")
        assert_same_ids(m.tokenize(texts), ref.tokenize(texts), texts, describe(seed))
        assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, describe(seed))


# ------------------------------------------------------------------------------------------------
# 4. Setters
# ------------------------------------------------------------------------------------------------


SETTER_CASES = [("trained-wordlevel-5k-nonorm", v) for v in (5, 1, None, 512)] + [
    ("trained-unigram-6k-weights", v) for v in (5, None, 100)] + [("minilm-default", v) for v in (5, None)]


@pytest.mark.parametrize("name,value", SETTER_CASES, ids=[f"{n}-{v}" for n, v in SETTER_CASES])
def test_max_length_setter(name, value):
    ref = RefModel.from_pretrained(model_dir(name))
    m = M2VModel.from_pretrained(model_dir(name))
    texts = list(medium_texts())
    ref.max_length = value
    m.max_length = value
    assert m.max_length == ref.max_length == value
    assert dict(m.config) == ref.config
    assert_same_ids(m.tokenize(texts), ref.tokenize(texts), texts, f"{name}: tokenize after max_length = {value}")
    assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, f"{name}: encode after max_length = {value}")
    # An explicit argument still wins, and does not stick.
    assert_vectors_close(m.encode(texts, max_length=3), ref.encode(texts, max_length=3), ref.embedding.dtype,
                         f"{name}: encode(max_length=3) after max_length = {value}")
    assert_same_ids(m.tokenize(texts), ref.tokenize(texts), texts, f"{name}: tokenize after encode(max_length=3)")
    for g, e in zip(m.encode_as_sequence(texts[:50]), ref.encode_as_sequence(texts[:50])):
        assert_vectors_close(g, e, ref.embedding.dtype, f"{name}: encode_as_sequence after max_length = {value}")


@pytest.mark.parametrize("seed", SEEDS[:8])
def test_setters_on_random_models(seed):
    ref, m = build_pair(seed)
    texts = list(random_texts())
    for ml, norm in ((2, True), (None, False), (7, None), (512, True)):
        ref.max_length = ml
        m.max_length = ml
        if norm is not None:
            ref.normalize = norm
            m.normalize = norm
        what = f"{describe(seed)} after max_length = {ml}, normalize = {norm}"
        assert_same_attributes(m, ref, what)
        assert_same_ids(m.tokenize(texts), ref.tokenize(texts), texts, what)
        assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, what)


@pytest.mark.parametrize("value", [True, False])
def test_normalize_setter(value):
    for name in ("minilm-pca32-f32", "trained-wordlevel-5k-nonorm"):
        ref = RefModel.from_pretrained(model_dir(name))
        m = M2VModel.from_pretrained(model_dir(name))
        ref.normalize = value
        m.normalize = value
        assert m.normalize is value
        assert dict(m.config) == ref.config and m.config["normalize"] is value
        texts = list(medium_texts())
        assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, f"{name}: normalize = {value}")
        assert_vectors_close(m.encode(texts, normalize=not value), ref.encode(texts, normalize=not value),
                             ref.embedding.dtype, f"{name}: normalize = {value}, encode(normalize={not value})")


# ------------------------------------------------------------------------------------------------
# 5. from_pretrained options, quantize_model
# ------------------------------------------------------------------------------------------------

LOAD_OPTIONS = [
    {"normalize": True},
    {"normalize": False},
    {"max_length": None},
    {"max_length": 7},
    {"quantize_to": "float16"},
    {"quantize_to": "float32"},
    {"quantize_to": "float64"},
    {"quantize_to": "int8"},
    {"dimensionality": 5},
    {"quantize_to": "int8", "dimensionality": 3},
    {"quantize_to": "float32", "dimensionality": 16, "normalize": False, "max_length": 20},
]
# Every option on the small models (float16 + weights, float32), four on the 30k-token ones
# (int8 + mapping + weights, float16 BPE); the tokenlearn model only at default options
# (model2vec takes ~7 s to load its 276k tokens).
LOAD_CASES = [(n, o) for n in ("trained-unigram-6k-weights", "trained-wordlevel-5k-nonorm") for o in LOAD_OPTIONS] + [
    (n, o) for n in ("minilm-vq256-int8", "wordllama-l2bpe-32") for o in (LOAD_OPTIONS[1], LOAD_OPTIONS[3],
                                                                            LOAD_OPTIONS[7], LOAD_OPTIONS[8])]


@pytest.mark.parametrize("name,options", LOAD_CASES,
                         ids=[n + "-" + ",".join(f"{k}={v}" for k, v in o.items()) for n, o in LOAD_CASES])
def test_from_pretrained_options(name, options):
    ref = RefModel.from_pretrained(model_dir(name), **options)
    m = M2VModel.from_pretrained(model_dir(name), **options)
    what = f"{name} from_pretrained({options})"
    assert_same_attributes(m, ref, what)
    texts = list(medium_texts())
    assert_same_ids(m.tokenize(texts), ref.tokenize(texts), texts, what)
    assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, what)
    for g, e in zip(m.encode_as_sequence(texts[:80]), ref.encode_as_sequence(texts[:80])):
        assert_vectors_close(g, e, ref.embedding.dtype, what + " encode_as_sequence")


def test_from_pretrained_quantize_to_dtype_enum():
    from model2vec.quantization import DType

    ref = RefModel.from_pretrained(model_dir("minilm-pca32-f32"), quantize_to=DType.Float16)
    m = M2VModel.from_pretrained(model_dir("minilm-pca32-f32"), quantize_to=DType.Float16)
    assert_same_attributes(m, ref, "quantize_to=DType.Float16")


def test_from_pretrained_subfolder(tmp_path):
    shutil.copytree(model_dir("trained-wordlevel-5k-nonorm"), tmp_path / "sub" / "dir")
    ref = RefModel.from_pretrained(tmp_path, subfolder="sub/dir")
    m = M2VModel.from_pretrained(tmp_path, subfolder="sub/dir")
    assert_same_attributes(m, ref, "subfolder")
    m = M2VModel.from_pretrained(str(tmp_path), token=None, subfolder="sub/dir", force_download=False)
    assert_same_attributes(m, ref, "subfolder, str path, token, force_download")


def test_from_pretrained_sentence_transformers_layout(tmp_path):
    """model2vec also loads sentence-transformers StaticEmbedding folders."""
    from safetensors.numpy import load_file, save_file

    src = model_dir("trained-wordlevel-5k-nonorm")
    (tmp_path / "0_StaticEmbedding").mkdir()
    table = load_file(src / "model.safetensors")["embeddings"]
    save_file({"embedding.weight": table}, tmp_path / "0_StaticEmbedding" / "model.safetensors")
    shutil.copy(src / "tokenizer.json", tmp_path / "0_StaticEmbedding" / "tokenizer.json")
    (tmp_path / "config_sentence_transformers.json").write_text("{}")
    ref = RefModel.from_pretrained(tmp_path)
    m = M2VModel.from_pretrained(tmp_path)
    assert_same_attributes(m, ref, "sentence-transformers layout")
    texts = list(short_texts())
    assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, "sentence-transformers layout")


@pytest.mark.parametrize("options", [{"quantize_to": "int8"}, {"quantize_to": "float16", "dimensionality": 2},
                                     {"dimensionality": 1}, {"quantize_to": "float64"}],
                         ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("seed", SEEDS[:12])
def test_quantize_model(seed, options):
    ref, m = build_pair(seed)
    if options.get("dimensionality", 0) > ref.dim:
        options = {k: v for k, v in options.items() if k != "dimensionality"}
    qref = model2vec.quantize_model(ref, **options)
    qm = m2v_native.quantize_model(m, **options)
    assert type(qm) is M2VModel
    what = f"{describe(seed)} quantize_model({options})"
    assert_same_attributes(qm, qref, what)
    texts = list(random_texts())
    assert_vectors_close(qm.encode(texts), qref.encode(texts), qref.embedding.dtype, what)
    assert_same_attributes(m, ref, what + ": the original is unchanged")


@pytest.mark.parametrize("seed", [0, 1, 4, 5])
def test_vocabulary_quantization(seed, tmp_path):
    """Vocabulary quantization is a documented deliberate difference: m2v's own deterministic
    k-means, not scikit-learn's, so the clusters are not compared id by id. What is compared:
    the structure model2vec gives (rows, mapping, weights, dtype), clustering quality (inertia
    within 25% of scikit-learn's), and that model2vec, given m2v's table/mapping/weights,
    encodes exactly what m2v encodes — at load and through quantize_model."""
    cfg = random_config(seed)
    args = {k: v for k, v in cfg["args"].items() if k != "token_mapping"}
    vocab = hf_tokenizer(cfg["kind"]).get_vocab_size()
    if len(args["vectors"]) != vocab:
        args["vectors"] = np.random.default_rng(seed).normal(size=(vocab, 8)).astype(np.float32)
    ref = RefModel(tokenizer=hf_tokenizer(cfg["kind"]), **args)
    m = M2VModel(tokenizer=hf_tokenizer(cfg["kind"]), **args)
    qref = model2vec.quantize_model(ref, vocabulary_quantization=12)
    qm = m2v_native.quantize_model(m, vocabulary_quantization=12)
    what = f"{describe(seed)} vocabulary_quantization=12"
    assert qm.vocabulary_quantization == qref.vocabulary_quantization == 12
    assert qm.embedding.shape == qref.embedding.shape and qm.embedding.dtype == qref.embedding.dtype, what
    assert qm.token_mapping.shape == qref.token_mapping.shape, what
    assert 0 <= qm.token_mapping.min() and qm.token_mapping.max() < 12, what
    assert (qm.weights is None) == (qref.weights is None), what
    if qref.weights is not None:
        assert qm.weights.dtype == qref.weights.dtype and qm.weights.shape == qref.weights.shape, what
        np.testing.assert_allclose(qm.weights.astype(np.float64), qref.weights.astype(np.float64), rtol=1e-3)

    def inertia(model: Any) -> float:
        rows = np.asarray(args["vectors"], dtype=np.float64)
        if args.get("weights") is None:
            rows = rows / (np.linalg.norm(rows, axis=1, keepdims=True) + 1e-32)
        centres = np.asarray(model.embedding, dtype=np.float64)[np.asarray(model.token_mapping)]
        return float(((rows - centres) ** 2).sum())

    assert inertia(qm) <= 1.25 * inertia(qref) + 1e-9, f"{what}: inertia {inertia(qm)} vs scikit-learn {inertia(qref)}"
    texts = list(random_texts())
    # model2vec running m2v's clusters gives m2v's vectors.
    same = RefModel(vectors=np.array(qm.embedding), tokenizer=hf_tokenizer(cfg["kind"]), config=qm.config,
                    normalize=qm.normalize, weights=None if qm.weights is None else np.array(qm.weights),
                    token_mapping=np.array(qm.token_mapping), max_length=qm.max_length)
    assert_vectors_close(qm.encode(texts), same.encode(texts), qm.embedding.dtype, what)
    ref.save_pretrained(tmp_path)
    lm = M2VModel.from_pretrained(tmp_path, vocabulary_quantization=12, quantize_to="float16")
    assert lm.embedding_dtype == "float16" and lm.vocabulary_quantization == 12, what
    lm.save_pretrained(tmp_path / "saved")
    back = RefModel.from_pretrained(tmp_path / "saved")
    assert back.vocabulary_quantization == 12
    assert_vectors_close(lm.encode(texts), back.encode(texts), np.float16, what + " at load, saved, loaded in model2vec")


# ------------------------------------------------------------------------------------------------
# 6. Errors: the same exception types
# ------------------------------------------------------------------------------------------------


def raises_same(fn_ref, fn_m2v, what: str) -> None:
    try:
        fn_ref()
    except Exception as e:  # noqa: BLE001
        expected = type(e)
    else:
        raise AssertionError(f"{what}: model2vec raised nothing (test is wrong)")
    try:
        fn_m2v()
    except expected:
        return
    except Exception as e:  # noqa: BLE001
        raise AssertionError(f"{what}: m2v raised {type(e).__mro__[:-2]} ({e}), model2vec {expected.__name__}") from e
    raise AssertionError(f"{what}: m2v raised nothing, model2vec {expected.__name__}")


def test_error_vectors_vocab_mismatch():
    cfg = random_config(0)
    tok = hf_tokenizer(cfg["kind"])
    n = tok.get_vocab_size()
    for rows in (n - 1, n + 1, 0):
        vectors = np.zeros((rows, 4), dtype=np.float32)
        raises_same(lambda: RefModel(vectors, hf_tokenizer(cfg["kind"])),
                    lambda: M2VModel(vectors, hf_tokenizer(cfg["kind"])), f"{rows} rows for {n} tokens")


def test_error_dimensionality_too_big():
    path = model_dir("minilm-pca32-f32")
    raises_same(lambda: RefModel.from_pretrained(path, dimensionality=33),
                lambda: M2VModel.from_pretrained(path, dimensionality=33), "dimensionality 33 > 32")
    ref, m = build_pair(2)
    raises_same(lambda: model2vec.quantize_model(ref, dimensionality=ref.dim + 1),
                lambda: m2v_native.quantize_model(m, dimensionality=m.dim + 1), "quantize_model dimensionality")


def test_error_quantize_twice():
    raises_same(lambda: RefModel.from_pretrained(model_dir("minilm-vq256-int8"), vocabulary_quantization=8),
                lambda: M2VModel.from_pretrained(model_dir("minilm-vq256-int8"), vocabulary_quantization=8),
                "vocabulary_quantization of a quantized model")
    raises_same(lambda: model2vec.quantize_model(ref_fixture("minilm-vq256-int8"), vocabulary_quantization=8),
                lambda: m2v_native.quantize_model(m2v_fixture("minilm-vq256-int8"), vocabulary_quantization=8),
                "quantize_model twice")


def test_error_bad_dtype():
    path = model_dir("trained-wordlevel-5k-nonorm")
    raises_same(lambda: RefModel.from_pretrained(path, quantize_to="float8"),
                lambda: M2VModel.from_pretrained(path, quantize_to="float8"), "quantize_to='float8'")


def test_error_folder_without_model(tmp_path):
    raises_same(lambda: RefModel.from_pretrained(tmp_path), lambda: M2VModel.from_pretrained(tmp_path),
                "empty folder")


@pytest.mark.parametrize("bad", [5, None, 3.5])
def test_error_non_text_input(bad):
    ref, m = random_pair(0)
    for method in ("encode", "encode_as_sequence", "tokenize"):
        raises_same(lambda: getattr(ref, method)(bad), lambda: getattr(m, method)(bad), f"{method}({bad!r})")


def test_error_unknown_keyword():
    ref, m = random_pair(0)
    raises_same(lambda: ref.encode_as_sequence(["a"], no_such_keyword=1),
                lambda: m.encode_as_sequence(["a"], no_such_keyword=1), "encode_as_sequence(no_such_keyword=1)")
    raises_same(lambda: ref.tokenize(["a"], max_lenght=1), lambda: m.tokenize(["a"], max_lenght=1),
                "tokenize(max_lenght=1)")
    raises_same(lambda: RefModel.from_pretrained(model_dir("trained-wordlevel-5k-nonorm"), bogus=1),
                lambda: M2VModel.from_pretrained(model_dir("trained-wordlevel-5k-nonorm"), bogus=1),
                "from_pretrained(bogus=1)")


# ------------------------------------------------------------------------------------------------
# 7. save_pretrained / push_to_hub
# ------------------------------------------------------------------------------------------------


def readme_metadata(folder: Path) -> dict:
    from model2vec.modelcards import get_metadata_from_readme

    return get_metadata_from_readme(folder / "README.md")


def assert_same_folder(ours: Path, theirs: Path, what: str) -> None:
    """What model2vec writes and reads back: the same files, config.json, modules.json, model
    card metadata, and tensors."""
    from safetensors.numpy import load_file

    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in theirs.iterdir()), (
        f"{what}: files {sorted(p.name for p in ours.iterdir())} != {sorted(p.name for p in theirs.iterdir())}")
    for name in ("config.json", "modules.json"):
        a = json.loads((ours / name).read_text())
        b = json.loads((theirs / name).read_text())
        assert a == b, f"{what}: {name}: {a} != {b}"
    assert readme_metadata(ours) == readme_metadata(theirs), f"{what}: README metadata"
    # tokenizer.json: the same tokenizer; model2vec's file also carries its truncation at
    # max_length and its padding state, which it replaces on load.
    a = json.loads((ours / "tokenizer.json").read_text(encoding="utf-8"))
    b = json.loads((theirs / "tokenizer.json").read_text(encoding="utf-8"))
    for d in (a, b):
        d.pop("truncation", None)
        d.pop("padding", None)
    if a != b:
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        raise AssertionError(f"{what}: tokenizer.json differs in {diff}")
    ta, tb = load_file(ours / "model.safetensors"), load_file(theirs / "model.safetensors")
    assert sorted(ta) == sorted(tb), f"{what}: tensors {sorted(ta)} != {sorted(tb)}"
    for k in ta:
        assert_same_array(ta[k], tb[k], f"{what}: tensor {k}")


def assert_loaded_like(m, ref, folder: Path, what: str) -> None:
    """`m` was loaded from `folder`, which `ref` (or an m2v model equal to it) saved: ref's
    values, with the config and model-card metadata of the folder (as model2vec would load
    it: the file's config with normalize and max_length set)."""
    assert_same_array(m.embedding, ref.embedding, f"{what}: embedding")
    assert_same_array(m.weights, ref.weights, f"{what}: weights")
    assert_same_array(m.token_mapping, ref.token_mapping, f"{what}: token_mapping")
    assert m.tokens == ref.tokens, f"{what}: tokens"
    assert (m.unk_token_id, m.median_token_length, m.dim) == (ref.unk_token_id, ref.median_token_length, ref.dim), what
    assert (m.normalize, m.max_length) == (ref.normalize, ref.max_length), (
        f"{what}: normalize, max_length {(m.normalize, m.max_length)} != {(ref.normalize, ref.max_length)}")
    assert (m.embedding_dtype, m.vocabulary_quantization) == (ref.embedding_dtype, ref.vocabulary_quantization), what
    config = json.loads((folder / "config.json").read_text())
    assert dict(m.config) == config, f"{what}: config {dict(m.config)} != the saved {config}"
    meta = readme_metadata(folder)
    assert m.base_model_name == meta.get("base_model"), f"{what}: base_model_name {m.base_model_name!r}"
    assert m.language == meta.get("language"), f"{what}: language {m.language!r}"


@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_save_pretrained_loads_in_model2vec(kind, key, tmp_path):
    """m2v's folder is model2vec's (files, config, modules, card metadata, tokenizer, tensors),
    and model2vec loads it with the same tokens and vectors (not repeated for the tokenlearn
    model, which model2vec needs ~7 s to load; its folder is compared all the same)."""
    ref, m, what = pair(kind, key)
    m.save_pretrained(tmp_path / "m2v" / "model", model_name="my-model")
    ref.save_pretrained(tmp_path / "ref" / "model", model_name="my-model")
    assert_same_folder(tmp_path / "m2v" / "model", tmp_path / "ref" / "model", what)
    if key == "tokenlearn-unigram-vq10k-int8":
        return
    back = RefModel.from_pretrained(tmp_path / "m2v" / "model")
    assert_loaded_like(back, ref, tmp_path / "m2v" / "model", what + ": saved by m2v, loaded by model2vec")
    texts = list(medium_texts()) if kind == "fixture" else list(texts_for(kind))
    assert_same_ids(back.tokenize(texts), ref.tokenize(texts), texts, what)
    assert_vectors_close(back.encode(texts).astype(np.float64), ref.encode(texts), ref.embedding.dtype, what)


@pytest.mark.parametrize("kind,key", ALL_PAIRS, ids=PAIR_IDS)
def test_model2vec_save_loads_in_m2v(kind, key, tmp_path):
    ref, _, what = pair(kind, key)
    ref.save_pretrained(tmp_path, model_name="x")
    m = M2VModel.from_pretrained(tmp_path)
    assert_loaded_like(m, ref, tmp_path, what + ": saved by model2vec, loaded by m2v")
    texts = list(medium_texts()) if kind == "fixture" else list(texts_for(kind))
    assert_same_ids(m.tokenize(texts), ref.tokenize(texts), texts, what)
    assert_vectors_close(m.encode(texts), ref.encode(texts), ref.embedding.dtype, what)


def test_save_pretrained_subfolder(tmp_path):
    ref, m = random_pair(5)
    m.save_pretrained(tmp_path / "a", subfolder="deep/er")
    ref.save_pretrained(tmp_path / "b", subfolder="deep/er")
    assert_same_folder(tmp_path / "a" / "deep" / "er", tmp_path / "b" / "deep" / "er", "subfolder")
    back = RefModel.from_pretrained(tmp_path / "a", subfolder="deep/er")
    assert_same_attributes(back, RefModel.from_pretrained(tmp_path / "b", subfolder="deep/er"), "subfolder")


def test_save_after_setters(tmp_path):
    """A model whose max_length / normalize were set saves those values."""
    ref, m = build_pair(7)
    for model in (ref, m):
        model.max_length = 9
        model.normalize = True
    m.save_pretrained(tmp_path / "m2v" / "model")  # the same folder name: the card's model name
    ref.save_pretrained(tmp_path / "ref" / "model")
    assert_same_folder(tmp_path / "m2v" / "model", tmp_path / "ref" / "model", "after setters")
    back = RefModel.from_pretrained(tmp_path / "m2v" / "model")
    assert (back.max_length, back.normalize) == (9, True)


def test_push_to_hub(monkeypatch):
    """push_to_hub saves with model_name=repo_id and uploads that folder; the hub calls are
    replaced by recorders."""
    import huggingface_hub

    calls: list = []

    def repo_exists(repo_id, token=None, **kw):
        calls.append(("repo_exists", repo_id, token))
        return False

    def create_repo(repo_id, token=None, private=False, **kw):
        calls.append(("create_repo", repo_id, token, private))

    def upload_folder(*, repo_id, folder_path, token=None, path_in_repo=None, **kw):
        folder = Path(folder_path)
        saved = RefModel.from_pretrained(folder)
        calls.append(("upload_folder", repo_id, token, path_in_repo, sorted(p.name for p in folder.iterdir()),
                      json.loads((folder / "config.json").read_text()), readme_metadata(folder),
                      saved.embedding.tobytes(), saved.tokens))

    monkeypatch.setattr(huggingface_hub, "repo_exists", repo_exists)
    monkeypatch.setattr(huggingface_hub, "create_repo", create_repo)
    monkeypatch.setattr(huggingface_hub, "upload_folder", upload_folder)
    ref, m = random_pair(6)
    ref.push_to_hub("org/name", private=True, token="tok", subfolder="sub")
    expected = list(calls)
    calls.clear()
    m.push_to_hub("org/name", private=True, token="tok", subfolder="sub")
    assert [c[0] for c in calls] == [c[0] for c in expected], f"{calls} vs {expected}"
    for got, exp in zip(calls, expected):
        assert got == exp, f"{got[:5]} != {exp[:5]}"
