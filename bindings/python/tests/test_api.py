"""The Python API around the C glue: errors, threads, pickling, progress bars, cancellation, the
array conventions of the stable-ABI glue, version."""
from __future__ import annotations

import _thread
import pickle
import shutil
import threading

import numpy as np
import pytest
from conftest import corpus, model_dir

import m2v_native
from m2v_native import _core

MODEL = "minilm-default"


@pytest.fixture(scope="module")
def model():
    return m2v_native.StaticModel.from_pretrained(model_dir(MODEL))


@pytest.fixture(scope="module")
def big():
    """About 10k texts: enough batches for progress and cancellation."""
    return list(corpus()) * 10


def test_version():
    assert m2v_native.__version__ == _core.HEADER_VERSION
    assert _core.version_number() == _core.HEADER_VERSION_NUMBER
    assert _core.status_name(4) == "M2V_ERR_FORMAT"


def test_encode_into_numpy(model):
    """The stable-ABI glue has no buffer protocol: libm2v writes into an array the caller
    allocated (address + size in floats), or into a new bytearray when no address is given."""
    want = model.encode(["a", "b", "c"])
    out = np.full((3, model.dim), np.nan, dtype=np.float32)
    addr = out.__array_interface__["data"][0]
    assert model._core.encode(["a", "b", "c"], -1, 1, 1, 1024, None, addr, out.size) is None
    assert np.array_equal(out, want)
    for bad in (out.size - 1, out.size + 1, -1):  # exactly len(texts) * dim floats
        with pytest.raises(ValueError, match="floats"):
            model._core.encode(["a", "b", "c"], -1, 1, 1, 1024, None, addr, bad)
    with pytest.raises(ValueError, match="address"):
        model._core.encode(["a"], -1, 1, 1, 1024, None, 0, model.dim)
    with pytest.raises(ValueError, match="address"):
        model._core.encode(["a"], -1, 1, 1, 1024, None, addr + 1, model.dim)
    buf = model._core.encode(["a", "b", "c"], -1, 1, 1, 1024, None)
    assert isinstance(buf, bytearray) and len(buf) == 3 * model.dim * 4
    arr = np.frombuffer(buf, dtype=np.float32).reshape(3, model.dim)
    assert arr.flags.writeable and np.array_equal(arr, want)
    del buf
    arr[0, 0] = 42.0  # the array keeps the block alive and may be written
    assert arr[0, 0] == 42.0
    vecs, offsets = model._core.encode_as_sequence(["hello world", ""], 0, 1, 1024, None)
    assert isinstance(vecs, bytearray) and offsets[0] == 0 and offsets[1] == offsets[2]
    assert len(vecs) == offsets[2] * model.dim * 4
    assert model.encode_as_sequence("").shape == (0, model.dim)


def test_stable_abi():
    assert _core.__file__.endswith(".abi3.so")


def test_arrays_are_independent(model):
    a = model.encode(["hello"])
    b = model.encode(["hello"])
    a[:] = 0
    assert np.any(b != 0)


# ---- errors -----------------------------------------------------------------------------------


# (A generator is accepted since 0.4: see test_pool_stream.py; sets have no order.)
@pytest.mark.parametrize("bad", [5, None, {"a": 1}, {"a"}, b"bytes"])
def test_non_list_input(model, bad):
    with pytest.raises(TypeError, match="list of str"):
        model.encode(bad)
    with pytest.raises(TypeError):
        model.encode_as_sequence(bad)
    with pytest.raises(TypeError):
        model.tokenize(bad)


@pytest.mark.parametrize("item", [None, 3, b"bytes", ["nested"]])
def test_non_str_items(model, item):
    for call in (model.encode, model.encode_as_sequence, model.tokenize):
        with pytest.raises(TypeError, match=r"sentences\[1\] must be str"):
            call(["ok", item])


