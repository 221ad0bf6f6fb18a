"""m2v_native.train (StaticModelForClassification / StaticModelForRegression over libm2v's
m2v_classifier_train) against model2vec 0.10's model2vec.train API.

- Signatures: every public method of model2vec's two classes, read from model2vec's source with
  `ast` (model2vec.train imports torch, which CI does not install), with the same parameter
  names, order and defaults.
- Training on the dev corpus with the 5k WordLevel fixture model (a few epochs, seconds):
  single-label (str and int labels), multi-label, regression; deterministic for a seed and
  independent of threads; accuracy far above chance; the pipelines load in
  model2vec.inference.StaticModelPipeline and predict the same there; evaluate() is model2vec's
  report; the errors model2vec raises; a progress callback that raises stops the training.
The accuracy against model2vec.train itself (CPU torch) is measured by `make bench-classifier`.
"""
from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import m2v_native
from m2v_native import train as m2v_train
from m2v_native.train import StaticModelForClassification, StaticModelForRegression

from conftest import FIXTURES, model_dir

ref_inference = pytest.importorskip("model2vec.inference")

MODEL = "trained-wordlevel-5k-nonorm"


def _data():
    texts_path = FIXTURES / "corpus" / "dev_texts.json"
    if not texts_path.is_file():
        pytest.skip("dev corpus missing")
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    sources = json.loads((FIXTURES / "corpus" / "dev_sources.json").read_text(encoding="utf-8"))
    fam = ["mo" if s.startswith("mo_") else s for s in sources]
    train = [i for i in range(len(texts)) if i % 5]
    test = [i for i in range(len(texts)) if i % 5 == 0]
    return texts, fam, train, test


def _scripts(text: str) -> list[str]:
    found = set()
    for ch in text:
        if ch.isalpha():
            o = ord(ch)
            found.add("latin" if o < 0x250 else "cyrillic" if 0x400 <= o < 0x530 else
                      "cjk" if 0x3040 <= o < 0xA000 else "other")
    return sorted(found) or ["other"]


