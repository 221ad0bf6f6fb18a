"""m2v_native.train — model2vec.train's fine-tuning without torch: the training runs in libm2v
(m2v_classifier_train, Swift + OpenBLAS).

    from m2v_native.train import StaticModelForClassification
    clf = StaticModelForClassification.from_pretrained("path/to/model")   # or a hub id
    clf.fit(texts, labels)                  # str / int labels, or lists of them (multi-label)
    clf.predict(["is this spam?"])
    clf.to_pipeline().save_pretrained("my-classifier")   # loads in model2vec.inference too

The API is model2vec 0.10's StaticModelForClassification / StaticModelForRegression: the same
constructor and fit() arguments and defaults (device is accepted and ignored: libm2v trains on
the CPU). What differs: the random streams are m2v's own (a seed gives the same result in m2v
every time, not model2vec's numbers); texts are tokenized once before training instead of per
batch; X and y must be sequences, arrays or dataset columns that can be read into memory.
Predictions come from the trained pipeline (StaticModelPipeline), whose encoder cuts texts as
StaticModel.encode does. Ctrl-C stops a training (KeyboardInterrupt); a progress bar per epoch
is shown as model2vec shows one.
"""
from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from . import _core
from . import StaticModel, _UNSET
from .inference import StaticModelPipeline

__all__ = ["StaticModelForClassification", "StaticModelForRegression"]

logger = logging.getLogger(__name__)

DEFAULT_RANDOM_SEED = 42
_TASK_SINGLE, _TASK_MULTI, _TASK_REGRESSION = 0, 1, 2


def _as_list(values: Any, name: str) -> list[Any]:
    if isinstance(values, str) or values is None:
        raise ValueError(f"{name} must be a list, a tuple, an array or a column, got {type(values).__name__}.")
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values)


def _to_m2v_model(model: Any) -> StaticModel:
    """An m2v_native.StaticModel for `model` (a model2vec StaticModel is rebuilt from its arrays)."""
    if isinstance(model, StaticModel):
        return model
    return StaticModel(model.embedding, model.tokenizer, config=dict(model.config), normalize=model.normalize,
                       weights=model.weights, token_mapping=model.token_mapping, max_length=model.max_length,
                       base_model_name=getattr(model, "base_model_name", None), language=getattr(model, "language", None))


