"""m2v_native.inference — model2vec.inference's StaticModelPipeline, run by libm2v.

    from m2v_native.inference import StaticModelPipeline
    pipe = StaticModelPipeline.from_pretrained("path/to/pipeline")   # or a hub id
    pipe.predict(["is this spam?"])          # class labels, as model2vec
    pipe.predict_proba(["is this spam?"])    # float32 (n, n_classes)

A pipeline folder is a model2vec model plus head.safetensors (the MLP head's layers) and
config.json's "head_config" (model2vec 0.10's format, written by model2vec.train's
to_pipeline().save_pretrained()). The texts are encoded by the pipeline's StaticModel (all of
its encode arguments apply) and the head runs in libm2v (m2v_classifier_forward); labels are
chosen here with numpy exactly as model2vec chooses them (argmax of the logits, or probabilities
above the threshold). The GIL is released during encoding and during the head on more than 64
vectors.
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _core
from . import StaticModel, _UNSET, DEFAULT_BATCH_SIZE

__all__ = ["StaticModelPipeline", "MLPHead", "Activation", "evaluate_single_or_multi_label"]

HEAD_FILE = "head.safetensors"
"""The file of the head's tensors in a pipeline folder."""

_TASKS = ("softmax", "sigmoid", "identity")  # m2v_task 0, 1, 2 -> head_config "activation"


class Activation(str):
    """The output activation names of model2vec's `Activation` enum ("softmax", "sigmoid",
    "identity"); compares equal to the plain strings."""

    SOFTMAX = "softmax"
    SIGMOID = "sigmoid"
    IDENTITY = "identity"

    @property
    def value(self) -> str:
        return str(self)


