"""m2v_native.spark — embed a text column of a Spark DataFrame with m2v_native.

    from m2v_native.spark import embed, ship
    out = embed(df, "text", "/shared/models/minilm")   # df's columns + "embedding" array<float>
    out = embed(df, "text", ship(spark, "minilm/"))     # the folder sent to every executor

Needs pyspark >= 3.5 and pyarrow (`pip install "m2v-native[spark]"`). The work runs in Spark's
Python workers through `DataFrame.mapInArrow`: each worker receives Arrow record batches, encodes
the text column in slices of `batch_size` rows, and appends the vectors as an Arrow list<float>
column; the other columns pass through as the same Arrow arrays (no pandas round trip, so their
types and nulls are untouched).

The model is loaded once per Python worker process and kept in a module-level cache keyed by
(folder, normalize); Spark reuses its Python workers (spark.python.worker.reuse, on by default),
so later batches, tasks and jobs in that worker find it there. `model` is one of:

- a folder path that every executor can read at that path (a shared filesystem, or a copy at
  the same path on each node); a path that exists on the driver is made absolute there;
- a HuggingFace hub id ("org/name"): each worker resolves it itself (its HF cache, or a download);
- `shipped(name)`: a folder the application sent to the executors itself, under `name`
  (`SparkContext.addFile(dir, recursive=True)` of an hdfs:// / s3a:// folder,
  `addArchive("model.tar#name")`, `spark-submit --archives model.tar.gz#name`); each worker opens
  `SparkFiles.get(name)`. `ship(spark, folder)` does the sending and returns that `shipped(name)`.
"""
from __future__ import annotations

import functools
import hashlib
import os
import tarfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import DEFAULT_BATCH_SIZE, StaticModel, _int_arg

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark import SparkContext
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["Shipped", "embed", "get_model", "ship", "shipped"]

_MODELS: dict[tuple[str, bool | None], StaticModel] = {}
_LOCK = threading.Lock()
_LOADS: dict[str, int] = {}
"""Loads per path in this process (the tests check that a worker loads a model once)."""


@dataclass(frozen=True)
class Shipped:
    """A model folder that the application sent to every executor under `name` (see `shipped`)."""

    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or self.name in (".", "..") or "/" in self.name \
                or "\\" in self.name or "#" in self.name:
            raise ValueError(f"a shipped model's name is a plain file name, not {self.name!r}")

    def local_path(self) -> str:
        """The folder on this executor (or the driver): `SparkFiles.get(name)`.

        :raises FileNotFoundError: nothing was shipped under that name to this process.
        """
        from pyspark import SparkFiles

        path = SparkFiles.get(self.name)
        if not os.path.isdir(path):
            raise FileNotFoundError(
                f"no shipped model folder {self.name!r} here ({path} is not a folder): ship it first with "
                f"m2v_native.spark.ship(spark, folder), SparkContext.addArchive('model.tar#{self.name}') or "
                f"spark-submit --archives model.tar.gz#{self.name}")
        return path


def shipped(name: str) -> Shipped:
    """The model folder shipped to the executors under `name`, as `embed`'s `model`: each Python
    worker loads `SparkFiles.get(name)`. For a folder sent by the application itself:
    `sc.addFile("hdfs:///models/minilm", recursive=True)` (name "minilm"),
    `sc.addArchive("minilm.tar.gz#minilm")`, `spark-submit --archives minilm.tar.gz#minilm`, or
    `ship(spark, folder)`, which returns this."""
    return Shipped(name)


_SHIPPED: dict[tuple[str, str], str] = {}
"""(application id, name) -> digest of the folder shipped under that name (driver side)."""


def _folder_digest(folder: str) -> tuple[str, list[str], list[str]]:
    """sha256 over the folder's files (relative names, sizes, bytes); the subfolders' and the
    files' relative names, sorted. Symbolic links are followed (a HuggingFace cache snapshot is
    made of links to its blobs)."""
    subdirs, names = [], []
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs.sort()
        subdirs += [os.path.relpath(os.path.join(root, d), folder) for d in dirs]
        names += [os.path.relpath(os.path.join(root, f), folder) for f in sorted(files)]
    h = hashlib.sha256()
    for name in names:
        path = os.path.join(folder, name)
        h.update(f"{name}\0{os.path.getsize(path)}\0".encode())
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest(), subdirs, names


