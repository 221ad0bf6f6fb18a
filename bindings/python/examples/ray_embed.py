"""Embed a text file with Ray Data and m2v_native, and write the vectors as Parquet.

    python examples/ray_embed.py MODEL_DIR [TEXT_FILE] [--out DIR] [--cpus N]

TEXT_FILE has one text per line (ray.data.read_text); without it, the fixtures' dev corpus is
used when present (<repo>/../shared/fixtures or $M2V_FIXTURES), else a few built-in sentences.
The output (columns text, embedding) goes to --out, default a new temp folder. Starts a local
Ray cluster of N CPUs (default 2); set RAY_ADDRESS to use a running cluster instead (the model
folder must then be readable at the same path on every node).
Needs `pip install "m2v-native[ray]"` (ray[data], pandas, pyarrow).
"""
from __future__ import annotations

import argparse
import json
import logging
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
    ap.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray cluster (default 2)")
    args = ap.parse_args(argv[1:])

    import ray
    import ray.data

    from m2v_native.ray_data import embed_dataset

    tmp = Path(tempfile.mkdtemp(prefix="m2v-ray-"))
    out = args.out or str(tmp / "embeddings")
    if os.environ.get("RAY_ADDRESS"):
        ray.init()
    else:
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        ds = ray.data.read_text(str(input_file(args.text_file, tmp)))   # one row per line, column "text"
        ds = ds.filter(lambda row: row["text"] != "")
        # An autoscaling pool of 1..CPUs actors, each loading the model once, 1 encode thread each.
        ds = embed_dataset(ds, os.path.abspath(args.model_dir), n_threads=1)
        ds.write_parquet(out)
        written = ray.data.read_parquet(out)
        print(f"wrote {written.count()} rows to {out}")
        print(written.schema())
        for row in written.take(3):
            vec = row["embedding"]
            print(f"  {row['text'][:50]!r:55} dim {len(vec)}  [{vec[0]:.4f}, ...]")
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