class MLPHead:
    """The head of a pipeline as libm2v loaded it: `activation`, `classes_`, `n_layers`. The
    forward pass is libm2v's (`_core.Classifier.forward`)."""

    def __init__(self, core: _core.Classifier) -> None:
        self._core = core
        self.activation = Activation(_TASKS[core.task])
        classes = core.classes()
        self.classes_: np.ndarray | None = None if classes is None else np.asarray(list(classes))
        self.n_layers: int = core.n_layers

    def _forward(self, X: np.ndarray, activate: bool) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim != 2:
            raise ValueError(f"the head takes a 2-D array of vectors, got shape {X.shape}")
        n = X.shape[0]
        buf = self._core.forward(X.__array_interface__["data"][0] if n else 0, n, int(activate))
        return np.frombuffer(buf, dtype=np.float32).reshape(n, self._core.n_outputs)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities (softmax / sigmoid) or the raw outputs (identity) of vectors."""
        return self._forward(X, True)

    def predict_index(self, X: np.ndarray) -> np.ndarray:
        """The index of the most likely class of each vector (argmax of the logits)."""
        return self._forward(X, False).argmax(axis=1)

    def predict_regression(self, X: np.ndarray) -> np.ndarray:
        """The raw outputs of vectors."""
        return self._forward(X, False)


class StaticModelPipeline:
    """A StaticModel followed by an MLP head, with model2vec.inference.StaticModelPipeline's API."""

    def __init__(self, model: StaticModel, head: MLPHead) -> None:
        self.model = model
        self.head = head
        self.classes_ = head.classes_

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike[str], token: str | None = None, *,
                        mmap: bool = bool(_core.DEFAULT_MMAP)) -> StaticModelPipeline:
        """Load a pipeline from a local folder or a HuggingFace hub id, as model2vec does.

        :param path: the folder (model files, head.safetensors, config.json with head_config),
            or a hub id "org/name" (looked up in the HuggingFace cache, downloaded when online).
        :param token: HuggingFace token for private repos.
        :param mmap: m2v only: map model.safetensors (see StaticModel.from_pretrained).
        :raises FileNotFoundError: no folder, or no head.safetensors in it.
        :raises ValueError: (FormatError) a head that does not fit the model; (UnsupportedError)
            a legacy pipeline.skops folder.
        """
        from . import hub

        folder = hub.resolve_model(os.fspath(path), token=token, extra_files=(HEAD_FILE,))
        folder = os.path.abspath(folder)
        core = _core.Classifier(folder, int(bool(mmap)))
        model = StaticModel._from_core(core.model(), folder)
        return cls(model, MLPHead(core))

    def save_pretrained(self, path: str | os.PathLike[str]) -> None:
        """Write the pipeline folder as model2vec's save_pretrained: the model (its current
        `config`, with the head's "head_config") and head.safetensors. Atomic, as
        StaticModel.save_pretrained."""
        config = dict(self.model.config)
        config["head_config"] = {
            "n_layers": self.head.n_layers,
            "activation": str(self.head.activation),
            "classes": None if self.classes_ is None else np.asarray(self.classes_).tolist(),
        }
        meta = json.dumps({"base_model": self.model.base_model_name, "language": self.model.language}).encode()
        self.head._core.save(os.fspath(path), json.dumps(config).encode(), None, None, meta)

    def push_to_hub(self, repo_id: str, subfolder: str | None = None, token: str | None = None,
                    private: bool = False) -> None:
        """Save to a temporary folder and upload it (needs huggingface_hub and network)."""
        import tempfile

        from . import hub

        with tempfile.TemporaryDirectory() as tmp:
            self.save_pretrained(tmp)
            hub.push_to_hub(tmp, repo_id, private=private, token=token, subfolder=subfolder)

    def _encode(self, X: str | Sequence[str], show_progress_bar: bool, max_length: Any, batch_size: int) -> np.ndarray:
        # reference_dtype: model2vec's head reads the table's dtype (float16 vectors for a
        # float16 table), so the rounding is the same.
        encoded = self.model.encode(X, show_progress_bar=show_progress_bar, max_length=max_length,
                                    batch_size=batch_size, reference_dtype=True)
        if np.ndim(encoded) == 1:
            encoded = encoded[None, :]
        return encoded

    def predict(
        self,
        X: str | Sequence[str],
        show_progress_bar: bool = False,
        max_length: int | None = _UNSET,
        batch_size: int = DEFAULT_BATCH_SIZE,
        use_multiprocessing: bool = True,
        multiprocessing_threshold: int = 10_000,
        threshold: float = 0.5,
    ) -> np.ndarray:
        """The labels of the texts: one class each (single-label), an object array of the
        classes above `threshold` (multi-label), or the outputs (regression), as model2vec.

        :param X: a str or a sequence of str.
        :param show_progress_bar: show a progress bar while encoding.
        :param max_length: tokens per text; not passed = the model's; None = no truncation.
        :param batch_size: texts between progress updates.
        :param use_multiprocessing: accepted for model2vec compatibility (libm2v uses its own
            threads). :param multiprocessing_threshold: likewise.
        :param threshold: multi-label: the probability a class must exceed.
        """
        encoded = self._encode(X, show_progress_bar, max_length, batch_size)
        activation = self.head.activation
        if activation == Activation.IDENTITY:
            return self.head.predict_regression(encoded)
        if activation == Activation.SIGMOID:
            assert self.classes_ is not None
            proba = self.head.predict_proba(encoded)
            out_labels = [self.classes_[vector > threshold] for vector in proba]
            return np.asarray(out_labels, dtype=object)
        assert self.classes_ is not None
        return self.classes_[self.head.predict_index(encoded)]

    def predict_proba(
        self,
        X: str | Sequence[str],
        show_progress_bar: bool = False,
        max_length: int | None = _UNSET,
        batch_size: int = DEFAULT_BATCH_SIZE,
        use_multiprocessing: bool = True,
        multiprocessing_threshold: int = 10_000,
    ) -> np.ndarray:
        """Class probabilities, float32 (n, n_classes): softmax (single-label) or sigmoid
        (multi-label). Arguments as predict.

        :raises ValueError: the pipeline is a regression (projector) head.
        """
        if self.head.activation == Activation.IDENTITY:
            raise ValueError("You are using predict_proba on a projector model. This is not supported.")
        return self.head.predict_proba(self._encode(X, show_progress_bar, max_length, batch_size))

    def evaluate(self, X: Sequence[str], y: Any, batch_size: int = DEFAULT_BATCH_SIZE,
                 threshold: float = 0.5) -> dict[str, Any]:
        """A classification report (per-class precision / recall / f1-score / support,
        accuracy, macro and weighted averages) of the predictions against `y`, as model2vec's.

        :raises ValueError: the pipeline is a regression (projector) head.
        """
        if self.head.activation == Activation.IDENTITY:
            raise ValueError("You are using evaluate on a projector model. This is not supported.")
        predictions = self.predict(X, show_progress_bar=True, batch_size=batch_size, threshold=threshold)
        return evaluate_single_or_multi_label(predictions=predictions, y=y)

    def __repr__(self) -> str:
        n = 0 if self.classes_ is None else len(self.classes_)
        return f"StaticModelPipeline(path={self.model.path!r}, activation={str(self.head.activation)!r}, classes={n})"


