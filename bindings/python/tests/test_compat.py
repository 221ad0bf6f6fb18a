"""m2v_native.patch_model2vec(): code written against model2vec runs on m2v_native, with the
real model2vec installed (its modules are patched) and without it (shim modules), and real
clients from PyPI give model2vec's results: LangChain's `Model2vecEmbeddings`
(langchain-community: `from model2vec import StaticModel` inside its constructor, `encode`) and
chonkie's `Model2VecEmbeddings` (`importlib.util.find_spec("model2vec")`, `isinstance(model,
StaticModel)`, `model.dim`, `model.tokenizer`, `encode(..., convert_to_numpy=True)`) with its
`SemanticChunker`.

Tolerance as in test_surface: |m2v - model2vec| <= rtol * max(|ref|, largest |ref| of the
vector), rtol 1e-3 for float16 tables (model2vec rounds its result to float16), 1e-5 else.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import CI, corpus, missing, model_dir

import m2v_native
from m2v_native import compat

MODELS = ["minilm-default", "minilm-pca32-f32", "minilm-vq256-int8", "trained-unigram-6k-weights",
          "trained-wordlevel-5k-nonorm"]


def texts() -> list[str]:
    c = corpus()
    return list(c[:200]) + list(c[1000:1058])


def assert_close(actual, reference, rtol: float, what: str) -> None:
    a = np.asarray(actual, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    assert a.shape == r.shape, f"{what}: shape {a.shape} != {r.shape}"
    scale = np.abs(r).max(axis=-1, keepdims=True)
    bad = np.abs(a - r) > rtol * np.maximum(np.abs(r), scale)
    assert not bad.any(), f"{what}: {int(bad.sum())} values outside rtol {rtol}, max diff {np.abs(a - r).max()}"


def rtol_of(name: str) -> float:
    import json as _json

    cfg = _json.loads((model_dir(name) / "config.json").read_text())
    return 1e-3 if cfg.get("embedding_dtype") == "float16" else 1e-5


@pytest.fixture
def unpatched():
    """Every test starts and ends with model2vec unpatched (other test modules use the real
    model2vec)."""
    compat.unpatch_model2vec()
    yield
    compat.unpatch_model2vec()


def langchain_embeddings_class():
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from langchain_community.embeddings import Model2vecEmbeddings
    except ImportError:
        if CI:
            pytest.fail("langchain-community is not installed (CI=true); scripts/venv.sh installs it")
        pytest.skip("langchain-community is not installed")
    return Model2vecEmbeddings


def chonkie_embeddings_class():
    try:
        from chonkie.embeddings import Model2VecEmbeddings
    except ImportError:
        if CI:
            pytest.fail("chonkie is not installed (CI=true); scripts/venv.sh installs it")
        pytest.skip("chonkie is not installed")
    return Model2VecEmbeddings


# ---- with the real model2vec installed -------------------------------------------------------


def test_exported():
    assert m2v_native.patch_model2vec is compat.patch_model2vec
    assert m2v_native.unpatch_model2vec is compat.unpatch_model2vec


def test_patch_installed_model2vec(unpatched):
    import model2vec
    import model2vec.model

    real_static, real_quantize = model2vec.StaticModel, model2vec.quantize_model
    assert real_static is not m2v_native.StaticModel
    assert not compat.is_patched()

    patch = m2v_native.patch_model2vec()
    assert patch.real_model2vec is True
    assert patch.module is sys.modules["model2vec"] is model2vec
    assert compat.is_patched()
    assert m2v_native.patch_model2vec() is patch  # idempotent

    from model2vec import StaticModel
    from model2vec.distill import distill
    from model2vec.model import StaticModel as ModelStaticModel

    assert StaticModel is ModelStaticModel is m2v_native.StaticModel
    assert distill is m2v_native.distill
    import model2vec.distill as distill_module

    assert distill_module.distill is m2v_native.distill
    assert "model2vec.StaticModel" in patch.replaced and "model2vec.distill.distill" in patch.replaced
    if hasattr(m2v_native, "quantize_model"):
        from model2vec import quantize_model

        assert quantize_model is m2v_native.quantize_model
        assert model2vec.model.quantize_model is m2v_native.quantize_model
    # Patching did not import torch through the real model2vec.distill.
    assert "model2vec.distill.distillation" not in sys.modules or "torch" in sys.modules

    model = StaticModel.from_pretrained(model_dir("minilm-pca32-f32"))
    assert isinstance(model, m2v_native.StaticModel)

    assert m2v_native.unpatch_model2vec() is True
    assert m2v_native.unpatch_model2vec() is False
    assert not compat.is_patched()
    assert model2vec.StaticModel is real_static and model2vec.model.StaticModel is real_static
    assert model2vec.quantize_model is real_quantize and model2vec.model.quantize_model is real_quantize
    shim = sys.modules.get("model2vec.distill")
    assert shim is None or not getattr(shim, "__m2v_shim__", False)
    assert not isinstance(getattr(model2vec, "distill", None), type(sys)) or not getattr(
        model2vec.distill, "__m2v_shim__", False)


def test_patch_is_a_context_manager(unpatched):
    import model2vec

    real_static = model2vec.StaticModel
    with m2v_native.patch_model2vec() as patch:
        assert model2vec.StaticModel is m2v_native.StaticModel
        assert patch.real_model2vec
    assert model2vec.StaticModel is real_static
    assert not compat.is_patched()


@pytest.mark.parametrize("name", ["minilm-default", "minilm-vq256-int8", "trained-unigram-6k-weights"])
def test_patch_reference_dtype(name, unpatched, tmp_path):
    """patch_model2vec(reference_dtype=True): the patched StaticModel returns model2vec's dtypes
    by default (clients that cannot pass m2v's keyword get model2vec's arrays)."""
    import pickle

    import model2vec

    path = model_dir(name)
    ref = model2vec.StaticModel.from_pretrained(path)
    docs = texts()[:100] + [""]
    patch = m2v_native.patch_model2vec(reference_dtype=True)
    assert patch.reference_dtype and m2v_native.patch_model2vec(reference_dtype=True) is patch
    with pytest.raises(ValueError):
        m2v_native.patch_model2vec()
    from model2vec import StaticModel

    assert StaticModel is compat.ReferenceDtypeStaticModel and issubclass(StaticModel, m2v_native.StaticModel)
    model = StaticModel.from_pretrained(path)
    assert type(model) is compat.ReferenceDtypeStaticModel
    got, exp = model.encode(docs), ref.encode(docs)
    assert got.dtype == exp.dtype, f"{name}: {got.dtype} != {exp.dtype}"
    assert_close(got, exp, rtol_of(name), f"{name}: encode")
    assert model.encode(docs, reference_dtype=False).dtype == np.float32
    for g, e in zip(model.encode_as_sequence(docs), ref.encode_as_sequence(docs)):
        assert g.dtype == e.dtype and g.shape == e.shape, (name, g.dtype, e.dtype)
    if hasattr(model2vec, "quantize_model"):
        assert type(model2vec.quantize_model(model, quantize_to="float32")) is compat.ReferenceDtypeStaticModel
    Model2VecEmbeddings = chonkie_embeddings_class()
    emb = Model2VecEmbeddings(str(path))
    assert emb.embed(docs[3]).dtype == exp.dtype  # a client that cannot pass reference_dtype
    assert_close(emb.embed_batch(docs), exp, rtol_of(name), f"{name}: chonkie, reference_dtype")
    again = pickle.loads(pickle.dumps(model))
    assert type(again) is compat.ReferenceDtypeStaticModel
    assert again.encode(docs[:5]).dtype == exp.dtype
    m2v_native.unpatch_model2vec()
    assert m2v_native.patch_model2vec().reference_dtype is False
    assert model2vec.StaticModel is m2v_native.StaticModel


def test_patch_from_threads(unpatched):
    import threading

    results = []
    threads = [threading.Thread(target=lambda: results.append(m2v_native.patch_model2vec())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r is results[0] for r in results)


@pytest.mark.parametrize("name", MODELS)
def test_langchain_model2vec_embeddings(name, unpatched):
    """LangChain's Model2vecEmbeddings, given a local model path: model2vec's vectors."""
    Model2vecEmbeddings = langchain_embeddings_class()
    import model2vec

    path = str(model_dir(name))
    docs = texts()
    reference = Model2vecEmbeddings(path)
    assert isinstance(reference._model, model2vec.model.StaticModel)  # unpatched: the real one
    ref_docs = reference.embed_documents(docs)
    ref_query = reference.embed_query(docs[3])

    m2v_native.patch_model2vec()
    emb = Model2vecEmbeddings(path)
    assert isinstance(emb._model, m2v_native.StaticModel), type(emb._model)
    got_docs = emb.embed_documents(docs)
    got_query = emb.embed_query(docs[3])
    assert isinstance(got_docs, list) and all(isinstance(v, list) for v in got_docs)
    assert all(isinstance(x, float) for x in got_docs[0])
    assert_close(got_docs, ref_docs, rtol_of(name), f"{name}: embed_documents")
    assert_close(got_query, ref_query, rtol_of(name), f"{name}: embed_query")


@pytest.mark.parametrize("name", MODELS)
def test_chonkie_model2vec_embeddings(name, unpatched):
    """chonkie's Model2VecEmbeddings from a path and from a model object."""
    Model2VecEmbeddings = chonkie_embeddings_class()
    import model2vec

    path = str(model_dir(name))
    docs = texts()
    reference = Model2VecEmbeddings(path)
    assert isinstance(reference.model, model2vec.model.StaticModel)
    ref_batch = np.asarray(reference.embed_batch(docs))
    ref_one = reference.embed(docs[5])
    ref_ids = [e.ids for e in reference.get_tokenizer().encode_batch(docs[:50], add_special_tokens=False)]

    m2v_native.patch_model2vec()
    assert Model2VecEmbeddings._is_available()
    for emb in (Model2VecEmbeddings(path), Model2VecEmbeddings(m2v_native.StaticModel.from_pretrained(path))):
        assert isinstance(emb.model, m2v_native.StaticModel), type(emb.model)
        assert emb.dimension == reference.dimension
        assert_close(emb.embed_batch(docs), ref_batch, rtol_of(name), f"{name}: chonkie embed_batch")
        assert_close(emb.embed(docs[5]), ref_one, rtol_of(name), f"{name}: chonkie embed")
        assert emb.embed(docs[5]).dtype == np.float32  # m2v's default
        tok = emb.get_tokenizer()
        ids = [list(getattr(e, "ids", e)) for e in tok.encode_batch(docs[:50], add_special_tokens=False)]
        assert ids == ref_ids, f"{name}: chonkie get_tokenizer() ids"


