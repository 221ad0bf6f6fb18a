"""m2v_native.StaticModelPipeline against model2vec 0.10's model2vec.inference.StaticModelPipeline.

- The pipelines trained by model2vec.train (Tests/classifiers, made by
  scripts/gen_classifier_fixtures.py): the same labels, probabilities within 1e-5, the same
  evaluate() report, live against model2vec and against the committed expected.json.
- Random configurations: heads of 0-3 layers with random widths, weight dtypes (float16/32/64),
  activations, thresholds and str / int classes, over fixture models of every table kind
  (float32, float16 + weights, int8 + vocabulary quantization), saved by model2vec and read by
  both; random texts. A label may differ only where the reference's own margin is below 1e-5.
- Saving: a pipeline m2v saves loads in model2vec with the same predictions; non-finite table
  values; errors (no head, a legacy pipeline.skops, a head that does not fit, a projector's
  predict_proba); patch_model2vec() gives model2vec.inference.StaticModelPipeline.
"""
from __future__ import annotations

import json
import os
import random
import shutil

import numpy as np
import pytest

import m2v_native
from m2v_native.inference import StaticModelPipeline

from conftest import REPO, corpus, model_dir

ref_inference = pytest.importorskip("model2vec.inference")
from model2vec import StaticModel as RefStaticModel  # noqa: E402
from model2vec.inference.mlp import Activation, Layer, MLPHead  # noqa: E402

CLASSIFIERS = REPO / "Tests" / "classifiers"
TASKS = ["single-label", "multi-label", "regression"]
EXPECTED = json.loads((CLASSIFIERS / "expected.json").read_text(encoding="utf-8"))
MARGIN = 1e-5


def _labels_equal(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype == object or b.dtype == object:
        return a.shape == b.shape and all(list(x) == list(y) for x, y in zip(a, b))
    return a.dtype == b.dtype and a.shape == b.shape and bool((a == b).all())


@pytest.mark.parametrize("task", TASKS)
def test_trained_pipelines_match_model2vec(task: str) -> None:
    folder = CLASSIFIERS / task
    ref = ref_inference.StaticModelPipeline.from_pretrained(folder)
    ours = StaticModelPipeline.from_pretrained(folder)
    texts = EXPECTED[task]["texts"]
    pr, po = ref.predict(texts), ours.predict(texts)
    if task == "regression":
        assert po.dtype == np.float32 and po.shape == pr.shape
        np.testing.assert_allclose(po, pr, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(po, np.array(EXPECTED[task]["predict"]), rtol=1e-5, atol=1e-5)
        with pytest.raises(ValueError):
            ours.predict_proba(texts)
        with pytest.raises(ValueError):
            ours.evaluate(texts, texts)
        return
    assert _labels_equal(pr, po), task
    assert [p.tolist() if hasattr(p, "tolist") else p for p in po] == EXPECTED[task]["predict"]
    proba = ours.predict_proba(texts)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba, ref.predict_proba(texts), atol=1e-5, rtol=0)
    np.testing.assert_allclose(proba, np.array(EXPECTED[task]["predict_proba"]), atol=1e-5, rtol=0)
    # One string, a tuple, an empty text.
    assert _labels_equal(ref.predict(texts[0]), ours.predict(texts[0]))
    assert _labels_equal(ref.predict(("", texts[1])), ours.predict(("", texts[1])))
    # evaluate: the same report, against the committed labels (y as given to fit).
    y = EXPECTED[task]["predict"][::-1]
    assert ours.evaluate(texts, y) == ref.evaluate(texts, y)
    assert list(ours.classes_) == list(ref.classes_)


def _random_text(rng: random.Random, pool: list[str]) -> str:
    r = rng.random()
    if r < 0.6:
        return rng.choice(pool)
    if r < 0.7:
        return ""
    alphabet = "abc xyz éñ Ωж 中文 😀 \t\n,.!?" + "".join(rng.choice(pool)[:20] for _ in range(3))
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))


def _random_head(rng: random.Random, dim: int) -> tuple[list[Layer], Activation, np.ndarray | None]:
    activation = rng.choice([Activation.SOFTMAX, Activation.SIGMOID, Activation.IDENTITY])
    n_layers = rng.choice([0, 1, 1, 2, 3]) if activation == Activation.IDENTITY else rng.choice([1, 1, 2, 3])
    widths = [dim] + [rng.randint(1, 40) for _ in range(n_layers)]
    if activation != Activation.IDENTITY and widths[-1] == 1 and rng.random() < 0.5:
        widths[-1] = 2
    dtype = rng.choice([np.float32, np.float32, np.float64, np.float16])
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    layers = [Layer(weight=(nrng.standard_normal((widths[i + 1], widths[i])) * rng.choice([0.3, 1, 3])).astype(dtype),
                    bias=(nrng.standard_normal(widths[i + 1]) * 0.5).astype(dtype)) for i in range(n_layers)]
    classes = None
    if activation != Activation.IDENTITY:
        k = widths[-1]
        if rng.random() < 0.5:
            classes = np.asarray([f"c{i}_{rng.choice(['x', 'é', '中', ' '])}" for i in range(k)])
        else:
            classes = np.asarray(rng.sample(range(-50, 1000), k))
    return layers, activation, classes