def _ref_signatures() -> dict[str, dict[str, list[tuple[str, str]]]]:
    """{class: {method: [(name, default source)]}} from model2vec's train sources."""
    spec = importlib.util.find_spec("model2vec")
    root = Path(list(spec.submodule_search_locations)[0]) / "train"
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for file, cls in [("classifier.py", "StaticModelForClassification"), ("similarity.py", "StaticModelForSimilarity"),
                      ("base.py", "BaseFinetuneable")]:
        tree = ast.parse((root / file).read_text())
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == cls:
                methods = {}
                for f in node.body:
                    if isinstance(f, ast.FunctionDef) and not f.name.startswith("_"):
                        a = f.args
                        pos = a.posonlyargs + a.args
                        defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
                        params = [(p.arg, None if d is None else ast.unparse(d)) for p, d in zip(pos, defaults)]
                        params += [(p.arg, None if d is None else ast.unparse(d)) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
                        methods[f.name] = params
                out[cls] = methods
    return out


REF = _ref_signatures()
# What m2v's classes mirror: classification = StaticModelForClassification (+ BaseFinetuneable's
# public methods); regression = StaticModelForSimilarity's (StaticModelForRegression only swaps
# the loss).
PAIRS = [(StaticModelForClassification, "StaticModelForClassification"), (StaticModelForRegression, "StaticModelForSimilarity")]
METHODS = ["fit", "from_pretrained", "from_static_model", "predict", "predict_proba", "evaluate", "to_pipeline",
           "to_static_model"]


def _ours(fn) -> list[tuple[str, str | None]]:
    import inspect

    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        out.append((p.name, None if p.default is inspect.Parameter.empty else repr(p.default)))
    return out


def _norm(default: str | None) -> str | None:
    if default is None:
        return None
    if default in ("_UNSET",):
        return "UNSET"
    return repr(ast.literal_eval(default)) if default not in ("DEFAULT_RANDOM_SEED", "DEFAULT_MAX_LENGTH") else default


CASES = [(cls, ref_name, m) for cls, ref_name in PAIRS for m in METHODS
         if m in REF[ref_name] or m in REF["BaseFinetuneable"]]


@pytest.mark.parametrize("cls,ref_name,method", CASES)
def test_signatures_match_model2vec(cls, ref_name: str, method: str) -> None:
    ref = REF[ref_name].get(method) or REF["BaseFinetuneable"][method]
    ref = [(n, d) for n, d in ref if n not in ("self", "cls")]
    ours = [(n, d) for n, d in _ours(getattr(cls, method)) if n not in ("self", "cls")]
    assert [n for n, _ in ours][: len(ref)] == [n for n, _ in ref], (method, ours, ref)
    for (n, d), (_, od) in zip(ref, ours):
        if d is None:
            assert od is None, (method, n)
            continue
        if d == "DEFAULT_RANDOM_SEED":
            assert od == "42", (method, n, od)
        elif d == "_UNSET":
            assert od is not None and "Unset" in od or od == repr(m2v_native._UNSET), (method, n, od)
        else:
            assert od == repr(ast.literal_eval(d)), (method, n, od, d)


@pytest.fixture(scope="module")
def single():
    texts, fam, train, test = _data()
    clf = StaticModelForClassification.from_pretrained(model_dir(MODEL), n_layers=1, hidden_dim=32)
    clf.fit([texts[i] for i in train], [fam[i] for i in train], max_epochs=6, batch_size=64)
    return clf, [texts[i] for i in test], [fam[i] for i in test]


def test_single_label_learns_and_round_trips(single, tmp_path) -> None:
    clf, X, y = single
    assert clf.classes_ == sorted(set(y) | set(clf.classes_)) and not clf.multilabel
    pred = clf.predict(X)
    assert pred.dtype.kind == "U" and pred.shape == (len(X),)
    acc = float(np.mean(pred == np.array(y)))
    majority = max(y.count(c) for c in set(y)) / len(y)
    assert acc > majority + 0.2, (acc, majority)
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float32 and proba.shape == (len(X), len(clf.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    report = clf.evaluate(X, y)
    assert abs(report["accuracy"] - acc) < 1e-12
    # The pipeline loads in model2vec and predicts the same.
    out = tmp_path / "pipe"
    clf.to_pipeline().save_pretrained(out)
    ref = ref_inference.StaticModelPipeline.from_pretrained(out)
    assert (ref.predict(X) == pred).all()
    np.testing.assert_allclose(ref.predict_proba(X), proba, atol=1e-5)
    assert isinstance(clf.to_static_model(), m2v_native.StaticModel)
    assert clf.history["epochs"] == 6 and clf.history["steps"] > 0


def test_same_seed_same_bytes_any_threads(single) -> None:
    texts, fam, train, test = _data()
    X, y = [texts[i] for i in train[:1500]], [fam[i] for i in train[:1500]]
    runs = []
    for _ in range(2):
        clf = StaticModelForClassification.from_pretrained(model_dir(MODEL), n_layers=1, hidden_dim=16)
        clf.fit(X, y, max_epochs=2, batch_size=64, random_seed=7)
        runs.append(clf.predict_proba([texts[i] for i in test[:200]]).tobytes())
    assert runs[0] == runs[1]
    other = StaticModelForClassification.from_pretrained(model_dir(MODEL), n_layers=1, hidden_dim=16)
    other.fit(X, y, max_epochs=2, batch_size=64, random_seed=8)
    assert other.predict_proba([texts[i] for i in test[:200]]).tobytes() != runs[0]


def test_multi_label_and_int_labels(tmp_path) -> None:
    texts, fam, train, test = _data()
    X = [texts[i] for i in train[:2000]]
    clf = StaticModelForClassification.from_pretrained(model_dir(MODEL), n_layers=1, hidden_dim=32)
    clf.fit(X, [_scripts(t) for t in X], max_epochs=4, batch_size=64)
    assert clf.multilabel
    Xt = [texts[i] for i in test[:300]]
    pred = clf.predict(Xt)
    assert pred.dtype == object
    yt = [_scripts(t) for t in Xt]
    jaccard = np.mean([len(set(p) & set(t)) / max(1, len(set(p) | set(t))) for p, t in zip(pred, yt)])
    assert jaccard > 0.7, jaccard
    clf.to_pipeline().save_pretrained(tmp_path / "multi")
    ref = ref_inference.StaticModelPipeline.from_pretrained(tmp_path / "multi")
    assert all(list(a) == list(b) for a, b in zip(ref.predict(Xt), pred))
    # Integer labels stay integers, in model2vec's pipeline too.
    ints = StaticModelForClassification.from_pretrained(model_dir(MODEL), n_layers=0)
    ints.fit(X, [len(t) % 3 for t in X], max_epochs=1, batch_size=128)
    assert ints.classes_ == [0, 1, 2]
    assert ints.predict(Xt[:5]).dtype.kind == "i"
    ints.to_pipeline().save_pretrained(tmp_path / "ints")
    assert ref_inference.StaticModelPipeline.from_pretrained(tmp_path / "ints").predict(Xt[:5]).dtype.kind == "i"


def test_regression(tmp_path) -> None:
    texts, fam, train, test = _data()
    X = [texts[i] for i in train[:2000]]

    def target(t: str) -> list[float]:
        return [sum(c.isascii() and c.isalpha() for c in t) / max(1, len(t)), float("\n" in t)]

    reg = StaticModelForRegression.from_pretrained(model_dir(MODEL), n_layers=1, hidden_dim=16)
    reg.fit(X, np.array([target(t) for t in X]), max_epochs=12, batch_size=64)
    Xt = [texts[i] for i in test[:300]]
    yt = np.array([target(t) for t in Xt])
    out = reg.predict(Xt)
    assert out.shape == (300, 2) and out.dtype == np.float32
    mse = float(np.mean((out - yt) ** 2))
    baseline = float(np.mean((yt - yt.mean(axis=0)) ** 2))
    assert mse < 0.85 * baseline, (mse, baseline)
    reg.to_pipeline().save_pretrained(tmp_path / "reg")
    np.testing.assert_allclose(ref_inference.StaticModelPipeline.from_pretrained(tmp_path / "reg").predict(Xt), out,
                               atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="2-dimensional"):
        reg.fit(X, np.zeros(len(X)))


def test_errors() -> None:
    texts, fam, train, test = _data()
    X, y = [texts[i] for i in train[:300]], [fam[i] for i in train[:300]]
    clf = StaticModelForClassification.from_pretrained(model_dir(MODEL))
    with pytest.raises(RuntimeError, match="fit"):
        clf.predict(["x"])
    with pytest.raises(ValueError, match="same length"):
        clf.fit(X, y[:-1])
    with pytest.raises(ValueError, match="y_val contains classes"):
        clf.fit(X, y, X_val=["a"], y_val=["no-such-class"])
    with pytest.raises(ValueError, match="Both X_val and y_val"):
        clf.fit(X, y, X_val=["a"])
    with pytest.raises(ValueError, match="token_dropout"):
        clf.fit(X, y, token_dropout=1.0)
    with pytest.raises(ValueError, match="focal_gamma"):
        clf.fit(X, y, focal_gamma=-1)
    with pytest.raises(ValueError, match="Inconsistent"):
        clf.fit(X[:3], ["a", ["b"], "c"])
    with pytest.raises(ValueError):
        clf.fit("not a list", y)


def test_a_raising_progress_callback_stops_training(monkeypatch) -> None:
    texts, fam, train, test = _data()
    calls = {"n": 0}

    def boom(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("stop")
        return False

    monkeypatch.setattr(m2v_train._Bars, "__call__", boom)
    clf = StaticModelForClassification.from_pretrained(model_dir(MODEL), hidden_dim=8)
    with pytest.raises(KeyboardInterrupt, match="stop"):
        clf.fit([texts[i] for i in train[:1000]], [fam[i] for i in train[:1000]], max_epochs=50, batch_size=32)
    assert calls["n"] == 3