@pytest.mark.parametrize("name", ["minilm-default", "trained-wordlevel-5k-nonorm"])
def test_chonkie_semantic_chunker(name, unpatched):
    """chonkie's SemanticChunker over Model2VecEmbeddings: the same chunks (text and token
    count) as with model2vec."""
    Model2VecEmbeddings = chonkie_embeddings_class()
    from chonkie import SemanticChunker

    long = [t for t in corpus() if len(t) > 2000][:4]
    path = str(model_dir(name))

    def chunks():
        chunker = SemanticChunker(embedding_model=Model2VecEmbeddings(path), chunk_size=128, threshold=0.5)
        return [[(c.text, c.token_count) for c in chunker.chunk(t)] for t in long]

    expected = chunks()
    m2v_native.patch_model2vec()
    got = chunks()
    assert [len(c) for c in got] == [len(c) for c in expected]
    assert got == expected


# ---- without model2vec installed ---------------------------------------------------------------


def site_packages_without_model2vec(tmp: Path) -> Path:
    """A folder of symlinks to every entry of this interpreter's site-packages except model2vec
    (package and dist-info): with `python -S` and PYTHONPATH=that folder, model2vec is simply
    not installed."""
    import numpy

    site = Path(numpy.__file__).resolve().parents[1]
    out = tmp / "site"
    out.mkdir()
    for entry in site.iterdir():
        if entry.name == "model2vec" or entry.name.startswith("model2vec-"):
            continue
        if entry.suffix == ".pth":
            continue
        (out / entry.name).symlink_to(entry)
    return out


