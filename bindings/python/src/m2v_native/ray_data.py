"""m2v_native.ray_data — embed a text column of a Ray Dataset with m2v_native.

    import ray
    from m2v_native.ray_data import Embedder, embed_dataset

    ds = ray.data.read_text("texts.txt")                        # column "text"
    ds = embed_dataset(ds, "/shared/models/minilm")             # + column "embedding"
    # or, by hand:
    ds = ds.map_batches(Embedder, fn_constructor_kwargs={"model_path": "/shared/models/minilm"},
                        batch_format="numpy", num_cpus=1,
                        compute=ray.data.ActorPoolStrategy(size=2))   # Ray < 2.51: concurrency=2
    ds.write_parquet("/tmp/out")

Needs ray[data] >= 2.9 (`pip install "m2v-native[ray]"`). `Embedder` is a callable class, so
Ray runs it in a pool of actors: each actor loads the model once, in its constructor, and then
encodes every batch it is given. `model_path` must be readable at that path on every node
(a shared filesystem, or a copy at the same path); the model is never shipped through Ray.
(The module is not called `ray` so that it cannot shadow the real `ray` package.)
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from . import DEFAULT_BATCH_SIZE, StaticModel, _int_arg

if TYPE_CHECKING:  # pragma: no cover
    import ray.data

__all__ = ["Embedder", "embed_dataset"]


class Embedder:
    """A Ray Data batch function (callable class): adds `output_column`, the embedding of the
    string column `column`, to each batch.

    Accepts the batch formats "numpy" (dict of arrays; the vectors are a 2-D float32 array,
    which Ray stores as a fixed-shape tensor column), "pandas" (DataFrame; a column of float32
    arrays) and "pyarrow" (Table; a list<float> column). A missing (None / null) text raises
    ValueError: filter such rows first. The vectors are identical to
    `StaticModel.from_pretrained(model_path).encode(texts)` whatever the batching.

    :param model_path: a model folder readable at this path by every Ray worker.
    :param column: the text column.
    :param output_column: the new column (must not exist yet).
    :param n_threads: encode threads per actor; give map_batches num_cpus=n_threads so that
        actors x threads ~= cores.
    :param normalize: override the model's normalize setting (None keeps it).
    :param encode_kwargs: passed to StaticModel.encode (e.g. max_length).
    """

    def __init__(
        self,
        model_path: str | os.PathLike,
        column: str = "text",
        output_column: str = "embedding",
        n_threads: int = 1,
        normalize: bool | None = None,
        **encode_kwargs: Any,
    ) -> None:
        self.model = StaticModel.from_pretrained(model_path, normalize=normalize)
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
    model_path: str | os.PathLike,
    column: str = "text",
    output_column: str = "embedding",
    *,
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
    if concurrency is None:
        cpus = int(ray.cluster_resources().get("CPU", 1)) if ray.is_initialized() else (os.cpu_count() or 1)
        most = max(1, cpus // n_threads)
        concurrency = (1, most) if most > 1 else 1
    if isinstance(concurrency, tuple):
        pool = ActorPoolStrategy(min_size=concurrency[0], max_size=concurrency[1])
    else:
        pool = ActorPoolStrategy(size=_int_arg("concurrency", concurrency, 1))
    kwargs = dict(model_path=os.path.abspath(os.fspath(model_path)), column=column,
                  output_column=output_column, n_threads=n_threads, normalize=normalize, **encode_kwargs)
    return ds.map_batches(
        Embedder,
        fn_constructor_kwargs=kwargs,
        batch_size=batch_size,
        batch_format=batch_format,
        compute=pool,  # = concurrency=..., which Ray >= 2.51 deprecates
        num_cpus=n_threads,
    )
