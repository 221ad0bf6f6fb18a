"""Embed a text file with Spark (local[N]) and m2v_native, and write the vectors as Parquet.

    python examples/spark_embed.py MODEL_DIR [TEXT_FILE] [--out DIR] [--cores N]

TEXT_FILE has one text per line; without it, the fixtures' dev corpus is used when present
(<repo>/../shared/fixtures or $M2V_FIXTURES), else a few built-in sentences. The output (columns
text, embedding: array<float>) goes to --out, default a new temp folder.
Needs `pip install "m2v-native[spark]"` (pyspark, pandas, pyarrow) and Java 17+.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

SAMPLE = [
    "The cat sits on the mat.",
    "A kitten is resting on a rug.",
    "Stock markets fell sharply on Monday.",
    "How do I bake sourdough bread?",
]


def input_file(given: str | None, tmp: Path) -> Path:
    """TEXT_FILE, or a file written from the dev corpus (newlines inside a text become spaces)."""
    if given:
        return Path(given)
    fixtures = Path(os.environ.get("M2V_FIXTURES") or Path(__file__).resolve().parents[3].parent / "shared" / "fixtures")
    corpus = fixtures / "corpus" / "dev_texts.json"
    texts = json.loads(corpus.read_text(encoding="utf-8")) if corpus.is_file() else SAMPLE
    path = tmp / "texts.txt"
    path.write_text("".join(" ".join(t.split()) + "\n" for t in texts), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("text_file", nargs="?")
    ap.add_argument("--out", help="output folder (default: a new temp folder)")
    ap.add_argument("--cores", type=int, default=2, help="Spark local[N] (default 2)")
    args = ap.parse_args(argv[1:])

    # Spark's Python workers must run this interpreter, where m2v_native is installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from m2v_native.spark import embed

    tmp = Path(tempfile.mkdtemp(prefix="m2v-spark-"))
    out = args.out or str(tmp / "embeddings.parquet")
    spark = (SparkSession.builder.master(f"local[{args.cores}]").appName("m2v-spark-embed")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        df = spark.read.text(str(input_file(args.text_file, tmp))).withColumnRenamed("value", "text")
        df = df.filter(df.text != "").repartition(args.cores)
        # One Python worker per core, each with one encode thread: cores x 1 ~= cores.
        result = embed(df, "text", os.path.abspath(args.model_dir), n_threads=1)
        result.write.mode("overwrite").parquet(out)
        written = spark.read.parquet(out)
        print(f"wrote {written.count()} rows to {out}")
        written.printSchema()
        for row in written.limit(3).collect():
            print(f"  {row.text[:50]!r:55} dim {len(row.embedding)}  [{row.embedding[0]:.4f}, ...]")
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
