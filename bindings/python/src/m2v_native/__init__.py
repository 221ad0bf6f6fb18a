"""m2v_native — Model2Vec static embeddings from libm2v, with the API of model2vec.StaticModel.

    import m2v_native
    model = m2v_native.StaticModel.from_pretrained("path/to/model")
    vectors = model.encode(["hello world", "static embeddings"])   # float32 (2, dim)

The work is done by libm2v (C API: include/m2v.h) through the C extension m2v_native._core; this
module only adapts arguments and results (numpy arrays, progress bars) to model2vec's API.
Any number of Python threads may encode with one model at once: the GIL is released while
libm2v works. Ctrl-C cancels a long encode.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _core
from ._core import (
    FileAccessError,
    FormatError,
    InternalError,
    InvalidArgumentError,
    InvalidUTF8Error,
    M2VError,
    NotFoundError,
    OutOfMemoryError,
    UnsupportedError,
)

__version__: str = _core.version()
"""The library's version (m2v_version_string()), which is also this package's version."""

__all__ = [
    "StaticModel",
    "Tokenizer",
    "distill",
    "M2VError",
    "InvalidArgumentError",
    "FormatError",
    "UnsupportedError",
    "InvalidUTF8Error",
    "NotFoundError",
    "FileAccessError",
    "OutOfMemoryError",
    "InternalError",
    "__version__",
]

DEFAULT_BATCH_SIZE = 1024

PathLike = str | os.PathLike


class _Unset:
    """Sentinel: "not passed", distinct from None (which means "no truncation")."""

    def __repr__(self) -> str:
        return "<model default>"


_UNSET: Any = _Unset()

# The C API's max_length values: > 0 a limit, 0 = no limit; -1 = the model's own default
# (config.json "max_length", 512 when absent), which is what libm2v uses when params are NULL.
_MODEL_DEFAULT_MAX_LENGTH = -1
_INT32_MAX = 2**31 - 1


def _max_length_arg(max_length: Any) -> int:
    if max_length is _UNSET:
        return _MODEL_DEFAULT_MAX_LENGTH
    if max_length is None:
        return 0
    if isinstance(max_length, bool) or not isinstance(max_length, int):
        raise TypeError(f"max_length must be an int or None, not {type(max_length).__name__}")
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1 or None (got {max_length})")
    return min(max_length, _INT32_MAX)


def _int_arg(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum} (got {value})")
    return value


def _sentences_arg(sentences: Any) -> tuple[list[str] | tuple[str, ...], bool]:
    """(list of texts, whether a single str was passed)."""
    if isinstance(sentences, str):
        return [sentences], True
    if isinstance(sentences, (list, tuple)):
        return sentences, False
    raise TypeError(f"sentences must be a str or a list of str, not {type(sentences).__name__}")


# --------------------------------------------------------------------------------------------
# Progress bars
# --------------------------------------------------------------------------------------------


def _load_tqdm() -> Any:
    """tqdm.tqdm when installed, else None (tests replace this to force the plain bar)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class _StderrBar:
    """A minimal text progress bar on stderr, used when tqdm is not installed."""

    def __init__(self, total: int, desc: str, width: int = 30) -> None:
        self.total, self.desc, self.width, self.n = total, desc, width, 0
        self._draw()

    def _draw(self) -> None:
        frac = self.n / self.total if self.total else 1.0
        filled = int(self.width * frac)
        bar = "#" * filled + "-" * (self.width - filled)
        sys.stderr.write(f"\r{self.desc}: [{bar}] {self.n}/{self.total}")
        sys.stderr.flush()

    def update(self, n: int) -> None:
        self.n += n
        self._draw()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


class _Progress:
    """Context manager giving the callback libm2v calls between batches (or None)."""

    def __init__(self, enabled: bool, total: int, desc: str, unit: str = "text") -> None:
        self.bar: Any = None
        if enabled:
            tqdm = _load_tqdm()
            self.bar = tqdm(total=total, desc=desc, unit=unit) if tqdm else _StderrBar(total, desc)

    def callback(self) -> Callable[[int, int], None] | None:
        bar = self.bar
        if bar is None:
            return None

        def update(done: int, total: int) -> None:
            bar.update(done - bar.n)

        return update

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------------------------
# StaticModel
# --------------------------------------------------------------------------------------------


