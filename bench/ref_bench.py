"""ref_bench.py — the Python side of the benchmark: one measurement per process, one JSON line on
stdout. Driven by bench/bench.py; the same modes and arguments as bench_c.c:

  ref_bench.py IMPL tokenize TOKENIZER_JSON TEXTS PIN [DUMP]     (IMPL = ref only)
  ref_bench.py IMPL encode MODEL_DIR TEXTS THREADS [DUMP STRIDE]
  ref_bench.py IMPL latency MODEL_DIR TEXT N_CALLS THREADS [DUMP]
  ref_bench.py IMPL load MODEL_DIR
  ref_bench.py IMPL hubload HUB_ID        (HF_HUB_CACHE / HF_HUB_OFFLINE set by bench.py)
  ref_bench.py ref distill TEACHER_DIR OUT_DIR

IMPL `ref` = HuggingFace `tokenizers` / model2vec `StaticModel` (the reference); IMPL `native` =
the m2v_native Python binding; IMPL `laghu` = the peer, laghu 0.4 with its Rust core laghu-rs
(`laghu.load(dir, fallback=False)`, so a model laghu cannot read is an error, not model2vec).
TEXT in latency: `@FILE` = every call encodes all the texts of FILE (a TEXTS file) as one list. THREADS: `single` or `default`. For `ref`, single-thread means
use_multiprocessing=False plus RAYON_NUM_THREADS / OMP / OPENBLAS threads = 1, which bench.py
sets in the environment before this process starts (the Rust and BLAS pools read them at start).
"""

from __future__ import annotations

import json
import os
import resource
import struct
import sys
import time


def vm_hwm_kib() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def timed_passes(fn) -> tuple[float, int, object]:
    """Mean seconds of `fn()` over the passes made in M2V_BENCH_MIN_SECONDS (default 0.3, at
    least one pass, at most 50) — the same rule as bench_c.c — and the last result."""
    floor = float(os.environ.get("M2V_BENCH_MIN_SECONDS", "0.3"))
    total, passes, out = 0.0, 0, None
    while True:
        out = None
        t0 = time.perf_counter()
        out = fn()
        total += time.perf_counter() - t0
        passes += 1
        if total >= floor or passes >= 50:
            return total / passes, passes, out


def warm_n(texts: list) -> int:
    """Warm-up size before a timed encode: a tenth of the input, at most 1,000 (as bench_c.c)."""
    return max(1, min(1000, len(texts) // 10))


def read_texts(path: str) -> list[str]:
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    lens = struct.unpack_from(f"<{n}Q", data, 8)
    off = 8 + 8 * n
    out = []
    for ln in lens:
        out.append(data[off : off + ln].decode("utf-8"))
        off += ln
    return out


def pin_to_one_cpu() -> int:
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    return cpus[0]


# ---------------------------------------------------------------------------------------------
# m2v_native adapter: the binding is being written; accept the plausible spellings and say which
# one was used, so a renamed API shows up as an error rather than as a silent wrong number.
# ---------------------------------------------------------------------------------------------


class NativeModel:
    def __init__(self, path: str):
        import m2v_native as m

        self.api = None
        for cls_name, ctor in (("StaticModel", "from_pretrained"), ("Model", "load"), ("Model", None)):
            cls = getattr(m, cls_name, None)
            if cls is None:
                continue
            if ctor is None:
                self.model = cls(path)
            elif hasattr(cls, ctor):
                self.model = getattr(cls, ctor)(path)
            else:
                continue
            self.api = f"m2v_native.{cls_name}" + (f".{ctor}" if ctor else "")
            break
        if self.api is None and hasattr(m, "load"):
            self.model = m.load(path)
            self.api = "m2v_native.load"
        if self.api is None:
            raise RuntimeError("m2v_native: no StaticModel/Model/load found: " + ", ".join(dir(m)))

    def encode(self, texts, n_threads: int | None):
        # n_threads: 1 = single, 0 = all cores, None = the binding's defaults (no keyword, as a
        # user calls it); try the keyword spellings in turn.
        if n_threads is None:
            return self.model.encode(texts)
        for kw in ("n_threads", "threads", "num_threads"):
            try:
                return self.model.encode(texts, **{kw: n_threads})
            except TypeError:
                continue
        if n_threads == 0:
            return self.model.encode(texts)
        raise RuntimeError("m2v_native encode: no thread-count keyword accepted")


class LaghuModel:
    """The peer: laghu.load(dir, fallback=False). laghu passes its own thread count to laghu_rs
    (tokenizer.threads = os.cpu_count()), so `single` sets it to 1; its HF-tokenizers path reads
    RAYON_NUM_THREADS, which bench.py sets for single rows."""

    def __init__(self, path: str):
        import laghu
        import laghu.unigram

        self.model = laghu.load(path, fallback=False)
        tok = self.model.tokenizer
        if getattr(tok, "rs", None) is not None:
            self.path = "laghu-rs tokenize + pool" if self.model._pool_rs() else "laghu-rs tokenize, numpy pool"
        elif isinstance(tok, laghu.unigram.Unigram):
            self.path = "Python Viterbi, numpy pool"
        else:
            self.path = "HF tokenizers, numpy pool"
        self.api = f"laghu {laghu.__version__} load(fallback=False): {self.path}"

    def encode(self, texts, n_threads: int | None):
        tok = self.model.tokenizer
        if hasattr(tok, "threads"):
            tok.threads = 1 if n_threads == 1 else (os.cpu_count() or 1)
        return self.model.encode(texts)


def make_model(impl: str, path: str):
    return NativeModel(path) if impl == "native" else LaghuModel(path)


def write_ids(path: str, id_lists) -> None:
    """u64 n, (n+1) x u64 offsets, int32 ids — the format of bench_c's id dumps."""
    import numpy as np

    offsets = np.zeros(len(id_lists) + 1, dtype="<u8")
    offsets[1:] = np.cumsum([len(x) for x in id_lists])
    flat = np.fromiter((i for x in id_lists for i in x), dtype="<i4", count=int(offsets[-1]))
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(id_lists)))
        f.write(offsets.tobytes())
        f.write(flat.tobytes())


