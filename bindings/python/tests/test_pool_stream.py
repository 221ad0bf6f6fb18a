"""The worker pool and streaming, seen from Python (issue 17). Checks, not timings:

- a one-text (and an 8-text) encode with default parameters starts no thread; a big encode
  starts at most CPUs - 1 pool workers, once (threads counted in /proc/self/task, in a fresh
  interpreter so nothing else has started the pool);
- encode's bytes are the same for every n_threads;
- a forked child (os.fork, and multiprocessing's "fork" start method, as Spark and
  multiprocessing workers are made) encodes after the parent's pool started, and gets the
  parent's bytes;
- encode_iter yields encode's rows batch by batch, reads its input lazily (an endless
  generator works), and encode itself takes any iterable.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import m2v_native
from conftest import model_dir

MODEL = "minilm-default"


def _big_texts(n: int = 3000) -> list[str]:
    words = ["the", "quick", "brown", "fox", "über", "naïve", "日本語", "tokenization", "Model2Vec", "!", "42",
             "déjà", "straße", "new", "york"]
    return [" ".join(words[(i * 5 + k * 3) % len(words)] for k in range(4 + (i * 7) % 30)) for i in range(n)]


@pytest.fixture(scope="module")
def model():
    return m2v_native.StaticModel.from_pretrained(str(model_dir(MODEL)))


def test_small_calls_start_no_thread_and_big_calls_start_the_pool_once():
    path = model_dir(MODEL)
    code = textwrap.dedent(f"""
        import os, json, m2v_native
        def threads(): return len(os.listdir("/proc/self/task"))
        cpus = len(os.sched_getaffinity(0))
        m = m2v_native.StaticModel.from_pretrained({str(path)!r})
        t0 = threads()
        for _ in range(50):
            m.encode("How do I reset my password?")
            m.encode(["where is my order"] * 8)
            m.tokenize(["cancel subscription"] * 8)
        t_small = threads()
        big = [("quick brown fox jumps over the lazy dog %d " % i) * 8 for i in range(4000)]
        m.encode(big)
        t_big = threads()
        m.encode(big); m.encode(big, n_threads=2)
        print(json.dumps(dict(t0=t0, t_small=t_small, t_big=t_big, t_again=threads(), cpus=cpus)))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    c = __import__("json").loads(r.stdout.strip().splitlines()[-1])
    assert c["t_small"] == c["t0"], f"small calls started threads: {c}"
    assert c["t_big"] - c["t0"] <= c["cpus"] - 1, f"more pool workers than CPUs - 1: {c}"
    if c["cpus"] > 1:
        assert c["t_big"] > c["t0"], f"a big call did not use the pool: {c}"
    assert c["t_again"] == c["t_big"], f"later calls started threads: {c}"


@pytest.mark.parametrize("threads", [0, 2, 3, 4, 7, 16])
def test_same_bytes_for_any_thread_count(model, threads):
    texts = _big_texts()
    one = model.encode(texts, n_threads=1)
    other = model.encode(texts, n_threads=threads)
    assert one.tobytes() == other.tobytes()


def _child_encode(args):
    path, texts = args
    m = m2v_native.StaticModel.from_pretrained(path)
    return m.encode(texts).tobytes()


def test_forked_child_encodes(model):
    texts = _big_texts()
    expected = model.encode(texts)  # the parent's pool is running now
    pid = os.fork()
    if pid == 0:  # the child: same model object, default threads, then an explicit count
        code = 1
        try:
            ok = model.encode(texts).tobytes() == expected.tobytes()
            ok = ok and model.encode(texts, n_threads=2).tobytes() == expected.tobytes()
            code = 0 if ok else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child status {status}"


def test_multiprocessing_fork_workers_encode(model):
    texts = _big_texts(1200)
    expected = model.encode(texts).tobytes()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        results = pool.map(_child_encode, [(str(model_dir(MODEL)), texts)] * 2)
    assert all(r == expected for r in results)


def test_encode_iter_gives_encode_rows_per_batch(model):
    texts = _big_texts(2500)
    full = model.encode(texts)
    batches = list(model.encode_iter(iter(texts), batch_size=1000))
    assert [len(b) for b in batches] == [1000, 1000, 500]
    assert all(b.dtype == np.float32 and b.shape[1] == model.dim for b in batches)
    assert np.concatenate(batches).tobytes() == full.tobytes()
    assert list(model.encode_iter([], batch_size=10)) == []
    # keyword arguments are encode's
    raw = np.concatenate(list(model.encode_iter(texts[:300], batch_size=128, normalize=False, max_length=8)))
    assert raw.tobytes() == model.encode(texts[:300], normalize=False, max_length=8).tobytes()
    pairs = list(model.encode_iter(["ok", "\ud800bad"], batch_size=1, invalid_text="skip", return_status=True))
    assert [int(st[0]) for _, st in pairs] == [0, 8]


def test_encode_iter_is_lazy(model):
    endless = (f"sentence number {i}" for i in itertools.count())
    it = model.encode_iter(endless, batch_size=64)
    first, second = next(it), next(it)
    assert first.shape == (64, model.dim) and second.shape == (64, model.dim)
    assert second.tobytes() == model.encode([f"sentence number {i}" for i in range(64, 128)]).tobytes()


def test_encode_iter_progress_without_length(model, capsys, monkeypatch):
    monkeypatch.setattr(m2v_native, "_load_tqdm", lambda: None)  # the plain stderr bar
    out = list(model.encode_iter((t for t in _big_texts(300)), batch_size=100, show_progress_bar=True))
    assert len(out) == 3
    assert "300" in capsys.readouterr().err


def test_encode_iter_rejects_a_str(model):
    with pytest.raises(TypeError):
        next(model.encode_iter("not a list"))


def test_encode_takes_any_iterable(model):
    texts = _big_texts(50)
    expected = model.encode(texts).tobytes()
    assert model.encode(t for t in texts).tobytes() == expected
    assert model.encode(np.array(texts)).tobytes() == expected
    assert model.encode(tuple(texts)).tobytes() == expected
    with pytest.raises(TypeError):
        model.encode(b"bytes are not text")
    with pytest.raises(TypeError):
        model.encode(42)
