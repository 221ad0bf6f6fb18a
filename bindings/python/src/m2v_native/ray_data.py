"""m2v_native.ray_data — embed a text column of a Ray Dataset with m2v_native.

    import ray
    from m2v_native.ray_data import Embedder, embed_dataset, ship

    ds = ray.data.read_text("texts.txt")                        # column "text"
    ds = embed_dataset(ds, "/shared/models/minilm")             # + column "embedding"
    ds = embed_dataset(ds, ship("minilm/"))                     # or: the folder via the object store
    # or, by hand:
    ds = ds.map_batches(Embedder, fn_constructor_kwargs={"model": "/shared/models/minilm"},
                        batch_format="numpy", num_cpus=1,
                        compute=ray.data.ActorPoolStrategy(size=2))   # Ray < 2.51: concurrency=2
    ds.write_parquet("/tmp/out")

Needs ray[data] >= 2.9 (`pip install "m2v-native[ray]"`). `Embedder` is a callable class, so
Ray runs it in a pool of actors: each actor loads the model once, in its constructor, and then
encodes every batch it is given. The model is a folder path readable at that path on every node
(a shared filesystem, or a copy at the same path), a HuggingFace hub id (each actor resolves it),
or `ship(folder)`'s `ShippedModel`: the folder's files put in Ray's object store once, and written
by the first actor on each node into a node-local folder that the node's actors then load.
(The module is not called `ray` so that it cannot shadow the real `ray` package.)
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import DEFAULT_BATCH_SIZE, StaticModel, _int_arg

if TYPE_CHECKING:  # pragma: no cover
    import ray.data

__all__ = ["Embedder", "ShippedModel", "embed_dataset", "ship"]


@dataclass(frozen=True)
class ShippedModel:
    """A model folder in Ray's object store (made by `ship`): `files` is the ObjectRef of a
    {relative name: bytes} dict, `digest` the sha256 of that content."""

    name: str
    digest: str
    files: Any  # ray.ObjectRef
    cache_dir: str | None = None

    def materialize(self) -> str:
        """The folder on this node holding the model's files: `<cache_dir>/<name>-<digest[:16]>`
        (cache_dir None: `tempfile.gettempdir()/m2v-ray-models` of this process). Written once
        per node, by the first actor that needs it (a temporary folder renamed into place, so
        concurrent actors and an interrupted write never leave a partial model); later actors,
        jobs and sessions on the node reuse it. The content is checked against `digest`."""
        import ray

        base = self.cache_dir or os.path.join(tempfile.gettempdir(), "m2v-ray-models")
        dest = os.path.join(base, f"{self.name}-{self.digest[:16]}")
        if os.path.isdir(dest):
            return dest
        files = ray.get(self.files)
        for rel in files:
            if os.path.isabs(rel) or os.path.normpath(rel).split(os.sep)[0] == "..":
                raise ValueError(f"shipped model {self.name!r}: bad file name {rel!r}")
        if _files_digest(files) != self.digest:
            raise ValueError(f"shipped model {self.name!r}: the object store content does not match its digest")
        os.makedirs(base, exist_ok=True)
        stage = tempfile.mkdtemp(prefix=f".{self.name}-", dir=base)
        try:
            for rel, data in files.items():
                path = os.path.join(stage, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as fh:
                    fh.write(data)
            os.chmod(stage, 0o755)
            try:
                os.rename(stage, dest)
            except OSError:  # another actor of this node renamed its copy first
                if not os.path.isdir(dest):
                    raise
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        return dest


def _files_digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(f"{rel}\0{len(files[rel])}\0".encode())
        h.update(files[rel])
    return h.hexdigest()


def ship(folder: str | os.PathLike, name: str | None = None, *, cache_dir: str | None = None) -> ShippedModel:
    """Put the model folder `folder` (read on the driver) into Ray's object store, for `Embedder` /
    `embed_dataset` as their `model`; no shared filesystem is needed. Call it after `ray.init`.

    The files are read into one object (`ray.put` of a {relative name: bytes} dict; symbolic
    links followed, so a HuggingFace cache snapshot works): it lives as long as the returned
    `ShippedModel` (and the datasets using it) does, and each node fetches it once, when its first
    actor starts (`ShippedModel.materialize`). Each node's object store must hold one copy.

    :param folder: the model folder on the driver.
    :param name: the folder name on the nodes (default: the folder's base name).
    :param cache_dir: where the nodes write it (default: their temp dir + "/m2v-ray-models").
    """
    import ray

    folder = os.path.abspath(os.fspath(folder))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"no model folder at {folder}")
    name = name or os.path.basename(folder.rstrip("/")) or "model"
    if "/" in name or name in (".", ".."):
        raise ValueError(f"a shipped model's name is a plain file name, not {name!r}")
    files: dict[str, bytes] = {}
    for root, dirs, names in os.walk(folder, followlinks=True):
        dirs.sort()
        for f in sorted(names):
            path = os.path.join(root, f)
            with open(path, "rb") as fh:
                files[os.path.relpath(path, folder)] = fh.read()
    return ShippedModel(name=name, digest=_files_digest(files), files=ray.put(files), cache_dir=cache_dir)


def _model_arg(model: Any) -> Any:
    """A ShippedModel as is; a path that exists here made absolute; anything else (a hub id, a
    path only the nodes have) unchanged."""
    if isinstance(model, ShippedModel):
        return model
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a folder path, a hub id or a ShippedModel, not {type(model).__name__}")
    path = os.fspath(model)
    if not isinstance(path, str):
        path = os.fsdecode(path)
    return os.path.abspath(path) if os.path.exists(path) else path


class Embedder:
    """A Ray Data batch function (callable class): adds `output_column`, the embedding of the
    string column `column`, to each batch.

    Accepts the batch formats "numpy" (dict of arrays; the vectors are a 2-D float32 array,
    which Ray stores as a fixed-shape tensor column), "pandas" (DataFrame; a column of float32
    arrays) and "pyarrow" (Table; a list<float> column). A missing (None / null) text raises
    ValueError: filter such rows first. The vectors are identical to
    `StaticModel.from_pretrained(folder).encode(texts)` whatever the batching.

    :param model: a model folder readable at this path by every Ray worker, a hub id, or
        `ship(folder)`'s ShippedModel (written to a node-local folder first; `model_dir` is the
        folder loaded).
    :param model_path: the same as `model` (its former name, kept for keyword callers such as
        `fn_constructor_kwargs={"model_path": ...}`); give one of the two.
    :param column: the text column.
    :param output_column: the new column (must not exist yet).
    :param n_threads: encode threads per actor; give map_batches num_cpus=n_threads so that
        actors x threads ~= cores.
    :param normalize: override the model's normalize setting (None keeps it).
    :param encode_kwargs: passed to StaticModel.encode (e.g. max_length).
    """

    def __init__(
        self,
        model: str | os.PathLike | ShippedModel | None = None,
        column: str = "text",
        output_column: str = "embedding",
        n_threads: int = 1,
        normalize: bool | None = None,
        *,
        model_path: str | os.PathLike | ShippedModel | None = None,
        **encode_kwargs: Any,
    ) -> None:
        if (model is None) == (model_path is None):
            raise TypeError("Embedder() takes one of model and model_path")
        model = model if model is not None else model_path
        self.model_dir = model.materialize() if isinstance(model, ShippedModel) else os.fspath(model)
        self.model = StaticModel.from_pretrained(self.model_dir, normalize=normalize)
        self.column = column
        self.output_column = output_column
        self.n_threads = _int_arg("n_threads", n_threads, 0)
        self.encode_kwargs = encode_kwargs

    def _encode(self, texts: list[Any]) -> np.ndarray:
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ValueError(f"column {self.column!r}: row {i} of the batch is {t!r}, not a str")
        vectors = self.model.encode(texts, n_threads=self.n_threads,
                                    batch_size=max(1, len(texts)), **self.encode_kwargs)
        return vectors.reshape(len(texts), self.model.dim)

    def __call__(self, batch: Any) -> Any:
        name = type(batch).__module__.split(".")[0]
        if isinstance(batch, dict):  # batch_format="numpy"
            self._check(batch.keys())
            out = dict(batch)
            out[self.output_column] = self._encode(np.asarray(batch[self.column]).tolist())
            return out
        if name == "pandas":
            self._check(batch.columns)
            vectors = self._encode(batch[self.column].tolist())
            out = batch.copy(deep=False)
            out[self.output_column] = list(vectors)
            return out
        if name == "pyarrow":
            import pyarrow as pa

            self._check(batch.column_names)
            vectors = self._encode(batch.column(self.column).to_pylist())
            n, dim = vectors.shape
            offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32), type=pa.int32())
            values = pa.array(vectors.reshape(-1), type=pa.float32())
            return batch.append_column(self.output_column, pa.ListArray.from_arrays(offsets, values))
        raise TypeError(f"unsupported batch type {type(batch).__name__} "
                        "(use batch_format='numpy', 'pandas' or 'pyarrow')")

    def _check(self, names: Any) -> None:
        names = list(names)
        if self.column not in names:
            raise ValueError(f"no column {self.column!r} in {names}")
        if self.output_column in names:
            raise ValueError(f"column {self.output_column!r} already exists")


def embed_dataset(
    ds: ray.data.Dataset,
    model: str | os.PathLike | ShippedModel | None = None,
    column: str = "text",
    output_column: str = "embedding",
    *,
    model_path: str | os.PathLike | ShippedModel | None = None,
    n_threads: int = 1,
    concurrency: int | tuple[int, int] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    batch_format: str = "numpy",
    normalize: bool | None = None,
    **encode_kwargs: Any,
) -> ray.data.Dataset:
    """`ds` with one more column, `output_column` (float32 vectors of the model's dim), through
    `ds.map_batches(Embedder, ...)` on a pool of actors (ray.data.ActorPoolStrategy), each
    loading the model once. The other columns are kept, in their order, before it.

    :param model: a model folder every node has at that path (made absolute when it exists on
        the driver), a hub id, or `ship(folder)`'s ShippedModel (see `Embedder`).
    :param model_path: the former name of `model`; give one of the two.
    :param concurrency: actors: an int (a fixed pool) or a (min, max) autoscaling range. None =
        (1, the cluster's CPUs // n_threads). Each actor holds n_threads CPUs for its lifetime, so
        a fixed pool that takes every CPU leaves none for the read and write tasks around it and
        the pipeline stalls (e.g. read_parquet -> embed -> write_parquet with 2 actors on 2
        CPUs); the range lets Ray add actors only while CPUs are free.
    :param n_threads: encode threads per actor, also the CPUs each actor reserves (num_cpus).
    :param batch_size: rows per batch given to an actor.
    :param batch_format: "numpy" (default: a fixed-shape tensor column), "pandas" or "pyarrow"
        (a list<float> column).
    """
    import ray
    from ray.data import ActorPoolStrategy

    n_threads = _int_arg("n_threads", n_threads, 1)
    batch_size = _int_arg("batch_size", batch_size, 1)
    if (model is None) == (model_path is None):
        raise TypeError("embed_dataset() takes one of model and model_path")
    model = _model_arg(model if model is not None else model_path)
    if concurrency is None:
        cpus = int(ray.cluster_resources().get("CPU", 1)) if ray.is_initialized() else (os.cpu_count() or 1)
        most = max(1, cpus // n_threads)
        concurrency = (1, most) if most > 1 else 1
    if isinstance(concurrency, tuple):
        pool = ActorPoolStrategy(min_size=concurrency[0], max_size=concurrency[1])
    else:
        pool = ActorPoolStrategy(size=_int_arg("concurrency", concurrency, 1))
    kwargs = dict(model=model, column=column,
                  output_column=output_column, n_threads=n_threads, normalize=normalize, **encode_kwargs)
    return ds.map_batches(
        Embedder,
        fn_constructor_kwargs=kwargs,
        batch_size=batch_size,
        batch_format=batch_format,
        compute=pool,  # = concurrency=..., which Ray >= 2.51 deprecates
        num_cpus=n_threads,
    )
