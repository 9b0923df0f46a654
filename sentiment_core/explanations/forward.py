"""Each variant's forward pass from its word vectors to the classifier's features.

Integrated gradients differentiate with respect to the embedded vectors, which a model called on
word ids never exposes. These functions run the same layers as :mod:`sentiment_core.models`
builds, by name, starting after the embedding lookup; dropout is left out (it is the identity
at inference). ``tests/test_explanations.py`` checks that every variant gives the model's own
logits, so a builder that changes without this file fails a test instead of explaining wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from keras import ops

from ..config import GLOVE_VARIANTS, ModelConfig


@dataclass(frozen=True)
class EmbeddedInput:
    """What the embedding layers read: ids per embedding table, and which word each position belongs to.

    ``owners[p]`` lists the token indices position ``p`` stands for: one word, two or three for a
    fastText pair or triple, none for padding. Attributions at a position are shared among its owners.
    """

    ids: np.ndarray  # (1, positions) ids fed to the embedding layer(s)
    layer_names: tuple[str, ...]  # one table per channel (two for multichannel)
    owners: tuple[tuple[int, ...], ...]


def embedding_layer_names(config: ModelConfig) -> tuple[str, ...]:
    if config.variant == "multichannel":
        return ("glove_static_channel", "glove_tuned_channel")
    if config.variant in GLOVE_VARIANTS:
        return ("glove_embedding",)
    return ("embedding",)


def embedded_input(model, config: ModelConfig, word_ids: np.ndarray, tokens: int) -> EmbeddedInput:
    """The embedding layers' input for one encoded text of ``tokens`` words (padding after them)."""
    length = word_ids.shape[1]
    owners: list[tuple[int, ...]] = [(p,) if p < tokens else () for p in range(length)]
    ids = word_ids
    if config.variant == "fasttext" and _averages_occurrences(model):
        ids = np.asarray(model.get_layer("append_bigrams")(word_ids))  # (1, 2 * length - 1)
        owners += [(p, p + 1) if p + 1 < tokens else () for p in range(length - 1)]
    elif config.variant == "fasttext":
        layer = model.get_layer("ngrams")
        # Every occurrence, repeats kept (the model's layer keeps one of each): the features
        # below weigh an n-gram seen k times by 1/k, which gives the same average.
        ids = np.asarray(type(layer)(layer.vocab_size, layer.buckets, layer.n, unique=False)(word_ids))
        owners = [tuple(range(start, start + n + 1)) if start + n < tokens else ()
                  for n in range(layer.n) for start in range(length - n)]
    return EmbeddedInput(ids.astype(np.int32), embedding_layer_names(config), tuple(owners))


def _averages_occurrences(model) -> bool:
    """fastText models saved before distinct n-grams: the average of every word and bigram."""
    return any(layer.name == "append_bigrams" for layer in model.layers)


def lookup(model, embedded: EmbeddedInput) -> list[np.ndarray]:
    """The vectors each embedding table gives the ids: ``[(1, positions, dim), ...]``."""
    return [np.asarray(model.get_layer(name).get_weights()[0])[embedded.ids] for name in embedded.layer_names]


def features_from_vectors(model, config: ModelConfig, vectors: list, ids):
    """The classifier's input, from the embedded vectors (a batch of paths shares the same ids)."""
    variant = config.variant
    if variant == "fasttext" and _averages_occurrences(model):
        return model.get_layer("average")(vectors[0], ids)
    if variant == "fasttext":  # the mean over distinct n-grams, from every occurrence
        real = ops.cast(ops.not_equal(ids, 0), vectors[0].dtype)  # (1, positions)
        same = ops.cast(ops.equal(ops.expand_dims(ids, 2), ops.expand_dims(ids, 1)), vectors[0].dtype)
        share = real / ops.sum(same, axis=2)  # 1/k for each of an n-gram's k occurrences
        total = ops.sum(vectors[0] * ops.expand_dims(share, -1), axis=1)  # (paths, dim)
        return total / ops.maximum(ops.sum(share, axis=1, keepdims=True), 1.0)  # sum of shares = distinct n-grams
    if variant == "bilstm":
        return model.get_layer("bilstm")(vectors[0], mask=ops.not_equal(ids, 0))
    if variant == "dense":
        return model.get_layer("hidden")(model.get_layer("flatten")(vectors[0]))
    embedded = vectors[0] if len(vectors) == 1 else ops.concatenate(vectors, axis=-1)
    if variant in ("cnn",) + GLOVE_VARIANTS and config.pooling == "flatten" and variant != "multichannel":
        width = config.kernel_sizes[0]
        return model.get_layer("flatten")(model.get_layer(f"conv_{width}gram")(embedded))
    if variant == "cnn":
        width = config.kernel_sizes[0]
        return model.get_layer("max_over_time")(model.get_layer(f"conv_{width}gram")(embedded))
    pooled = [model.get_layer(f"max_over_time_{w}")(model.get_layer(f"conv_{w}gram")(embedded)) for w in config.kernel_sizes]
    return pooled[0] if len(pooled) == 1 else ops.concatenate(pooled, axis=-1)
