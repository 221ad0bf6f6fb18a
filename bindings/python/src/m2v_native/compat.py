"""m2v_native as a drop-in for model2vec: `patch_model2vec()` makes code written against
model2vec use m2v_native.

    import m2v_native
    m2v_native.patch_model2vec()

    from model2vec import StaticModel          # now m2v_native.StaticModel
    model = StaticModel.from_pretrained("path/to/model")

After the call, `import model2vec`, `from model2vec import StaticModel, quantize_model`,
`from model2vec.model import StaticModel`, `from model2vec.distill import distill` and
`from model2vec.inference import StaticModelPipeline` give m2v_native's objects:

- when the real model2vec package is installed, its modules `model2vec`, `model2vec.model`,
  `model2vec.distill` and `model2vec.inference` get m2v_native's `StaticModel`,
  `quantize_model`, `distill` and `StaticModelPipeline` in place of their own (`model2vec.distill` is replaced by a small package that keeps the real one's
  submodules reachable, so patching does not import torch);
- when it is not installed, shim modules with those names are put in `sys.modules` (with a
  module spec, so `importlib.util.find_spec("model2vec")` finds them).

m2v_native returns float32 vectors where model2vec returns the table's dtype (float16 for
float16 tables, ...); `patch_model2vec(reference_dtype=True)` makes the patched `StaticModel`
the subclass `ReferenceDtypeStaticModel`, whose encode / encode_as_sequence default to
`reference_dtype=True` (model2vec's dtypes). Then `isinstance(x, model2vec.StaticModel)` holds
for models made through the patched names (from_pretrained, quantize_model, distill's result is
a plain m2v_native.StaticModel), not for ones made with m2v_native.StaticModel directly.

Names bound before the call (`from model2vec import StaticModel` at the top of a module
imported earlier) keep the real class: patch first, then import the client. The call is
idempotent and thread-safe; `unpatch_model2vec()` undoes it.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import inspect
import importlib.util
import sys
import threading
import types
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Model2VecPatch", "ReferenceDtypeStaticModel", "patch_model2vec", "unpatch_model2vec", "is_patched"]

# The model2vec API that m2v_native mirrors (the version a shim reports as __version__).
EMULATED_MODEL2VEC_VERSION = "0.10.0"

from . import StaticModel as _StaticModel  # noqa: E402  (compat is imported at the end of __init__)

_MISSING = object()
_lock = threading.RLock()
_state: Model2VecPatch | None = None


@dataclass
class Model2VecPatch:
    """What patch_model2vec() did. Also a context manager: `with patch_model2vec(): ...`
    undoes the patch on exit."""

    module: types.ModuleType
    """The `model2vec` module now in `sys.modules` (the real one, patched, or the shim)."""
    real_model2vec: bool
    """True: the installed model2vec was patched; False: it is not installed and shims were
    put in sys.modules."""
    replaced: tuple[str, ...]
    """The dotted names that now give m2v_native's objects (e.g. "model2vec.model.StaticModel")."""
    reference_dtype: bool = False
    """Whether the patched StaticModel is ReferenceDtypeStaticModel (model2vec's dtypes)."""
    _saved: list[tuple[Any, str, Any]] = field(default_factory=list, repr=False)
    _modules: dict[str, Any] = field(default_factory=dict, repr=False)

    def __enter__(self) -> Model2VecPatch:
        return self

    def __exit__(self, *exc: Any) -> None:
        unpatch_model2vec()