def _is_multi_label_shaped(y: Any) -> bool:
    return isinstance(y, (list, tuple)) and len(y) > 0 and isinstance(y[0], (list, tuple, set))


def _indicator(rows: Sequence[Any], classes: Sequence[Any], multi: bool) -> np.ndarray:
    index = {label: position for position, label in enumerate(classes)}
    out = np.zeros((len(rows), len(classes)), dtype=int)
    for r, labels in enumerate(rows):
        for label in (labels if multi else (labels,)):
            out[r, index[label]] = 1
    return out


def evaluate_single_or_multi_label(predictions: np.ndarray, y: Sequence[Any]) -> dict[str, Any]:
    """model2vec's classification report: one-vs-rest (or multi-hot) precision, recall and
    f1-score per class (0 where undefined), support, accuracy (exact match of a row), the macro
    average and the support-weighted average. Classes are the sorted union of true and
    predicted labels; keys are str(class)."""
    y = [label.tolist() if hasattr(label, "tolist") else label for label in y]
    multi = _is_multi_label_shaped(y)
    if multi:
        classes = sorted({c for labels in y for c in labels} | {c for labels in predictions for c in labels})
        yt, yp = _indicator(y, classes, True), _indicator(list(predictions), classes, True)
    else:
        preds = predictions.tolist()
        classes = sorted(set(y) | set(preds))
        yt, yp = _indicator(y, classes, False), _indicator(preds, classes, False)
    tp = ((yt == 1) & (yp == 1)).sum(axis=0).astype(float)
    fp = ((yt == 0) & (yp == 1)).sum(axis=0).astype(float)
    fn = ((yt == 1) & (yp == 0)).sum(axis=0).astype(float)
    support = yt.sum(axis=0)
    pp, ap = tp + fp, tp + fn
    precision = np.divide(tp, pp, out=np.zeros_like(tp), where=pp > 0)
    recall = np.divide(tp, ap, out=np.zeros_like(tp), where=ap > 0)
    pr = precision + recall
    f1 = np.divide(2 * precision * recall, pr, out=np.zeros_like(precision), where=pr > 0)
    total = float(support.sum())
    report: dict[str, Any] = {
        str(c): {"precision": float(precision[i]), "recall": float(recall[i]), "f1-score": float(f1[i]),
                 "support": float(support[i])}
        for i, c in enumerate(classes)
    }
    report["accuracy"] = float(np.all(yt == yp, axis=1).mean())
    report["macro avg"] = {"precision": float(precision.mean()), "recall": float(recall.mean()),
                           "f1-score": float(f1.mean()), "support": total}
    w = support / total if total > 0 else np.zeros_like(support, dtype=float)
    report["weighted avg"] = {"precision": float((precision * w).sum()), "recall": float((recall * w).sum()),
                              "f1-score": float((f1 * w).sum()), "support": total}
    return report