def ship(spark: SparkSession | SparkContext, folder: str | os.PathLike, name: str | None = None) -> Shipped:
    """Send the model folder `folder` to every executor of this application and return
    `shipped(name)` for `embed`; no shared filesystem is needed.

    A local folder is packed into an uncompressed tar (next to the driver's SparkFiles, deleted
    with the application) and added with `SparkContext.addArchive(tar#name)`: each executor
    fetches it once from the driver and unpacks it into its own `SparkFiles.get(name)` folder.
    (Spark refuses `addFile(local_dir, recursive=True)` outside local mode; it accepts it for a
    directory on a Hadoop filesystem, which is what a `folder` URI such as "hdfs:///models/minilm"
    or "s3a://bucket/minilm" is given to.) Shipping the same content under the same name again
    is a no-op; other content under a name already used raises ValueError (an executor would
    overwrite files other workers have mapped).

    :param spark: the SparkSession (or SparkContext).
    :param folder: a model folder on the driver, or a folder URI on a Hadoop filesystem.
    :param name: the name on the executors (default: the folder's base name).
    """
    sc = getattr(spark, "sparkContext", spark)
    folder = os.fspath(folder)
    scheme = folder.split("://", 1)[0] if "://" in folder else ""
    if name is None:
        name = os.path.basename(folder.rstrip("/")) or "model"
    ref = Shipped(name)
    key = (sc.applicationId, name)
    if scheme and scheme != "file":
        if _SHIPPED.setdefault(key, folder) != folder:
            raise ValueError(f"another model was already shipped as {name!r} in this application "
                             f"({_SHIPPED[key]}); use another name")
        sc.addFile(folder, recursive=True)
        return ref
    if scheme == "file":
        folder = folder[len("file://"):]
    folder = os.path.abspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"no model folder at {folder}")
    digest, subdirs, names = _folder_digest(folder)
    if key in _SHIPPED:
        if _SHIPPED[key] != digest:
            raise ValueError(f"another model was already shipped as {name!r} in this application; "
                             "use another name")
        return ref
    from pyspark import SparkFiles

    stage = os.path.join(SparkFiles.getRootDirectory(), f".m2v-ship-{uuid.uuid4().hex}")
    os.makedirs(stage)
    tar_path = os.path.join(stage, f"{name}.tar")
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT, dereference=True) as tar:
        for n in subdirs + names:
            tar.add(os.path.join(folder, n), arcname=n, recursive=False)
    sc.addArchive(f"{tar_path}#{name}")
    _SHIPPED[key] = digest
    return ref


def _model_arg(model: Any) -> str | Shipped:
    """embed's `model` as sent to the workers: a Shipped as is; a path that exists here made
    absolute; anything else (a hub id, a path only the executors have) unchanged."""
    if isinstance(model, Shipped):
        return model
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a folder path, a hub id or shipped(name), not {type(model).__name__}")
    path = os.fspath(model)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    return os.path.abspath(path) if os.path.exists(path) else path


def get_model(model_path: str | os.PathLike | Shipped, normalize: bool | None = None) -> StaticModel:
    """The StaticModel at `model_path` (a folder, a hub id or a `Shipped` folder), loaded on first
    use in this process and cached."""
    if isinstance(model_path, Shipped):
        model_path = model_path.local_path()
    path = os.fspath(model_path)
    key = (os.path.abspath(path) if os.path.exists(path) else path, normalize)
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
    model_path: str | Shipped,
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
    model: str | os.PathLike | Shipped | None = None,
    output_col: str = "embedding",
    *,
    model_path: str | os.PathLike | Shipped | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    n_threads: int = 1,
    normalize: bool | None = None,
    **encode_kwargs: Any,
) -> DataFrame:
    """`df` with one more column, `output_col`: array<float> (not null elements), the
    m2v_native embedding of the string column `input_col`; a null text gives a null embedding.
    The vectors are identical to `StaticModel.from_pretrained(folder).encode(texts)`.

    :param df: a Spark DataFrame with a string column `input_col`.
    :param model: a model folder readable at this path by every executor (made absolute when it
        exists on the driver), a hub id each worker resolves, or `shipped(name)` / `ship(...)`'s
        result: a folder sent to the executors (no shared path needed).
    :param model_path: the same as `model` (its former name, kept for callers that pass it by
        keyword); give one of the two.
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
    if (model is None) == (model_path is None):
        raise TypeError("embed() takes one of model and model_path")
    path = _model_arg(model if model is not None else model_path)
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
