"""m2v_native.distill — model2vec 0.10's ``distill()`` over libm2v's m2v_distill (include/m2v.h).

The signature is model2vec's, parameter for parameter and in the same positional order
(``inspect.signature(model2vec.distill)``); m2v's own options (``show_progress_bar``,
``output_path``, ``n_threads``) are keyword-only after them, and an unknown keyword raises
TypeError as it does in the reference. Arguments are checked here the way the reference checks
them (same exception types, the reference's messages where it has them); the distillation itself,
including the token_remove_pattern filtering, runs in libm2v with the GIL released.
"""
from __future__ import annotations

import enum
import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import _core

if TYPE_CHECKING:
    from . import StaticModel

__all__ = ["distill"]

PathLike = str | os.PathLike

# m2v_quantize and m2v_pooling codes (include/m2v.h), keyed by model2vec's DType / PoolingMode values.
_QUANTIZE = {"float16": 0, "float32": 1, "float64": 2, "int8": 3}
_POOLING = {"mean": 0, "first": 1, "last": 2, "pooler": 3}
_DEFAULT_REMOVE_PATTERN = r"\[unused\d+\]"
_INT32_MAX = 2**31 - 1

# re flags that have an inline form m2v's pattern parser reads (re.UNICODE is the str default).
_INLINE_FLAGS = ((re.ASCII, "a"), (re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))


def _enum_value(value: Any) -> Any:
    """The value of a (str) Enum member such as model2vec's DType / PoolingMode, else `value`."""
    return value.value if isinstance(value, enum.Enum) else value


def _quantize_code(quantize_to: Any) -> int:
    # As the reference's DType(quantize_to): a DType member or its value.
    value = _enum_value(quantize_to)
    if not isinstance(value, str) or value not in _QUANTIZE:
        raise ValueError(f"{quantize_to!r} is not a valid DType")
    return _QUANTIZE[value]


def _pooling_code(pooling: Any) -> int:
    value = _enum_value(pooling)
    if not isinstance(value, str) or value not in _POOLING:
        raise ValueError(f"Unknown pooling: {pooling}")
    return _POOLING[value]


def _pca_args(pca_dims: Any) -> tuple[int, float]:
    """(pca_dims, explained_variance) for m2v_distill_params, from model2vec's PCADimType."""
    if pca_dims is None:
        return 0, 0.0
    if isinstance(pca_dims, str):
        if pca_dims == "auto":
            return -1, 0.0
        # The reference compares the string with the width: TypeError.
        raise TypeError(f"pca_dims must be an int, a float, 'auto' or None, not {pca_dims!r}")
    if isinstance(pca_dims, bool):
        raise TypeError("pca_dims must be an int, a float, 'auto' or None, not a bool")
    if isinstance(pca_dims, float):
        # The reference keeps the fewest components explaining this fraction of the variance.
        if not 0.0 < pca_dims < 1.0:
            raise ValueError(f"pca_dims as a float is an explained-variance fraction in (0, 1) (got {pca_dims})")
        return 0, float(pca_dims)
    try:
        dims = int(pca_dims.__index__())
    except (AttributeError, TypeError):
        raise TypeError(f"pca_dims must be an int, a float, 'auto' or None, not {type(pca_dims).__name__}") from None
    if dims <= 0:
        raise ValueError(f"pca_dims must be positive (got {dims})")
    # Larger than the teacher's width: PCA without reduction, as the reference does.
    return min(dims, _INT32_MAX), 0.0


def _sif_arg(sif_coefficient: Any) -> float:
    """The reference's _validate_parameters check; 0.0 = no weighting for libm2v."""
    if sif_coefficient is None:
        return 0.0
    if not 0 < sif_coefficient < 1.0:
        raise ValueError("SIF coefficient must be a value > 0 and < 1.0.")
    return float(sif_coefficient)


def _pattern_arg(token_remove_pattern: Any) -> str | None:
    """The pattern text libm2v gets (None = no removal).

    As the reference, ``re.compile(token_remove_pattern)`` must succeed (else ValueError
    "Couldn't compile the regex pattern: ..."); a compiled ``re.Pattern`` is accepted too, its
    flags becoming an inline prefix. Characters a C string cannot carry (NUL, lone surrogates)
    are rewritten as the equivalent escapes.
    """
    if token_remove_pattern is None:
        return None
    try:
        compiled = re.compile(token_remove_pattern)
    except re.error as e:
        raise ValueError(f"Couldn't compile the regex pattern: {e}") from e
    if not isinstance(compiled.pattern, str):
        raise TypeError("token_remove_pattern must be a str pattern (tokens are str), not bytes")
    text = compiled.pattern
    if isinstance(token_remove_pattern, re.Pattern):
        prefix = "".join(c for flag, c in _INLINE_FLAGS if compiled.flags & flag)
        if prefix:
            text = f"(?{prefix})" + text
    return _c_safe(text)


def _c_safe(pattern: str) -> str:
    """`pattern` with NUL and lone surrogates written as \\x00 / \\uXXXX escapes (same meaning)."""
    if not any(c == "\0" or 0xD800 <= ord(c) <= 0xDFFF for c in pattern):
        return pattern
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        escaped = c == "\\" and i + 1 < len(pattern)
        ch = pattern[i + 1] if escaped else c
        if ch == "\0" or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")  # "\<c>" and "\uXXXX" are the same literal
        else:
            out.append(c + ch if escaped else c)
        i += 2 if escaped else 1
    return "".join(out)


