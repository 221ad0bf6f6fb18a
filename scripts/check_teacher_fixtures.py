#!/usr/bin/env python3
"""Sanity check of Tests/teachers/ (made by scripts/gen_teacher_fixtures.py), with the reference
stack (bench/.venv-distill: torch, transformers, model2vec):

    bench/.venv-distill/bin/python scripts/check_teacher_fixtures.py [--no-replay] [NAME ...]

For every teacher: AutoTokenizer and AutoModel load `teacher/`, and every case of layers.safetensors
is recomputed (eager attention) and compared (max abs difference <= 1e-5). For every distilled
variant: StaticModel.from_pretrained loads it, encode works on a few corpus-like sentences (finite,
unit-norm rows of hidden_dim), config.json agrees with args.json and trace.safetensors, and (unless
--no-replay) model2vec.distill replayed with args.json's kwargs gives the same table (cosine >= 0.9999
per row; the same mapping for vocabulary-quantized variants). Exits 1 on any failure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from safetensors import safe_open  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "Tests" / "teachers"
SENTENCES = [
    "Don't take life seriously, you'll never get out alive.",
    "Účinek úderu nezávisí na tom, jak často a jakou silou udeříme, ale kam.",
    "Debian 小技巧 #24: 如果您想感謝某個維護者",
    "new york machine learning state-of-the-art e-mail",
    "",
]
DTYPES = {"float32": np.float32, "float16": np.float16, "int8": np.int8, "float64": np.float64}

failures: list[str] = []


def check(cond: bool, what: str) -> None:
    if not cond:
        failures.append(what)
        print(f"   FAIL {what}", flush=True)


def check_teacher(folder: Path) -> None:
    from transformers import AutoModel, AutoTokenizer

    name = folder.name
    tok = AutoTokenizer.from_pretrained(folder / "teacher")
    check(len(tok) > 0, f"{name}: tokenizer loads")
    model = AutoModel.from_pretrained(folder / "teacher", attn_implementation="eager", dtype=torch.float32).eval()
    with safe_open(str(folder / "layers.safetensors"), "np") as f:
        keys = set(f.keys())
        meta = f.metadata()
        cases = json.loads(meta["cases"])
        worst = 0.0
        for case in cases:
            ids = torch.from_numpy(f.get_tensor(f"{case}.input_ids"))
            mask = torch.from_numpy(f.get_tensor(f"{case}.attention_mask"))
            kw = dict(input_ids=ids, attention_mask=mask)
            if f"{case}.token_type_ids" in keys:
                kw["token_type_ids"] = torch.from_numpy(f.get_tensor(f"{case}.token_type_ids"))
            with torch.no_grad():
                out = model(**kw, output_hidden_states=True)
            hs = torch.stack(out.hidden_states).numpy()
            want = f.get_tensor(f"{case}.hidden_states")
            check(hs.shape == want.shape == (model.config.num_hidden_layers + 1, *ids.shape, want.shape[-1]),
                  f"{name}/{case}: hidden_states shape {want.shape}")
            worst = max(worst, float(np.abs(hs - want).max()),
                        float(np.abs(out.last_hidden_state.numpy() - f.get_tensor(f"{case}.last_hidden_state")).max()))
            if f"{case}.pooler_output" in keys:
                worst = max(worst, float(np.abs(out.pooler_output.numpy() - f.get_tensor(f"{case}.pooler_output")).max()))
            # the tokens recorded in the metadata are the ids'
            check(cases[case]["tokens"] == [tok.convert_ids_to_tokens(r) for r in ids.tolist()], f"{name}/{case}: tokens")
    check(worst <= 1e-5, f"{name}: layers recomputed within 1e-5 (max abs diff {worst:.2e})")
    print(f"   teacher {type(model).__name__}, {len(cases)} cases, max abs diff {worst:.1e}", flush=True)


def table(model) -> np.ndarray:
    return np.asarray(model.embedding, dtype=np.float64)


def check_variant(folder: Path, vdir: Path, replay: bool) -> None:
    from model2vec import StaticModel

    tag = f"{folder.name}/{vdir.name}"
    args = json.loads((vdir / "args.json").read_text())
    cfg = json.loads((vdir / "config.json").read_text())
    m = StaticModel.from_pretrained(vdir)
    kw = args["kwargs"]
    emb = m.embedding
    check(emb.dtype == DTYPES[kw.get("quantize_to", "float16")], f"{tag}: table dtype {emb.dtype}")
    check(cfg["tokenizer_name"] == args["tokenizer_name"] == "teacher", f"{tag}: tokenizer_name")
    check(cfg["pooling"] == kw.get("pooling", "mean"), f"{tag}: pooling in config")
    check(cfg["hidden_dim"] == emb.shape[1] == kw.get("pca_dims", 256), f"{tag}: hidden_dim")
    n_rows = m.tokenizer.get_vocab_size()
    with safe_open(str(vdir / "trace.safetensors"), "np") as f:
        offsets = f.get_tensor("offsets")
    check(len(offsets) - 1 == n_rows == args["n_rows"], f"{tag}: {n_rows} vocabulary rows vs trace/args")
    if kw.get("vocabulary_quantization"):
        check(emb.shape[0] == kw["vocabulary_quantization"], f"{tag}: {emb.shape[0]} clusters")
        check(m.token_mapping is not None and len(m.token_mapping) == n_rows, f"{tag}: token mapping")
    else:
        check(emb.shape[0] == n_rows, f"{tag}: {emb.shape[0]} rows")
    enc = m.encode(SENTENCES)
    norms = np.linalg.norm(enc[:-1], axis=1)
    check(enc.shape == (len(SENTENCES), emb.shape[1]) and np.isfinite(enc).all(), f"{tag}: encode shape/finite")
    check(bool(np.all(np.abs(norms - 1) < 1e-3)), f"{tag}: encoded rows unit norm ({norms.round(4).tolist()})")
    msg = f"   {vdir.name}: {emb.dtype} {tuple(emb.shape)}, encode ok"
    if replay:
        from model2vec.distill import distill

        cwd = os.getcwd()
        os.chdir(folder)
        try:
            again = distill(args["model_name"], **kw)
        finally:
            os.chdir(cwd)
        a, b = table(m), table(again)
        check(a.shape == b.shape, f"{tag}: replay shape {b.shape}")
        if a.shape == b.shape:
            if emb.dtype == np.int8:
                a, b = a / np.abs(a).max(), b / np.abs(b).max()
            cos = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-30)
            zero = (np.linalg.norm(a, axis=1) == 0) & (np.linalg.norm(b, axis=1) == 0)
            cos[zero] = 1.0
            check(float(cos.min()) >= 0.9999, f"{tag}: replay min row cosine {cos.min():.6f}")
            if m.token_mapping is not None:
                check(np.array_equal(np.asarray(m.token_mapping), np.asarray(again.token_mapping)), f"{tag}: replay mapping")
            check(json.loads(again.tokenizer.to_str()) == json.loads((vdir / "tokenizer.json").read_text()),
                  f"{tag}: replay tokenizer.json")
            msg += f", replay min cosine {cos.min():.6f}"
    print(msg, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("--no-replay", action="store_true", help="skip re-running model2vec.distill")
    args = ap.parse_args()
    torch.set_num_threads(1)
    transformers.logging.set_verbosity_error()
    names = args.names or sorted(p.name for p in ROOT.iterdir() if (p / "teacher").is_dir())
    if not names:
        sys.exit(f"no teachers under {ROOT}")
    for name in names:
        folder = ROOT / name
        print(f"== {name}", flush=True)
        check_teacher(folder)
        variants = sorted(p for p in (folder / "distilled").iterdir() if p.is_dir())
        check(len(variants) >= 2, f"{name}: at least two variants")
        for vdir in variants:
            check_variant(folder, vdir, not args.no_replay)
    big = [p for p in ROOT.rglob("*") if p.is_file() and p.stat().st_size > 1_000_000]
    check(not big, f"files over 1 MB: {big}")
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("all teacher fixtures ok")


if __name__ == "__main__":
    main()