def _bytes_set(s: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    """(texts, labels, values) with the arrays as bytes (what _core.train reads)."""
    if s is None:
        return None
    texts, labels, values = s
    return (texts, None if labels is None else np.ascontiguousarray(labels, dtype=np.int32).tobytes(),
            None if values is None else np.ascontiguousarray(values, dtype=np.float32).tobytes())


class _Bars:
    """model2vec's progress: one bar per epoch ("Epoch N", steps, with the latest losses)."""

    def __init__(self) -> None:
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover - tqdm is a dependency of model2vec, optional here
            tqdm = None
        self._tqdm = tqdm
        self._bar: Any = None
        self._epoch = -1
        self._post: dict[str, str] = {}

    def __call__(self, epoch: int, step: int, per_epoch: int, train_loss: float, val_loss: float,
                 val_metric: float) -> bool:
        if self._tqdm is None:
            return False
        if not math.isnan(val_loss):
            self._post.update(val_loss=f"{val_loss:.4f}", val_metric=f"{val_metric:.4f}")
        if epoch != self._epoch:
            self.close()
            self._epoch = epoch
            self._bar = self._tqdm(total=per_epoch, desc=f"Epoch {epoch + 1}", unit="step")
            self._start = step
        if self._bar is not None:
            self._post["train_loss"] = f"{train_loss:.4f}"
            self._bar.n = min(per_epoch, step - self._start)
            self._bar.set_postfix(self._post, refresh=False)
            self._bar.refresh()
        return False

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class _Finetuneable:
    """What StaticModelForClassification and StaticModelForRegression share: the base model,
    the head's shape, and the trained pipeline."""

    _task_kind = "classification"

    def __init__(self, *, model: StaticModel, n_layers: int = 1, hidden_dim: int = 512, out_dim: int = 2,
                 freeze: bool = False, normalize: bool = True, freeze_weights: bool | None = None,
                 max_length: Any = _UNSET) -> None:
        self._base = _to_m2v_model(model)
        self.n_layers = int(n_layers)
        self.hidden_dim = int(hidden_dim)
        self.out_dim = int(out_dim)
        self.freeze = bool(freeze)
        self.normalize = bool(normalize)
        self.freeze_weights = freeze_weights
        self.max_length = self._base.max_length if max_length is _UNSET else max_length
        self._pipeline: StaticModelPipeline | None = None
        self.history: dict[str, Any] = {}

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike[str] = "minishlab/potion-base-32m", *, token: str | None = None,
                        model_name: str | None = None, max_length: Any = _UNSET, n_layers: int = 1,
                        hidden_dim: int = 512, out_dim: int = 2, freeze: bool = False, normalize: bool = True,
                        freeze_weights: bool | None = None, **kwargs: Any) -> Any:
        """Load a model2vec model (folder or hub id) to fine-tune, as model2vec does."""
        if model_name:
            logger.warning("The 'model_name' argument is deprecated. Use 'path' instead.")
            path = model_name
        model = StaticModel.from_pretrained(path, token=token)
        return cls.from_static_model(model=model, max_length=max_length, n_layers=n_layers, hidden_dim=hidden_dim,
                                     out_dim=out_dim, freeze=freeze, normalize=normalize,
                                     freeze_weights=freeze_weights, **kwargs)

    @classmethod
    def from_static_model(cls, *, model: Any, max_length: Any = _UNSET, n_layers: int = 1, hidden_dim: int = 512,
                          out_dim: int = 2, freeze: bool = False, normalize: bool = True,
                          freeze_weights: bool | None = None, **kwargs: Any) -> Any:
        """Fine-tune a StaticModel (m2v_native's, or model2vec's: rebuilt from its arrays)."""
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {sorted(kwargs)}")
        return cls(model=model, max_length=max_length, n_layers=n_layers, hidden_dim=hidden_dim, out_dim=out_dim,
                   freeze=freeze, normalize=normalize, freeze_weights=freeze_weights)

    # ---- the call into libm2v ---------------------------------------------------------------

    def _run(self, task: int, n_outputs: int, classes: list[Any] | None, train: tuple[Any, ...],
             val: tuple[Any, ...] | None, *, learning_rate: float, batch_size: int | None, min_epochs: int | None,
             max_epochs: int | None, early_stopping_patience: int | None, test_size: float | int,
             validation_steps: int | None, random_seed: int, token_dropout: float, focal_gamma: float = 0.0,
             class_weight: np.ndarray | None = None, lazy_embeddings: bool = True, n_threads: int = 0) -> None:
        if isinstance(test_size, bool):
            raise ValueError("test_size must be a float or an int, not a bool.")
        if not 0.0 <= token_dropout < 1.0:
            raise ValueError("token_dropout must be in the range [0, 1).")
        names = ids = None
        if classes is not None:
            if all(isinstance(c, str) for c in classes):
                names = list(classes)
            elif all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in classes):
                ids = np.asarray(classes, dtype=np.int64)
            else:
                raise ValueError("Labels must be strings or integers.")
        ml = self.max_length
        max_length = 0 if ml is None else int(ml)
        if isinstance(test_size, float) and test_size >= 1:
            raise ValueError(f"test_size {test_size} as a fraction must be below 1; pass an int for a count.")
        params = (
            self.n_layers, self.hidden_dim, float(learning_rate), 0 if batch_size is None else int(batch_size),
            -1 if min_epochs is None else int(min_epochs), -1 if max_epochs is None or max_epochs < 0 else int(max_epochs),
            -1 if early_stopping_patience is None else int(early_stopping_patience),
            0 if validation_steps is None else int(validation_steps), float(test_size), int(random_seed) & (2**64 - 1),
            int(self.freeze), int(self.normalize), -1 if self.freeze_weights is None else int(bool(self.freeze_weights)),
            max_length, float(token_dropout), float(focal_gamma),
            None if class_weight is None else np.ascontiguousarray(class_weight, dtype=np.float32).tobytes(),
            int(n_threads), int(bool(lazy_embeddings)),
        )
        bars = _Bars()
        try:
            core, epochs, steps, best = _core.train(self._base._core, task, n_outputs, names,
                                                    None if ids is None else ids.tobytes(), _bytes_set(train), _bytes_set(val), params, bars)
        finally:
            bars.close()
        model = StaticModel._from_core(core.model(), "")
        from .inference import MLPHead

        self._pipeline = StaticModelPipeline(model, MLPHead(core))
        self.history = {"epochs": epochs, "steps": steps, "best_val_metric": best}

    def _trained(self) -> StaticModelPipeline:
        if self._pipeline is None:
            raise RuntimeError(f"{type(self).__name__} has not been fitted yet: call fit() first.")
        return self._pipeline

    def to_pipeline(self) -> StaticModelPipeline:
        """The trained model as a StaticModelPipeline (save_pretrained writes model2vec's format)."""
        return self._trained()

    def to_static_model(self) -> StaticModel:
        """The fine-tuned encoder as a StaticModel (token weights folded into the table as model2vec)."""
        return self._trained().model

    @property
    def device(self) -> str:
        return "cpu"


