"""Issue 14 from Python: the mmap load option (and the hazard it guards against), per-sentence
handling of bad input (invalid_text / return_status), and the text-length limit. The C side of
the same cases is Tests/c/test_hostile.c (groups mapped-files, invalid-text, huge-text)."""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

import m2v_native
from conftest import model_dir

MODEL = "trained-wordlevel-5k-nonorm"
TEXTS = ["the a b", "hello world", "zebra crossing at night"]


@pytest.fixture()
def folder(tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(model_dir(MODEL), dst)
    return dst


def _flip(path):
    """A different, valid table of the same shape: every value negated (the sign bits of the
    float data section flipped)."""
    data = bytearray(path.read_bytes())
    start = 8 + int.from_bytes(data[:8], "little")
    arr = np.frombuffer(data, dtype=np.uint8)[start:].copy()
    assert arr.size % 4 == 0
    arr.view(np.uint32)[:] ^= 0x8000_0000
    data[start:] = arr.tobytes()
    return bytes(data)


@pytest.mark.parametrize("mmap", [True, False])
def test_rename_replacement_while_loaded(folder, mmap):
    m = m2v_native.StaticModel.from_pretrained(folder, mmap=mmap)
    before = m.encode(TEXTS)
    st = folder / "model.safetensors"
    new = folder / "model.safetensors.new"
    new.write_bytes(_flip(st))
    new.replace(st)  # os.replace: a new inode, what m2v's own writers do
    np.testing.assert_array_equal(m.encode(TEXTS), before)
    # A fresh load sees the new table.
    np.testing.assert_allclose(m2v_native.StaticModel.from_pretrained(folder, mmap=mmap).encode(TEXTS), -before)


def test_read_mode_survives_truncation_and_overwrite(folder):
    m = m2v_native.StaticModel.from_pretrained(folder, mmap=False)
    before = m.encode(TEXTS)
    st = folder / "model.safetensors"
    with open(st, "r+b") as f:
        f.truncate(0)
    np.testing.assert_array_equal(m.encode(TEXTS), before)
    st.write_bytes(b"garbage" * 1000)  # in place (same inode)
    np.testing.assert_array_equal(m.encode(TEXTS), before)
    # The zero-copy views are the model's own memory too.
    assert m.embedding.shape[0] == m.vocab_size


def test_map_mode_hazard_is_real(folder):
    """What the docstring warns about: in map mode, truncating the file in place kills the
    process at the next encode (SIGBUS). Run in a child so that it only kills the child."""
    code = (
        "import m2v_native, os, sys\n"
        f"m = m2v_native.StaticModel.from_pretrained({str(folder)!r})\n"
        f"os.truncate({str(folder / 'model.safetensors')!r}, 0)\n"
        f"m.encode({TEXTS!r})\n"
        "sys.exit(0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert r.returncode == -signal.SIGBUS, (r.returncode, r.stderr[-2000:])


def test_mmap_default_and_bad_value(folder):
    assert m2v_native._core.DEFAULT_MMAP == 1
    import inspect

    assert inspect.signature(m2v_native.StaticModel.from_pretrained).parameters["mmap"].default is True


BAD = ["the a b", "bad \ud800 text \udfff here", "hello world", "\udbff"]
FIXED = ["the a b", "bad \ufffd text \ufffd here", "hello world", "\ufffd"]


@pytest.fixture(scope="module")
def model():
    return m2v_native.StaticModel.from_pretrained(model_dir(MODEL))


def test_invalid_text_error_is_the_default(model):
    assert m2v_native.DEFAULT_INVALID_TEXT == "error"
    with pytest.raises(m2v_native.InvalidUTF8Error, match=r"sentences\[1\]"):
        model.encode(BAD)
    with pytest.raises(ValueError, match="invalid_text"):
        model.encode(BAD, invalid_text="ignore")


def test_invalid_text_replace(model):
    vectors, status = model.encode(BAD, invalid_text="replace", return_status=True)
    np.testing.assert_array_equal(vectors, model.encode(FIXED))
    assert status.dtype == np.int32 and status.tolist() == [0, 8, 0, 8]
    # Without return_status: only the array, as model2vec.
    assert isinstance(model.encode(BAD, invalid_text="replace"), np.ndarray)
    seqs = model.encode_as_sequence(BAD, invalid_text="replace")
    for a, b in zip(seqs, model.encode_as_sequence(FIXED)):
        np.testing.assert_array_equal(a, b)


def test_invalid_text_replace_matches_model2vec(model):
    """model2vec cannot take such a str at all (tokenizers raises); on the str with U+FFFD for
    each lone surrogate it gives what m2v's replace mode gives."""
    from model2vec import StaticModel

    ref = StaticModel.from_pretrained(str(model_dir(MODEL)))
    np.testing.assert_allclose(model.encode(BAD, invalid_text="replace"), ref.encode(FIXED), rtol=1e-6, atol=1e-7)


def test_invalid_text_skip(model):
    vectors, status = model.encode(BAD, invalid_text="skip", return_status=True)
    assert status.tolist() == [0, 8, 0, 8]
    good = model.encode(BAD[0::2])
    np.testing.assert_array_equal(vectors[0::2], good)
    assert not vectors[1].any() and not vectors[3].any()
    ids, st = model.tokenize(BAD, invalid_text="skip", return_status=True)
    assert ids[1] == [] and ids[3] == [] and ids[0] and st.tolist() == [0, 8, 0, 8]
    seqs, st = model.encode_as_sequence(BAD, invalid_text="skip", return_status=True, batch_size=2)
    assert seqs[1].shape == (0, model.dim) and st.tolist() == [0, 8, 0, 8]
    v, s = model.encode("\ud800", invalid_text="skip", return_status=True)
    assert v.shape == (model.dim,) and int(s) == 8


def test_text_length_limit(model):
    limit = m2v_native.MAX_TEXT_CODE_POINTS
    assert limit == 1 << 24
    long = "a" * (limit + 1)
    # With encode's default cut (max_length * median token length characters) nothing is long.
    assert model.encode([long]).shape == (1, model.dim)
    with pytest.raises(m2v_native.InvalidArgumentError, match=str(limit)):
        model.encode([long], max_length=None)
    v, st = model.encode([long, "the"], max_length=None, invalid_text="skip", return_status=True)
    assert st.tolist() == [1, 0] and not v[0].any()
    assert model.encode(["a" * limit], max_length=None).shape == (1, model.dim)
