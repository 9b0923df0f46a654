"""Settings that fit the user's own data, instead of IMDB's.

IMDB's defaults read 500 words and keep 5,000: for 20-word sentences that is 96 % padding (3-9x
slower for the same accuracy) and a vocabulary that misses words the data uses. :func:`fit_to_texts`
measures the training texts and sets the sequence length to the 95th percentile of their token
counts (at least the widest convolution, rounded up to a multiple of 8) and the vocabulary to the
words seen at least twice (plus padding and unknown, up to a cap). Given the training settings
and the validation split's size, it also fits the epoch cap (as many optimiser steps as the IMDB
defaults take, so a small data set gets more passes) and the early-stopping patience (a small
validation set is noisy: more epochs without a lower loss before giving up). The notes say what was
chosen and why, for the Train page and the CLI; every value stays editable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .config import ModelConfig, TrainConfig
from .text import tokenize

MAX_SEQ_LEN = 1000
MIN_SEQ_LEN = 8
MIN_COUNT = 2
MAX_VOCABULARY = 40_000  # fastText hashes word pairs in int32: at most 46,340 words
MIN_VOCABULARY = 100
# The IMDB defaults' epoch caps were tuned on 22,500 training reviews: a data set of n texts gets
# the cap that takes as many optimiser steps, up to MAX_EPOCHS (early stopping ends most runs sooner).
IMDB_TRAINING_REVIEWS = 22_500
MAX_EPOCHS = 40
# Patience by validation size: 1,000 texts measure accuracy to about +-1.6 points (one standard
# error), so one epoch without a lower loss says little there; 5,000 measure it to +-0.7.
PATIENCE_BY_VALIDATION_SIZE = ((2_000, 3), (5_000, 2))
DEFAULT_PATIENCE = 1


@dataclass(frozen=True)
class DataFit:
    """The fitted settings and what was measured."""

    model_config: ModelConfig
    train_config: TrainConfig | None  # None when no training settings were given to fit
    length_p95: int
    longest: int
    words_seen: int  # distinct tokens in the training texts
    words_kept: int  # of them, seen at least MIN_COUNT times (before the cap)
    notes: tuple[str, ...]


def fit_to_texts(texts: Sequence[str], model_config: ModelConfig, what: str = "texts",
                 train_config: TrainConfig | None = None, validation_size: int | None = None) -> DataFit:
    """``model_config`` with ``seq_len`` and ``vocab_size`` fitted to ``texts`` (the training split);
    with ``train_config`` and ``validation_size``, its epoch cap and patience fitted too.

    The linear baseline reads every word and keeps its own n-grams: only the notes change for it.
    """
    if not texts:
        raise ValueError("There are no training texts to fit the settings to.")
    token_lists = [tokenize(t, model_config.negation) for t in texts]
    lengths = np.array([len(tokens) for tokens in token_lists])
    counts: Counter = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    p95 = int(np.ceil(np.percentile(lengths, 95)))
    widest = model_config.min_length  # a convolution needs its widest kernel; other models 1
    seq_len = max(p95, widest, MIN_SEQ_LEN)
    seq_len = min(int(np.ceil(seq_len / 8) * 8), MAX_SEQ_LEN)
    kept = sum(1 for c in counts.values() if c >= MIN_COUNT)
    vocab_size = min(max(kept + 2, MIN_VOCABULARY), MAX_VOCABULARY)
    notes = []
    if model_config.is_linear:
        notes.append(f"The baseline reads every word of every text ({what}: median {int(np.median(lengths))} words); "
                     "its n-grams are counted from the data.")
        return DataFit(model_config, train_config, p95, int(lengths.max()), len(counts), kept, tuple(notes))
    covered = float(np.mean(np.minimum(lengths, seq_len) == lengths))
    notes.append(f"Sequence length {seq_len}: 95 % of the training {what} have at most {p95} words (the longest "
                 f"{int(lengths.max())}); {covered:.0%} are read whole" + (f", and the widest kernel needs {widest}." if widest > 1 else "."))
    cap = " (capped)" if kept + 2 > MAX_VOCABULARY else ""
    notes.append(f"Vocabulary {vocab_size:,}{cap}: the {kept:,} words seen at least {MIN_COUNT} times in the training "
                 f"{what} (of {len(counts):,} distinct), plus padding and unknown.")
    fitted = model_config.replace(seq_len=seq_len, vocab_size=vocab_size)
    if train_config is not None:
        train_config, training_notes = fit_training(train_config, len(texts), validation_size, what)
        notes.extend(training_notes)
    return DataFit(fitted, train_config, p95, int(lengths.max()), len(counts), kept, tuple(notes))


def fit_training(train_config: TrainConfig, train_size: int, validation_size: int | None,
                 what: str = "texts") -> tuple[TrainConfig, list[str]]:
    """The epoch cap and early-stopping patience for ``train_size`` training texts; the notes say why."""
    if train_size < 1:
        raise ValueError("There are no training texts to fit the settings to.")
    scaled = int(np.ceil(train_config.epochs * IMDB_TRAINING_REVIEWS / train_size))
    epochs = min(max(train_config.epochs, scaled), MAX_EPOCHS)
    patience = train_config.early_stopping_patience
    if validation_size is not None and patience:  # 0 means the user turned early stopping off
        patience = next((p for size, p in PATIENCE_BY_VALIDATION_SIZE if validation_size < size), DEFAULT_PATIENCE)
    notes = []
    if epochs != train_config.epochs:
        notes.append(f"At most {epochs} epochs: IMDB's {train_config.epochs} over {IMDB_TRAINING_REVIEWS:,} reviews are "
                     f"as many steps as {scaled} over {train_size:,} {what}" + (f" (capped at {MAX_EPOCHS})." if scaled > MAX_EPOCHS else "."))
    if patience != train_config.early_stopping_patience:
        notes.append(f"Early stopping after {patience} epochs without a lower validation loss: {validation_size:,} "
                     f"validation {what} measure accuracy only to about ±{100 * 0.5 / np.sqrt(validation_size):.1f} points.")
    return train_config.replace(epochs=epochs, early_stopping_patience=patience), notes
