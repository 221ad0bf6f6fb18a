"""fuzz_python.py — the Python binding m2v_native fuzzed with atheris (libFuzzer for Python).

    python bindings/python/fuzz/fuzz_python.py -max_total_time=30 [libFuzzer flags] [CORPUS...]

(`make fuzz` / `make fuzz-python` run it through fuzz/run.sh.) Each input picks one public
function or method of m2v_native (and of its C glue m2v_native._core) and throws arguments at
it that the input's bytes choose: None, bools, ints from 0 to beyond 2**64 and negative, floats
with NaN/Inf/-0.0, bytes, str with lone surrogates / NUL / astral characters, lists and tuples of
mixed items, dicts, numpy arrays of odd dtypes (float16, int64, uint64, complex, bool, object,
str, big-endian, structured) and shapes (0-d, empty, 3-D, non-contiguous), path-likes, objects
whose __index__ / __len__ / __fspath__ raise, progress callbacks that raise.

The contract: a call returns, or raises one of the exceptions a caller can expect from bad
arguments (TypeError, ValueError and its subclasses, OSError, OverflowError, KeyboardInterrupt
from a cancelled call, the m2v_native errors, or the exception a callback of ours raised). A
crash, an abort, SystemError (a C function returning NULL without an exception, or the other way
round), m2v_native.InternalError (M2V_ERR_INTERNAL / BUFFER_TOO_SMALL) and every other exception
type (KeyError, AttributeError, IndexError, ...: an unchecked argument inside the Python layer)
are findings: atheris stops and writes the input.

Nothing touches the network (HF_HUB_OFFLINE=1 and an empty HF_HUB_CACHE are set before the
import) and nothing is written outside a temporary folder (paths and subfolders given to saves
and distills are built under it; the fuzzer's own strings are only used as names in it).
"""
from __future__ import annotations

import os
import pickle
import shutil
import sys
import tempfile
import json
import struct

# /dev/shm only with 256 MB free (containers often give it 64 MB, which a run can fill).
_BASE = ("/dev/shm" if os.access("/dev/shm", os.W_OK) and shutil.disk_usage("/dev/shm").free >= 256 << 20
         else tempfile.gettempdir())


def _remove_stale() -> None:
    """libFuzzer ends the process with _exit (no atexit): remove the folders of earlier runs whose
    process is gone (named m2v-pyfuzz-<pid>-*)."""
    for name in os.listdir(_BASE):
        parts = name.split("-")
        if name.startswith("m2v-pyfuzz-") and len(parts) > 3 and parts[2].isdigit():
            try:
                os.kill(int(parts[2]), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(_BASE, name), ignore_errors=True)
            except OSError:
                pass


_remove_stale()
TMP = tempfile.mkdtemp(prefix=f"m2v-pyfuzz-{os.getpid()}-", dir=_BASE)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_CACHE"] = os.path.join(TMP, "hf-cache")
os.environ.pop("HF_HOME", None)
os.environ["TQDM_DISABLE"] = "1"  # show_progress_bar=True still runs the progress callbacks

import atheris  # noqa: E402
import numpy as np  # noqa: E402

with atheris.instrument_imports():
    import m2v_native  # noqa: E402
    from m2v_native import _core, hub  # noqa: E402

import logging  # noqa: E402

logging.getLogger("m2v_native").setLevel(logging.ERROR)  # "Set normalization to ..." on every setter call

# ---------------------------------------------------------------------------------------------
# Fixtures: a tiny WordLevel model (saved and loaded), a 16-token BERT teacher for distill
# ---------------------------------------------------------------------------------------------

TINY_TOKENIZER = json.dumps({
    "version": "1.0", "added_tokens": [{"id": 1, "content": "[UNK]", "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True}],
    "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None,
    "model": {"type": "WordLevel", "vocab": {"[PAD]": 0, "[UNK]": 1, "a": 2, "b": 3, "c": 4, "the": 5, ".": 6, "dog": 7},
              "unk_token": "[UNK]"},
})
TEACHER_TOKENIZER = json.dumps({
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                      "special": True} for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])],
    "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None,
                   "lowercase": True},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "TemplateProcessing",
                       "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                  {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                       "pair": [], "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                                      "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
    "decoder": None,
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
              "vocab": {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "[unused1]",
                                                    "the", "dog", "a", "b", "c", "##s", "cat", "run", "##ning"])}},
})


