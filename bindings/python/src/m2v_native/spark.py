"""m2v_native.spark — embed a text column of a Spark DataFrame with m2v_native.

    from m2v_native.spark import embed
    out = embed(df, "text", "/shared/models/minilm")   # df's columns + "embedding" array<float>

Needs pyspark >= 3.5 and pyarrow (`pip install "m2v-native[spark]"`). The work runs in Spark's
Python workers through `DataFrame.mapInArrow`: each worker receives Arrow record batches, encodes
the text column in slices of `batch_size` rows, and appends the vectors as an Arrow list<float>
column; the other columns pass through as the same Arrow arrays (no pandas round trip, so their
types and nulls are untouched).

The model is loaded once per Python worker process and kept in a module-level cache keyed by
(absolute path, normalize); Spark reuses its Python workers (spark.python.worker.reuse, on by
default), so later batches, tasks and jobs in that worker find it there. `model_path` must be a
folder every executor can read at that path (a shared filesystem, or a copy at the same path on
each node); the model itself is never shipped through Spark.
"""
from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import DEFAULT_BATCH_SIZE, StaticModel, _int_arg

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame

__all__ = ["embed", "get_model"]

_MODELS: dict[tuple[str, bool | None], StaticModel] = {}
_LOCK = threading.Lock()
_LOADS: dict[str, int] = {}
"""Loads per path in this process (the tests check that a worker loads a model once)."""


def get_model(model_path: str, normalize: bool | None = None) -> StaticModel:
    """The StaticModel at `model_path`, loaded on first use in this process and cached."""
    key = (os.path.abspath(os.fspath(model_path)), normalize)
    model = _MODELS.get(key)
    if model is None:
        with _LOCK:
            model = _MODELS.get(key)
            if model is None:
                model = StaticModel.from_pretrained(key[0], normalize=normalize)
                _MODELS[key] = model
                _LOADS[key[0]] = _LOADS.get(key[0], 0) + 1
    return model


def _vectors_array(vectors: Any, valid: Any) -> pa.Array:
    """(n, dim) float32 -> Arrow list<float> without copying the values; rows where `valid` is
    False become nulls (`valid` None = all valid)."""
    import numpy as np
    import pyarrow as pa

    n, dim = vectors.shape
    values = pa.array(vectors.reshape(-1), type=pa.float32())
    if valid is None:
        offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32), type=pa.int32())
        return pa.ListArray.from_arrays(offsets, values)
    # Null rows get a null offset: Arrow makes those lists null (and empty). vectors has rows
    # only for the valid texts, so the offsets advance by dim only past a valid row.
    ends = np.cumsum(valid.astype(np.int32)) * dim
    starts = np.concatenate(([0], ends[:-1])).astype(np.int32)
    offsets = pa.array(np.concatenate((starts, ends[-1:])).astype(np.int32),
                       mask=np.concatenate((~valid, [False])), type=pa.int32())
    return pa.ListArray.from_arrays(offsets, values)


def _embed_batches(
    batches: Iterator[pa.RecordBatch],
    *,
    input_col: str,
    output_col: str,
    model_path: str,
    normalize: bool | None,
    batch_size: int,
    n_threads: int,
    encode_kwargs: dict[str, Any],
) -> Iterator[pa.RecordBatch]:
    """The mapInArrow function (module-level, so it is pickled by reference and the model cache
    it uses is this module's, living as long as the worker)."""
    import numpy as np
    import pyarrow as pa

    model = get_model(model_path, normalize)
    for batch in batches:
        for lo in range(0, batch.num_rows, batch_size):
            part = batch.slice(lo, batch_size)
            column = part.column(part.schema.get_field_index(input_col))
            texts = column.to_pylist()
            valid = None
            if column.null_count:
                valid = np.asarray(column.is_valid())
                texts = [t for t in texts if t is not None]
            vectors = model.encode(texts, n_threads=n_threads, batch_size=batch_size, **encode_kwargs)
            if vectors.shape[0] == 0:  # an all-null slice: encode([]) is (0, dim)
                vectors = vectors.reshape(0, model.dim)
            arrays = list(part.columns) + [_vectors_array(vectors, valid)]
            names = list(part.schema.names) + [output_col]
            yield pa.RecordBatch.from_arrays(arrays, names=names)


def embed(
    df: DataFrame,
    input_col: str,
    model_path: str | os.PathLike,
    output_col: str = "embedding",
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_threads: int = 1,
    normalize: bool | None = None,
    **encode_kwargs: Any,
) -> DataFrame:
    """`df` with one more column, `output_col`: array<float> (not null elements), the
    m2v_native embedding of the string column `input_col`; a null text gives a null embedding.
    The vectors are identical to `StaticModel.from_pretrained(model_path).encode(texts)`.

    :param df: a Spark DataFrame with a string column `input_col`.
    :param model_path: a model folder readable at this path by every executor.
    :param output_col: the new column's name (appended last; must not exist yet).
    :param batch_size: rows per encode call and per output Arrow batch (Spark's Arrow batches,
        spark.sql.execution.arrow.maxRecordsPerBatch rows, are cut to this size).
    :param n_threads: encode threads in each Python worker. Spark runs one worker per task slot,
        so choose slots x n_threads ~= cores (the default 1 for local[N] / one core per task).
    :param normalize: override the model's normalize setting (None keeps it).
    :param encode_kwargs: passed to StaticModel.encode (e.g. max_length).
    :raises ValueError: `input_col` missing or not a string, or `output_col` already present.
    """
    from pyspark.sql.types import ArrayType, FloatType, StringType, StructField, StructType

    batch_size = _int_arg("batch_size", batch_size, 1)
    n_threads = _int_arg("n_threads", n_threads, 0)
    if input_col not in df.columns:
        raise ValueError(f"no column {input_col!r} in {df.columns}")
    if not isinstance(df.schema[input_col].dataType, StringType):
        raise ValueError(f"column {input_col!r} is {df.schema[input_col].dataType.simpleString()}, not string")
    if output_col in df.columns:
        raise ValueError(f"column {output_col!r} already exists")
    path = os.path.abspath(os.fspath(model_path))
    schema = StructType(
        list(df.schema.fields) + [StructField(output_col, ArrayType(FloatType(), containsNull=False), True)]
    )
    func = functools.partial(
        _embed_batches,
        input_col=input_col,
        output_col=output_col,
        model_path=path,
        normalize=normalize,
        batch_size=batch_size,
        n_threads=n_threads,
        encode_kwargs=dict(encode_kwargs),
    )
    return df.mapInArrow(func, schema)