def _labels(y: Any, name: str) -> tuple[bool, Counter, list[Any]]:
    y = _as_list(y, name)
    if not y:
        raise ValueError(f"{name} is empty.")
    if isinstance(y[0], (str, int)):
        if not all(isinstance(label, (str, int)) for label in y):
            raise ValueError(f"Inconsistent label types in {name}. All labels must be strings or integers.")
        return False, Counter(y), y
    rows = [label.tolist() if hasattr(label, "tolist") else label for label in y]
    if not all(isinstance(label, (list, tuple)) for label in rows):
        raise ValueError(f"Inconsistent label types in {name}. All labels must be lists or tuples.")
    flat = [c for row in rows for c in row]
    if not all(isinstance(c, (str, int)) for c in flat):
        raise ValueError(f"Inconsistent label types in {name}. All classes must be strings or integers.")
    return True, Counter(flat), rows


class StaticModelForClassification(_Finetuneable):
    """model2vec.train.StaticModelForClassification, trained by libm2v."""

    def __init__(self, *, model: StaticModel, n_layers: int = 1, hidden_dim: int = 512, out_dim: int = 2,
                 freeze: bool = False, normalize: bool = True, freeze_weights: bool | None = None,
                 max_length: Any = _UNSET) -> None:
        super().__init__(model=model, n_layers=n_layers, hidden_dim=hidden_dim, out_dim=out_dim, freeze=freeze,
                         normalize=normalize, freeze_weights=freeze_weights, max_length=max_length)
        self.classes_: list[Any] = [str(x) for x in range(out_dim)]
        self.multilabel: bool = False

    @property
    def classes(self) -> np.ndarray:
        """All classes in the correct order."""
        return np.array(self.classes_)

    def fit(
        self,
        X: Sequence[str],
        y: Any,
        learning_rate: float = 1e-3,
        batch_size: int | None = None,
        min_epochs: int | None = None,
        max_epochs: int | None = -1,
        early_stopping_patience: int | None = 5,
        test_size: float | int = 0.1,
        device: str = "auto",
        X_val: Sequence[str] | None = None,
        y_val: Any = None,
        class_weight: Literal["balanced"] | dict[str, float] | Any | None = None,
        validation_steps: int | None = None,
        random_seed: int = DEFAULT_RANDOM_SEED,
        token_dropout: float = 0.0,
        focal_gamma: float = 0.0,
        *,
        lazy_embeddings: bool = bool(_core.TRAIN_LAZY_EMBEDDINGS),
        n_threads: int = 0,
    ) -> StaticModelForClassification:
        """Train the head (and the table, unless frozen) on labelled texts, as model2vec's fit:
        single-label for str / int labels, multi-label for lists of them; early stopping on
        the validation accuracy, the best checkpoint kept. `device` is ignored (CPU).

        m2v only: `lazy_embeddings` (default: libm2v's, m2v_train_default_params) updates only
        the table rows a step touches (sparse Adam: faster and smaller on big vocabularies; rare
        rows move less than under model2vec's dense Adam); False = dense Adam on every row, as
        model2vec;
        `n_threads` caps the threads that tokenize and pool (0 = all cores; the result does not
        depend on it)."""
        if focal_gamma < 0:
            raise ValueError(f"focal_gamma must be non-negative, got {focal_gamma}.")
        if (X_val is None) != (y_val is None):
            raise ValueError("Both X_val and y_val must be provided together, or neither.")
        texts = _as_list(X, "X")
        multilabel, counts, labels = _labels(y, "y")
        if len(texts) != len(labels):
            raise ValueError(f"X and y must have the same length, got {{'X': {len(texts)}, 'y': {len(labels)}}}.")
        if not all(isinstance(t, str) for t in texts):
            raise ValueError("All texts in X must be strings.")
        self.multilabel = multilabel
        self.classes_ = sorted(counts)
        self.out_dim = len(self.classes_)
        index = {c: i for i, c in enumerate(self.classes_)}

        def encode(rows: list[Any], what: str) -> np.ndarray:
            try:
                if not multilabel:
                    return np.fromiter((index[label] for label in rows), dtype=np.int32, count=len(rows))
                flags = np.zeros((len(rows), len(index)), dtype=np.int32)
                for r, row in enumerate(rows):
                    flags[r, [index[label] for label in row]] = 1
                return flags
            except KeyError as error:
                raise ValueError(f"Label {error.args[0]!r} in {what} is not one of the classes {self.classes_}.") from None

        val = None
        if X_val is not None:
            vtexts = _as_list(X_val, "X_val")
            vmulti, vcounts, vlabels = _labels(y_val, "y_val")
            if vmulti != multilabel:
                raise ValueError("y_val must be multi-label if and only if y is multi-label.")
            unknown = set(vcounts) - set(self.classes_)
            if unknown:
                raise ValueError(f"y_val contains classes that are not in y: {sorted(unknown, key=str)}.")
            if len(vtexts) != len(vlabels):
                raise ValueError("X_val and y_val must have the same length.")
            val = (vtexts, encode(vlabels, "y_val"), None)
        weights = None
        if class_weight is not None:
            if isinstance(class_weight, str) and class_weight == "balanced":
                total, n_classes = sum(counts.values()), len(counts)
                weights = np.array([total / (n_classes * counts[c]) for c in self.classes_], dtype=np.float32)
            elif isinstance(class_weight, dict):
                weights = np.array([class_weight[c] for c in self.classes_], dtype=np.float32)
            else:
                w = np.asarray(class_weight, dtype=np.float32).reshape(-1)
                if len(w) != len(self.classes_):
                    raise ValueError("class_weight must have the same length as the number of classes.")
                weights = w
        self._run(_TASK_MULTI if multilabel else _TASK_SINGLE, len(self.classes_), list(self.classes_),
                  (texts, encode(labels, "y"), None), val, learning_rate=learning_rate, batch_size=batch_size,
                  min_epochs=min_epochs, max_epochs=max_epochs, early_stopping_patience=early_stopping_patience,
                  test_size=test_size, validation_steps=validation_steps, random_seed=random_seed,
                  token_dropout=token_dropout, focal_gamma=focal_gamma, class_weight=weights,
                  lazy_embeddings=lazy_embeddings, n_threads=n_threads)
        return self

    def predict(self, X: Sequence[str], show_progress_bar: bool = False, batch_size: int = 1024,
                threshold: float = 0.5) -> np.ndarray:
        """One class per text, or (multi-label) an object array of the classes above `threshold`."""
        return self._trained().predict(X, show_progress_bar=show_progress_bar, batch_size=batch_size, threshold=threshold)

    def predict_proba(self, X: Sequence[str], show_progress_bar: bool = False, batch_size: int = 1024) -> np.ndarray:
        """Softmax (single-label) or sigmoid (multi-label) probabilities, float32 (n, n_classes)."""
        return self._trained().predict_proba(X, show_progress_bar=show_progress_bar, batch_size=batch_size)

    def evaluate(self, X: Sequence[str], y: Any, batch_size: int = 1024, threshold: float = 0.5) -> dict[str, Any]:
        """model2vec's classification report of the predictions against `y`."""
        return self._trained().evaluate(X, y, batch_size=batch_size, threshold=threshold)


