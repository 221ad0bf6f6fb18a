"""m2v_native.hub — HuggingFace hub ids for StaticModel.from_pretrained and push_to_hub, resolved
the way model2vec 0.10 (``model2vec/persistence``) and huggingface_hub resolve them.

    resolve_model("minishlab/potion-base-8M")      # -> ".../models--minishlab--potion-base-8M/snapshots/<sha>"
    push_to_hub("path/to/model", "me/my-model")     # create_repo + upload_folder

Resolution (``resolve_model``), in model2vec's ``_resolve_folder`` order:
  1. an existing local path is returned as it is;
  2. online (huggingface_hub installed and ``HF_HUB_OFFLINE`` not set): with
     ``force_download=False`` a cached snapshot that holds a model is used without a request;
     otherwise ``huggingface_hub.snapshot_download(repo_id, repo_type="model", token=token,
     allow_patterns=ALLOW_PATTERNS)`` — model2vec's call: only the model files and README.md,
     progress bars off — downloads into (or revalidates) the HuggingFace cache;
  3. offline (``HF_HUB_OFFLINE=1``) or without huggingface_hub: the local HuggingFace cache is
     read by libm2v's resolver (``m2v_hub_resolve`` in include/m2v.h, the same code
     ``m2v_model_load`` uses, so Python and C agree): ``$HF_HUB_CACHE`` (else
     ``$HF_HOME/hub``, else ``~/.cache/huggingface/hub``), ``models--org--name/refs/main`` ->
     ``snapshots/<sha>/``. A miss raises ``NotFoundError`` naming every path tried.

The result is the folder to load: with ``subfolder``, the snapshot (or local path) joined with
it. ``org/name@revision`` selects a branch, tag or commit (passed to snapshot_download as
``revision``; offline, ``refs/<revision>`` or ``snapshots/<sha>``); model2vec has no revisions.
As in model2vec, ``force_download`` only decides whether the cache is consulted first; it is not
passed on to snapshot_download (which re-downloads nothing whose ETag is unchanged).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from . import _core
from ._core import NotFoundError

__all__ = ["resolve_model", "push_to_hub", "ALLOW_PATTERNS", "ModelFilesNotFoundError"]

# model2vec.persistence.datamodels.FOLDER_LAYOUTS: (config, embeddings, tokenizer) per layout.
_LAYOUTS = (
    ("config.json", "model.safetensors", "tokenizer.json"),
    ("config_sentence_transformers.json", "model.safetensors", "tokenizer.json"),
    ("config_sentence_transformers.json", "0_StaticEmbedding/model.safetensors", "0_StaticEmbedding/tokenizer.json"),
)

ALLOW_PATTERNS: list[str] = [*sorted({f for layout in _LAYOUTS for f in layout}), "README.md"]
"""The files downloaded for a hub id: model2vec's ``[*get_all_model2vec_paths(), "README.md"]``."""

_TRUE = {"1", "ON", "YES", "TRUE"}


class ModelFilesNotFoundError(NotFoundError, ValueError):
    """A downloaded (or cached) hub snapshot holds no complete model layout. A ``ValueError`` with
    model2vec's message (what model2vec raises for the same repo) and a ``NotFoundError`` (what
    m2v_native raises for a local folder that lacks a file)."""


def _offline() -> bool:
    """huggingface_hub's rule: HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is 1/ON/YES/TRUE."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in _TRUE


def _huggingface_hub() -> Any:
    try:
        import huggingface_hub
    except ImportError:
        return None
    return huggingface_hub


def _has_valid_layout(folder: str) -> bool:
    """model2vec's ``_has_valid_layout``: every file of one layout exists."""
    return any(all(os.path.exists(os.path.join(folder, f)) for f in layout) for layout in _LAYOUTS)


def _check_layout(folder: str) -> None:
    if not _has_valid_layout(folder):
        missing = [f for f in _LAYOUTS[0] if not os.path.exists(os.path.join(folder, f))]
        err = ModelFilesNotFoundError(
            f"Could not find expected model files in {folder}. "
            "Tried model2vec, sentence-transformers, and 0_StaticEmbedding layouts. "
            f"(missing: {', '.join(missing)})"
        )
        err.status, err.code = "M2V_ERR_NOT_FOUND", 2
        raise err


def _cache_lookup(path_or_id: str) -> str:
    """libm2v's resolver (m2v_hub_resolve): the cached snapshot folder; the input unchanged when it
    is not a hub id; NotFoundError (naming every path tried) when the id is not cached."""
    return _core.hub_resolve(path_or_id)


def _split_revision(path_or_id: str) -> tuple[str, str | None]:
    repo, sep, revision = path_or_id.partition("@")
    return (repo, revision) if sep and revision else (path_or_id, None)


