"""m2v_native.spark and m2v_native.ray_data on a real Spark local[2] session and a local Ray
cluster (2 CPUs): 2,000 dev texts, every vector IDENTICAL (np.array_equal) to a plain
single-process StaticModel.encode of the same texts; the model loaded once per worker / actor;
the input columns kept, in order, before the new one.

Run with `make test-scaling` (installs pyspark, pandas, pyarrow, ray[data] into the venv first).
A missing pyspark / ray skips these tests, except under CI=true, where it is a failure.
M2V_SKIP_SCALING=1 skips them explicitly (`make test` sets it for test-python, because
test-scaling runs them right after).
"""
from __future__ import annotations

import json
import os
import sys
import uuid

import numpy as np
import pytest
from conftest import FIXTURES, missing, model_dir

import m2v_native

if os.environ.get("M2V_SKIP_SCALING", "") not in ("", "0"):
    pytest.skip("M2V_SKIP_SCALING is set", allow_module_level=True)

MODEL = "minilm-default"
N_TEXTS = 2000


def _need(module: str) -> None:
    try:
        __import__(module)
    except ImportError as exc:  # skip, or fail under CI=true
        missing(f"python module {module} ({exc}); `make test-scaling` installs it")


@pytest.fixture(scope="module")
def model_path() -> str:
    return str(model_dir(MODEL))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    dev = FIXTURES / "corpus" / "dev_texts.json"
    if not dev.is_file():
        missing(str(dev))
    out = json.loads(dev.read_text(encoding="utf-8"))[:N_TEXTS]
    assert len(out) == N_TEXTS
    return out


@pytest.fixture(scope="module")
def reference(model_path, texts) -> np.ndarray:
    """The plain, single-process encode everything is compared with."""
    return m2v_native.StaticModel.from_pretrained(model_path).encode(texts)


# --------------------------------------------------------------------------------------------
# Without a cluster: the batch functions themselves
# --------------------------------------------------------------------------------------------


def test_embedder_batch_formats(model_path, texts, reference):
    _need("pandas")
    _need("pyarrow")
    import pandas as pd
    import pyarrow as pa

    from m2v_native.ray_data import Embedder

    emb = Embedder(model_path, column="t", output_column="v")
    part, ref = texts[:50], reference[:50]
    out = emb({"id": np.arange(50), "t": np.array(part, dtype=object)})
    assert list(out) == ["id", "t", "v"] and out["v"].dtype == np.float32
    assert np.array_equal(out["v"], ref)
    out = emb(pd.DataFrame({"id": range(50), "t": part}))
    assert list(out.columns) == ["id", "t", "v"]
    assert np.array_equal(np.stack(out["v"].to_numpy()), ref)
    out = emb(pa.table({"id": range(50), "t": part}))
    assert out.column_names == ["id", "t", "v"] and out.schema.field("v").type == pa.list_(pa.float32())
    assert np.array_equal(np.array(out.column("v").to_pylist(), dtype=np.float32), ref)
    empty = emb({"t": np.array([], dtype=object)})
    assert empty["v"].shape == (0, 256)
    with pytest.raises(ValueError, match="not a str"):
        emb({"t": np.array(["a", None], dtype=object)})
    with pytest.raises(ValueError, match="no column"):
        emb({"text": np.array(["a"], dtype=object)})
    with pytest.raises(ValueError, match="already exists"):
        emb({"t": np.array(["a"], dtype=object), "v": np.zeros(1)})


def test_spark_batches_without_spark(model_path, texts, reference):
    """The mapInArrow function on hand-made Arrow batches: slicing by batch_size, null texts."""
    _need("pyarrow")
    import pyarrow as pa

    from m2v_native.spark import _embed_batches

    part = [None, *texts[:9], None, None, *texts[9:20], None]
    batch = pa.record_batch({"t": pa.array(part, type=pa.string()), "k": pa.array(range(len(part)))})
    allnull = pa.record_batch({"t": pa.array([None, None], type=pa.string()), "k": pa.array([0, 1])})
    out = list(_embed_batches(iter([batch, allnull]), input_col="t", output_col="e", model_path=model_path,
                              normalize=None, batch_size=7, n_threads=1, encode_kwargs={}))
    assert [b.num_rows for b in out] == [7, 7, 7, 3, 2]
    table = pa.Table.from_batches(out)
    assert table.column_names == ["t", "k", "e"]
    got = table.column("e").to_pylist()
    ref = iter(reference[:20])
    for text, vec in zip(part + [None, None], got):
        if text is None:
            assert vec is None
        else:
            assert np.array_equal(np.array(vec, dtype=np.float32), next(ref))