def test_lone_surrogate(model):
    for call in (model.encode, model.encode_as_sequence, model.tokenize):
        with pytest.raises(ValueError, match="surrogate") as info:
            call(["fine", "bad \udc80 text"])
        assert isinstance(info.value, m2v_native.InvalidUTF8Error)
        assert isinstance(info.value, m2v_native.M2VError)
    tok = m2v_native.Tokenizer.from_file(model_dir(MODEL) / "tokenizer.json")
    with pytest.raises(ValueError):
        tok.encode_batch(["\ud800"])


def test_bad_arguments(model):
    with pytest.raises(ValueError):
        model.encode(["a"], max_length=-1)
    # max_length=0 is accepted as model2vec accepts it: every text cut to "" -> zero vectors.
    assert not model.encode(["a b c"], max_length=0).any()
    with pytest.raises(ValueError):
        model.encode(["a"], batch_size=0)
    with pytest.raises(ValueError):
        model.encode(["a"], n_threads=-1)
    with pytest.raises(TypeError):
        model.encode(["a"], max_length="16")
    # The C module checks again.
    with pytest.raises(ValueError):
        model._core.encode(["a"], -1, 7, 1, 1024, None)  # normalize must be -1, 0, 1
    with pytest.raises(ValueError):
        model._core.encode(["a"], -1, 1, 1, 0, None)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        m2v_native.StaticModel.from_pretrained(tmp_path / "nope")
    assert isinstance(info.value, m2v_native.NotFoundError)
    assert info.value.status == "M2V_ERR_NOT_FOUND" and info.value.code == 2
    assert "nope" in str(info.value)
    with pytest.raises(FileNotFoundError):
        m2v_native.Tokenizer.from_file(tmp_path / "tokenizer.json")