def _with_reference_dtype_default(method: Any) -> Any:
    def wrapper(self: Any, sentences: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("reference_dtype", True)
        return method(self, sentences, **kwargs)

    sig = inspect.signature(method)
    wrapper.__signature__ = sig.replace(parameters=[
        p.replace(default=True) if p.name == "reference_dtype" else p for p in sig.parameters.values()])
    wrapper.__name__ = method.__name__
    wrapper.__qualname__ = f"ReferenceDtypeStaticModel.{method.__name__}"
    wrapper.__doc__ = (method.__doc__ or "") + "\n\n(ReferenceDtypeStaticModel: reference_dtype defaults to True.)"
    return wrapper


class ReferenceDtypeStaticModel(_StaticModel):
    """m2v_native.StaticModel whose encode and encode_as_sequence return model2vec's dtypes by
    default (reference_dtype=True): what patch_model2vec(reference_dtype=True) installs."""

    if "reference_dtype" in inspect.signature(_StaticModel.encode).parameters:
        encode = _with_reference_dtype_default(_StaticModel.encode)
    if "reference_dtype" in inspect.signature(_StaticModel.encode_as_sequence).parameters:
        encode_as_sequence = _with_reference_dtype_default(_StaticModel.encode_as_sequence)


def _m2v_objects(reference_dtype: bool) -> dict[str, Any]:
    import m2v_native

    cls = ReferenceDtypeStaticModel if reference_dtype else m2v_native.StaticModel
    out = {"StaticModel": cls, "distill": m2v_native.distill, "StaticModelPipeline": m2v_native.StaticModelPipeline}
    quantize_model = getattr(m2v_native, "quantize_model", None)
    if quantize_model is not None:
        out["quantize_model"] = quantize_model
    return out


def _new_module(name: str, doc: str, path: list[str] | None = None) -> types.ModuleType:
    module = types.ModuleType(name, doc)
    spec = importlib.machinery.ModuleSpec(name, None, is_package=path is not None)
    if path is not None:
        spec.submodule_search_locations = list(path)
        module.__path__ = list(path)
    module.__spec__ = spec
    module.__loader__ = None
    module.__package__ = name if path is not None else name.rpartition(".")[0]
    module.__m2v_shim__ = True
    return module


def _real_model2vec() -> types.ModuleType | None:
    """The installed model2vec package, imported, or None when it is not installed (or does
    not import)."""
    module = sys.modules.get("model2vec")
    if module is not None:
        return module
    try:
        if importlib.util.find_spec("model2vec") is None:
            return None
        return importlib.import_module("model2vec")
    except Exception:  # noqa: BLE001 - a broken install is treated as absent
        for name in [n for n in sys.modules if n == "model2vec" or n.startswith("model2vec.")]:
            del sys.modules[name]
        return None


def _distill_package(objs: dict[str, Any], real_path: list[str] | None) -> types.ModuleType:
    """`model2vec.distill` giving m2v_native.distill. Over a real install it keeps the real
    package's __path__, so `model2vec.distill.distillation` etc. still import, and other
    names (distill_from_model) are read from the real `distillation` module on first use."""
    module = _new_module(
        "model2vec.distill",
        "model2vec.distill, patched by m2v_native.patch_model2vec(): distill is m2v_native.distill.",
        real_path if real_path is not None else [],
    )
    module.distill = objs["distill"]
    module.__all__ = ["distill"]

    def __getattr__(name: str) -> Any:
        if real_path and not name.startswith("__"):
            distillation = importlib.import_module("model2vec.distill.distillation")
            if hasattr(distillation, name):
                return getattr(distillation, name)
        raise AttributeError(f"module 'model2vec.distill' (patched by m2v_native) has no attribute {name!r}")

    module.__getattr__ = __getattr__
    return module


def patch_model2vec(*, reference_dtype: bool = False) -> Model2VecPatch:
    """Make model2vec's public names give m2v_native's StaticModel, quantize_model and
    distill (see the module docstring). Idempotent: a second call returns the same
    Model2VecPatch (a different `reference_dtype` while patched raises ValueError: unpatch
    first). Returns what was done; `with patch_model2vec(): ...` undoes it on exit.

    :param reference_dtype: patch in ReferenceDtypeStaticModel, whose encode and
        encode_as_sequence return model2vec's dtypes (float16 for float16 tables, ...) instead
        of float32."""
    global _state
    reference_dtype = bool(reference_dtype)
    with _lock:
        if _state is not None:
            if _state.reference_dtype != reference_dtype:
                raise ValueError(f"model2vec is already patched with reference_dtype={_state.reference_dtype}; "
                                 "call unpatch_model2vec() first")
            return _state
        objs = _m2v_objects(reference_dtype)
        real = _real_model2vec()
        saved: list[tuple[Any, str, Any]] = []
        modules: dict[str, Any] = {}
        replaced: list[str] = []

        def put(obj: Any, attr: str, value: Any, dotted: str) -> None:
            saved.append((obj, attr, getattr(obj, attr, _MISSING)))
            setattr(obj, attr, value)
            replaced.append(dotted)

        def put_module(name: str, module: types.ModuleType) -> None:
            modules[name] = sys.modules.get(name, _MISSING)
            sys.modules[name] = module

        if real is not None:
            model_mod = sys.modules.get("model2vec.model") or importlib.import_module("model2vec.model")
            for name in ("StaticModel", "quantize_model"):
                if name in objs:
                    put(real, name, objs[name], f"model2vec.{name}")
                    put(model_mod, name, objs[name], f"model2vec.model.{name}")
            try:
                inference = importlib.import_module("model2vec.inference")
                inference_model = importlib.import_module("model2vec.inference.model")
            except Exception:  # noqa: BLE001 - an install without the inference extras
                inference = inference_model = None
            if inference is not None:
                put(inference, "StaticModelPipeline", objs["StaticModelPipeline"], "model2vec.inference.StaticModelPipeline")
                put(inference_model, "StaticModelPipeline", objs["StaticModelPipeline"],
                    "model2vec.inference.model.StaticModelPipeline")
            existing = sys.modules.get("model2vec.distill")
            if existing is not None and not getattr(existing, "__m2v_shim__", False):
                # Already imported for real: patch its attribute.
                put(existing, "distill", objs["distill"], "model2vec.distill.distill")
            else:
                spec = importlib.util.find_spec("model2vec.distill")
                path = list(spec.submodule_search_locations or []) if spec is not None else None
                shim = _distill_package(objs, path)
                put_module("model2vec.distill", shim)
                put(real, "distill", shim, "model2vec.distill")
                replaced.append("model2vec.distill.distill")
            module = real
        else:
            module = _new_module(
                "model2vec",
                "model2vec shim installed by m2v_native.patch_model2vec(): model2vec's API over libm2v.",
                [],
            )
            module.__version__ = EMULATED_MODEL2VEC_VERSION
            model_mod = _new_module("model2vec.model", "model2vec.model shim (m2v_native).")
            for name in ("StaticModel", "quantize_model"):
                if name in objs:
                    setattr(module, name, objs[name])
                    setattr(model_mod, name, objs[name])
                    replaced += [f"model2vec.{name}", f"model2vec.model.{name}"]
            module.__all__ = [n for n in ("StaticModel", "quantize_model") if n in objs] + ["__version__"]
            distill_mod = _distill_package(objs, None)
            from . import inference as m2v_inference

            inference_mod = _new_module("model2vec.inference", "model2vec.inference shim (m2v_native).")
            inference_mod.StaticModelPipeline = objs["StaticModelPipeline"]
            inference_mod.evaluate_single_or_multi_label = m2v_inference.evaluate_single_or_multi_label
            inference_mod.__all__ = ["StaticModelPipeline", "evaluate_single_or_multi_label"]
            module.inference = inference_mod
            replaced.append("model2vec.inference.StaticModelPipeline")
            put_module("model2vec.inference", inference_mod)
            module.model = model_mod
            module.distill = distill_mod
            replaced.append("model2vec.distill.distill")
            put_module("model2vec", module)
            put_module("model2vec.model", model_mod)
            put_module("model2vec.distill", distill_mod)
        _state = Model2VecPatch(module=module, real_model2vec=real is not None, replaced=tuple(replaced),
                                reference_dtype=reference_dtype, _saved=saved, _modules=modules)
        return _state


def unpatch_model2vec() -> bool:
    """Undo patch_model2vec(): the real model2vec's attributes are restored and shim modules
    leave sys.modules. Returns False when nothing was patched."""
    global _state
    with _lock:
        state = _state
        if state is None:
            return False
        for obj, attr, old in reversed(state._saved):
            if old is _MISSING:
                try:
                    delattr(obj, attr)
                except AttributeError:
                    pass
            else:
                setattr(obj, attr, old)
        for name, old in state._modules.items():
            current = sys.modules.get(name)
            if current is not None and getattr(current, "__m2v_shim__", False):
                if old is _MISSING:
                    del sys.modules[name]
                else:
                    sys.modules[name] = old
        if not state.real_model2vec:
            # Submodules imported under the shim package (none in practice) go too.
            for name in [n for n in sys.modules if n.startswith("model2vec.")]:
                if getattr(sys.modules[name], "__m2v_shim__", False):
                    del sys.modules[name]
        _state = None
        return True


def is_patched() -> bool:
    """Whether patch_model2vec() is in effect."""
    return _state is not None
