#!/usr/bin/env python3
"""Generates Tests/classifiers/: model2vec pipelines trained by the reference, model2vec 0.10's
`model2vec.train` (needs `model2vec[train]`: torch and datasets; opt-in, not run by CI), and
what the reference predicts with them.

    .venv/bin/pip install 'model2vec[train]'   # torch, datasets
    .venv/bin/python scripts/gen_classifier_fixtures.py [--fixtures ../shared/fixtures]

Base model: ../shared/fixtures/models/trained-wordlevel-5k-nonorm (a WordLevel tokenizer
trained on the dev corpus, 16-dim vectors), so each pipeline folder is ~0.4 MB. Data: the dev
corpus (dev_texts.json) with labels derived from the texts and their sources; texts
0, 5, 10, ... are held out (never trained on) and are the texts the expected outputs are for.

- single-label: the source family ("en_fortune", "de", "ru", "mo", ...: mo_* folded) — softmax;
- multi-label: the scripts a text contains (latin, cyrillic, cjk, arabic, other) — sigmoid;
- regression: [log1p(characters), fraction of ASCII letters] — identity.

Each folder Tests/classifiers/<task>/ is model2vec's save_pretrained of to_pipeline(); beside
them, expected.json: {task: {"texts": [...], "predict": [...], "predict_proba": [[...]]}}
(regression: "predict" holds the outputs). The tests compare m2v with these files and, live,
with model2vec.inference.StaticModelPipeline on the same folders.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "classifiers")


def scripts_of(text: str) -> list[str]:
    found = set()
    for ch in text:
        o = ord(ch)
        if ch.isalpha():
            if o < 0x250:
                found.add("latin")
            elif 0x400 <= o < 0x530:
                found.add("cyrillic")
            elif 0x3040 <= o < 0xA000 or 0xAC00 <= o < 0xD7B0:
                found.add("cjk")
            elif 0x600 <= o < 0x700:
                found.add("arabic")
            else:
                found.add("other")
    return sorted(found) or ["other"]


def family(source: str) -> str:
    return "mo" if source.startswith("mo_") else source


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default=os.path.join(HERE, "..", "..", "shared", "fixtures"))
    args = ap.parse_args()
    from model2vec import StaticModel
    from model2vec.inference import StaticModelPipeline
    from model2vec.train import StaticModelForClassification, StaticModelForRegression

    texts = json.load(open(os.path.join(args.fixtures, "corpus", "dev_texts.json")))
    sources = json.load(open(os.path.join(args.fixtures, "corpus", "dev_sources.json")))
    base = StaticModel.from_pretrained(os.path.join(args.fixtures, "models", "trained-wordlevel-5k-nonorm"))
    held = [i for i in range(len(texts)) if i % 5 == 0]
    train = [i for i in range(len(texts)) if i % 5 != 0]
    X = [texts[i] for i in train]
    test = [texts[i] for i in held][:200]

    def regression_target(t: str) -> list[float]:
        letters = sum(c.isascii() and c.isalpha() for c in t)
        return [math.log1p(len(t)), letters / max(len(t), 1)]

    tasks = {
        "single-label": (StaticModelForClassification, dict(n_layers=1, hidden_dim=32),
                         [family(sources[i]) for i in train]),
        "multi-label": (StaticModelForClassification, dict(n_layers=2, hidden_dim=24),
                        [scripts_of(texts[i]) for i in train]),
        "regression": (StaticModelForRegression, dict(n_layers=1, hidden_dim=16, out_dim=2),
                       np.array([regression_target(texts[i]) for i in train], dtype=np.float32)),
    }
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for name, (cls, kwargs, y) in tasks.items():
        model = cls.from_static_model(model=base, **kwargs)
        model.fit(X, y, max_epochs=8, batch_size=64, random_seed=42)  # progress bars on stderr
        folder = os.path.join(OUT, name)
        shutil.rmtree(folder, ignore_errors=True)
        model.to_pipeline().save_pretrained(folder)
        pipe = StaticModelPipeline.from_pretrained(folder)
        pred = pipe.predict(test)
        entry = {"texts": test, "predict": [p.tolist() if hasattr(p, "tolist") else p for p in pred]}
        if name != "regression":
            entry["predict_proba"] = [[round(float(x), 8) for x in row] for row in pipe.predict_proba(test)]
        else:
            entry["predict"] = [[round(float(x), 7) for x in row] for row in pred]
        expected[name] = entry
        print(f"{name}: {folder} ({sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))} bytes)")
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
