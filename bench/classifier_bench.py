"""classifier_bench.py — training and prediction of classifiers, m2v vs model2vec.train, side by side.

    make bench-classifier            (bench/run_classifier.sh: venv, library, C harness, then this)

Task: language identification of the dev corpus texts (../shared/fixtures/corpus) by their
source labels: en_fortune / en_pydoc -> en, mo_xx (gettext catalogues) -> xx (zh_CN / zh_TW ->
zh), the other sources are languages already; the `short`, `long` and `misc_hints` texts are left
out. The split is fixed: text i is a test text when i % 5 == 0, else a training text. Both
sides train StaticModelForClassification.from_pretrained(MODEL).fit(X, y) with model2vec 0.10's
defaults (n_layers 1, hidden 512, Adam 1e-3, automatic batch size, early stopping with patience
5, 10% validation split, seed 42), each in a fresh process on the same machine, all cores
(model2vec: CPU torch). Rows: test accuracy and macro F1, fit wall time, peak RSS of the process
and its growth during fit, epochs, prediction throughput of the trained pipeline
(StaticModelPipeline.predict over the test texts), and m2v's C latency for one text
(bench/classify_c). Checks: m2v's saved pipeline loads in model2vec.inference with the same
predictions; the C labels equal m2v_native's.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FIXTURES = Path(os.environ.get("M2V_FIXTURES", ROOT.parent / "shared" / "fixtures"))
OMIT = {"short", "long", "misc_hints"}


def language(source: str) -> str:
    if source.startswith("en_"):
        return "en"
    if source.startswith("mo_"):
        return source[3:].split("_")[0]
    return source


def dataset() -> tuple[list[str], list[str], list[str], list[str]]:
    texts = json.loads((FIXTURES / "corpus" / "dev_texts.json").read_text(encoding="utf-8"))
    sources = json.loads((FIXTURES / "corpus" / "dev_sources.json").read_text(encoding="utf-8"))
    Xtr, ytr, Xte, yte = [], [], [], []
    for i, (t, s) in enumerate(zip(texts, sources)):
        if s in OMIT:
            continue
        (Xte if i % 5 == 0 else Xtr).append(t)
        (yte if i % 5 == 0 else ytr).append(language(s))
    return Xtr, ytr, Xte, yte


def _status_kb(key: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def worker(side: str, model_dir: str, save_to: str) -> dict:
    """One side in this process: load, fit, evaluate, time predictions; returns the figures."""
    import numpy as np

    if side == "model2vec":
        from model2vec.inference import StaticModelPipeline  # noqa: F401
        from model2vec.train import StaticModelForClassification
    else:
        from m2v_native.train import StaticModelForClassification
    Xtr, ytr, Xte, yte = dataset()
    clf = StaticModelForClassification.from_pretrained(model_dir)
    rss_before = _status_kb("VmRSS")
    t0 = time.perf_counter()
    clf.fit(Xtr, ytr)
    fit_s = time.perf_counter() - t0
    peak = _status_kb("VmHWM")
    pipe = clf.to_pipeline()
    pred = pipe.predict(Xte)
    report = pipe.evaluate(Xte, yte) if side == "m2v" else None
    acc = float(np.mean(pred == np.array(yte)))
    classes = sorted(set(yte) | set(pred.tolist()))
    f1s = []
    for c in classes:
        tp = sum(1 for p, t in zip(pred, yte) if p == c and t == c)
        fp = sum(1 for p, t in zip(pred, yte) if p == c and t != c)
        fn = sum(1 for p, t in zip(pred, yte) if p != c and t == c)
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    reps = max(1, 20000 // len(Xte))
    big = Xte * reps
    pipe.predict(big[:1000])
    t1 = time.perf_counter()
    pipe.predict(big)
    pred_rate = len(big) / (time.perf_counter() - t1)
    t2 = time.perf_counter()
    for t in Xte[:500]:
        pipe.predict([t])
    one_us = (time.perf_counter() - t2) / 500 * 1e6
    epochs = getattr(clf, "history", {}).get("epochs") if side == "m2v" else None
    if save_to:
        pipe.save_pretrained(save_to)
    return {"side": side, "accuracy": acc, "macro_f1": float(np.mean(f1s)), "fit_s": fit_s,
            "peak_rss_mb": peak / 1024, "fit_rss_growth_mb": (peak - rss_before) / 1024, "epochs": epochs,
            "predict_texts_per_s": pred_rate, "predict_one_us": one_us, "n_train": len(Xtr), "n_test": len(Xte),
            "n_classes": len(set(ytr)), "report_accuracy": None if report is None else report["accuracy"],
            "predictions": pred.tolist()}


def run_side(side: str, python: str, model: str, save_to: str = "") -> dict:
    out = subprocess.run([python, str(Path(__file__)), "--worker", side, "--model", model, "--save-to", save_to],
                         capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
    if out.returncode != 0:
        raise SystemExit(f"{side} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker")
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument("--save-to", default="")
    ap.add_argument("--reference-python", default=sys.executable)
    ap.add_argument("--classify-c", default=str(BENCH / "build" / "classify_c"))
    ap.add_argument("--out", default=str(BENCH / "results"))
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.model[0], args.save_to)))
        return 0
    models = args.model or [str(ROOT / "build" / "models" / "potion-base-8M")]
    lines = [f"# Classifier bench, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs. Task: language "
             "identification of the dev corpus (see bench/classifier_bench.py). Both sides: "
             "StaticModelForClassification.from_pretrained(MODEL).fit(X, y) with model2vec's defaults, all cores.", ""]
    for model in models:
        with tempfile.TemporaryDirectory() as tmp:
            saved = os.path.join(tmp, "m2v-pipeline")
            ref = run_side("model2vec", args.reference_python, model)
            ours = run_side("m2v", sys.executable, model, saved)
            # Cross-checks: model2vec loads m2v's pipeline and predicts the same; C == Python.
            check = subprocess.run([args.reference_python, "-c",
                                    "import json,sys; from model2vec.inference import StaticModelPipeline as P; "
                                    "sys.path.insert(0, sys.argv[2]); import classifier_bench as b; "
                                    "print(json.dumps(P.from_pretrained(sys.argv[1]).predict(b.dataset()[2]).tolist()))",
                                    saved, str(BENCH)], capture_output=True, text=True)
            same_ref = check.returncode == 0 and json.loads(check.stdout.strip().splitlines()[-1]) == ours["predictions"]
            c_row = "not measured (no bench/build/classify_c)"
            c_same = None
            if Path(args.classify_c).is_file():
                texts_file = os.path.join(tmp, "texts.txt")
                Xte = dataset()[2]
                with open(texts_file, "w", encoding="utf-8") as f:
                    for t in Xte:
                        f.write(t.replace("\n", " ") + "\n")
                r = subprocess.run([args.classify_c, saved, texts_file, "20000"], capture_output=True, text=True)
                if r.returncode == 0:
                    c = json.loads(r.stdout)
                    c_row = (f"p50 {c['p50_us']:.2f} µs, p99 {c['p99_us']:.2f} µs per text; batch "
                             f"{c['texts_per_s_1_thread']:,.0f} texts/s (1 thread), {c['texts_per_s_all']:,.0f} (all cores)")
                    # Newlines became spaces for the C file, so compare with m2v_native on those texts.
                    import m2v_native.inference as inf

                    classes = list(inf.StaticModelPipeline.from_pretrained(saved).classes_)
                    flat = [t.replace("\n", " ") for t in Xte]
                    py = inf.StaticModelPipeline.from_pretrained(saved).predict(flat).tolist()
                    c_same = [classes[i] for i in c["labels"]] == py
                else:
                    c_row = f"failed: {r.stderr[-300:]}"
        name = Path(model).name
        lines += [f"## {name}: {ours['n_train']} training texts, {ours['n_test']} test texts, {ours['n_classes']} languages", "",
                  "| | m2v | model2vec.train (CPU torch) | ratio |", "|---|---|---|---|",
                  f"| test accuracy | {ours['accuracy']:.4f} | {ref['accuracy']:.4f} | {100 * (ours['accuracy'] - ref['accuracy']):+.2f} points |",
                  f"| test macro F1 | {ours['macro_f1']:.4f} | {ref['macro_f1']:.4f} | {100 * (ours['macro_f1'] - ref['macro_f1']):+.2f} points |",
                  f"| fit wall time | {ours['fit_s']:.2f} s ({ours['epochs']} epochs) | {ref['fit_s']:.2f} s | {ref['fit_s'] / ours['fit_s']:.1f}x faster |",
                  f"| peak RSS of the process | {ours['peak_rss_mb']:.0f} MB | {ref['peak_rss_mb']:.0f} MB | {ref['peak_rss_mb'] / ours['peak_rss_mb']:.1f}x less |",
                  f"| RSS growth during fit | {ours['fit_rss_growth_mb']:.0f} MB | {ref['fit_rss_growth_mb']:.0f} MB | {ref['fit_rss_growth_mb'] / max(ours['fit_rss_growth_mb'], 1):.1f}x less |",
                  f"| pipeline predict, batch | {ours['predict_texts_per_s']:,.0f} texts/s | {ref['predict_texts_per_s']:,.0f} texts/s | {ours['predict_texts_per_s'] / ref['predict_texts_per_s']:.1f}x |",
                  f"| pipeline predict, one text (Python) | {ours['predict_one_us']:.1f} µs | {ref['predict_one_us']:.1f} µs | {ref['predict_one_us'] / ours['predict_one_us']:.1f}x |",
                  f"| one text from C (m2v_classifier_predict) | {c_row} | | |", "",
                  f"Checks: model2vec.inference loads m2v's pipeline and predicts the same labels: "
                  f"{'yes' if same_ref else 'NO'}; C labels == m2v_native's: "
                  f"{'yes' if c_same else ('NO' if c_same is False else 'not checked')}.", ""]
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{dt.date.today():%Y-%m-%d}-classifier.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
