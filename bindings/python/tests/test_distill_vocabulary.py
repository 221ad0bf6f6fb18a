"""The distill vocabulary reference cases (data/distill_vocabulary, made by
scripts/gen_vocabulary_reference.py from model2vec 0.10 itself).

m2v's vocabulary builder has no entry point of its own in the C API or m2v_native (it is one step
of m2v_distill), so the cases are run against it by the Swift test
Tests/DistillTests/DistillVocabularyReferenceTests.swift. Here: the committed data is complete and
consistent (every teacher file is the one its cases were made from, every case has what the Swift
test compares), and, where skeletoken and model2vec's distill extras are installed (the
bench/.venv-distill environment; not CI), the references are still what model2vec produces.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import REPO

DATA = REPO / "bindings" / "python" / "tests" / "data" / "distill_vocabulary"
GEN = REPO / "scripts" / "gen_vocabulary_reference.py"
DOCS = sorted((DATA / "cases").glob("*.json"))
SMALL = [p for p in DOCS if not p.name.startswith("big-")]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_vocabulary_reference", GEN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _charsmap() -> str | None:
    spec = importlib.util.find_spec("static_model")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "model" / "tokenizer.json"
    n = json.loads(p.read_text())["normalizer"]
    for x in [n] + list(n.get("normalizers") or []):
        if x.get("type") == "Precompiled":
            return x["precompiled_charsmap"]
    return None


def _teacher_bytes(doc: dict) -> bytes:
    text = (DATA / doc["where"][len("data:"):]).read_text(encoding="utf-8")
    if GENERATOR.PLACEHOLDER in text:
        cmap = _charsmap()
        if cmap is None:
            pytest.skip("the teacher needs the tokenlearn wheel's Precompiled charsmap (static_model)")
        text = text.replace(GENERATOR.PLACEHOLDER, cmap)
    return text.encode("utf-8")


GENERATOR = _generator()


def test_cases_exist():
    assert len(SMALL) >= 10 and sum(len(json.loads(p.read_text())["cases"]) for p in SMALL) >= 150


@pytest.mark.parametrize("path", DOCS, ids=[p.stem for p in DOCS])
def test_case_document_is_consistent(path: Path):
    doc = json.loads(path.read_text())
    assert doc["where"].split(":", 1)[0] in {"data", "venv", "fixtures", "realworld", "mpnet"}
    if doc["where"].startswith("data:"):
        data = _teacher_bytes(doc)
        assert len(data) == doc["teacher_bytes"] and GENERATOR.fnv64(data) == doc["teacher_fnv"]
    for case in doc["cases"]:
        if "error" in case:
            continue
        for key in ["n_tokens", "pad_id", "row_map", "tokenizer_json_fnv", "tokens_fnv", "ids_fnv"]:
            assert key in case, (case["id"], key)
        assert ("samples" in case) == path.name.startswith("big-")
        if "tokenizer_json" in case:
            text = case["tokenizer_json"]
            if GENERATOR.PLACEHOLDER in text:
                cmap = _charsmap()
                if cmap is None:
                    continue
                text = text.replace(GENERATOR.PLACEHOLDER, cmap)
            assert GENERATOR.fnv64(text.encode("utf-8")) == case["tokenizer_json_fnv"]


def _reference_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ["skeletoken", "model2vec", "transformers"])


@pytest.mark.skipif(not _reference_available(), reason="needs skeletoken, model2vec and transformers (bench/.venv-distill)")
@pytest.mark.parametrize("path", SMALL, ids=[p.stem for p in SMALL])
def test_references_are_current(path: Path, tmp_path: Path):
    doc = json.loads(path.read_text())
    teacher = tmp_path / "tokenizer.json"
    teacher.write_bytes(_teacher_bytes(doc))
    for case in doc["cases"][:3]:
        res = GENERATOR.reference(teacher, case["config"], case["pattern"], case["words"])
        if "error" in case:
            assert "error" in res, case["id"]
            continue
        assert GENERATOR.fnv64(res["tokenizer_json"]) == case["tokenizer_json_fnv"], case["id"]
        assert GENERATOR.fnv64(GENERATOR.ids_bytes(res["ids"])) == case["ids_fnv"], case["id"]
        assert res["pad_id"] == case["pad_id"] and res["row_map"] == case["row_map"], case["id"]
