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
                 smoothing: float = SMOOTHING) -> np.ndarray:
    """The ``(vocab_size + buckets, classes)`` ratios of the hashed n-grams of ``sequences`` (word
    ids, unpadded), counted by the model's own hashing layer so training and counting agree.
    Row 0 (padding and repeats) is all zeros."""
    from .models import HashedNgrams
    from .text import pad_sequences

    labels = np.asarray(labels)
    rows = config.vocab_size + config.bigram_buckets
    layer = HashedNgrams(config.vocab_size, config.bigram_buckets, config.ngram_max)
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
