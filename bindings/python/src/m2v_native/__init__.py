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

import json
import logging
import os
import sys
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set, Sized
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
    "StaticModelPipeline",
    "quantize_model",
    "Tokenizer",
    "regex_engine_version",
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

DEFAULT_BATCH_SIZE: int = _core.DEFAULT_BATCH_SIZE
"""Texts per batch of encode, from libm2v's m2v_encode_default_params() (model2vec's 1024)."""

PathLike = str | os.PathLike


class _Unset:
    """Sentinel: "not passed", distinct from None (which means "no truncation")."""

    def __repr__(self) -> str:
        return "<model default>"


_UNSET: Any = _Unset()

_INT32_MAX = 2**31 - 1


def _int_arg(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum} (got {value})")
    return value


def _sentences_arg(sentences: Any) -> tuple[list[str] | tuple[str, ...], bool]:
    """(list of texts, whether a single str was passed). Any other iterable of str (a generator,
    a numpy array, a pandas Series) is read into a list; see encode_iter for bounded memory."""
    if isinstance(sentences, str):
        return [sentences], True
    if isinstance(sentences, (list, tuple)):
        return sentences, False
    if isinstance(sentences, Iterable) and not isinstance(sentences, (bytes, bytearray, memoryview, Mapping, Set)):
        return list(sentences), False
    raise TypeError(f"sentences must be a str or a list of str (or another ordered iterable of str), "
                    f"not {type(sentences).__name__}")


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

    def __init__(self, total: int | None, desc: str, width: int = 30) -> None:
        self.total, self.desc, self.width, self.n = total, desc, width, 0
        self._draw()

    def _draw(self) -> None:
        if self.total is None:  # a stream of unknown length: the count only
            sys.stderr.write(f"\r{self.desc}: {self.n}")
            sys.stderr.flush()
            return
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

    def __init__(self, enabled: bool, total: int | None, desc: str, unit: str = "text") -> None:
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

logger = logging.getLogger("m2v_native")

DEFAULT_MAX_LENGTH: int = _core.DEFAULT_MAX_LENGTH
"""model2vec's DEFAULT_MAX_LENGTH, read from libm2v (m2v_default_max_length())."""

# m2v_dtype codes (include/m2v.h) <-> numpy dtypes. bfloat16 has no numpy dtype.
_DTYPES: dict[int, str] = {0: "<f4", 1: "<f2", 2: "<f8", 3: "|i1", 5: "|u1", 6: "<i2", 7: "<i4", 8: "<i8", 9: "|b1"}
_DTYPE_CODES: dict[str, int] = {np.dtype(v).name: k for k, v in _DTYPES.items()}
# m2v_quantize codes.
_QUANTIZE = {"float16": 0, "float32": 1, "float64": 2, "int8": 3}
# m2v_invalid_text codes, by the names encode's `invalid_text` takes.
_INVALID_TEXT = {"error": _core.INVALID_TEXT_ERROR, "replace": _core.INVALID_TEXT_REPLACE, "skip": _core.INVALID_TEXT_SKIP}
DEFAULT_INVALID_TEXT: str = next(k for k, v in _INVALID_TEXT.items() if v == _core.DEFAULT_INVALID_TEXT)
"""encode's default `invalid_text`, read from libm2v ("error")."""
_DEFAULT_INVALID_CODE: int = _INVALID_TEXT[DEFAULT_INVALID_TEXT]
MAX_TEXT_CODE_POINTS: int = _core.MAX_TEXT_CODE_POINTS
"""The most code points of one sentence tokenized as a whole (m2v_max_text_code_points())."""


def regex_engine_version() -> str | None:
    """The version of Oniguruma, the regex engine of tokenizer.json `Split` / `Replace`
    patterns that libm2v does not match by hand (as HF tokenizers), or None when libonig.so.5
    cannot be loaded (then such tokenizers raise UnsupportedError naming the package)."""
    return _core.regex_engine_version()


def _invalid_text_arg(value: Any) -> int:
    code = _INVALID_TEXT.get(value) if isinstance(value, str) else None
    if code is None:
        raise ValueError(f"invalid_text must be one of {', '.join(map(repr, _INVALID_TEXT))}, not {value!r}")
    return code


class _Status:
    """The per-sentence status array of an encode-like call (m2v_encode_params.text_status):
    int32 m2v status codes, 0 = fine (see StaticModel.encode's return_status)."""

    def __init__(self, wanted: bool, n: int) -> None:
        self.array = np.zeros(n, dtype=np.int32) if wanted else None

    def attach(self, result: Any, single: bool) -> Any:
        """`result`, or (result, status) when the caller asked for the status."""
        if self.array is None:
            return result
        return result, (self.array[0] if single else self.array)

    def address(self, offset: int = 0) -> int | None:
        if self.array is None or self.array.size == 0:
            return None
        return self.array.__array_interface__["data"][0] + 4 * offset


class _TensorView:
    """Exposes a tensor of a libm2v model to numpy without copying (the array interface); keeps
    the model alive for as long as any array made from it."""

    def __init__(self, core: _core.Model, addr: int, typestr: str, shape: tuple[int, ...]) -> None:
        self._core = core
        self.__array_interface__ = {
            "version": 3, "shape": shape, "typestr": typestr, "data": (addr, True), "strides": None,
        }