def _write_safetensors(path: str, tensors: dict[str, np.ndarray]) -> None:
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        raw = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def _write_teacher(folder: str) -> None:
    os.makedirs(folder)
    rng = np.random.default_rng(7)
    V, H, I, P = 16, 8, 16, 16

    def r(*shape):
        return rng.uniform(-0.5, 0.5, shape).astype(np.float32)

    t = {"embeddings.word_embeddings.weight": r(V, H), "embeddings.position_embeddings.weight": r(P, H),
         "embeddings.token_type_embeddings.weight": r(2, H), "embeddings.LayerNorm.weight": np.ones(H),
         "embeddings.LayerNorm.bias": np.zeros(H), "pooler.dense.weight": r(H, H), "pooler.dense.bias": r(H)}
    p = "encoder.layer.0."
    for k in ("query", "key", "value"):
        t[p + f"attention.self.{k}.weight"], t[p + f"attention.self.{k}.bias"] = r(H, H), r(H)
    t[p + "attention.output.dense.weight"], t[p + "attention.output.dense.bias"] = r(H, H), r(H)
    t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"] = np.ones(H), np.zeros(H)
    t[p + "intermediate.dense.weight"], t[p + "intermediate.dense.bias"] = r(I, H), r(I)
    t[p + "output.dense.weight"], t[p + "output.dense.bias"] = r(H, I), r(H)
    t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"] = np.ones(H), np.zeros(H)
    _write_safetensors(os.path.join(folder, "model.safetensors"), t)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"model_type": "bert", "hidden_size": H, "num_hidden_layers": 1, "num_attention_heads": 2,
                   "intermediate_size": I, "max_position_embeddings": P, "type_vocab_size": 2, "vocab_size": V,
                   "hidden_act": "gelu", "pad_token_id": 0}, f)
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        f.write(TEACHER_TOKENIZER)


TINY_DIR = os.path.join(TMP, "tiny")
TEACHER_DIR = os.path.join(TMP, "teacher")
TABLE = (np.arange(32, dtype=np.float32).reshape(8, 4) - 16) / 8
TOKENIZER = m2v_native.Tokenizer.from_str(TINY_TOKENIZER)
MODEL = m2v_native.StaticModel(TABLE, TOKENIZER, normalize=True, base_model_name="org/tiny", language=["en"])
MODEL.save_pretrained(TINY_DIR)
LOADED = m2v_native.StaticModel.from_pretrained(TINY_DIR)
QUANTIZED = m2v_native.quantize_model(LOADED, vocabulary_quantization=3, quantize_to="int8")
_write_teacher(TEACHER_DIR)
with open(os.path.join(TMP, "tokenizer.json"), "w") as f:
    f.write(TINY_TOKENIZER)
MODELS = [MODEL, LOADED, QUANTIZED]
# The Python-side state of each model (setters and save change it), restored after every input.
_STATE = [(dict(m.config), m._normalize, m._max_length, m.base_model_name, m.language) for m in MODELS]


def reset_models() -> None:
    for m, (config, normalize, max_length, base, language) in zip(MODELS, _STATE):
        m.config, m._normalize, m._max_length = dict(config), normalize, max_length
        m.base_model_name, m.language, m._tokenizer = base, list(language) if language else language, None

# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


class CallbackError(Exception):
    """Raised by our own callbacks and hostile objects: expected to come back unchanged."""


class BadIndex:
    def __index__(self) -> int:
        raise CallbackError("__index__")

    def __int__(self) -> int:
        raise CallbackError("__int__")


class BadLen(list):
    def __len__(self) -> int:
        raise CallbackError("__len__")


class BadPath:
    def __fspath__(self) -> str:
        raise CallbackError("__fspath__")


class BadStr(str):
    def __str__(self) -> str:
        raise CallbackError("__str__")


INTS = [0, 1, -1, 2, 3, 7, 8, 16, 255, 256, 512, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**32, 2**63 - 1, 2**63,
        -2**63, 2**64, 2**64 + 1, -2**64, 10**30, np.int32(5), np.int64(-3), np.uint64(2**64 - 1), np.int8(-128)]
FLOATS = [0.0, -0.0, 0.5, 1.0, 1e-4, 0.999, 1.5, -1.0, 256.0, 1e308, -1e308, 5e-324, float("nan"), float("inf"),
          float("-inf"), np.float16(0.5), np.float32("nan")]
