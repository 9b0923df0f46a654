"""The one scale every explanation is drawn on: a class's log-odds, and the model's logits.

Probabilities are the wrong scale to add words up on: the same word moves a 50 % prediction a
lot and a 99.9 % one hardly at all. The logits are where a model adds its evidence, so every
method here attributes the **margin** of a target class,

    margin_t = z_t - mean(z_k for k != t),

which for two classes is exactly the log-odds log(P_t / P_other), and for more classes is linear
in the logits too (so exact decompositions stay exact). A weight of +1 means "this word
multiplies the odds of the target class by e ≈ 2.7".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


def default_target(class_names: Sequence[str]) -> int:
    """Positive for sentiment models (a class named "pos..."), else the second of two classes.

    For more than two classes there is no natural default: callers pass the class they want
    (the page asks), and ``resolve_target`` falls back to the predicted class.
    """
    for index, name in enumerate(class_names):
        if str(name).lower().startswith("pos"):
            return index
    return 1 if len(class_names) == 2 else -1


def resolve_target(class_names: Sequence[str], target, predicted: int) -> int:
    """A class index from an index, a class name, or None (the default target, else the predicted class)."""
    if target is None:
        index = default_target(class_names)
        return predicted if index < 0 else index
    if isinstance(target, str):
        if target not in class_names:
            return predicted if default_target(class_names) < 0 else default_target(class_names)
        return list(class_names).index(target)
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool) and 0 <= target < len(class_names):
        return int(target)
    raise ValueError(f"target must be a class index from 0 to {len(class_names) - 1} or a class name; got {target!r}.")


def margin_weights(kernel: np.ndarray, bias: np.ndarray, target: int) -> tuple[np.ndarray, float]:
    """The classifier's weights and bias for ``margin_target``: column t minus the mean of the others."""
    kernel = np.asarray(kernel, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    others = [k for k in range(kernel.shape[1]) if k != target]
    return kernel[:, target] - kernel[:, others].mean(axis=1), float(bias[target] - bias[others].mean())


@dataclass
class LogitReader:
    """The input of a model's softmax classifier and its weights: logits in float64, never log(p).

    (float32 probabilities saturate at 1.0 for confident reviews, where log(p) loses everything.)
    """

    features_model: object
    kernel: np.ndarray
    bias: np.ndarray

    @classmethod
    def of(cls, model, layer: str = "classifier") -> "LogitReader":
        """The reader of ``model``'s classifier, or of another dense layer that adds to the logits
        (nb-cnn's ``cnn_logits``, the CNN side's share of them)."""
        import keras

        classifier = model.get_layer(layer)
        features = keras.Model(model.inputs, classifier.input, name=f"{model.name}_features")
        kernel, bias = classifier.get_weights()
        return cls(features, np.asarray(kernel, np.float64), np.asarray(bias, np.float64))

    def features(self, ids: np.ndarray) -> np.ndarray:
        from ..training import predict_in_batches

        return np.asarray(predict_in_batches(self.features_model, ids, 256), dtype=np.float64)

    def margins(self, ids: np.ndarray, target: int) -> np.ndarray:
        weights, bias = margin_weights(self.kernel, self.bias, target)
        return self.features(ids) @ weights + bias


def add_note(result: dict, note: str) -> None:
    """Append a sentence to an explanation's note (what it shows instead, which class)."""
    result["note"] = f"{result['note']} {note}".strip()