def load_ref_model(path: str):
    from model2vec import StaticModel

    return StaticModel.from_pretrained(path)


def ref_effective_ids(model, texts: list[str]) -> list:
    """The ids StaticModel.encode looks up (char cut, token truncation, unk removed)."""
    ml = model.max_length
    if ml is not None:
        m = ml * model.median_token_length
        texts = [t[:m] for t in texts]
    model._set_max_length_in_tokenizer(ml)
    try:
        return model.tokenize(texts)
    finally:
        model._set_max_length_in_tokenizer(model.max_length)


def mode_tokenize(impl: str, args: list[str]) -> dict:
    tok_path, texts_path, pin = args[0], args[1], int(args[2])
    dump = args[3] if len(args) > 3 else None
    if impl != "ref":
        raise SystemExit("tokenize: only the reference is measured from Python")
    cpu = pin_to_one_cpu() if pin else -1
    from tokenizers import Tokenizer

    texts = read_texts(texts_path)
    t0 = time.perf_counter()
    tok = Tokenizer.from_file(tok_path)
    tok.no_truncation()
    tok.no_padding()
    load_s = time.perf_counter() - t0
    tok.encode_batch(texts[:200], add_special_tokens=False)  # warm-up, starts the rayon pool
    secs, passes, enc = timed_passes(lambda: tok.encode_batch(texts, add_special_tokens=False))
    id_lists = [e.ids for e in enc]
    tokens = sum(len(x) for x in id_lists)
    if dump:
        write_ids(dump, id_lists)
    return {"mode": "tokenize", "seconds": secs, "load_seconds": load_s, "n_texts": len(texts),
            "tokens": tokens, "pinned_cpu": cpu, "passes": passes}


def mode_encode(impl: str, args: list[str]) -> dict:
    import numpy as np

    model_dir, texts_path, threads = args[0], args[1], args[2]
    dump = args[3] if len(args) > 4 else None
    stride = int(args[4]) if len(args) > 4 else 1
    texts = read_texts(texts_path)
    extra = {}
    if impl == "ref":
        model = load_ref_model(model_dir)
        kw = {"use_multiprocessing": False} if threads == "single" else {}
        model.encode(texts[:warm_n(texts)], **kw)
        secs, passes, out = timed_passes(lambda: model.encode(texts, **kw))
        # counted once per row (in the run that dumps), not timed; the ids go to DUMP.ids for the
        # check of the tokenize-only row (m2v_tokenize)
        tokens = None
        if dump:
            id_lists = ref_effective_ids(model, texts)
            tokens = sum(len(x) for x in id_lists)
            write_ids(dump + ".ids", id_lists)
    else:
        model = make_model(impl, model_dir)
        nt = 1 if threads == "single" else 0
        model.encode(texts[:warm_n(texts)], nt)
        secs, passes, out = timed_passes(lambda: model.encode(texts, nt))
        tokens = None
        extra["api"] = model.api
    out = np.asarray(out)
    if dump:
        sample = np.ascontiguousarray(out[::stride], dtype="<f4")
        with open(dump, "wb") as f:
            f.write(struct.pack("<QQ", sample.shape[0], sample.shape[1]))
            f.write(sample.tobytes())
    return {"mode": "encode", "seconds": secs, "n_texts": len(texts), "tokens": tokens,
            "dim": int(out.shape[1]), "out_dtype": str(out.dtype), "threads": threads, "passes": passes, **extra}