@pytest.mark.parametrize("name", ["minilm-vq256-int8", "trained-unigram-6k-weights", "trained-bytebpe-8k",
                                  "trained-wordlevel-5k-nonorm", "minilm-pca32-f32"])
def test_random_pipelines_match_model2vec(name: str, tmp_path) -> None:
    base = RefStaticModel.from_pretrained(model_dir(name))
    rng = random.Random(f"pipelines-{name}")
    pool = list(corpus())
    near_ties = 0
    for case in range(12):
        layers, activation, classes = _random_head(rng, base.dim)
        folder = tmp_path / f"p{case}"
        ref_inference.StaticModelPipeline(base, MLPHead(layers=layers, activation=activation, classes=classes)
                                          ).save_pretrained(str(folder))
        ref = ref_inference.StaticModelPipeline.from_pretrained(folder)
        ours = StaticModelPipeline.from_pretrained(folder)
        texts = [_random_text(rng, pool) for _ in range(rng.randint(1, 80))]
        what = f"{name} case {case}: {len(layers)} layers, {activation.value}, dtype {layers[0].weight.dtype if layers else '-'}"
        # The head alone, on the same vectors (the reference's encoding): within float tolerance.
        encoded = ref.model.encode(texts)
        if encoded.ndim == 1:
            encoded = encoded[None, :]
        # (numpy computes a float16 head over float16 vectors in float16; m2v always in float32,
        # so the reference head here runs on float32 copies: dtype promotion, not the math.)
        x32 = encoded.astype(np.float32)
        head32 = MLPHead(layers=[Layer(l.weight.astype(np.promote_types(l.weight.dtype, np.float32)),
                                       l.bias.astype(np.promote_types(l.bias.dtype, np.float32))) for l in layers],
                         activation=activation, classes=classes)
        want = head32.predict_proba(x32)
        # float32 sums in another order: errors scale with the row's magnitude.
        scale = np.maximum(1, np.abs(head32._logits(x32)).max(axis=1, keepdims=True))
        got = ours.head.predict_proba(x32)
        assert got.dtype == np.float32 and got.shape == want.shape, what
        assert (np.abs(got - want) <= (2e-5 * scale if activation == Activation.IDENTITY else 1e-5)).all(), what
        # The whole pipeline. A float16 table's vectors differ from model2vec's by up to one
        # float16 step (the encode tolerance of test_reference.py), so there the head's inputs
        # differ and the comparison is of labels where the margin allows, proba within 1e-2.
        f16 = base.embedding.dtype == np.float16
        tol = 1e-2 if f16 else 1e-5
        if activation == Activation.IDENTITY:
            r_out, o_out = ref.predict(texts), ours.predict(texts)
            row_scale = np.maximum(1, np.abs(r_out).max(axis=1, keepdims=True))
            assert (np.abs(o_out - r_out) <= (3e-2 if f16 else 3e-5) * row_scale).all(), what
            continue
        rp, op = ref.predict_proba(texts), ours.predict_proba(texts)
        np.testing.assert_allclose(op, rp, atol=tol, rtol=0, err_msg=what)
        margin_tol = 1e-2 if f16 else MARGIN
        if activation == Activation.SOFTMAX:
            logits = ref.head._logits(encoded)
            top = np.sort(logits, axis=1)
            margin = top[:, -1] - top[:, -2] if logits.shape[1] > 1 else np.full(len(texts), np.inf)
            same = ref.predict(texts) == ours.predict(texts)
            assert (same | (margin < margin_tol * np.maximum(1, np.abs(top[:, -1])))).all(), what
            near_ties += int((~same).sum())
        else:
            threshold = rng.choice([0.5, 0.1, 0.9, 0.0, 1.0])
            r, o = ref.predict(texts, threshold=threshold), ours.predict(texts, threshold=threshold)
            for i, (a, b) in enumerate(zip(r, o)):
                if list(a) != list(b):
                    assert (np.abs(rp[i] - threshold) < margin_tol).any(), what
                    near_ties += 1
            assert np.asarray(r, dtype=object).shape == o.shape, what
    assert near_ties <= (8 if base.embedding.dtype == np.float16 else 2)


