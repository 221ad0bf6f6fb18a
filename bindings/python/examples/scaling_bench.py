"""Throughput of m2v_native on one machine: plain encode vs Spark local[N] vs a local Ray cluster.

    python examples/scaling_bench.py MODEL_DIR [--n 100000] [--cores 2] [--corpus dev_texts.json]
                                     [--engines plain,spark,ray]

The texts (the dev corpus cycled to --n, else built-in sentences) are written once to 4
Parquet files; Spark and Ray each read them, embed, and write the vectors as Parquet to a temp
folder, twice: the first run includes starting the Python workers / actors and loading the
model in each, the second shows the steady state of a long-lived session (Ray builds a new actor
pool, so its second run still loads the model); a third, warm job of 1,000 texts shows the
fixed cost per job. Engine start-up (JVM / Ray processes) is timed separately. Prints a
Markdown table.

Needs `pip install pyspark pandas pyarrow "ray[data]"` (make test-scaling installs them).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import m2v_native

HERE = Path(__file__).resolve()
DEFAULT_CORPUS = HERE.parents[3].parent / "shared" / "fixtures" / "corpus" / "dev_texts.json"
SAMPLE = [
    "The cat sits on the mat.",
    "Stock markets fell sharply on Monday after the announcement.",
    "How do I bake sourdough bread at home without a starter?",
    "Static embeddings are fast because they skip the transformer at inference time.",
]


def load_texts(corpus: str | None, n: int) -> list[str]:
    path = Path(corpus) if corpus else Path(os.environ.get("M2V_FIXTURES", DEFAULT_CORPUS.parents[1])) / "corpus" / "dev_texts.json"
    base = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else SAMPLE
    return [base[i % len(base)] for i in range(n)]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def bench_plain(model_dir: str, texts: list[str], cores: int, out: Path) -> list[tuple]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    load, model = timed(lambda: m2v_native.StaticModel.from_pretrained(model_dir))
    rows = []
    for threads in sorted({1, cores}):
        model.encode(texts[:2000], n_threads=threads)  # warm the page cache / allocator
        t, _ = timed(lambda: model.encode(texts, n_threads=threads))
        rows.append((f"plain `encode`, n_threads={threads}", load, None, t, None))

    def write() -> None:
        vectors = model.encode(texts, n_threads=cores)
        n, dim = vectors.shape
        col = pa.ListArray.from_arrays(pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32)),
                                       pa.array(vectors.reshape(-1)))
        pq.write_table(pa.table({"text": texts, "embedding": col}), out / "plain.parquet")

    t, _ = timed(write)
    rows.append((f"plain `encode` + write Parquet, n_threads={cores}", load, None, t, None))
    return rows


def bench_spark(model_dir: str, src: Path, small: Path, cores: int, out: Path) -> list[tuple]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from m2v_native.spark import embed

    def start():
        s = (SparkSession.builder.master(f"local[{cores}]").appName("m2v-scaling-bench")
             .config("spark.ui.enabled", "false").config("spark.driver.memory", "2g").getOrCreate())
        s.sparkContext.setLogLevel("ERROR")
        return s

    startup, spark = timed(start)
    times = []
    try:
        df = spark.read.parquet(str(src))
        parts = df.rdd.getNumPartitions()
        for i, data in enumerate((df, df, spark.read.parquet(str(small)))):
            job = embed(data, "text", model_dir, n_threads=1)
            t, _ = timed(lambda: job.write.mode("overwrite").parquet(str(out / f"spark{i}")))
            times.append(t)
    finally:
        spark.stop()
    return [(f"Spark local[{cores}] ({parts} partitions), n_threads=1 per worker", startup, *times)]


def bench_ray(model_dir: str, src: Path, small: Path, cores: int, out: Path) -> list[tuple]:
    import ray
    import ray.data

    from m2v_native.ray_data import embed_dataset

    startup, _ = timed(lambda: ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False,
                                        object_store_memory=1 << 30, configure_logging=False))
    ray.data.DataContext.get_current().enable_progress_bars = False
    rows = []
    try:
        # The default pool, (1, cores) actors; a fixed pool of `cores` actors would hold every
        # CPU and starve the read / write tasks (see embed_dataset).
        for label, conc in ((f"1..{cores} actors", None), ("1 actor", 1)):
            times = []
            for i, data in enumerate((src, src, small)):
                ds = embed_dataset(ray.data.read_parquet(str(data)), model_dir, n_threads=1, concurrency=conc)
                t, _ = timed(lambda: ds.write_parquet(str(out / f"ray{i}")))
                times.append(t)
            rows.append((f"Ray local ({cores} CPUs, {label}), n_threads=1 per actor", startup, *times))
            startup = None  # paid once, above
    finally:
        ray.shutdown()
    return rows


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--corpus", help="a JSON list of texts (default: the fixtures' dev_texts.json)")
    ap.add_argument("--engines", default="plain,spark,ray")
    args = ap.parse_args(argv[1:])
    model_dir = os.path.abspath(args.model_dir)
    texts = load_texts(args.corpus, args.n)

    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = Path(tempfile.mkdtemp(prefix="m2v-scaling-bench-"))
    try:
        src = tmp / "texts"
        src.mkdir()
        step = -(-len(texts) // 4)
        for k in range(4):
            pq.write_table(pa.table({"text": texts[k * step:(k + 1) * step]}), src / f"part-{k}.parquet")
        small = tmp / "small"
        small.mkdir()
        pq.write_table(pa.table({"text": texts[:1000]}), small / "part-0.parquet")
        rows = []
        engines = args.engines.split(",")
        if "plain" in engines:
            rows += bench_plain(model_dir, texts, args.cores, tmp)
        if "spark" in engines:
            rows += bench_spark(model_dir, src, small, args.cores, tmp)
        if "ray" in engines:
            rows += bench_ray(model_dir, src, small, args.cores, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    base = min(r[3] for r in rows if r[0].startswith("plain `encode`, "))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{len(texts):,} texts, {args.cores} cores, model {Path(model_dir).name}, "
          f"m2v_native {m2v_native.__version__}, load average {load:.1f} at the end\n")
    print("| engine | start-up / load (s) | first run (s) | warm run (s) | texts/s (warm) "
          "| overhead vs fastest plain encode (s) | 1,000-text job (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, startup, first, warm, tiny in rows:
        first_s = f"{first:.2f}" if first is not None else "–"
        tiny_s = f"{tiny:.2f}" if tiny is not None else "–"
        startup_s = f"{startup:.2f}" if startup is not None else "–"
        print(f"| {name} | {startup_s} | {first_s} | {warm:.2f} | {len(texts) / warm:,.0f} "
              f"| {warm - base:+.2f} | {tiny_s} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