def _tensor(core: _core.Model, name: str) -> np.ndarray | None:
    t = core.tensor(name)
    if t is None:
        return None
    addr, code, shape, nbytes = t
    if code == 4:  # bfloat16: widened to a float32 copy (numpy has no bfloat16)
        bits = np.asarray(_TensorView(core, addr, "<u2", shape)).astype(np.uint32) << 16
        return bits.view(np.float32)
    return np.asarray(_TensorView(core, addr, _DTYPES[code], shape))


def _array_spec(arr: np.ndarray, what: str, ndim: int) -> tuple[np.ndarray, tuple[int, int, tuple[int, ...], int]]:
    """(contiguous array kept alive by the caller, (address, dtype code, shape, nbytes))."""
    a = np.ascontiguousarray(arr)
    if a.ndim != ndim:
        raise ValueError(f"{what} must be a {ndim}-D array (got shape {a.shape})")
    if a.dtype.name not in _DTYPE_CODES:
        raise TypeError(f"{what} dtype {a.dtype} is not supported ({', '.join(sorted(_DTYPE_CODES))})")
    a = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return a, (a.__array_interface__["data"][0], _DTYPE_CODES[a.dtype.name], a.shape, a.nbytes)


def _tokenizer_json(tokenizer: Any) -> bytes:
    """tokenizer.json bytes of a tokenizers.Tokenizer or an m2v_native.Tokenizer."""
    if isinstance(tokenizer, Tokenizer):
        return tokenizer.to_str().encode("utf-8")
    to_str = getattr(tokenizer, "to_str", None)
    if callable(to_str):
        return to_str().encode("utf-8")
    raise TypeError(f"tokenizer must be a tokenizers.Tokenizer or an m2v_native.Tokenizer, not {type(tokenizer).__name__}")


def _max_length_flag(max_length: Any) -> int:
    """C value of an explicit max_length: None -> 0 (no truncation), int -> itself. 0 is
    accepted as model2vec accepts it (every text cut to ""; see _cut_all) and maps to 0 here."""
    if max_length is None:
        return 0
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)):
        raise TypeError(f"max_length must be an int or None, not {type(max_length).__name__}")
    if max_length < 0:
        raise ValueError(f"max_length must be >= 0 or None (got {max_length})")
    return min(int(max_length), _INT32_MAX)


def _cut_all(max_length: Any) -> bool:
    """max_length 0: model2vec cuts every text to 0 characters (and truncates to 0 tokens), so
    every text has no tokens."""
    return max_length is not None and not isinstance(max_length, bool) and max_length == 0


def _quantize_code(quantize_to: Any) -> int:
    if quantize_to is None:
        return -1
    value = getattr(quantize_to, "value", quantize_to)  # model2vec's DType enum
    if value not in _QUANTIZE:
        raise ValueError(f"{quantize_to!r} is not a valid DType")
    return _QUANTIZE[value]