class StaticModel:
    """A model2vec model loaded by libm2v: the API of model2vec.StaticModel for inference.

    Create one with StaticModel.from_pretrained(path). The embedding table is memory-mapped and
    shared; the model is immutable and safe to use from many threads at once. Pickling stores the
    folder path and reloads from it.
    """

    def __init__(self, core: _core.Model, path: str, normalize: bool) -> None:
        self._core = core
        self._path = path
        self._normalize = bool(normalize)
        self._tokens: tuple[str, ...] | None = None

    @classmethod
    def from_pretrained(
        cls, path: PathLike, normalize: bool | None = None, subfolder: str | None = None
    ) -> StaticModel:
        """Load a model2vec folder (config.json, model.safetensors, tokenizer.json), or a
        sentence-transformers folder whose modules.json points at one.

        :param path: the local folder (no hub downloads).
        :param normalize: override the config's "normalize"; None keeps it (False when absent).
        :param subfolder: a folder inside `path` to load from.
        :raises FileNotFoundError: (NotFoundError) the folder or a required file is missing.
        :raises ValueError: (FormatError, UnsupportedError) corrupt or unsupported files.
        """
        full = os.fspath(path)
        if subfolder is not None:
            full = os.path.join(full, subfolder)
        full = os.path.abspath(full)
        flag = -1 if normalize is None else int(bool(normalize))
        core = _core.Model(full, flag)
        return cls(core, full, core.normalize)

    # ---- properties -----------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The absolute folder the model was loaded from."""
        return self._path

    @property
    def dim(self) -> int:
        """Embedding width."""
        return self._core.dim

    @property
    def vocab_size(self) -> int:
        """Number of token ids the tokenizer can produce."""
        return self._core.vocab_size

    @property
    def normalize(self) -> bool:
        """Whether encode L2-normalizes by default (settable, as in model2vec)."""
        return self._normalize

    @normalize.setter
    def normalize(self, value: bool) -> None:
        self._normalize = bool(value)

    @property
    def tokens(self) -> tuple[str, ...]:
        """The token string of every id, in id order (as model2vec's `tokens`)."""
        if self._tokens is None:
            self._tokens = self._core.tokens()
        return self._tokens

    @property
    def median_token_length(self) -> int:
        """int(median of the token lengths in characters), as model2vec computes it."""
        return int(np.median([len(t) for t in self.tokens if t is not None]))

    # ---- encoding ---------------------------------------------------------------------------

    def encode(
        self,
        sentences: str | Sequence[str],
        *,
        show_progress_bar: bool = False,
        max_length: int | None = _UNSET,
        normalize: bool | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        n_threads: int = 0,
        **kwargs: Any,
    ) -> np.ndarray:
        """One float32 vector per sentence: (n, dim), or (dim,) for a single str.

        :param sentences: a str or a list (or tuple) of str.
        :param show_progress_bar: show a progress bar (tqdm when installed, else on stderr).
        :param max_length: tokens per sentence; not passed = the model's default (config
            "max_length", 512 when absent); None = no truncation. Sentences are first cut to
            max_length * median_token_length characters, as model2vec does.
        :param normalize: L2-normalize; None = the model's `normalize`.
        :param batch_size: sentences between progress updates / Ctrl-C checks.
        :param n_threads: worker threads, 0 = all cores. The result does not depend on it.
        :param kwargs: ignored (model2vec's use_multiprocessing, multiprocessing_threshold, ...).
        """
        texts, single = _sentences_arg(sentences)
        norm = self._normalize if normalize is None else bool(normalize)
        args = (
            _max_length_arg(max_length),
            int(norm),
            _int_arg("n_threads", n_threads, 0),
            _int_arg("batch_size", batch_size, 1),
        )
        # libm2v writes straight into this array (its address and size in floats; no copy).
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with _Progress(show_progress_bar, len(texts), "Encoding") as progress:
            self._core.encode(texts, *args, progress.callback(), out.__array_interface__["data"][0], out.size)
        return out[0] if single else out

    def encode_as_sequence(
        self,
        sentences: str | Sequence[str],
        *,
        max_length: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        show_progress_bar: bool = False,
        n_threads: int = 0,
        **kwargs: Any,
    ) -> list[np.ndarray] | np.ndarray:
        """One (n_tokens, dim) float32 array of token vectors per sentence (weights applied, no
        mean, no normalization); one array for a single str. max_length None (default) = no
        truncation, as model2vec."""
        texts, single = _sentences_arg(sentences)
        ml = _max_length_arg(max_length)
        threads = _int_arg("n_threads", n_threads, 0)
        step = _int_arg("batch_size", batch_size, 1)
        out: list[np.ndarray] = []
        # libm2v 0.1 does not call the progress callback from m2v_encode_as_sequence, so the
        # batches are made here: the bar advances, and Ctrl-C is handled, between them.
        with _Progress(show_progress_bar, len(texts), "Encoding") as progress:
            for lo in range(0, len(texts), step):
                chunk = texts[lo : lo + step]
                buf, offsets = self._core.encode_as_sequence(chunk, ml, threads, step, None)
                flat = np.frombuffer(buf, dtype=np.float32).reshape(-1, self.dim)  # a bytearray
                out.extend(flat[offsets[i] : offsets[i + 1]] for i in range(len(chunk)))
                if progress.bar is not None:
                    progress.bar.update(len(chunk))
        return out[0] if single else out

    def tokenize(self, sentences: str | Sequence[str], max_length: int | None = None) -> list[list[int]]:
        """The token ids encode uses for each sentence (no special tokens, the unknown token
        removed). max_length None (default) = no cut and no truncation; an int applies encode's
        character cut and token truncation."""
        texts, _ = _sentences_arg(sentences)
        return self._core.tokenize(texts, _max_length_arg(max_length))

    # ---- persistence ------------------------------------------------------------------------

    def save_pretrained(self, path: PathLike) -> None:
        """Write the model in model2vec's format (config.json, model.safetensors,
        tokenizer.json, modules.json, README.md); model2vec.StaticModel.from_pretrained loads it.
        The folder is created if missing."""
        self._core.save(os.fspath(path))

    def __reduce__(self) -> tuple[Any, ...]:
        return (StaticModel.from_pretrained, (self._path, self._normalize))

    def __repr__(self) -> str:
        return f"m2v_native.StaticModel({self._path!r}, dim={self.dim}, vocab_size={self.vocab_size})"


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------