WORDS = ["the", "dog", "a", "b", "c", ".", "[UNK]", "[CLS]", "[PAD]", "zz", "", " ", "\u00e9t\u00e9", "\U0001F600",
         "\u0301", "\x00", "\ud800", "\udfff", "a\ud83db", "\ufffe", "\u2028", "##s", "new york", "\r\n", "\t"]
DTYPES = ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "uint64", "bool", "complex64",
          ">f4", ">i8", "object", "<U3", "S2", "datetime64[s]", [("a", "<f4"), ("b", "<i2")]]
NAMES = ["embeddings", "weights", "mapping", "", "embedding", "\ud800", "x" * 300]
QUANT = ["float16", "float32", "float64", "int8", "int4", "", None, "FLOAT16"]


class Gen:
    """Draws values from the fuzzer's bytes (atheris.FuzzedDataProvider)."""

    def __init__(self, data: bytes) -> None:
        self.f = atheris.FuzzedDataProvider(data)

    def n(self, k: int) -> int:
        return self.f.ConsumeIntInRange(0, k - 1) if k > 1 else 0

    def pick(self, seq):
        return seq[self.n(len(seq))]

    def flag(self) -> bool:
        return self.f.ConsumeBool()

    def text(self) -> str:
        mode = self.n(4)
        if mode == 0:
            return " ".join(self.pick(WORDS) for _ in range(self.n(8)))
        if mode == 1:
            return self.f.ConsumeUnicodeNoSurrogates(self.n(64))
        if mode == 2:
            return self.f.ConsumeUnicode(self.n(64))  # may hold lone surrogates
        return self.pick(WORDS)

    def texts(self):
        items = [self.text() for _ in range(self.n(6))]
        mode = self.n(20)
        if mode == 0:
            return tuple(items)
        if mode == 1:
            return items + [self.value(1)]
        if mode == 2:
            return self.text()  # a single str
        if mode == 3:
            return self.value(2)
        if mode == 4:
            return BadLen(items)
        if mode == 5:
            return np.array(items, dtype=object) if items else np.array([], dtype=object)
        return items

    def array(self):
        dt = self.pick(DTYPES)
        shape = self.pick([(), (0,), (3,), (8,), (16,), (8, 4), (8, 0), (0, 4), (3, 4), (16, 8), (2, 3, 4), (8, 8)])
        try:
            a = np.zeros(shape, dtype=dt)
            if a.dtype.kind in "fc":
                a = a + self.pick([0.0, 1.0, float("nan"), float("inf"), 1e300, -2.5])
            elif a.dtype.kind in "iu":
                a = a + self.n(20) - (a.dtype.kind == "i") * 3
        except (TypeError, ValueError, OverflowError):
            a = np.zeros(3)
        if self.flag() and a.ndim >= 1 and a.shape[0] > 1:
            a = a[::2]  # non-contiguous
        if self.flag() and a.ndim == 2:
            a = a.T
        return a

    def value(self, depth: int = 0):
        k = self.n(16 if depth < 2 else 10)
        if k == 0:
            return None
        if k == 1:
            return self.flag()
        if k == 2:
            return self.pick(INTS)
        if k == 3:
            return self.pick(FLOATS)
        if k == 4:
            return self.f.ConsumeBytes(self.n(32))
        if k == 5:
            return self.text()
        if k == 6:
            return self.array()
        if k == 7:
            return self.pick([BadIndex(), BadPath(), BadStr("x"), object(), type, print, Ellipsis])
        if k == 8:
            return self.pick(NAMES + QUANT[:4])
        if k == 9:
            return self.f.ConsumeIntInRange(-2**70, 2**70)
        if k in (10, 11):
            return [self.value(depth + 1) for _ in range(self.n(4))]
        if k == 12:
            return tuple(self.value(depth + 1) for _ in range(self.n(4)))
        if k == 13:
            return {self.text(): self.value(depth + 1) for _ in range(self.n(3))}
        if k == 14:
            return self.pick(MODELS)
        return self.texts()

    def maybe(self, good):
        """Mostly a plausible value, sometimes anything."""
        return good() if self.n(4) else self.value()

    def small_int(self):
        return self.pick([0, 1, 2, 3, 4, 8, 16, 64, 512, -1, None, 2**31, 2**40])

    def path(self) -> str:
        """A path to read: the tiny model, the teacher, missing or odd ones (never written to)."""
        return self.pick([
            TINY_DIR, TEACHER_DIR, os.path.join(TMP, "tokenizer.json"), os.path.join(TMP, "missing"), TMP, "",
            "org/name", "org/name@main", "name", "a/b/c", "./x", "/", "/proc/self", "\x00", "\ud800", "..", "~",
            os.path.join(TINY_DIR, "model.safetensors"), os.path.join(TINY_DIR, "config.json"), "org/" + "x" * 300,
            b"/tmp", BadPath(), None, 5, "models--org--name", "org/name@" + "0" * 40, "org//name", "@", "org/na me",
        ])

    def out_path(self) -> str:
        """A folder to write to: always inside TMP (the fuzzer's string only names it)."""
        name = "".join(c for c in self.f.ConsumeUnicode(self.n(12)) if c not in "/\x00") or "o"
        if name in (".", ".."):
            name = "o"
        return os.path.join(TMP, "out", name)

    def subfolder(self):
        return self.pick([None, "", "sub", "a/b", "sub/../sub2", "\ud800", "s\x00t", "x" * 200, 5, b"sub"])

    def callback(self):
        mode = self.n(5)
        if mode == 0:
            return None
        if mode == 1:
            return lambda *a: None

        def raising(*a):
            raise CallbackError("progress")

        return self.pick([raising, lambda *a: 1 / 0 if False else None, lambda: None, "not callable"])