def test_corrupt_safetensors(tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(model_dir(MODEL), dst)
    data = (dst / "model.safetensors").read_bytes()
    for name, payload in [("truncated", data[: len(data) // 2]), ("garbage", b"\xff" * 64), ("empty", b"")]:
        (dst / "model.safetensors").write_bytes(payload)
        with pytest.raises(ValueError) as info:
            m2v_native.StaticModel.from_pretrained(dst)
        assert isinstance(info.value, m2v_native.FormatError), name
        assert info.value.status == "M2V_ERR_FORMAT"
        assert "safetensors" in str(info.value), str(info.value)


def test_bad_tokenizer(tmp_path):
    p = tmp_path / "tokenizer.json"
    p.write_text('{"model": ')
    with pytest.raises(m2v_native.FormatError):
        m2v_native.Tokenizer.from_file(p)
    p.write_text('{"normalizer": {"type": "NoSuchThing"}, "pre_tokenizer": null, '
                 '"model": {"type": "WordLevel", "vocab": {"a": 0, "[UNK]": 1}, "unk_token": "[UNK]"}}')
    with pytest.raises(ValueError, match="NoSuchThing") as info:
        m2v_native.Tokenizer.from_file(p)
    assert isinstance(info.value, m2v_native.UnsupportedError)


def test_error_hierarchy():
    assert issubclass(m2v_native.FormatError, ValueError)
    assert issubclass(m2v_native.InvalidArgumentError, ValueError)
    assert issubclass(m2v_native.UnsupportedError, ValueError)
    assert issubclass(m2v_native.InvalidUTF8Error, ValueError)
    assert issubclass(m2v_native.NotFoundError, FileNotFoundError)
    assert issubclass(m2v_native.FileAccessError, OSError)
    assert issubclass(m2v_native.OutOfMemoryError, MemoryError)
    assert issubclass(m2v_native.InternalError, RuntimeError)
    for name in m2v_native.__all__:
        obj = getattr(m2v_native, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, m2v_native.M2VError)


def test_save_to_unwritable_path(model, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(m2v_native.M2VError):
        model.save_pretrained(blocker / "sub")


# ---- threads ----------------------------------------------------------------------------------


def test_threads_share_one_model(model, big):
    want = model.encode(big, n_threads=1)
    want_seq = model.encode_as_sequence(big[:300])
    results: dict[int, object] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(i: int) -> None:
        try:
            start.wait()
            if i % 2:
                results[i] = model.encode(big, n_threads=1 + i % 3, batch_size=500)
            else:
                results[i] = (model.encode(big), model.encode_as_sequence(big[:300]), model.tokenize(big[:300]))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    tokens = model.tokenize(big[:300])
    for i, r in results.items():
        if i % 2:
            assert np.array_equal(r, want), i
        else:
            enc, seq, tok = r
            assert np.array_equal(enc, want), i
            assert all(np.array_equal(a, b) for a, b in zip(seq, want_seq)), i
            assert tok == tokens, i


def test_gil_released_during_encode(model, big):
    """The main thread keeps running Python while a worker thread is inside m2v_encode: the
    spin counter advances between two progress callbacks (if the GIL were held it could not)."""
    ticks = 0
    seen: list[int] = []
    done = threading.Event()

    def worker() -> None:
        try:
            model._core.encode(big, -1, -1, 1, len(big) // 4, lambda d, t: seen.append(ticks))
        finally:
            done.set()

    t = threading.Thread(target=worker)
    t.start()
    while not done.is_set():
        ticks += 1
    t.join()
    assert len(seen) >= 4
    assert any(b > a for a, b in zip(seen, seen[1:])), seen


# ---- pickling ---------------------------------------------------------------------------------


def test_pickle_round_trip(model, big):
    clone = pickle.loads(pickle.dumps(model))
    assert clone.path == model.path and clone.dim == model.dim
    assert np.array_equal(clone.encode(big[:200]), model.encode(big[:200]))
    nonorm = m2v_native.StaticModel.from_pretrained(model_dir(MODEL), normalize=False)
    clone = pickle.loads(pickle.dumps(nonorm))
    assert clone.normalize is False
    assert np.array_equal(clone.encode(big[:50]), nonorm.encode(big[:50]))
    tok = m2v_native.Tokenizer.from_file(model_dir(MODEL) / "tokenizer.json")
    assert pickle.loads(pickle.dumps(tok)).encode_batch(big[:50]) == tok.encode_batch(big[:50])


# ---- progress and cancellation ------------------------------------------------------------------


def test_progress_bar_tqdm(model, big, capsys):
    pytest.importorskip("tqdm")
    out = model.encode(big, show_progress_bar=True, batch_size=1000)
    err = capsys.readouterr().err
    assert "Encoding" in err and f"{len(big)}/{len(big)}" in err
    assert np.array_equal(out, model.encode(big))
    seq = model.encode_as_sequence(big[:100], show_progress_bar=True, batch_size=10)
    assert "100/100" in capsys.readouterr().err
    assert len(seq) == 100


def test_progress_bar_plain(model, big, capsys, monkeypatch):
    monkeypatch.setattr(m2v_native, "_load_tqdm", lambda: None)
    out = model.encode(big, show_progress_bar=True, batch_size=1000)
    err = capsys.readouterr().err
    assert err.startswith("\rEncoding: [") and f"] {len(big)}/{len(big)}" in err and err.endswith("\n")
    assert np.array_equal(out, model.encode(big))


def test_progress_callback_counts(model, big):
    calls = []
    model._core.encode(big, -1, -1, 2, 1000, lambda done, total: calls.append((done, total)))
    assert len(calls) >= len(big) // 1000
    assert calls[-1] == (len(big), len(big))
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))


def test_callback_exception_cancels(model, big):
    calls = []

    def boom(done, total):
        calls.append(done)
        if len(calls) == 2:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        model._core.encode(big, -1, -1, 1, 100, boom)
    assert len(calls) == 2


def test_ctrl_c_cancels(model, big):
    """A SIGINT (simulated with interrupt_main) during encode raises KeyboardInterrupt promptly:
    the C progress callback runs PyErr_CheckSignals between batches."""
    calls = []

    def interrupt_once(done, total):
        calls.append(done)
        if len(calls) == 1:
            _thread.interrupt_main()

    with pytest.raises(KeyboardInterrupt):
        model._core.encode(big, -1, -1, 1, 50, interrupt_once)
    assert len(calls) <= 2, calls  # cancelled right away, not after all len(big)/50 batches
    # The model still works afterwards.
    assert model.encode(["hello"]).shape == (1, model.dim)