def test_m2v_saves_what_model2vec_loads(tmp_path) -> None:
    ours = StaticModelPipeline.from_pretrained(CLASSIFIERS / "multi-label")
    ours.model.normalize = False  # Python-side state goes into the saved config
    out = tmp_path / "saved"
    ours.save_pretrained(out)
    assert (out / "head.safetensors").is_file()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["head_config"]["activation"] == "sigmoid" and cfg["normalize"] is False
    ref = ref_inference.StaticModelPipeline.from_pretrained(out)
    again = StaticModelPipeline.from_pretrained(out)
    texts = EXPECTED["multi-label"]["texts"]
    assert _labels_equal(ref.predict(texts), again.predict(texts))
    np.testing.assert_allclose(again.predict_proba(texts), ref.predict_proba(texts), atol=1e-5, rtol=0)
    assert not again.model.normalize


def test_non_finite_table_values_become_finite(tmp_path) -> None:
    base = RefStaticModel.from_pretrained(model_dir("trained-wordlevel-5k-nonorm"))
    vectors = base.embedding.copy()
    vectors[5:40:3, 2] = np.nan
    vectors[6:40:5, 0] = np.inf
    vectors[7:40:7, 1] = -np.inf
    bad = RefStaticModel(vectors=vectors, tokenizer=base.tokenizer, normalize=True)
    nrng = np.random.default_rng(3)
    head = MLPHead(layers=[Layer(nrng.standard_normal((4, base.dim)).astype(np.float32), np.zeros(4, np.float32))],
                   activation=Activation.SOFTMAX, classes=np.asarray(list("abcd")))
    ref_inference.StaticModelPipeline(bad, head).save_pretrained(str(tmp_path / "p"))
    ref = ref_inference.StaticModelPipeline.from_pretrained(tmp_path / "p")
    ours = StaticModelPipeline.from_pretrained(tmp_path / "p")
    texts = list(corpus())[:300]
    got, want = ours.predict_proba(texts), ref.predict_proba(texts)
    # A row with the largest float32 overflows to inf in the mean, and normalizing it gives NaN
    # in model2vec too: the same rows must be NaN, the others equal.
    assert np.isfinite(got).all(axis=1).sum() > 100
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


def test_errors(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        StaticModelPipeline.from_pretrained(model_dir("trained-wordlevel-5k-nonorm"))
    legacy = tmp_path / "legacy"
    shutil.copytree(CLASSIFIERS / "single-label", legacy)
    os.remove(legacy / "head.safetensors")
    (legacy / "pipeline.skops").write_bytes(b"PK")
    with pytest.raises(m2v_native.UnsupportedError, match="convert_legacy_pipeline"):
        StaticModelPipeline.from_pretrained(legacy)
    wrong = tmp_path / "wrong"
    shutil.copytree(CLASSIFIERS / "single-label", wrong)
    cfg = json.loads((wrong / "config.json").read_text())
    cfg["head_config"]["classes"] = cfg["head_config"]["classes"][:-1]
    (wrong / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(m2v_native.FormatError, match="classes"):
        StaticModelPipeline.from_pretrained(wrong)
    shutil.copy(CLASSIFIERS / "regression" / "head.safetensors", wrong / "head.safetensors")
    cfg["head_config"] = {"n_layers": 2, "activation": "identity", "classes": None}
    (wrong / "config.json").write_text(json.dumps(cfg))
    assert StaticModelPipeline.from_pretrained(wrong).predict(["x"]).shape == (1, 2)
    (wrong / "head.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(m2v_native.FormatError, match="head.0.weight"):
        StaticModelPipeline.from_pretrained(wrong)


def test_patch_model2vec_gives_the_pipeline() -> None:
    with m2v_native.patch_model2vec():
        from model2vec.inference import StaticModelPipeline as Patched

        assert Patched is StaticModelPipeline
    from model2vec.inference import StaticModelPipeline as Real

    assert Real is not StaticModelPipeline


PIPELINE_NAMES = sorted(n for n in dir(ref_inference.StaticModelPipeline) if not n.startswith("_"))


@pytest.mark.parametrize("name", PIPELINE_NAMES)
def test_pipeline_surface(name: str) -> None:
    """Every public name of model2vec's StaticModelPipeline, the same kind and signature
    (m2v may add keyword-only parameters with defaults)."""
    import inspect

    from test_surface import assert_compatible_signature

    ref_static = inspect.getattr_static(ref_inference.StaticModelPipeline, name)
    assert hasattr(StaticModelPipeline, name), f"m2v_native.StaticModelPipeline has no {name}"
    m_static = inspect.getattr_static(StaticModelPipeline, name)
    assert type(m_static) is type(ref_static), name
    assert_compatible_signature(getattr(ref_inference.StaticModelPipeline, name),
                                getattr(StaticModelPipeline, name), name)
    for attr in ("model", "head", "classes_"):
        assert hasattr(StaticModelPipeline.from_pretrained(CLASSIFIERS / "single-label"), attr)