# ---------------------------------------------------------------------------------------------
# The calls
# ---------------------------------------------------------------------------------------------

EXPECTED = (TypeError, ValueError, OSError, OverflowError, KeyboardInterrupt, CallbackError, m2v_native.M2VError)


# Plausible values of each keyword (the rest of the time: anything Gen.value() draws).
PLAUSIBLE = {
    "show_progress_bar": [False, True], "normalize": [None, False, True], "reference_dtype": [False, True],
    "max_length": [None, 0, 1, 2, 3, 512, 2**31 - 1, 2**31], "batch_size": [1, 2, 3, 1024],
    "n_threads": [0, 1, 2], "use_multiprocessing": [True, False], "multiprocessing_threshold": [0, 10_000],
    "token": [None, "hf_x"], "subfolder": [None, "", "sub"], "quantize_to": QUANT, "force_download": [True, False],
    "dimensionality": [None, 1, 2, 3, 4, 5], "vocabulary_quantization": [None, 1, 2, 3, 8, 9],
    "add_special_tokens": [False, True], "device": [None, "cpu", "cuda"],
    "pca_dims": [None, "auto", 2, 4, 8, 300, 0.5, 0.99, 0, -1, 1.0], "sif_coefficient": [None, 1e-4, 0.5, 0.0, 1.0],
    "token_remove_pattern": [None, r"\[unused\d+\]", r"(?x) c a t", r"\[", r"(?<=a)b", r"a{2000}", r"(?i)x", r"^\d"],
    "trust_remote_code": [False, False, True], "pooling": ["mean", "first", "last", "pooler", "max"],
}


def kwargs(g: Gen, names: list[str]) -> dict:
    out = {}
    for name in names:
        if g.n(3) == 0:
            if name == "vocabulary":
                out[name] = [g.text() for _ in range(g.n(5))] if g.n(4) else g.value()
            else:
                out[name] = g.pick(PLAUSIBLE[name]) if g.n(4) else g.value()
    if g.n(12) == 0:
        out[g.pick(["bogus", "device", "show_progress", "\ud800"])] = g.value()
    return out


def op_from_pretrained(g: Gen):
    kw = kwargs(g, ["token", "normalize", "subfolder", "quantize_to", "dimensionality", "vocabulary_quantization",
                    "max_length", "force_download"])
    if "subfolder" in kw and isinstance(kw["subfolder"], str) and ("/" in kw["subfolder"] or ".." in kw["subfolder"]):
        kw["subfolder"] = "sub"
    m = m2v_native.StaticModel.from_pretrained(TINY_DIR if g.flag() else g.path(), **kw)
    check_model(g, m)


