"""Batches of texts of similar length, each padded only as far as its longest text needs.

Padding every batch to ``seq_len`` (500) makes the CPU convolve padding: IMDB's median review is
189 tokens, so over half of the padded grid is zeros. Here a training epoch takes the texts in a
fresh random order, sorts them by length within pools of ``POOL_BATCHES`` batches (so a batch
still mixes reviews from all over the data set), cuts the pools into batches, and pads each batch
to its longest text, rounded up to a multiple of ``quantum()`` (a handful of shapes to compile).

Only models whose answer does not depend on the padded length take part (``can_bucket``):
fastText and the BiLSTM mask padding, and a convolution with max-over-time pooling gives the
same answer at any length that leaves one window wholly in the padding (every such window sees
the same ids, so the maximum is the same), so those batches get the widest kernel's width more.
A text cut to ``seq_len`` is read exactly as before: no batch is longer than ``seq_len``.
"""

from __future__ import annotations

import math
from typing import Sequence

import keras
import numpy as np

from .config import ModelConfig
from .text import keep_window, pad_sequences

# Padded lengths are multiples of the quantum. Under JAX every new shape compiles (seconds each), so
# few shapes: at most seq_len / 32. TensorFlow's traced step makes the length "any" from its second
# shape on (``batch_order`` sees to that), so finer steps cost no compiling there and pad less
# (benchmarks/bucketing.py, IMDB multicnn: 9 % -> 5 % of the grid, 1,186 -> 1,257 reviews/s).
QUANTUM_COMPILED = 32
QUANTUM_TRACED = 8
POOL_BATCHES = 50  # texts are sorted by length within pools of this many batches


def can_bucket(config: ModelConfig) -> bool:
    """True for the models whose answer is the same at any padded length (see the module's docstring)."""
    return config.ignores_padding or config.pools_over_time


def quantum() -> int:
    """Padded lengths are multiples of this, for the Keras backend in use."""
    return QUANTUM_TRACED if keras.backend.backend() == "tensorflow" else QUANTUM_COMPILED


def padded_length(longest: int, config: ModelConfig) -> int:
    """The length a batch whose longest text has ``longest`` ids is padded to."""
    extra = max(config.kernel_sizes) if config.pools_over_time else 0
    needed = max(longest + extra, config.min_length, 1)
    step = quantum()
    return min(config.seq_len, math.ceil(needed / step) * step)


def window_sequences(sequences: Sequence[Sequence[int]], config: ModelConfig) -> list[np.ndarray]:
    """Encoded texts cut to ``seq_len`` by ``config.keep`` (the words the model reads), unpadded."""
    return [np.asarray(keep_window(s, config.seq_len, config.keep), dtype=np.int32) for s in sequences]


def batch_order(lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None) -> list[np.ndarray]:
    """Index arrays, one per batch: shuffled then length-sorted within pools (``rng``), or simply
    length-sorted (``rng`` None: validation and test, where the order does not matter)."""
    n = len(lengths)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    pool = batch_size * POOL_BATCHES if rng is not None else max(n, 1)
    batches = []
    for start in range(0, n, pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    # Keras reads the input shape from the first two batches; different lengths there make the
    # length dimension "any" (None) instead of fixing it to the first batch's.
    if len(batches) > 2:
        first = lengths[batches[0]].max()
        for j in range(1, len(batches)):
            if lengths[batches[j]].max() != first:
                batches[1], batches[j] = batches[j], batches[1]
                break
    return batches


def padded_batch(sequences: Sequence[np.ndarray], indices: np.ndarray, config: ModelConfig) -> np.ndarray:
    longest = max((len(sequences[i]) for i in indices), default=0)
    return pad_sequences([sequences[i] for i in indices], padded_length(longest, config))


class LengthBuckets(keras.utils.PyDataset):
    """``(ids, labels)`` batches of similar length for ``model.fit``; reshuffled every epoch when ``seed`` is given."""

    def __init__(self, sequences: Sequence[np.ndarray], labels: np.ndarray, batch_size: int, config: ModelConfig,
                 seed: int | None = None):
        super().__init__()
        self.sequences, self.labels = sequences, np.asarray(labels)
        self.batch_size, self.config = batch_size, config
        self.lengths = np.array([len(s) for s in sequences])
        # Ordered by the length each text is padded to: two first batches whose longest texts
        # differ but pad to the same length would fix Keras' input shape to that length.
        self.padded = np.array([padded_length(n, config) for n in self.lengths], dtype=int)
        self.rng = np.random.default_rng(seed) if seed is not None else None
        self.batches = batch_order(self.padded, batch_size, self.rng)

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int):
        indices = self.batches[index]
        return padded_batch(self.sequences, indices, self.config), self.labels[indices]

    def on_epoch_end(self):
        if self.rng is not None:
            self.batches = batch_order(self.padded, self.batch_size, self.rng)

    def padded_fraction(self) -> float:
        """The share of the padded grid that is padding (for the report)."""
        cells = sum(len(b) * padded_length(self.lengths[b].max(), self.config) for b in self.batches)
        return 1.0 - float(self.lengths.sum()) / max(cells, 1)


def predict_bucketed(model, sequences: Sequence[np.ndarray], config: ModelConfig, batch_size: int = 256) -> np.ndarray:
    """Probabilities for unpadded ``sequences``, batched by length, in the original order."""
    out = np.zeros((len(sequences), model.output_shape[-1]), dtype=np.float32)
    lengths = np.array([len(s) for s in sequences])
    for indices in batch_order(lengths, batch_size, None):
        out[indices] = np.asarray(model.predict_on_batch(padded_batch(sequences, indices, config)))
    return out
