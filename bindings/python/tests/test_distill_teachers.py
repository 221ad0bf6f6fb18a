"""m2v_native.distill on every teacher family against model2vec.distill: the committed tiny
teachers of Tests/teachers/<name>/ (BERT gelu_new, RoBERTa + byte-level BPE, XLM-R + Unigram with
Precompiled, DistilBERT, MPNet, ModernBERT + BPE, and the decoders Qwen3 / Qwen2 / Llama (byte-level
BPE) and Mistral (SentencePiece-style BPE with byte fallback), mostly with pooling="last";
scripts/gen_teacher_fixtures.py) each come with
folders model2vec 0.10 distilled from them (distilled/<variant>/, the arguments in args.json).
Replaying the same arguments must give byte-identical tokenizer.json and modules.json, the same
config.json, rows with cosine >= 0.999 (k-means clusters excepted: m2v's k-means is not
scikit-learn's), and a folder model2vec loads and encodes with.

The real all-mpnet-base-v2 runs when $M2V_MPNET_DIR names its folder (scripts/fetch_mpnet.sh) and
$M2V_MPNET_REFERENCE a model2vec.distill result of it (default arguments)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

import m2v_native
from conftest import REPO

TEACHERS = REPO / "Tests" / "teachers"
CASES = sorted((t.name, v.name) for t in TEACHERS.iterdir() if (t / "distilled").is_dir()
               for v in (t / "distilled").iterdir() if (v / "args.json").is_file()) if TEACHERS.is_dir() else []


def test_every_family_has_fixtures():
    families = {json.loads((TEACHERS / n / "teacher" / "config.json").read_text())["model_type"] for n, _ in CASES}
    assert {"bert", "roberta", "xlm-roberta", "distilbert", "mpnet", "modernbert",
            "qwen3", "qwen2", "llama", "mistral"} <= families, families
    kinds = {json.loads((TEACHERS / n / "teacher" / "tokenizer.json").read_text())["model"]["type"] for n, _ in CASES}
    assert {"WordPiece", "BPE", "Unigram"} <= kinds, kinds


def rows_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    both_zero = (na == 0) & (nb == 0)
    return np.where(both_zero, 1.0, (a * b).sum(1) / np.maximum(na * nb, 1e-300))


def compare_folders(ours: Path, ref: Path, vq: bool) -> None:
    assert (ours / "tokenizer.json").read_bytes() == (ref / "tokenizer.json").read_bytes(), "tokenizer.json differs"
    assert (ours / "modules.json").read_bytes() == (ref / "modules.json").read_bytes()
    assert json.loads((ours / "config.json").read_text()) == json.loads((ref / "config.json").read_text())
    a, b = load_file(str(ours / "model.safetensors")), load_file(str(ref / "model.safetensors"))
    assert sorted(a) == sorted(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, (k, a[k].dtype, b[k].dtype, a[k].shape, b[k].shape)
    if "weights" in b:
        np.testing.assert_allclose(a["weights"], b["weights"], rtol=1e-6)
    if not vq:
        cos = rows_cosine(a["embeddings"], b["embeddings"])
        assert cos.min() >= 0.999, f"min row cosine {cos.min():.6f} (row {int(cos.argmin())})"


@pytest.mark.parametrize("teacher,variant", CASES)
def test_distill_matches_model2vec(teacher, variant, tmp_path, monkeypatch):
    ref = TEACHERS / teacher / "distilled" / variant
    args = json.loads((ref / "args.json").read_text())
    # model2vec was run from the fixture folder on the relative path "teacher".
    monkeypatch.chdir(TEACHERS / teacher)
    out = tmp_path / variant
    model = m2v_native.distill(args["model_name"], **args["kwargs"], output_path=out)
    compare_folders(out, ref, vq=args["kwargs"].get("vocabulary_quantization") is not None)
    from model2vec import StaticModel

    texts = ["static embeddings are fast", "ünïcödé text 日本語 and emoji 🙂", ""]
    theirs = StaticModel.from_pretrained(str(out)).encode(texts)
    ours = model.encode(texts)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs.astype(np.float32), atol=3e-3)


def test_real_mpnet(tmp_path):
    teacher, reference = os.environ.get("M2V_MPNET_DIR"), os.environ.get("M2V_MPNET_REFERENCE")
    if not teacher or not reference:
        pytest.skip("set M2V_MPNET_DIR (scripts/fetch_mpnet.sh) and M2V_MPNET_REFERENCE (model2vec.distill of it)")
    out = tmp_path / "mpnet"
    m2v_native.distill(teacher, output_path=out)
    ours, ref = Path(out), Path(reference)
    a, b = load_file(str(ours / "model.safetensors"))["embeddings"], load_file(str(ref / "model.safetensors"))["embeddings"]
    assert (ours / "tokenizer.json").read_bytes() == (ref / "tokenizer.json").read_bytes()
    assert a.shape == b.shape
    assert rows_cosine(a, b).min() >= 0.999


def test_hub_id_from_local_cache(tmp_path, monkeypatch):
    """A hub id is looked up in the Hugging Face cache (no download), and config.json names the
    id as model2vec's name_or_path does."""
    import shutil

    sha = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--org--tiny-mpnet"
    shutil.copytree(TEACHERS / "mpnet-wordpiece" / "teacher", repo / "snapshots" / sha)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(sha)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    by_id = m2v_native.distill("org/tiny-mpnet", pca_dims=8, output_path=tmp_path / "by-id")
    by_path = m2v_native.distill(str(TEACHERS / "mpnet-wordpiece" / "teacher"), pca_dims=8, output_path=tmp_path / "by-path")
    assert json.loads((tmp_path / "by-id" / "config.json").read_text())["tokenizer_name"] == "org/tiny-mpnet"
    assert "org/tiny-mpnet" in (tmp_path / "by-id" / "README.md").read_text()
    np.testing.assert_array_equal(by_id.embedding, by_path.embedding)
    with pytest.raises(m2v_native.NotFoundError):
        m2v_native.distill("org/not-in-the-cache", output_path=tmp_path / "missing")