SCRIPT = r"""
import importlib.util, json, sys, warnings
import numpy as np
job = json.load(open(sys.argv[1]))
out = {}
assert importlib.util.find_spec("model2vec") is None, "model2vec is importable"
import m2v_native
patch = m2v_native.patch_model2vec()
out["real"] = patch.real_model2vec
out["replaced"] = list(patch.replaced)
out["idempotent"] = m2v_native.patch_model2vec() is patch
import model2vec
from model2vec import StaticModel
from model2vec.model import StaticModel as S2
from model2vec.distill import distill
import model2vec.distill
out["same"] = StaticModel is S2 is m2v_native.StaticModel and distill is m2v_native.distill
out["find_spec"] = importlib.util.find_spec("model2vec") is not None
out["version"] = model2vec.__version__
np.save(job["direct"], StaticModel.from_pretrained(job["path"]).encode(job["texts"]))
if job["langchain"]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from langchain_community.embeddings import Model2vecEmbeddings
    emb = Model2vecEmbeddings(job["path"])
    out["langchain_type"] = type(emb._model).__module__ + "." + type(emb._model).__name__
    np.save(job["langchain_out"], np.asarray(emb.embed_documents(job["texts"]), dtype=np.float64))
if job["chonkie"]:
    from chonkie.embeddings import Model2VecEmbeddings
    out["chonkie_available"] = Model2VecEmbeddings._is_available()
    emb = Model2VecEmbeddings(job["path"])
    out["chonkie_type"] = type(emb.model).__module__ + "." + type(emb.model).__name__
    np.save(job["chonkie_out"], np.asarray(emb.embed_batch(job["texts"]), dtype=np.float64))
out["unpatched"] = m2v_native.unpatch_model2vec()
out["gone"] = "model2vec" not in sys.modules and importlib.util.find_spec("model2vec") is None
try:
    import model2vec  # noqa: F811
    out["import_after"] = "succeeded"
except ImportError:
    out["import_after"] = "ImportError"
json.dump(out, open(sys.argv[1] + ".out", "w"))
"""