def op_encode(g: Gen):
    m = g.pick(MODELS)
    kw = kwargs(g, ["show_progress_bar", "max_length", "normalize", "batch_size", "use_multiprocessing",
                    "multiprocessing_threshold", "n_threads", "reference_dtype"])
    if "n_threads" in kw and isinstance(kw["n_threads"], int) and kw["n_threads"] > 8:
        kw["n_threads"] = 8  # the library takes up to 10,000; keep the fuzzer fast
    texts = g.texts()
    out = m.encode(texts, **kw)
    assert isinstance(out, np.ndarray), type(out)
    n = 1 if isinstance(texts, str) else len(texts)
    assert out.shape == ((m.dim,) if isinstance(texts, str) else (n, m.dim)), (out.shape, n)
    assert np.isfinite(out).all(), out


def op_encode_as_sequence(g: Gen):
    m = g.pick(MODELS)
    kw = kwargs(g, ["max_length", "batch_size", "show_progress_bar", "use_multiprocessing", "n_threads",
                    "reference_dtype"])
    if "n_threads" in kw and isinstance(kw["n_threads"], int) and kw["n_threads"] > 8:
        kw["n_threads"] = 8
    if "batch_size" in kw and isinstance(kw["batch_size"], int) and not isinstance(kw["batch_size"], bool) \
            and kw["batch_size"] > 2**40:
        kw["batch_size"] = 2**40  # range() of the Python layer; the glue takes Py_ssize_t
    out = m.encode_as_sequence(g.texts(), **kw)
    for a in out if isinstance(out, list) else [out]:
        assert a.ndim == 2 and a.shape[1] == m.dim, a.shape


def op_tokenize(g: Gen):
    m = g.pick(MODELS)
    ids = m.tokenize(g.texts(), **kwargs(g, ["max_length"]))
    for row in ids:
        assert all(0 <= i < m.vocab_size for i in row), row


def op_tokenizer(g: Gen):
    k = g.n(5)
    if k == 0:
        t = m2v_native.Tokenizer.from_str(g.maybe(lambda: TINY_TOKENIZER if g.flag() else g.text()))
    elif k == 1:
        t = m2v_native.Tokenizer.from_file(g.path())
    elif k == 2:
        raw = TINY_TOKENIZER.encode()
        cut = g.n(len(raw) + 1)
        t = m2v_native.Tokenizer.from_str(raw[:cut].decode("utf-8", "replace") + g.text())
    else:
        t = TOKENIZER
    if g.flag():
        t.encode(g.maybe(g.text), **kwargs(g, ["add_special_tokens"]))
    else:
        t.encode_batch(g.texts(), **kwargs(g, ["add_special_tokens"]))
    repr(t)
    t.vocab_size
    if g.n(4) == 0:
        pickle.loads(pickle.dumps(t))


def op_quantize(g: Gen):
    m = g.pick(MODELS)
    kw = kwargs(g, ["vocabulary_quantization", "quantize_to", "dimensionality"])
    for key in ("vocabulary_quantization",):
        if isinstance(kw.get(key), int) and not isinstance(kw[key], bool) and kw[key] > 64:
            kw[key] = 64
    q = m2v_native.quantize_model(m, **kw)
    check_model(g, q)


def op_save(g: Gen):
    m = g.pick(MODELS)
    out = g.out_path()
    kw = {}
    if g.flag():
        kw["model_name"] = g.value()
    if g.flag():
        kw["subfolder"] = g.subfolder()
    if g.n(4) == 0:
        m.config = g.pick([{}, {"a": g.value()}, {"normalize": g.value(), "max_length": g.value()}, dict(m.config)])
    if g.n(4) == 0:
        m.base_model_name = g.value()
    if g.n(4) == 0:
        m.language = g.value()
    try:
        m.save_pretrained(out, **kw)
        sub = kw.get("subfolder")
        back = m2v_native.StaticModel.from_pretrained(os.path.join(out, sub) if isinstance(sub, str) and sub else out)
        assert back.dim == m.dim and back.vocab_size == m.vocab_size
    finally:
        shutil.rmtree(out, ignore_errors=True)


