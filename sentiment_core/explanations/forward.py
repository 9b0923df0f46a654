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
from .exact import averages_occurrences, distinct_shares, ngram_positions, rows


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
    if config.one_hot:  # layers.WindowWeights, GloVe-started or not
        return ("embedding",)
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
    if config.variant == "fasttext" and averages_occurrences(model):
        ids = np.asarray(model.get_layer("append_bigrams")(word_ids))  # (1, 2 * length - 1)
        owners += [(p, p + 1) if p + 1 < tokens else () for p in range(length - 1)]
    elif config.variant == "fasttext":
        # Every occurrence, repeats kept (the model's layer keeps one of each): the features
        # below weigh an n-gram seen k times by 1/k, which gives the same average.
        grams, starts, widths = ngram_positions(model.get_layer("ngrams"), word_ids)
        ids = grams[None, :]
        owners = [tuple(range(start, start + width)) if start + width <= tokens else ()
                  for start, width in zip(starts, widths)]
    return EmbeddedInput(ids.astype(np.int32), embedding_layer_names(config), tuple(owners))


def lookup(model, embedded: EmbeddedInput) -> list[np.ndarray]:
    """The vectors each embedding table gives the ids: ``[(1, positions, dim), ...]``."""
    return [rows(model.get_layer(name), embedded.ids, np.float32) for name in embedded.layer_names]


def features_from_vectors(model, config: ModelConfig, vectors: list, ids):
    """The classifier's input, from the embedded vectors (a batch of paths shares the same ids)."""
    variant = config.variant
    if variant == "fasttext" and averages_occurrences(model):
        return model.get_layer("average")(vectors[0], ids)
    if variant == "fasttext":  # the mean over distinct n-grams, from every occurrence
        # The ids are constants (gradients run along the vectors), the same in every row: count
        # one row in numpy rather than compare every position with every other on the backend.
        share = distinct_shares(ops.convert_to_numpy(ids)[:1]).astype(np.float32)  # (1, positions)
        total = ops.sum(vectors[0] * ops.convert_to_tensor(share[:, :, None]), axis=1)  # (paths, dim)
        return total / max(float(share.sum()), 1.0)  # the shares add up to the number of distinct n-grams
    if variant == "bilstm":
        return model.get_layer("bilstm")(vectors[0], mask=ops.not_equal(ids, 0))
    if variant == "dense":
        return model.get_layer("hidden")(model.get_layer("flatten")(vectors[0]))
    if config.one_hot:  # a word's row holds its weights for every place of every window (layers.WindowWeights)
        places, first, pooled = model.get_layer("embedding").split(vectors[0]), 0, []
        for width in config.window_widths:
            conv = model.get_layer(f"conv_{width}gram")(places[first : first + width])
            first += width
            pooled.append(model.get_layer("max_over_time" if variant == "cnn" else f"max_over_time_{width}")(conv))
        return pooled[0] if len(pooled) == 1 else ops.concatenate(pooled, axis=-1)
    embedded = vectors[0] if len(vectors) == 1 else ops.concatenate(vectors, axis=-1)
    if variant in ("cnn",) + GLOVE_VARIANTS and config.pooling == "flatten" and variant != "multichannel":
        width = config.kernel_sizes[0]
        return model.get_layer("flatten")(model.get_layer(f"conv_{width}gram")(embedded))
    if variant == "cnn":
        width = config.kernel_sizes[0]
        return model.get_layer("max_over_time")(model.get_layer(f"conv_{width}gram")(embedded))
    pooled = [model.get_layer(f"max_over_time_{w}")(model.get_layer(f"conv_{w}gram")(embedded)) for w in config.kernel_sizes]
    return pooled[0] if len(pooled) == 1 else ops.concatenate(pooled, axis=-1)