class StaticModel:
    """A model2vec model run by libm2v, with model2vec.StaticModel's API.

    Load one with StaticModel.from_pretrained(path_or_hub_id), or build one from arrays as
    model2vec does: StaticModel(vectors, tokenizer, ...). The embedding table is memory-mapped
    (or copied once, for arrays) and shared; the model's numbers are immutable and it is safe to
    use from many threads at once. `normalize`, `max_length` and `config` are plain Python
    state, settable as in model2vec. Pickling stores the folder path (or the arrays).
    """

    def __init__(
        self,
        vectors: np.ndarray,
        tokenizer: Any,
        config: Mapping[str, Any] | None = None,
        normalize: bool = False,
        base_model_name: str | None = None,
        language: list[str] | None = None,
        weights: np.ndarray | None = None,
        token_mapping: np.ndarray | None = None,
        max_length: int | None = DEFAULT_MAX_LENGTH,
    ) -> None:
        """Build a model from arrays, as model2vec.StaticModel(...): every array is copied.

        :param vectors: the (rows, dim) table: float16/32/64 or int8/uint8.
        :param tokenizer: a tokenizers.Tokenizer or an m2v_native.Tokenizer.
        :param config: metadata stored as the config (copied).
        :param normalize: whether encode normalizes (authoritative: written to config).
        :param base_model_name: for the model card. :param language: for the model card.
        :param weights: per-token weights (1-D floats), or None.
        :param token_mapping: token id -> row of vectors (1-D ints), or None.
        :param max_length: encode's default truncation in tokens; None = none (written to config).
        :raises ValueError: the number of vectors does not match the tokenizer (and no mapping).
        """
        vec, vspec = _array_spec(np.asarray(vectors), "vectors", 2)
        w = m = None
        wspec = mspec = None
        if weights is not None:
            w, wspec = _array_spec(np.asarray(weights), "weights", 1)
        if token_mapping is not None:
            m, mspec = _array_spec(np.asarray(token_mapping), "token_mapping", 1)
        tok_json = _tokenizer_json(tokenizer)
        if token_mapping is None:
            n_tokens = _core.tokenizer_from_json(tok_json).vocab_size
            if vec.shape[0] != n_tokens:
                raise ValueError(
                    f"Number of tokens ({n_tokens}) does not match number of vectors ({vec.shape[0]}). "
                    "Please provide a token mapping or ensure the number of tokens matches the number of vectors."
                )
        cfg = dict(config) if config is not None else {}
        meta = json.dumps({"base_model": base_model_name, "language": language}).encode()
        core = _core.model_create(vspec, wspec, mspec, tok_json, json.dumps(cfg).encode(),
                                  int(bool(normalize)), _max_length_flag(max_length), meta)
        del vec, w, m  # copied by libm2v
        self._init_from_core(core, "", config=cfg, normalize=bool(normalize), max_length=max_length,
                             base_model_name=base_model_name, language=language)

    def _init_from_core(self, core: _core.Model, path: str, *, config: dict[str, Any] | None = None,
                        normalize: bool | None = None, max_length: Any = _UNSET,
                        base_model_name: Any = _UNSET, language: Any = _UNSET) -> None:
        self._core = core
        self._path = path
        self._tokens: tuple[str, ...] | None = None
        self._tokenizer: Any = None
        self._embedding: np.ndarray | None = None
        meta = json.loads(core.metadata_json())
        self.base_model_name = meta.get("base_model") if base_model_name is _UNSET else base_model_name
        self.language = meta.get("language") if language is _UNSET else language
        # config as model2vec holds it: the given/loaded dict, then max_length and normalize set.
        self.config: dict[str, Any] = dict(config) if config is not None else json.loads(core.config_json())
        self._max_length: int | None = None
        self._normalize = False
        ml = core.max_length
        self._set_state(max_length=(ml if ml > 0 else None) if max_length is _UNSET else max_length,
                        normalize=core.normalize if normalize is None else normalize)

    def _set_state(self, *, max_length: int | None, normalize: bool) -> None:
        self._max_length = max_length
        self.config["max_length"] = max_length
        self._normalize = bool(normalize)
        self.config["normalize"] = bool(normalize)

    @classmethod
    def _from_core(cls, core: _core.Model, path: str, **state: Any) -> StaticModel:
        model = cls.__new__(cls)
        model._init_from_core(core, path, **state)
        return model

    @classmethod
    def from_pretrained(
        cls,
        path: PathLike,
        token: str | None = None,
        normalize: bool | None = None,
        subfolder: str | None = None,
        quantize_to: str | None = None,
        dimensionality: int | None = None,
        vocabulary_quantization: int | None = None,
        max_length: int | None = _UNSET,
        force_download: bool = True,
        *,
        mmap: bool = bool(_core.DEFAULT_MMAP),
    ) -> StaticModel:
        """Load a model2vec model from a local folder or a HuggingFace hub id, as model2vec does.

        :param path: a local folder (model2vec or sentence-transformers layout), or a hub id
            "org/name": looked up in the HuggingFace cache and, unless HF_HUB_OFFLINE=1 and
            when huggingface_hub is installed, downloaded (m2v_native.hub.resolve_model).
        :param token: HuggingFace token for private models.
        :param normalize: override the config's "normalize" (None: config, else False).
        :param subfolder: a folder inside the model to load from.
        :param quantize_to: re-quantize the table ("float16", "float32", "float64", "int8").
        :param dimensionality: keep only the first this many dimensions.
        :param vocabulary_quantization: k-means the vocabulary into this many clusters.
        :param max_length: encode's default truncation; not passed = config "max_length"
            (512 when absent); None = no truncation.
        :param force_download: as model2vec (True: ask the hub even when the id is cached).
        :param mmap: m2v only. True (default): model.safetensors is mapped and used in place
            (no copy; pages shared between processes). False: it is read into memory the model
            owns, so nothing done to the file later can affect this process. The hazard of
            True, as with SQLite's and LMDB's mmap modes: truncating or overwriting the file in
            place while the model is loaded (``cp new.safetensors model.safetensors``) kills the
            process with SIGBUS at the next encode. Replace model files by rename (write
            elsewhere, then ``mv`` / ``os.replace``), never in place; save_pretrained and
            distill always do.
        :raises FileNotFoundError: (NotFoundError) the folder, id or a required file is missing.
        :raises ValueError: (FormatError, UnsupportedError) corrupt or unsupported files.
        """
        from . import hub

        folder = hub.resolve_model(os.fspath(path), token=token, subfolder=subfolder, force_download=force_download)
        folder = os.path.abspath(folder)
        flag = -1 if normalize is None else int(bool(normalize))
        ml = -1 if max_length is _UNSET else _max_length_flag(max_length)
        try:
            core = _core.Model(folder, flag, ml, int(bool(mmap)))
        except NotFoundError as e:
            if not os.path.isdir(folder):
                raise
            # A folder without a model layout: model2vec raises ValueError; this is both.
            err = hub.ModelFilesNotFoundError(str(e))
            err.status, err.code = getattr(e, "status", None), getattr(e, "code", None)
            raise err from None
        model = cls._from_core(core, folder, max_length=max_length)
        if not any([vocabulary_quantization, quantize_to, dimensionality]):
            return model
        return quantize_model(model, vocabulary_quantization=vocabulary_quantization, quantize_to=quantize_to,
                              dimensionality=dimensionality)

    # ---- properties -----------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The absolute folder the model was loaded from ("" for a model built from arrays)."""
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
        """Whether encode L2-normalizes by default (settable; updates config, as model2vec)."""
        return self._normalize

    @normalize.setter
    def normalize(self, value: bool) -> None:
        current = self.config.get("normalize")
        if current is not None and value != current:
            logger.warning(f"Set normalization to `{value}`, which does not match config value `{current}`. Updating config.")
        self._normalize = value
        self.config["normalize"] = value

    @property
    def max_length(self) -> int | None:
        """encode's default truncation in tokens, None = none (settable; updates config)."""
        return self._max_length

    @max_length.setter
    def max_length(self, value: int | None) -> None:
        _max_length_flag(value)
        current = self.config.get("max_length")
        if current is not None and value != current:
            logger.warning(f"Set max_length to `{value}`, which does not match config value `{current}`. Updating config.")
        self._max_length = value
        self.config["max_length"] = value
        if self._tokenizer is not None:
            self._sync_tokenizer_truncation()

    @property
    def embedding(self) -> np.ndarray:
        """The table in its stored dtype, (rows, dim): a read-only view of the mapped file (no
        copy). model2vec's is writable; copy it (np.array) to change values."""
        if self._embedding is None:
            self._embedding = _tensor(self._core, "embeddings")
        return self._embedding

    @property
    def weights(self) -> np.ndarray | None:
        """Per-token weights as stored (read-only view), or None."""
        return _tensor(self._core, "weights")

    @property
    def token_mapping(self) -> np.ndarray | None:
        """Token id -> row of `embedding` (vocabulary-quantized models; read-only view), or None."""
        return _tensor(self._core, "mapping")

    @property
    def embedding_dtype(self) -> str:
        """numpy's name of the table dtype ("float16", "float32", "int8", ...)."""
        return np.dtype(self.embedding.dtype).name

    @property
    def vocabulary_quantization(self) -> int | None:
        """The number of clusters when the vocabulary was quantized, else None."""
        rows = self.embedding.shape[0]
        quantized = self._core.tensor("mapping") is not None or rows != len(self.tokens)
        return int(rows) if quantized else None

    @property
    def unk_token_id(self) -> int | None:
        """Id of the unknown token (dropped from every tokenization), or None."""
        unk = self._core.unk_token_id
        return None if unk < 0 else unk

    @property
    def tokens(self) -> tuple[str, ...]:
        """The token string of every id, in id order (as model2vec's `tokens`)."""
        if self._tokens is None:
            self._tokens = self._core.tokens()
        return self._tokens

    @property
    def median_token_length(self) -> int:
        """int(median of the token lengths in code points), as model2vec computes it."""
        return self._core.median_token_length

    @property
    def tokenizer(self) -> Any:
        """The tokenizer: a tokenizers.Tokenizer (padding off, truncation at max_length, as
        model2vec's) when the `tokenizers` package is installed, else an m2v_native.Tokenizer.
        m2v itself never uses this object: changing it does not change encode."""
        if self._tokenizer is None:
            raw = self._core.tokenizer_json()
            try:
                from tokenizers import Tokenizer as HFTokenizer
            except ImportError:
                self._tokenizer = Tokenizer._from_json(raw)
            else:
                tok = HFTokenizer.from_str(raw.decode("utf-8"))
                padding = tok.padding
                if padding is not None:
                    tok.enable_padding(pad_id=padding["pad_id"], pad_token=padding["pad_token"],
                                       pad_type_id=padding["pad_type_id"], length=0)
                self._tokenizer = tok
                self._sync_tokenizer_truncation()
        return self._tokenizer

    def _sync_tokenizer_truncation(self) -> None:
        tok = self._tokenizer
        if hasattr(tok, "enable_truncation"):
            if self._max_length is None:
                tok.no_truncation()
            else:
                tok.enable_truncation(self._max_length)

    # ---- encoding ---------------------------------------------------------------------------

    def _max_length_for(self, max_length: Any) -> int:
        return _max_length_flag(self._max_length if max_length is _UNSET else max_length)

    def _texts_for(self, texts: Sequence[str], max_length: Any) -> Sequence[str]:
        ml = self._max_length if max_length is _UNSET else max_length
        return [""] * len(texts) if _cut_all(ml) else texts

    def encode(
        self,
        sentences: str | Sequence[str],
        *,
        show_progress_bar: bool = False,
        max_length: int | None = _UNSET,
        normalize: bool | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        use_multiprocessing: bool = True,
        multiprocessing_threshold: int = 10_000,
        n_threads: int = 0,
        reference_dtype: bool = False,
        invalid_text: str = DEFAULT_INVALID_TEXT,
        return_status: bool = False,
        **kwargs: Any,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """One vector per sentence: (n, dim) float32, or (dim,) for a single str.

        :param sentences: a str or a list (or tuple) of str.
        :param show_progress_bar: show a progress bar (tqdm when installed, else on stderr).
        :param max_length: tokens per sentence; not passed = the model's `max_length`; None = no
            truncation. Sentences are first cut to max_length * median_token_length characters,
            as model2vec does.
        :param normalize: L2-normalize; None = the model's `normalize`.
        :param batch_size: sentences between progress updates / Ctrl-C checks.
        :param use_multiprocessing: accepted for model2vec compatibility; libm2v always uses
            its own threads (see n_threads). :param multiprocessing_threshold: likewise.
        :param n_threads: m2v only: worker threads, 0 = all cores. The result does not depend on it.
        :param reference_dtype: m2v only: return model2vec's dtype (the table's float dtype;
            float32 for integer tables) instead of float32.
        :param invalid_text: m2v only: what a sentence that cannot be tokenized does to the call.
            "error" (default): raise for the first one (InvalidUTF8Error for a str holding lone
            surrogates, ValueError beyond MAX_TEXT_CODE_POINTS without a cut); "replace": each
            lone surrogate becomes U+FFFD (other errors still raise); "skip": its row is zeros.
        :param return_status: m2v only: also return an int32 array with each sentence's status
            (0 = fine; 8 = M2V_ERR_INVALID_UTF8 (a lone surrogate, also when replaced or skipped);
            1 = M2V_ERR_INVALID_ARGUMENT (too long)): ``vectors, status = model.encode(...)``.
        :param kwargs: ignored, as in model2vec.
        """
        if (max_length is _UNSET and normalize is None and not show_progress_bar and not return_status
                and not reference_dtype and n_threads == 0 and batch_size == DEFAULT_BATCH_SIZE
                and invalid_text == DEFAULT_INVALID_TEXT):
            # One query at a time with the defaults: the fewest Python steps (same result).
            ml = self._max_length
            single = isinstance(sentences, str)
            if (single or type(sentences) is list) and (ml is None or ml > 0):
                texts = [sentences] if single else sentences
                buf = self._core.encode(texts, 0 if ml is None else min(ml, _INT32_MAX), int(self._normalize),
                                        0, DEFAULT_BATCH_SIZE, None, None, -1, _DEFAULT_INVALID_CODE)
                out = np.frombuffer(buf, dtype=np.float32)
                return out if single else out.reshape(len(texts), self.dim)
        texts, single = _sentences_arg(sentences)
        texts = self._texts_for(texts, max_length)
        norm = self._normalize if normalize is None else bool(normalize)
        ml = self._max_length_for(max_length)
        threads = _int_arg("n_threads", n_threads, 0)
        step = _int_arg("batch_size", batch_size, 1)
        mode = _invalid_text_arg(invalid_text)
        if not show_progress_bar and not return_status:
            # The short path, for one query at a time: libm2v fills a new bytearray, which numpy
            # views without a copy (writable, as model2vec's result).
            buf = self._core.encode(texts, ml, int(norm), threads, step, None, None, -1, mode)
            out = np.frombuffer(buf, dtype=np.float32)
            if not single:
                out = out.reshape(len(texts), self.dim)
            return self._reference_dtype(out) if reference_dtype else out
        # libm2v writes straight into this array (its address and size in floats; no copy).
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        status = _Status(return_status, len(texts))
        with _Progress(show_progress_bar, len(texts), "Encoding") as progress:
            self._core.encode(texts, ml, int(norm), threads, step, progress.callback(),
                              out.__array_interface__["data"][0], out.size, mode, status.address())
        if reference_dtype:
            out = self._reference_dtype(out)
        return status.attach(out[0] if single else out, single)

    def _reference_dtype(self, out: np.ndarray) -> np.ndarray:
        dt = self.embedding.dtype
        return out.astype(dt) if dt.kind == "f" and dt != np.float32 else out

    def encode_iter(
        self,
        sentences: Iterable[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        show_progress_bar: bool = False,
        return_status: bool = False,
        **kwargs: Any,
    ) -> Iterator[np.ndarray] | Iterator[tuple[np.ndarray, np.ndarray]]:
        """m2v only: encode any iterable of str (a file's lines, a generator, a database cursor)
        with bounded memory, yielding one (k, dim) float32 array per `batch_size` sentences, in
        order (the last batch may be shorter; an empty input yields nothing). Only one batch of
        texts and of vectors is held at a time, so a 10-million-line file streams through in
        the memory of one batch. The rows are those `encode` gives for the same sentences.
        Other keyword arguments are encode's (max_length, normalize, n_threads, invalid_text,
        reference_dtype, ...); with return_status each item is (vectors, status).
        A progress bar (show_progress_bar) counts sentences; its total is len(sentences) when
        the iterable has one. Example::

            with open("corpus.txt", encoding="utf-8") as f:
                for vectors in model.encode_iter(line.rstrip("\\n") for line in f):
                    sink.write(vectors.tobytes())
        """
        if isinstance(sentences, (str, bytes, bytearray, Mapping, Set)) or not isinstance(sentences, Iterable):
            raise TypeError(f"sentences must be an ordered iterable of str, not {type(sentences).__name__}")
        step = _int_arg("batch_size", batch_size, 1)
        total = len(sentences) if isinstance(sentences, Sized) else None
        it = iter(sentences)
        with _Progress(show_progress_bar, total, "Encoding") as progress:
            while True:
                chunk = list(itertools.islice(it, step))
                if not chunk:
                    return
                result = self.encode(chunk, batch_size=step, return_status=return_status, **kwargs)
                if progress.bar is not None:
                    progress.bar.update(len(chunk))
                yield result

    def encode_as_sequence(
        self,
        sentences: str | Sequence[str],
        *,
        max_length: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        show_progress_bar: bool = False,
        use_multiprocessing: bool = True,
        multiprocessing_threshold: int = 10_000,
        n_threads: int = 0,
        reference_dtype: bool = False,
        invalid_text: str = DEFAULT_INVALID_TEXT,
        return_status: bool = False,
    ) -> list[np.ndarray] | np.ndarray | tuple[Any, np.ndarray]:
        """One (n_tokens, dim) float32 array of token vectors per sentence (weights applied, no
        mean, no normalization); one array for a single str. max_length None (default) = no
        truncation, as model2vec (independent of the model's max_length).
        m2v only: reference_dtype=True gives model2vec's dtypes (the table's dtype promoted by
        the weights' as numpy does; float64 for a text without tokens); invalid_text and
        return_status as for encode (a skipped sentence has no rows)."""
        texts, single = _sentences_arg(sentences)
        texts = self._texts_for(texts, max_length)
        ml = _max_length_flag(max_length)
        threads = _int_arg("n_threads", n_threads, 0)
        step = _int_arg("batch_size", batch_size, 1)
        mode = _invalid_text_arg(invalid_text)
        status = _Status(return_status, len(texts))
        out: list[np.ndarray] = []
        # libm2v 0.1 does not call the progress callback from m2v_encode_as_sequence, so the
        # batches are made here: the bar advances, and Ctrl-C is handled, between them.
        with _Progress(show_progress_bar, len(texts), "Encoding") as progress:
            for lo in range(0, len(texts), step):
                chunk = texts[lo : lo + step]
                buf, offsets = self._core.encode_as_sequence(chunk, ml, threads, step, None, mode, status.address(lo))
                flat = np.frombuffer(buf, dtype=np.float32).reshape(-1, self.dim)  # a bytearray
                out.extend(flat[offsets[i] : offsets[i + 1]] for i in range(len(chunk)))
                if progress.bar is not None:
                    progress.bar.update(len(chunk))
        if reference_dtype:
            w = self.weights
            dt = self.embedding.dtype if w is None else np.result_type(self.embedding.dtype, w.dtype)
            out = [a.astype(dt) if len(a) else np.zeros((0, self.dim)) for a in out]
        return status.attach(out[0] if single else out, single)

    def tokenize(
        self,
        sentences: str | Sequence[str],
        *,
        max_length: int | None = _UNSET,
        invalid_text: str = DEFAULT_INVALID_TEXT,
        return_status: bool = False,
    ) -> list[list[int]] | tuple[list[list[int]], np.ndarray]:
        """The token ids of each sentence, as model2vec's tokenize: no special tokens, truncated
        to the model's `max_length` tokens (no character cut), the unknown token removed.
        m2v only: `max_length` overrides the truncation (None = none); invalid_text and
        return_status as for encode (a skipped sentence has no ids)."""
        texts, _ = _sentences_arg(sentences)
        status = _Status(return_status, len(texts))
        ids = self._core.tokenize(self._texts_for(texts, max_length), self._max_length_for(max_length), 0,
                                  _invalid_text_arg(invalid_text), status.address())
        return status.attach(ids, False)

    # ---- persistence ------------------------------------------------------------------------

    def save_pretrained(self, path: PathLike, model_name: str | None = None, subfolder: str | None = None) -> None:
        """Write the model as model2vec's save_pretrained does (config.json from `config`,
        model.safetensors, tokenizer.json, modules.json, README.md model card with
        `model_name`, default the folder's name) into `path` or `path/subfolder` (created if
        missing). model2vec.StaticModel.from_pretrained loads it.

        The folder appears all at once and durably: it is built beside the target, fsync'ed and
        swapped in, so a crash leaves the old model or the new one, never a mix; other files of
        an existing folder are kept; no file is overwritten in place (a model loaded from the
        folder keeps working). See m2v_model_save in m2v.h and docs/SAFETY.md."""
        meta = json.dumps({"base_model": self.base_model_name, "language": self.language}).encode()
        self._core.save(os.fspath(path), json.dumps(self.config).encode(), model_name, subfolder, meta)

    def push_to_hub(self, repo_id: str, private: bool = False, token: str | None = None,
                    subfolder: str | None = None) -> None:
        """Save the model to a temporary folder and upload it to the HuggingFace hub (needs the
        `huggingface_hub` package: pip install m2v-native[hub]), as model2vec does."""
        import tempfile

        from . import hub

        with tempfile.TemporaryDirectory() as tmp:
            self.save_pretrained(tmp, model_name=repo_id)
            hub.push_to_hub(tmp, repo_id, private=private, token=token, subfolder=subfolder)

    def __reduce__(self) -> tuple[Any, ...]:
        state = {"config": self.config, "normalize": self._normalize, "max_length": self._max_length,
                 "base_model_name": self.base_model_name, "language": self.language}
        if self._path:
            return (_unpickle_path, (type(self), self._path, state))
        arrays = (np.array(self.embedding), self.weights, self.token_mapping)
        return (_unpickle_arrays, (type(self), arrays, self._core.tokenizer_json(), state))

    def __repr__(self) -> str:
        where = repr(self._path) if self._path else "<arrays>"
        return f"m2v_native.StaticModel({where}, dim={self.dim}, vocab_size={self.vocab_size})"


def _unpickle_path(cls: type[StaticModel], path: str, state: dict[str, Any]) -> StaticModel:
    ml = state["max_length"]
    core = _core.Model(path, int(state["normalize"]), _max_length_flag(ml))
    return cls._from_core(core, path, **state)


def _unpickle_arrays(cls: type[StaticModel], arrays: tuple[Any, ...], tok_json: bytes,
                     state: dict[str, Any]) -> StaticModel:
    vectors, weights, mapping = arrays
    return cls(vectors, Tokenizer._from_json(tok_json), config=state["config"], normalize=state["normalize"],
               base_model_name=state["base_model_name"], language=state["language"], weights=weights,
               token_mapping=mapping, max_length=state["max_length"])


def quantize_model(
    model: StaticModel,
    vocabulary_quantization: int | None = None,
    quantize_to: str | None = None,
    dimensionality: int | None = None,
) -> StaticModel:
    """A new model with the table quantized and/or reduced, as model2vec.model.quantize_model:
    vocabulary quantization (k-means, m2v's own deterministic clustering) first, then the dtype,
    then the first `dimensionality` columns. config, normalize, max_length, base_model_name and
    language are kept.

    :raises ValueError: dimensionality above the model's, the vocabulary already quantized, an
        unknown dtype.
    """
    code = _quantize_code(quantize_to)
    dims = 0 if dimensionality is None else _int_arg("dimensionality", dimensionality, 1)
    k = 0 if vocabulary_quantization is None else _int_arg("vocabulary_quantization", vocabulary_quantization, 1)
    if dims > model.dim:
        raise ValueError(f"Dimensionality {dims} is greater than the model dimensionality {model.dim}")
    if k and (model.token_mapping is not None or model.embedding.shape[0] != len(model.tokens)):
        raise ValueError("Model already has been vocabulary quantized, cannot quantize again.")
    core = model._core.quantize(code, dims, k)
    return type(model)._from_core(core, "", config=dict(model.config), normalize=model.normalize,
                                  max_length=model.max_length, base_model_name=model.base_model_name,
                                  language=model.language)


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    """HF's serialized enum names ("LongestFirst") as its Python API spells them."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class Tokenizer:
    """A HuggingFace tokenizer.json run by libm2v: the same ids as tokenizers.Tokenizer, with
    tokenizer.json's truncation and padding applied as HF applies them (change them for this
    object with no_truncation / enable_truncation / no_padding / enable_padding, as in HF).
    Encoding is thread-safe; the settings methods change this Python object only."""

    def __init__(self, core: _core.Tokenizer, path: str) -> None:
        self._core = core
        self._path = path
        self._json: bytes | None = None
        # Overrides of tokenizer.json's settings: None = the file's; else the
        # m2v_tokenizer_encode_params fields (truncation, truncation_direction) and
        # (padding, pad_length, pad_id, pad_to_multiple_of, pad_direction).
        self._trunc: tuple[int, int] | None = None
        self._pad: tuple[int, int, int, int, int] | None = None
        self._pad_token: str = "[PAD]"

    # ---- truncation and padding, as tokenizers.Tokenizer ---------------------------------

    def _file_settings(self) -> dict[str, Any]:
        doc = json.loads(self.to_str())
        return {"truncation": doc.get("truncation"), "padding": doc.get("padding")}

    @property
    def truncation(self) -> dict[str, Any] | None:
        """The truncation in effect, as tokenizers.Tokenizer.truncation (None = none)."""
        if self._trunc is not None:
            if self._trunc[0] == 0:
                return None
            return {"max_length": self._trunc[0], "stride": self._stride, "strategy": self._strategy,
                    "direction": "left" if self._trunc[1] == 1 else "right"}
        t = self._file_settings()["truncation"]
        if not t:
            return None
        return {"max_length": t["max_length"], "stride": t.get("stride", 0),
                "strategy": _snake(t.get("strategy", "LongestFirst")), "direction": t.get("direction", "Right").lower()}

    @property
    def padding(self) -> dict[str, Any] | None:
        """The padding in effect, as tokenizers.Tokenizer.padding (None = none)."""
        if self._pad is not None:
            if self._pad[0] == 0:
                return None
            _, length, pad_id, multiple, direction = self._pad
            return {"length": length or None, "pad_to_multiple_of": multiple or None, "pad_id": pad_id,
                    "pad_token": self._pad_token, "pad_type_id": 0, "direction": "left" if direction else "right"}
        p = self._file_settings()["padding"]
        if not p:
            return None
        strategy = p.get("strategy", "BatchLongest")
        return {"length": strategy.get("Fixed") if isinstance(strategy, dict) else None,
                "pad_to_multiple_of": p.get("pad_to_multiple_of"), "pad_id": p.get("pad_id", 0),
                "pad_token": p.get("pad_token", "[PAD]"), "pad_type_id": p.get("pad_type_id", 0),
                "direction": p.get("direction", "Right").lower()}

    def no_truncation(self) -> None:
        """Encode without truncation (tokenizers.Tokenizer.no_truncation)."""
        self._trunc = (0, -1)

    def enable_truncation(self, max_length: int, stride: int = 0, strategy: str = "longest_first",
                          direction: str = "right") -> None:
        """At most max_length ids per text, special tokens included, keeping the first ids
        ("right") or the last ("left"), as tokenizers.Tokenizer.enable_truncation. stride and
        strategy only matter for overflowing encodings and pairs, which this API does not
        return; they are checked and reported by `truncation`."""
        if direction not in ("right", "left"):
            raise ValueError(f"direction must be 'right' or 'left', not {direction!r}")
        if strategy not in ("longest_first", "only_first", "only_second"):
            raise ValueError(f"unknown truncation strategy {strategy!r}")
        self._trunc = (_int_arg("max_length", max_length, 1), 1 if direction == "left" else 0)
        self._stride, self._strategy = _int_arg("stride", stride, 0), strategy

    def no_padding(self) -> None:
        """Encode without padding (tokenizers.Tokenizer.no_padding)."""
        self._pad = (0, 0, 0, 0, 0)

    def enable_padding(self, direction: str = "right", pad_id: int = 0, pad_type_id: int = 0,
                       pad_token: str = "[PAD]", length: int | None = None,
                       pad_to_multiple_of: int | None = None) -> None:
        """Pad each batch to its longest text (or to `length`), rounded up to a multiple of
        pad_to_multiple_of, with pad_id, as tokenizers.Tokenizer.enable_padding."""
        if direction not in ("right", "left"):
            raise ValueError(f"direction must be 'right' or 'left', not {direction!r}")
        self._pad = (1, 0 if length is None else _int_arg("length", length, 0), _int_arg("pad_id", pad_id, 0),
                     0 if pad_to_multiple_of is None else _int_arg("pad_to_multiple_of", pad_to_multiple_of, 0),
                     1 if direction == "left" else 0)
        self._pad_token = str(pad_token)

    def _settings(self) -> tuple[int, ...]:
        trunc = self._trunc if self._trunc is not None else (-1, -1)
        pad = self._pad if self._pad is not None else (-1, 0, 0, 0, 0)
        return (*trunc, *pad)

    @classmethod
    def from_file(cls, path: PathLike) -> Tokenizer:
        """Load a tokenizer.json file."""
        full = os.path.abspath(os.fspath(path))
        return cls(_core.Tokenizer(full), full)

    @classmethod
    def from_str(cls, json_text: str) -> Tokenizer:
        """Load a tokenizer from tokenizer.json text (as tokenizers.Tokenizer.from_str)."""
        if not isinstance(json_text, str):
            raise TypeError(f"json_text must be a str, not {type(json_text).__name__}")
        return cls._from_json(json_text.encode("utf-8"))

    @classmethod
    def _from_json(cls, raw: bytes) -> Tokenizer:
        tok = cls(_core.tokenizer_from_json(raw), "")
        tok._json = raw
        return tok

    def to_str(self) -> str:
        """The tokenizer.json text (as tokenizers.Tokenizer.to_str)."""
        if self._json is None:
            with open(self._path, "rb") as f:
                self._json = f.read()
        return self._json.decode("utf-8")

    @property
    def vocab_size(self) -> int:
        """Vocabulary size including added tokens."""
        return self._core.vocab_size

    def encode_batch(self, texts: Sequence[str], add_special_tokens: bool = False) -> list[list[int]]:
        """The ids of each text, as tokenizers.Tokenizer.encode_batch(texts, add_special_tokens)
        gives them (`[e.ids for e in ...]`)."""
        if not isinstance(texts, (list, tuple)):
            raise TypeError(f"texts must be a list of str, not {type(texts).__name__}")
        return self._core.encode_batch(texts, bool(add_special_tokens), *self._settings())

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """The ids of one text (padding to the batch's longest leaves one text as it is)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        return self._core.encode_batch([text], bool(add_special_tokens), *self._settings())[0]

    def __reduce__(self) -> tuple[Any, ...]:
        if not self._path:
            return (Tokenizer.from_str, (self.to_str(),))
        return (Tokenizer.from_file, (self._path,))

    def __repr__(self) -> str:
        return f"m2v_native.Tokenizer({self._path!r}, vocab_size={self.vocab_size})"


# --------------------------------------------------------------------------------------------
# distill (its own module: _distill.py)
# --------------------------------------------------------------------------------------------

from ._distill import distill  # noqa: E402  (model2vec.distill's signature; needs the names above)
from .inference import StaticModelPipeline  # noqa: E402  (model2vec.inference: inference.py)
from .compat import patch_model2vec, unpatch_model2vec  # noqa: E402  (drop-in for model2vec: compat.py)