@pytest.mark.parametrize("name", ["minilm-default", "minilm-vq256-int8"])
def test_shim_without_model2vec(name, tmp_path):
    from model2vec import StaticModel as RefModel

    try:
        import langchain_community  # noqa: F401

        have_langchain = True
    except ImportError:
        have_langchain = False
        if CI:
            pytest.fail("langchain-community is not installed (CI=true)")
    try:
        import chonkie  # noqa: F401

        have_chonkie = True
    except ImportError:
        have_chonkie = False
        if CI:
            pytest.fail("chonkie is not installed (CI=true)")
    site = site_packages_without_model2vec(tmp_path)
    docs = texts()
    job = {"path": str(model_dir(name)), "texts": docs, "direct": str(tmp_path / "direct.npy"),
           "langchain": have_langchain, "langchain_out": str(tmp_path / "langchain.npy"),
           "chonkie": have_chonkie, "chonkie_out": str(tmp_path / "chonkie.npy")}
    (tmp_path / "job.json").write_text(json.dumps(job))
    (tmp_path / "script.py").write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = str(site)
    proc = subprocess.run([sys.executable, "-S", str(tmp_path / "script.py"), str(tmp_path / "job.json")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "job.json.out").read_text())
    assert out["real"] is False
    assert out["idempotent"] and out["same"] and out["find_spec"], out
    assert out["version"] == compat.EMULATED_MODEL2VEC_VERSION
    assert out["unpatched"] is True and out["gone"] and out["import_after"] == "ImportError", out
    reference = RefModel.from_pretrained(model_dir(name)).encode(docs)
    assert_close(np.load(tmp_path / "direct.npy"), reference, rtol_of(name), f"{name}: shim StaticModel")
    if have_langchain:
        assert out["langchain_type"] == "m2v_native.StaticModel", out
        assert_close(np.load(tmp_path / "langchain.npy"), reference, rtol_of(name), f"{name}: LangChain on the shim")
    if have_chonkie:
        assert out["chonkie_available"] is True and out["chonkie_type"] == "m2v_native.StaticModel", out
        assert_close(np.load(tmp_path / "chonkie.npy"), reference, rtol_of(name), f"{name}: chonkie on the shim")
    if not have_langchain:
        missing("langchain-community")
    if not have_chonkie:
        missing("chonkie")


def test_fresh_interpreter_patch_then_client(tmp_path):
    """The documented order in a new process: patch, then use the client."""
    langchain_embeddings_class()
    code = textwrap.dedent(f"""
        import warnings; warnings.simplefilter("ignore")
        import m2v_native
        m2v_native.patch_model2vec()
        from langchain_community.embeddings import Model2vecEmbeddings
        e = Model2vecEmbeddings({str(model_dir("minilm-pca32-f32"))!r})
        print(type(e._model).__module__, len(e.embed_query("hello world")))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["m2v_native", "32"], proc.stdout