class Tokenizer:
    """A HuggingFace tokenizer.json run by libm2v: the same ids as tokenizers.Tokenizer
    (no truncation, no padding). Immutable and thread-safe."""

    def __init__(self, core: _core.Tokenizer, path: str) -> None:
        self._core = core
        self._path = path

    @classmethod
    def from_file(cls, path: PathLike) -> Tokenizer:
        """Load a tokenizer.json file."""
        full = os.path.abspath(os.fspath(path))
        return cls(_core.Tokenizer(full), full)

    @property
    def vocab_size(self) -> int:
        """Vocabulary size including added tokens."""
        return self._core.vocab_size

    def encode_batch(self, texts: Sequence[str], add_special_tokens: bool = False) -> list[list[int]]:
        """The ids of each text, as tokenizers.Tokenizer.encode_batch(texts, add_special_tokens)
        gives them (`[e.ids for e in ...]`)."""
        if not isinstance(texts, (list, tuple)):
            raise TypeError(f"texts must be a list of str, not {type(texts).__name__}")
        return self._core.encode_batch(texts, bool(add_special_tokens))

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """The ids of one text."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        return self._core.encode_batch([text], bool(add_special_tokens))[0]

    def __reduce__(self) -> tuple[Any, ...]:
        return (Tokenizer.from_file, (self._path,))

    def __repr__(self) -> str:
        return f"m2v_native.Tokenizer({self._path!r}, vocab_size={self.vocab_size})"


# --------------------------------------------------------------------------------------------
# distill
# --------------------------------------------------------------------------------------------

_QUANTIZE = {"float16": 0, "float32": 1, "float64": 2, "int8": 3}
_POOLING = {"mean": 0, "first": 1, "last": 2, "pooler": 3}
_DEFAULT_REMOVE_PATTERN = r"\[unused\d+\]"


def distill(
    model_name: PathLike,
    vocabulary: Sequence[str] | None = None,
    device: str | None = None,
    pca_dims: int | float | str | None = 256,
    sif_coefficient: float | None = 1e-4,
    token_remove_pattern: str | None = _DEFAULT_REMOVE_PATTERN,
    quantize_to: str = "float16",
    vocabulary_quantization: int | None = None,
    pooling: str = "mean",
    show_progress_bar: bool = False,
    *,
    output_path: PathLike | None = None,
    n_threads: int = 0,
    **ignored: Any,
) -> StaticModel:
    """Distill a BERT sentence-transformer folder into a static model, like model2vec.distill.

    :param model_name: a local teacher folder (config.json with model_type "bert",
        model.safetensors, a WordPiece tokenizer.json). There is no hub download.
    :param vocabulary: extra words, added to the tokenizer as model2vec does.
    :param device: ignored (m2v runs on the CPU).
    :param pca_dims: int (dimensions), "auto" (PCA without reduction), a float in (0, 1)
        (explained variance), or None (no PCA).
    :param sif_coefficient: Zipf/SIF coefficient, or None for no weighting.
    :param token_remove_pattern: model2vec's default ``r"\[unused\d+\]"`` or None; other
        patterns are not supported.
    :param quantize_to: "float16", "float32", "float64" or "int8".
    :param vocabulary_quantization: number of k-means clusters, or None.
    :param pooling: "mean", "first", "last" or "pooler".
    :param show_progress_bar: show progress over the vocabulary tokens.
    :param output_path: folder to write the model to; default a new temporary folder, which the
        returned model's ``path`` names (and which stays on disk).
    :param n_threads: threads for the teacher's forward pass, 0 = all cores.
    """
    import tempfile

    teacher = os.fspath(model_name)
    if isinstance(pca_dims, bool):
        raise TypeError("pca_dims must be an int, a float, 'auto' or None")
    dims, variance = 0, 0.0
    if pca_dims is None:
        dims = 0
    elif pca_dims == "auto":
        dims = -1
    elif isinstance(pca_dims, int):
        if pca_dims <= 0:
            raise ValueError("pca_dims must be positive")
        dims = pca_dims
    elif isinstance(pca_dims, float):
        if not 0.0 < pca_dims < 1.0:
            raise ValueError("pca_dims as a float is an explained-variance fraction in (0, 1)")
        variance = pca_dims
    else:
        raise TypeError("pca_dims must be an int, a float, 'auto' or None")
    if token_remove_pattern not in (None, _DEFAULT_REMOVE_PATTERN):
        raise ValueError(f"token_remove_pattern {token_remove_pattern!r} is not supported "
                         f"(only {_DEFAULT_REMOVE_PATTERN!r} or None)")
    if quantize_to not in _QUANTIZE:
        raise ValueError(f"quantize_to must be one of {sorted(_QUANTIZE)}")
    if pooling not in _POOLING:
        raise ValueError(f"pooling must be one of {sorted(_POOLING)}")
    vq = _int_arg("vocabulary_quantization", vocabulary_quantization or 0, 0)
    threads = _int_arg("n_threads", n_threads, 0)
    if vocabulary is not None and not isinstance(vocabulary, (list, tuple)):
        vocabulary = list(vocabulary)
    out = os.fspath(output_path) if output_path is not None else tempfile.mkdtemp(prefix="m2v-distill-")
    with _Progress(show_progress_bar, 1, "Distilling", unit="token") as progress:
        bar = progress.bar

        def update(done: int, total: int) -> None:
            if bar is not None:
                if getattr(bar, "total", None) != total:
                    bar.total = total
                bar.update(done - bar.n)

        _core.distill(teacher, out, vocabulary, dims, variance, float(sif_coefficient or 0.0),
                      _QUANTIZE[quantize_to], _POOLING[pooling],
                      1 if token_remove_pattern else 0, vq, threads, update if bar is not None else None)
    return StaticModel.from_pretrained(out)