def resolve_model(
    path_or_id: str | os.PathLike,
    token: str | None = None,
    subfolder: str | None = None,
    force_download: bool = True,
    extra_files: Sequence[str] = (),
) -> str:
    """The model folder to load for ``path_or_id``: the path itself when it exists, else the
    snapshot folder of the hub id in the HuggingFace cache (downloaded first when online); with
    ``subfolder``, that folder joined with it (model2vec's ``_resolve_folder`` followed by
    ``folder / subfolder``). A string that is neither an existing path nor a valid hub id is
    returned unchanged (joined with ``subfolder``), so that the loader reports the missing folder.

    :param path_or_id: a local folder, or a hub id ``org/name`` (``name``, ``org/name@revision``).
    :param token: the HuggingFace token for private repos (passed to snapshot_download).
    :param extra_files: further files of the repo to download with the model (a pipeline's
        ``head.safetensors``).
    :param subfolder: a folder inside the repo holding the model: only its files are downloaded
        (model2vec's allow_patterns, prefixed), and its layout is what is checked.
    :param force_download: model2vec's meaning: ``False`` uses a cached snapshot holding a model
        without asking the hub; ``True`` (default) always asks the hub through snapshot_download,
        which still downloads only files whose ETag changed. Ignored offline.
    :raises NotFoundError: offline (or without huggingface_hub) and the id is not in the cache.
    :raises ModelFilesNotFoundError: (a ValueError, as in model2vec) the snapshot lacks model files.
    :raises huggingface_hub.errors.RepositoryNotFoundError, RevisionNotFoundError, ...: online
        errors from snapshot_download, unchanged (model2vec raises the same).
    """
    path = os.fspath(path_or_id)
    if not isinstance(path, str):
        path = os.fsdecode(path)

    def sub(folder: str) -> str:
        return os.path.join(folder, subfolder) if subfolder else folder

    if os.path.exists(path):
        return sub(path)
    hf = None if _offline() else _huggingface_hub()
    if hf is None:
        return sub(_cache_lookup(path))

    repo_id, revision = _split_revision(path)
    try:
        from huggingface_hub.utils import validate_repo_id

        validate_repo_id(repo_id)
    except Exception:
        return sub(path)  # not a hub id ("/x", "./x", "a/b/c"): the loader reports the missing folder

    if not force_download:
        try:
            folder = _cache_lookup(path)
        except NotFoundError:
            folder = None
        if folder is not None and folder != path and _has_valid_layout(sub(folder)):
            return sub(folder)

    allow_patterns = [*ALLOW_PATTERNS, *extra_files]
    if subfolder:
        allow_patterns = [f"{subfolder.strip('/')}/{pattern}" for pattern in allow_patterns]
    kwargs: dict[str, Any] = {}
    if revision is not None:
        kwargs["revision"] = revision
    folder = hf.snapshot_download(
        repo_id,
        repo_type="model",
        token=token,
        tqdm_class=_silent_tqdm(),
        allow_patterns=allow_patterns,
        **kwargs,
    )
    folder = sub(os.fspath(folder))
    _check_layout(folder)
    return folder


def _silent_tqdm() -> Any:
    """model2vec's SilentTqdm: a tqdm class that is always disabled (None without tqdm)."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None

    class SilentTqdm(tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

    return SilentTqdm


def push_to_hub(
    folder: str | os.PathLike,
    repo_id: str,
    private: bool = False,
    token: str | None = None,
    subfolder: str | None = None,
) -> None:
    """Upload a saved model folder to the hub, as model2vec's ``push_folder_to_hub``: create the
    repo when ``huggingface_hub.repo_exists`` says it does not exist (``private`` applies only
    then), then ``huggingface_hub.upload_folder`` of the whole folder into ``subfolder`` (the
    repo root when None). ``StaticModel.push_to_hub`` saves the model (with its card) into a
    temporary folder and calls this.

    :param folder: the local model folder (e.g. written by save_pretrained).
    :param repo_id: ``org/name`` on the hub.
    :param private: create the repo as private (an existing repo keeps its visibility).
    :param token: the HuggingFace token (None: huggingface_hub's stored token).
    :param subfolder: the folder inside the repo to upload into.
    :raises ValueError: ``folder`` is not a directory (huggingface_hub's upload_folder error,
        raised before any request).
    :raises ImportError: huggingface_hub is not installed.
    """
    hf = _huggingface_hub()
    if hf is None:
        raise ImportError("push_to_hub needs huggingface_hub: pip install huggingface_hub")
    path = os.fspath(folder)
    if not os.path.isdir(path):
        raise ValueError(f"Provided path: '{path}' is not a directory")
    if not hf.repo_exists(repo_id=repo_id, token=token):
        hf.create_repo(repo_id, token=token, private=private)
    hf.upload_folder(repo_id=repo_id, folder_path=path, token=token, path_in_repo=subfolder)
