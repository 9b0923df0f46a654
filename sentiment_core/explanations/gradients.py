"""Integrated gradients (Sundararajan et al. 2017) with respect to the word vectors.

The path runs from a text with every word's vectors replaced by the padding vector (the model's
own "nothing here") to the text itself, in ``steps`` straight-line steps (midpoint rule). Each
word gets (its vector - the padding vector) · (the average gradient along the path), so the
words' weights add up to margin(text) - margin(no words); the gap left by the finite number of
steps is reported as ``completeness_gap``.

Gradients come from the backend Keras runs on: a ``tf.GradientTape`` under TensorFlow,
``jax.grad`` under JAX (the GPU machine). Only Keras layers and ``keras.ops`` are called.
"""

from __future__ import annotations

import numpy as np
from keras import backend, ops

from .exact import rows
from .forward import EmbeddedInput, features_from_vectors, lookup

DEFAULT_STEPS = 32


def integrated_gradients(model, config, embedded: EmbeddedInput, weights: np.ndarray, bias: float,
                         steps: int = DEFAULT_STEPS) -> tuple[np.ndarray, float, float]:
    """``(attribution per embedded position, margin of the text, margin of the baseline)``."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1; got {steps}.")
    actual = lookup(model, embedded)  # [(1, positions, dim)] per channel
    padding = [rows(model.get_layer(name), np.zeros(1, np.int32), np.float32)[0] for name in embedded.layer_names]
    real = np.array([bool(owner) for owner in embedded.owners], dtype=np.float32)[None, :, None]  # (1, positions, 1)
    baseline = [np.where(real > 0, pad[None, None, :], vec).astype(np.float32) for vec, pad in zip(actual, padding)]
    alphas = ((np.arange(steps, dtype=np.float32) + 0.5) / steps)[:, None, None]  # (steps, 1, 1)
    paths = [(base + alphas * (vec - base)).astype(np.float32) for vec, base in zip(actual, baseline)]
    ids = np.repeat(embedded.ids, steps, axis=0)
    direction = ops.convert_to_tensor(np.asarray(weights, dtype=np.float32))

    def total_margin(vectors):
        features = features_from_vectors(model, config, vectors, ops.convert_to_tensor(ids))
        return ops.sum(ops.matmul(features, direction))

    gradients = _gradients(total_margin, paths)
    attributions = sum(((vec - base)[0] * grad.mean(axis=0)).sum(axis=-1)
                       for vec, base, grad in zip(actual, baseline, gradients))

    def margin_of(vectors):
        features = features_from_vectors(model, config, [ops.convert_to_tensor(v) for v in vectors],
                                         ops.convert_to_tensor(embedded.ids))
        return float(np.asarray(ops.convert_to_numpy(features), np.float64)[0] @ np.asarray(weights, np.float64)) + bias

    return np.asarray(attributions, dtype=np.float64), margin_of(actual), margin_of(baseline)


def _gradients(function, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """d function / d inputs, on whichever backend Keras uses."""
    name = backend.backend()
    if name == "tensorflow":
        import tensorflow as tf

        tensors = [tf.convert_to_tensor(x) for x in inputs]
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            value = function(tensors)
        return [np.asarray(g) for g in tape.gradient(value, tensors)]
    if name == "jax":
        import jax

        return [np.asarray(g) for g in jax.grad(function)([jax.numpy.asarray(x) for x in inputs])]
    if name == "torch":
        import torch

        tensors = [torch.tensor(x, requires_grad=True) for x in inputs]
        function(tensors).backward()
        return [t.grad.detach().cpu().numpy() for t in tensors]
    raise ValueError(f"Integrated gradients need the TensorFlow, JAX or PyTorch backend; Keras runs on {name!r}.")