# --------------------------------------------------------------------------------------------
# Spark local[2]
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark():
    _need("pyspark")
    _need("pyarrow")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run this venv's python
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("m2v-test-scaling")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_embed(spark, model_path, texts, reference):
    from m2v_native.spark import embed

    rows = [(i, t, i % 3 if i % 5 else None) for i, t in enumerate(texts)]
    rows += [(N_TEXTS + j, None, j) for j in range(3)]  # null texts -> null embeddings
    df = spark.createDataFrame(rows, "id long, text string, k int").repartition(6)
    out = embed(df, "text", model_path, batch_size=128, n_threads=1)
    assert out.columns == ["id", "text", "k", "embedding"]
    assert out.schema["embedding"].dataType.simpleString() == "array<float>"
    got = sorted(out.collect(), key=lambda r: r.id)
    assert len(got) == N_TEXTS + 3
    for r in got:
        if r.id >= N_TEXTS:
            assert r.text is None and r.embedding is None and r.k == r.id - N_TEXTS
            continue
        assert r.text == texts[r.id] and r.k == (r.id % 3 if r.id % 5 else None)
        vec = np.array(r.embedding, dtype=np.float32)  # Spark floats are float32: exact
        assert np.array_equal(vec, reference[r.id]), f"row {r.id}"

    def probe_loads(batches):  # local: cloudpickle ships it by value (the test module is not importable there)
        """(pid, m2v_native.spark model loads) of the worker running it."""
        import pyarrow as pa

        import m2v_native.spark as ms

        for batch in batches:
            yield pa.RecordBatch.from_pydict(
                {"pid": [os.getpid()] * batch.num_rows, "loads": [json.dumps(ms._LOADS)] * batch.num_rows}
            )

    # 6 partitions x ~3 slices of 128 rows ran on 2 reused Python workers: each loaded once.
    probe = spark.range(0, 64, 1, 8).mapInArrow(probe_loads, "pid long, loads string").distinct().collect()
    loads = [json.loads(p.loads).get(model_path, 0) for p in probe]
    assert max(loads) == 1, f"model loads per worker process: {probe}"

    with pytest.raises(ValueError, match="already exists"):
        embed(out, "text", model_path)
    with pytest.raises(ValueError, match="not string"):
        embed(df, "id", model_path)


# --------------------------------------------------------------------------------------------
# Ray local cluster
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_cluster():
    _need("ray")
    _need("pandas")
    import ray
    import ray.data

    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=200 * 2**20,
             log_to_driver=False, configure_logging=False)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray
    ray.shutdown()


def _stack(column) -> np.ndarray:
    return np.stack([np.asarray(v, dtype=np.float32) for v in column])


def test_ray_embed_dataset(ray_cluster, model_path, texts, reference):
    from m2v_native.ray_data import embed_dataset

    ray = ray_cluster
    for fmt in ("numpy", "pyarrow"):
        ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=8)
        out = embed_dataset(ds, model_path, batch_size=100, batch_format=fmt, concurrency=2)
        df = out.to_pandas()
        assert list(df.columns) == ["id", "text", "embedding"], fmt
        df = df.sort_values("id")
        assert df["id"].tolist() == list(range(N_TEXTS))
        assert np.array_equal(_stack(df["embedding"]), reference), fmt


def test_ray_embedder_actor_pool(ray_cluster, model_path, texts, reference):
    """Embedder as the brief spells it, with pandas batches; 20 batches on 2 actors made exactly
    2 Embedders (2 model loads)."""
    from m2v_native.ray_data import Embedder

    class Probe(Embedder):  # local class: cloudpickle ships it by value
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.token = uuid.uuid4().hex

        def __call__(self, batch):
            out = super().__call__(batch)
            out["actor"] = self.token
            return out

    ray = ray_cluster
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=8)
    out = ds.map_batches(Probe, fn_constructor_kwargs={"model_path": model_path, "n_threads": 1},
                         batch_size=100, batch_format="pandas", num_cpus=1,
                         compute=ray.data.ActorPoolStrategy(size=2))
    df = out.to_pandas().sort_values("id")
    assert list(df.columns) == ["id", "text", "embedding", "actor"]
    assert np.array_equal(_stack(df["embedding"]), reference)
    assert df["actor"].nunique() <= 2
