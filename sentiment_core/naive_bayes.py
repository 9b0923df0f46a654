"""Naive Bayes log-count ratios: how much more often an n-gram appears in one class's texts.

Wang & Manning (2012) scale every binary n-gram feature by

    r = log( (p / |p|_1) / (q / |q|_1) ),   p = alpha + texts of the class with the n-gram,
                                             q = alpha + texts of the other classes with it,

and fit a linear classifier on the scaled features (NBSVM). The same ratios start the nb-ngrams
network (models.build_nb_ngrams) and the NBSVM baseline of benchmarks/imdb_quality.py (also
run by benchmarks/mr_crossval.py). For more
than two classes each class gets its one-against-the-rest ratio.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .config import ModelConfig

SMOOTHING = 1.0  # alpha: an n-gram seen once in one class is not infinitely telling
BATCH = 256


def log_count_ratios(presence: np.ndarray, smoothing: float = SMOOTHING) -> np.ndarray:
    """``(features, classes)`` ratios from ``presence[c, f]``, the number of class-c texts holding feature f."""
    presence = np.asarray(presence, dtype=np.float64)
    if presence.ndim != 2 or presence.shape[0] < 2:
        raise ValueError("Naive Bayes ratios need presence counts for at least two classes.")
    ratios = np.empty(presence.shape[::-1])
    total = presence.sum(axis=0)
    for c in range(presence.shape[0]):
        inside = presence[c] + smoothing
        outside = total - presence[c] + smoothing
        ratios[:, c] = np.log(inside / inside.sum()) - np.log(outside / outside.sum())
    return ratios


def ngram_ratios(sequences: Sequence[np.ndarray], labels: np.ndarray, config: ModelConfig,
                 smoothing: float = SMOOTHING, pair_words: np.ndarray | None = None) -> np.ndarray:
    """The ``(vocab_size + buckets, classes)`` ratios of the hashed n-grams of ``sequences`` (word
    ids, unpadded), counted by the model's own hashing layer so training and counting agree
    (``pair_words``: the words pairs and triples read, as the model's HashedNgrams).
    Row 0 (padding and repeats) is all zeros."""
    from .layers import HashedNgrams
    from .text import pad_sequences

    labels = np.asarray(labels)
    rows = config.vocab_size + config.bigram_buckets
    layer = HashedNgrams(config.vocab_size, config.bigram_buckets, config.ngram_max, pair_words=pair_words)
    presence = np.zeros((config.num_classes, rows), dtype=np.float64)
    order = np.argsort([len(s) for s in sequences], kind="stable")  # similar lengths: little padding
    for start in range(0, len(order), BATCH):
        chunk = order[start : start + BATCH]
        longest = max(max(len(sequences[i]) for i in chunk), 1)
        unique = np.asarray(layer(pad_sequences([sequences[i] for i in chunk], longest)))
        for row, label in zip(unique, labels[chunk]):
            presence[label, row[row > 0]] += 1
    ratios = log_count_ratios(presence, smoothing)
    ratios[0] = 0.0
    return ratios.astype(np.float32)


def negation_partners(words: Sequence[str], vocab_size: int) -> np.ndarray:
    """``(vocab_size,)`` int32: for NOT_word's id, word's id; 0 elsewhere (and where word is not
    in the vocabulary). The pairs the negation-flip prior ties (ModelConfig.negation_flip)."""
    from .text import NOT_PREFIX

    words = list(words)[:vocab_size]
    index = {word: i for i, word in enumerate(words)}
    partners = np.zeros(vocab_size, dtype=np.int32)
    for i, word in enumerate(words):
        if word.startswith(NOT_PREFIX):
            partners[i] = index.get(word[len(NOT_PREFIX):], 0)
    return partners


def pair_words(partners: np.ndarray) -> np.ndarray:
    """The word each id stands for in pairs and triples under the flip prior: NOT_word's partner
    (word) where it has one, itself otherwise."""
    partners = np.asarray(partners, dtype=np.int32)
    return np.where(partners > 0, partners, np.arange(len(partners), dtype=np.int32)).astype(np.int32)


def flip_ratios(ratios: np.ndarray, partners: np.ndarray, strength: float) -> np.ndarray:
    """The ratios nb-ngrams trains with under the flip prior: a tied NOT_word's own ratio divided by
    ``strength``, so its own learned weight moves 1/strength as far per step (the prior's pull)."""
    scaled = np.array(ratios, dtype=np.float32, copy=True)
    tied = np.flatnonzero(partners)
    scaled[tied] /= strength
    return scaled


def fold_negation_flip(ratios: np.ndarray, weights: np.ndarray, partners: np.ndarray):
    """``(ratios, weights)`` of a plain nb-ngrams model that computes what the flip-trained one does:
    NOT_word's evidence was ratio x weight of its own minus word's; it becomes its ratio row, with
    weight 1. Every other row is unchanged."""
    ratios = np.array(ratios, dtype=np.float32, copy=True)
    weights = np.array(weights, dtype=np.float32, copy=True)
    tied = np.flatnonzero(partners)
    words = partners[tied]
    ratios[tied] = ratios[tied] * weights[tied] - ratios[words] * weights[words]
    weights[tied] = 1.0
    return ratios, weights