def op_construct(g: Gen):
    kw = {}
    plausible = {
        "config": lambda: g.pick([{}, {"normalize": True}, {"a": [1, {"b": None}]}]),
        "normalize": lambda: g.pick([False, True]), "base_model_name": lambda: g.pick([None, "org/x", g.text()]),
        "language": lambda: g.pick([None, ["en"], [], "en", [g.text()]]),
        "weights": lambda: g.pick([np.ones(8, np.float32), np.ones(8, np.float16), np.ones(8), np.ones(7), np.ones((8, 1))]),
        "token_mapping": lambda: g.pick([np.arange(8) % 4, np.zeros(8, np.int32), np.arange(8, dtype=np.uint8),
                                         np.arange(8) - 1, np.full(8, 8), np.arange(8.0)]),
        "max_length": lambda: g.pick([None, 0, 3, 512, -1]),
    }
    for name, make in plausible.items():
        if g.n(3) == 0:
            kw[name] = make() if g.n(4) else (g.array() if name in ("weights", "token_mapping") else g.value())
    vectors = g.pick([TABLE, TABLE.astype(np.float16), TABLE.astype(np.int8), TABLE.astype(np.float64), TABLE[:4],
                      TABLE.T, TABLE[::-1], TABLE.astype(">f4"), TABLE.astype(np.uint8)]) if g.n(4) else g.array()
    tok = g.pick([TOKENIZER, TOKENIZER, TOKENIZER, g.value(), m2v_native.Tokenizer.from_str(TEACHER_TOKENIZER)])
    m = m2v_native.StaticModel(vectors, tok, **kw)
    check_model(g, m)
    out = m.encode(["the dog", "a b"])
    assert out.shape == (2, m.dim), out.shape
    # Finite output is owed only when the table and weights are finite in float32 (the library's
    # arithmetic: a float64 weight of 1e300 is inf there) and no row times its weight can overflow.
    with np.errstate(all="ignore"):
        parts = [np.asarray(a, dtype=np.float64).astype(np.float32) for a in (m.embedding, m.weights) if a is not None]
        finite = all(np.isfinite(a).all() for a in parts)
        bound = float(np.prod([max(np.abs(a.astype(np.float64)).max(initial=0), 1.0) for a in parts]))
    if finite and bound < 1e30:
        assert np.isfinite(out).all(), (out, bound)


def op_distill(g: Gen):
    kw = kwargs(g, ["vocabulary", "device", "pca_dims", "sif_coefficient", "token_remove_pattern", "trust_remote_code",
                    "quantize_to", "vocabulary_quantization", "pooling", "show_progress_bar", "n_threads"])
    if isinstance(kw.get("vocabulary_quantization"), int) and not isinstance(kw["vocabulary_quantization"], bool) \
            and kw["vocabulary_quantization"] > 64:
        kw["vocabulary_quantization"] = 64  # k-means of 16 rows
    if g.n(8) == 0:
        kw["token_remove_pattern"] = g.text()
    out = g.out_path()
    teacher = TEACHER_DIR if g.n(3) else g.path()
    try:
        m = m2v_native.distill(teacher, output_path=out, **kw)
        check_model(g, m)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def op_hub(g: Gen):
    kw = kwargs(g, ["token", "subfolder", "force_download"])
    if isinstance(kw.get("subfolder"), str):
        kw["subfolder"] = "sub"
    r = hub.resolve_model(g.path(), **kw)
    assert isinstance(r, str)