class StaticModelForRegression(_Finetuneable):
    """model2vec.train.StaticModelForRegression (MSE on target vectors), trained by libm2v."""

    _task_kind = "regression"

    def fit(
        self,
        X: Sequence[str],
        y: Any,
        learning_rate: float = 1e-3,
        batch_size: int | None = None,
        min_epochs: int | None = None,
        max_epochs: int | None = -1,
        early_stopping_patience: int | None = 5,
        test_size: float | int = 0.1,
        device: str = "auto",
        X_val: Sequence[str] | None = None,
        y_val: Any = None,
        validation_steps: int | None = None,
        random_seed: int = DEFAULT_RANDOM_SEED,
        token_dropout: float = 0.0,
        *,
        lazy_embeddings: bool = bool(_core.TRAIN_LAZY_EMBEDDINGS),
        n_threads: int = 0,
    ) -> StaticModelForRegression:
        """Train the head (and the table, unless frozen) to output the vectors `y` (n x d),
        early stopping on the validation loss, as model2vec's fit (m2v-only keywords as for
        StaticModelForClassification.fit)."""
        if (X_val is None) != (y_val is None):
            raise ValueError("Both X_val and y_val must be provided together, or neither.")
        texts = _as_list(X, "X")
        values = np.asarray(y, dtype=np.float32)
        if values.ndim != 2:
            raise ValueError(f"y must be 2-dimensional, got {values.ndim} dimensions.")
        if len(texts) != len(values):
            raise ValueError("X and y must have the same length.")
        self.out_dim = values.shape[1]
        val = None
        if X_val is not None:
            vvalues = np.asarray(y_val, dtype=np.float32)
            if vvalues.ndim != 2 or vvalues.shape[1] != self.out_dim:
                raise ValueError(f"The vectors in y_val have dimension {vvalues.shape[-1]}, but those in y have "
                                 f"dimension {self.out_dim}.")
            val = (_as_list(X_val, "X_val"), None, np.ascontiguousarray(vvalues))
        self._run(_TASK_REGRESSION, self.out_dim, None, (texts, None, np.ascontiguousarray(values)), val,
                  learning_rate=learning_rate, batch_size=batch_size, min_epochs=min_epochs, max_epochs=max_epochs,
                  early_stopping_patience=early_stopping_patience, test_size=test_size,
                  validation_steps=validation_steps, random_seed=random_seed, token_dropout=token_dropout,
                  lazy_embeddings=lazy_embeddings, n_threads=n_threads)
        return self

    def encode(self, X: list[str], batch_size: int = 1024, show_progress_bar: bool = False) -> np.ndarray:
        """The head's outputs for the texts, float32 (n, out_dim)."""
        return self._trained().predict(X, show_progress_bar=show_progress_bar, batch_size=batch_size)

    predict = encode