def distill(
    model_name: PathLike,
    vocabulary: Sequence[str] | None = None,
    device: str | None = None,
    pca_dims: int | float | str | None = 256,
    sif_coefficient: float | None = 1e-4,
    token_remove_pattern: str | re.Pattern[str] | None = _DEFAULT_REMOVE_PATTERN,
    trust_remote_code: bool = False,
    quantize_to: Any = "float16",
    vocabulary_quantization: int | None = None,
    pooling: Any = "mean",
    *,
    show_progress_bar: bool = False,
    output_path: PathLike | None = None,
    n_threads: int = 0,
) -> StaticModel:
    r"""Distill a sentence-transformer into a static model, like model2vec.distill.

    Positional order and defaults are model2vec 0.10's ``distill``; ``show_progress_bar``,
    ``output_path`` and ``n_threads`` (m2v's) are keyword-only.

    :param model_name: a local teacher folder, or a hub id found in the local Hugging Face
        cache (nothing is downloaded): config.json with a model_type of bert, roberta,
        xlm-roberta, camembert, distilbert, mpnet or modernbert, model.safetensors, and a
        WordPiece, BPE or Unigram tokenizer.json.
    :param vocabulary: extra words, added to the tokenizer as model2vec does.
    :param device: ignored (m2v runs on the CPU).
    :param pca_dims: int (dimensions; above the teacher's width: PCA without reduction), "auto"
        (PCA without reduction), a float in (0, 1) (explained variance), or None (no PCA).
        Ints <= 0 and floats outside (0, 1) raise ValueError (the reference does not check them).
    :param sif_coefficient: Zipf/SIF coefficient in (0, 1), or None for no weighting
        (ValueError otherwise, as the reference).
    :param token_remove_pattern: a Python regex (str or compiled ``re.Pattern``) or None. Every
        vocabulary token, and every custom ``vocabulary`` word, for which
        ``re.match(pattern, token)`` matches (anchored at the start, not at the end) is removed,
        except the unk token; default ``r"\[unused\d+\]"``. A pattern ``re.compile`` rejects
        raises ValueError ("Couldn't compile the regex pattern: ..."), as the reference. libm2v
        applies it with Python 3.11's syntax and meaning (``\d \w \s`` from Python's Unicode
        tables, code point matching); what it cannot match exactly raises UnsupportedError (a
        ValueError): lookbehind, ``\b`` / ``\B``, ``^`` under MULTILINE, IGNORECASE,
        backreferences, conditionals, ``\N{...}``, repeat counts above 1000.
    :param trust_remote_code: must be False: m2v runs no model code (True raises UnsupportedError).
    :param quantize_to: model2vec's ``DType`` or its value: "float16", "float32", "float64", "int8".
    :param vocabulary_quantization: number of k-means clusters, or None.
    :param pooling: model2vec's ``PoolingMode`` or its value: "mean", "first", "last", "pooler".
    :param show_progress_bar: show progress over the vocabulary tokens.
    :param output_path: folder to write the model to; default a new temporary folder, which the
        returned model's ``path`` names (and which stays on disk).
    :param n_threads: threads for the teacher's forward pass, 0 = all cores.
    :raises ValueError: bad arguments (as the reference), or the vocabulary is empty after the
        pattern (InvalidArgumentError).
    """
    import tempfile

    from . import StaticModel, UnsupportedError, _int_arg, _Progress

    if trust_remote_code:
        raise UnsupportedError("trust_remote_code=True: m2v runs no model code (no remote code runs here); "
                               "the supported architectures (BERT, RoBERTa, XLM-R, DistilBERT, MPNet, ModernBERT) need none")
    teacher = os.fspath(model_name)
    # The reference's order: DType(quantize_to), then _validate_parameters (SIF, pattern).
    quantize = _quantize_code(quantize_to)
    sif = _sif_arg(sif_coefficient)
    pattern = _pattern_arg(token_remove_pattern)
    dims, variance = _pca_args(pca_dims)
    pool = _pooling_code(pooling)
    vq = _int_arg("vocabulary_quantization", 0 if vocabulary_quantization is None else vocabulary_quantization, 0)
    if vocabulary_quantization is not None and vq == 0:
        raise ValueError("vocabulary_quantization must be >= 1 or None")
    threads = _int_arg("n_threads", n_threads, 0)
    if vocabulary is not None and not isinstance(vocabulary, (list, tuple)):
        vocabulary = list(vocabulary)
    # The default pattern goes by libm2v's remove_unused_tokens (same tokens, no regex engine).
    remove_unused = 1 if pattern == _DEFAULT_REMOVE_PATTERN else 0
    extra = () if pattern is None or remove_unused else (pattern,)
    out = os.fspath(output_path) if output_path is not None else tempfile.mkdtemp(prefix="m2v-distill-")
    with _Progress(show_progress_bar, 1, "Distilling", unit="token") as progress:
        bar = progress.bar

        def update(done: int, total: int) -> None:
            if bar is not None:
                if getattr(bar, "total", None) != total:
                    bar.total = total
                bar.update(done - bar.n)

        _core.distill(teacher, out, vocabulary, dims, variance, sif, quantize, pool, remove_unused, vq, threads,
                      update if bar is not None else None, *extra)
    return StaticModel.from_pretrained(out)