def op_core(g: Gen):
    """The C glue directly, with every argument drawn (no addresses: those are documented UB)."""
    m = g.pick(MODELS)._core
    k = g.n(12)
    v = g.value
    if k == 0:
        _core.status_name(v())
    elif k == 1:
        _core.hub_resolve(g.maybe(g.path))
    elif k == 2:
        _core.tokenizer_from_json(g.maybe(lambda: TINY_TOKENIZER.encode()[: g.n(400)]))
    elif k == 3:
        m.encode(g.texts(), g.maybe(g.small_int), g.maybe(lambda: g.pick([-1, 0, 1, 2])), g.maybe(lambda: g.pick([0, 1, 2])),
                 g.maybe(g.small_int), g.callback())
    elif k == 4:
        m.encode_as_sequence(g.texts(), g.maybe(g.small_int), g.maybe(lambda: g.pick([0, 1, 2])),
                             g.maybe(g.small_int), g.callback())
    elif k == 5:
        m.tokenize(g.texts(), g.maybe(g.small_int), *([g.maybe(lambda: g.pick([0, 1, 2, -1]))] if g.flag() else []))
    elif k == 6:
        m.tensor(g.maybe(lambda: g.pick(NAMES)))
    elif k == 7:
        m.quantize(g.maybe(lambda: g.pick([-1, 0, 1, 2, 3, 4])), g.maybe(lambda: g.pick([0, 1, 2, 4, 5])),
                   g.maybe(lambda: g.pick([0, 1, 2, 8, 9])))
    elif k == 8:
        out = g.out_path()
        try:
            m.save(out, *[g.maybe(lambda: g.pick([b"{}", b"[", b'{"a":1}', None])), g.maybe(g.text),
                          g.subfolder() if g.flag() else None, g.maybe(lambda: g.pick([b"{}", b'{"language":[1]}', None]))][: g.n(5)])
        finally:
            shutil.rmtree(out, ignore_errors=True)
    elif k == 9:
        _core.Model(g.path(), *[g.maybe(lambda: g.pick([-1, 0, 1, 2])), g.maybe(g.small_int)][: g.n(3)])
    elif k == 10:
        _core.Tokenizer(g.path())
    else:
        for name in ("dim", "vocab_size", "normalize", "max_length", "median_token_length", "unk_token_id"):
            getattr(m, name)
        m.tokens()
        m.config_json()
        m.metadata_json()
        m.tokenizer_json()


def op_properties(g: Gen):
    m = g.pick(MODELS)
    check_model(g, m)
    v = g.value()
    if isinstance(v, m2v_native.StaticModel):
        v = None  # a model whose config holds itself does not pickle: not the binding's problem
    if g.flag():
        m.normalize = v
    else:
        m.max_length = v
    m.encode(["the dog"])
    if g.flag():
        pickle.loads(pickle.dumps(m))


def check_model(g: Gen, m) -> None:
    """The properties of a model that loaded or was built are consistent."""
    assert m.dim > 0 and m.vocab_size > 0
    e = m.embedding
    assert e.ndim == 2 and e.shape[1] == m.dim, e.shape
    tokens = m.tokens
    assert len(tokens) == m.vocab_size
    w, mp = m.weights, m.token_mapping
    if w is not None:
        assert w.ndim == 1
    if mp is not None:
        assert mp.ndim == 1
    m.embedding_dtype, m.vocabulary_quantization, m.unk_token_id, m.median_token_length, repr(m), m.path
    if g.n(4) == 0:
        m.tokenizer
    if g.n(4) == 0:
        back = pickle.loads(pickle.dumps(m))
        assert back.dim == m.dim


OPS = [op_from_pretrained, op_encode, op_encode_as_sequence, op_tokenize, op_tokenizer, op_quantize, op_save,
       op_construct, op_distill, op_hub, op_core, op_properties]


# Exceptions that mean an argument went unchecked in the Python layer (e.g. AttributeError for
# None where a str is documented): reported once per place (stderr, and the summary at exit)
# without stopping the run (fuzz/run.sh lists them), unless M2V_PYFUZZ_STRICT=1.
SOFT = (AttributeError, KeyError, IndexError, ZeroDivisionError, RecursionError)
STRICT = os.environ.get("M2V_PYFUZZ_STRICT") == "1"
SOFT_SEEN: dict[tuple, str] = {}


def _soft(op, e: BaseException) -> None:
    import traceback

    frames = [f for f in traceback.extract_tb(e.__traceback__) if "m2v_native" in f.filename] or \
        traceback.extract_tb(e.__traceback__)[-1:]
    where = f"{os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else "?"
    key = (type(e).__name__, where)
    if key not in SOFT_SEEN:
        SOFT_SEEN[key] = f"{op.__name__}: {type(e).__name__}: {e}"
        sys.stderr.write(f"m2v pyfuzz soft finding at {where}: {SOFT_SEEN[key]}\n")


def TestOneInput(data: bytes) -> None:
    g = Gen(data)
    op = g.pick(OPS)
    try:
        op(g)
    except SystemError:
        raise  # a C function returned NULL without an exception (or a value with one): a glue bug
    except m2v_native.InternalError:
        raise  # M2V_ERR_INTERNAL or BUFFER_TOO_SMALL reached the user
    except EXPECTED:
        pass
    except SOFT as e:
        if STRICT:
            raise
        _soft(op, e)
    finally:
        reset_models()


def main() -> None:
    os.makedirs(os.path.join(TMP, "out"), exist_ok=True)
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