def mode_latency(impl: str, args: list[str]) -> dict:
    model_dir, text, calls, threads = args[0], args[1], max(1, int(args[2])), args[3]
    dump = args[4] if len(args) > 4 else None
    # one text: model2vec's way to embed one query is encode(str); a batch (@FILE): encode(list)
    batch = read_texts(text[1:]) if text.startswith("@") else None
    extra = {}
    if impl == "ref":
        model = load_ref_model(model_dir)
        arg = batch if batch is not None else text
        call = lambda: model.encode(arg)  # noqa: E731
    else:
        model = make_model(impl, model_dir)
        # default: encode(text) / encode(list) with the defaults, as a user calls it (and as the
        # reference row); single: n_threads=1 (laghu: tokenizer.threads = 1)
        nt = 1 if threads == "single" else None
        arg = batch if batch is not None else text
        call = lambda: model.encode(arg, nt)  # noqa: E731
        extra["api"] = model.api
    for _ in range(100):
        call()
    lat = []
    pc = time.perf_counter
    total0 = pc()
    for _ in range(calls):
        t0 = pc()
        call()
        lat.append(pc() - t0)
    total = pc() - total0
    if dump:  # the last call's vectors, for the correctness check
        import numpy as np

        out = np.atleast_2d(np.asarray(call()))
        sample = np.ascontiguousarray(out, dtype="<f4")
        with open(dump, "wb") as f:
            f.write(struct.pack("<QQ", sample.shape[0], sample.shape[1]))
            f.write(sample.tobytes())
    lat.sort()
    return {"mode": "latency", "calls": calls, "p50_us": lat[int(0.50 * (calls - 1))] * 1e6,
            "p99_us": lat[int(0.99 * (calls - 1))] * 1e6, "mean_us": total / calls * 1e6,
            "threads": threads, "texts_per_call": len(batch) if batch is not None else 1, **extra}


def mode_load(impl: str, args: list[str]) -> dict:
    model_dir = args[0]
    # imports first: the row measures loading the model, not importing Python packages
    if impl == "ref":
        import model2vec  # noqa: F401
        import numpy  # noqa: F401
    elif impl == "laghu":
        import laghu  # noqa: F401
        import laghu.unigram  # noqa: F401  (imports tokenizers, numpy and laghu_rs)
    else:
        import m2v_native  # noqa: F401
    hwm0 = vm_hwm_kib()
    ru0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    model = load_ref_model(model_dir) if impl == "ref" else make_model(impl, model_dir)
    secs = time.perf_counter() - t0
    return {"mode": "load", "seconds": secs, "vmhwm_before_kib": hwm0, "vmhwm_kib": vm_hwm_kib(),
            "ru_maxrss_before_kib": ru0,
            "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "model_type": type(model).__name__, **({"api": model.api} if impl != "ref" else {})}


def mode_hubload(impl: str, args: list[str]) -> dict:
    """from_pretrained(HUB_ID) in a fresh process: the id resolved in the HuggingFace cache that
    bench.py built (HF_HUB_CACHE, HF_HUB_OFFLINE=1 in the environment), then the load."""
    hub_id = args[0]
    if impl == "ref":
        from model2vec import StaticModel
    else:
        from m2v_native import StaticModel
    t0 = time.perf_counter()
    model = StaticModel.from_pretrained(hub_id)
    secs = time.perf_counter() - t0
    return {"mode": "hubload", "seconds": secs, "path": getattr(model, "path", None),
            "model_type": type(model).__name__}


def mode_distill(impl: str, args: list[str]) -> dict:
    """model2vec.distill(teacher) with its defaults, then save_pretrained(out) — both timed, as
    m2v_distill writes its folder. torch uses its default threads (all cores)."""
    teacher, out_dir = args[0], args[1]
    if impl != "ref":
        raise SystemExit("distill: only the reference is measured from Python")
    from model2vec.distill import distill
    import torch

    hwm0 = vm_hwm_kib()
    t0 = time.perf_counter()
    model = distill(model_name=teacher)
    model.save_pretrained(out_dir)
    secs = time.perf_counter() - t0
    return {"mode": "distill", "seconds": secs, "vmhwm_before_kib": hwm0, "vmhwm_kib": vm_hwm_kib(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads()}


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    impl, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    fn = {"tokenize": mode_tokenize, "encode": mode_encode, "latency": mode_latency,
          "load": mode_load, "hubload": mode_hubload, "distill": mode_distill}[mode]
    print(json.dumps(fn(impl, args)))


if __name__ == "__main__":
    main()
