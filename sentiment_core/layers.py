"""The custom Keras layers the builders in :mod:`sentiment_core.models` use.

Only ``keras``, ``keras.layers`` and ``keras.ops`` are used (the one TensorFlow-only shortcut in
``WindowWeights`` has a backend check), so they run under TensorFlow and JAX alike. Each layer that
a saved model holds is registered under the package name "sentiment_core", so models saved
before this module existed (when these lived in models.py) still load.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops


@keras.saving.register_keras_serializable(package="sentiment_core")
class AppendBigrams(layers.Layer):
    """Appends a hashed id for every pair of neighbouring words (the first fastText's bigram features).

    New fastText models use :class:`HashedNgrams` (each distinct word, pair and triple once); this
    layer stays registered so that fastText models saved before that still load and explain.

    The bigram (a, b) becomes ``vocab_size + 1 + (a * vocab_size + b) mod p``, with ``p`` the
    largest prime that fits in the bucket count: a prime modulus spreads the pairs evenly where a
    round number would only look at a few digits of ``a``. Pairs that touch padding become 0,
    the padding id, so masking ignores them.
    """

    def __init__(self, vocab_size: int, buckets: int, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.buckets = buckets
        self.modulus = _largest_prime_at_most(buckets)

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        left, right = ids[:, :-1], ids[:, 1:]
        hashed = self.vocab_size + 1 + ops.mod(left * self.vocab_size + right, self.modulus)
        real = ops.logical_and(ops.not_equal(left, 0), ops.not_equal(right, 0))
        bigrams = ops.where(real, hashed, ops.zeros_like(hashed))
        return ops.concatenate([ids, bigrams], axis=1)  # (batch, 2 * seq_len - 1)

    def compute_output_shape(self, input_shape):
        length = input_shape[1]
        return (input_shape[0], None if length is None else 2 * length - 1)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "buckets": self.buckets}


@keras.saving.register_keras_serializable(package="sentiment_core")
class MaskedAverage(layers.Layer):
    """The mean of the vectors whose id is not padding; all zeros when there are none.

    Keras's masked GlobalAveragePooling1D divides by zero (NaN) for a text with no words left,
    e.g. one made only of emoji; this layer never does.
    """

    def call(self, vectors, ids):
        real = ops.expand_dims(ops.cast(ops.not_equal(ids, 0), vectors.dtype), -1)  # (batch, length, 1)
        total = ops.sum(vectors * real, axis=1)  # (batch, dim)
        count = ops.maximum(ops.sum(real, axis=1), 1.0)  # (batch, 1)
        return total / count

    def compute_output_shape(self, vectors_shape, ids_shape=None):
        return (vectors_shape[0], vectors_shape[2])


# WindowWeights' random start: uniform on +-START_LIMIT, Keras' Embedding default.
START_LIMIT = 0.05


@keras.saving.register_keras_serializable(package="sentiment_core")
class WindowWeights(layers.Layer):
    """One-hot words for convolutions (Johnson & Zhang 2015): each word's own weights for every
    filter at every place of every window.

    A convolution of width w over one-hot words is, at window t, the sum over the window's places
    j of the weights that the word at t + j has for place j. Over embedded words it is the same
    sum with each word squeezed through its embedding_dim numbers first; here nothing is
    squeezed. The weights are one table, a row of ``places x filters`` numbers per word (places:
    the widths added up; ``embeddings``, so maps and films read it as the word's vector). The call
    returns, for each width w and each of its places j, the ``(batch, length - w + 1, filters)``
    weights of the words at place j of every window, for :class:`WindowSum` to add up.
    """

    def __init__(self, vocab_size: int, widths, filters: int, word_dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.widths, self.filters = vocab_size, tuple(widths), filters
        self.places = sum(self.widths)
        # In training, this share of a text's words is left out of every window (as if absent):
        # no single word can carry a review (fastText's n-gram dropout, for words).
        self.word_dropout = word_dropout
        self.seed_generator = keras.random.SeedGenerator() if word_dropout else None

    def build(self, input_shape):
        # The scale of Keras' Embedding initialiser: a window's sum starts near 0 and small.
        self.embeddings = self.add_weight(shape=(self.vocab_size, self.places * self.filters), name="embeddings",
                                          initializer=keras.initializers.RandomUniform(-START_LIMIT, START_LIMIT))

    def call(self, ids, training=None):
        ids = ops.cast(ids, "int32")
        kept = None
        if training and self.word_dropout:
            kept = ops.cast(keras.random.uniform(ops.shape(ids), seed=self.seed_generator) >= self.word_dropout, "float32")
            kept = ops.expand_dims(kept / (1.0 - self.word_dropout), -1)  # (batch, length, 1)
        if keras.backend.backend() != "tensorflow":  # JAX: every occurrence looked up (its gradients are dense anyway)
            rows = ops.take(self.embeddings, ids, axis=0)
            return self.split(rows if kept is None else rows * kept)
        # TensorFlow: each distinct word's row read once, so the table's gradient has a row per
        # distinct word (optimizers.LazyAdam updates those alone); then each place gathers from
        # that small block at the window-aligned positions. Slicing the indices, not the gathered
        # numbers: a slice's gradient is a zero-filled copy of the whole input (twice the time).
        distinct, where = ops.unique(ops.reshape(ids, (-1,)), return_inverse=True)
        rows = ops.reshape(_sparse_read(self.embeddings, distinct), (-1, self.places, self.filters))
        blocks = ops.unstack(ops.transpose(rows, (1, 0, 2)), num=self.places)  # places x (distinct words, filters)
        where = ops.reshape(ops.cast(where, "int32"), ops.shape(ids))
        aligned = []
        for place, (width, j) in enumerate(self._places()):
            read = ops.take(blocks[place], _window_slice(where, width, j), axis=0)  # (batch, length - width + 1, filters)
            aligned.append(read if kept is None else read * _window_slice(kept, width, j))
        return aligned

    def split(self, vectors):
        """The words' rows (``(batch, length, places * filters)``) as the call returns them."""
        shape = ops.shape(vectors)
        per_place = ops.unstack(ops.reshape(vectors, (*shape[:-1], self.places, self.filters)), num=self.places, axis=-2)
        return [_window_slice(per_place[place], width, j) for place, (width, j) in enumerate(self._places())]

    def _places(self):
        """(width, place in the window) for each block of filters in a row, in the table's order."""
        return [(width, j) for width in self.widths for j in range(width)]

    def compute_output_shape(self, input_shape):
        length = input_shape[1]
        return [(input_shape[0], None if length is None else length - width + 1, self.filters)
                for width, _ in self._places()]

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "widths": self.widths, "filters": self.filters,
                "word_dropout": self.word_dropout}


def _sparse_read(variable, rows):
    """``variable[rows]`` read as rows (TensorFlow's ResourceGather), not as a whole tensor first.

    Once a variable has had a sparse update (LazyAdam's), TensorFlow copies all of it on every whole
    read, to keep that read consistent: 144 MB for the one-hot CNN's table, about 13 ms a read, on
    every training step and every prediction of the model trained in this process."""
    import tensorflow as tf  # only called under TensorFlow

    return tf.gather(variable.value, rows)


def _window_slice(x, width: int, place: int):
    """The positions that place ``place`` of every width-``width`` window reads: ``x[:, place : place - width + 1]``."""
    return x[:, place : place - (width - 1) or None]


@keras.saving.register_keras_serializable(package="sentiment_core")
class WindowSum(layers.Layer):
    """A convolution of width ``len(places)`` over one-hot words: at each window the weights its
    words have for their places in it (aligned by :class:`WindowWeights`), added, plus a bias, then
    ReLU (as Kim's Conv1D)."""

    def __init__(self, filters: int, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.filters,), name="bias", initializer="zeros")

    def call(self, places):
        total = places[0]
        for place in places[1:]:
            total = total + place
        return ops.relu(total + self.bias)  # (batch, length - width + 1, filters)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


def _id_table(layer: layers.Layer, name: str, values: np.ndarray):
    """A fixed int32 weight of ``layer`` holding ``values`` (word ids), saved with the model."""
    table = layer.add_weight(shape=(len(values),), dtype="int32", trainable=False, name=name,
                             initializer=keras.initializers.Constant(0))
    table.assign(np.asarray(values, dtype="int32"))
    return table


@keras.saving.register_keras_serializable(package="sentiment_core")
class HashedNgrams(layers.Layer):
    """Every distinct word, pair and (for ``n`` = 3) triple of a text as one id each.

    Words keep their ids (below ``vocab_size``); the pair (a, b) becomes ``vocab_size + h2`` with
    ``h2 = (a * vocab_size + b) mod buckets`` and the triple (a, b, c) ``vocab_size + h3`` with
    ``h3 = (h2 * 1009 + c) mod buckets``: both stay inside int32 (config.py caps vocab_size and
    buckets for that). N-grams that touch padding become 0. ``unique`` then sorts each row and
    turns repeats into 0 too, so a text counts each n-gram once (present or not, as NBSVM does).

    ``pair_words`` (nb-ngrams under the negation-flip prior) holds a ``(vocab_size,)`` table of the
    word id each word stands for inside pairs and triples: NOT_word's is word's, so "not bad" says
    the negation itself and "NOT_the NOT_plot" is counted as "the plot". It is a weight (saved
    with the model); ``pair_words=True`` makes an identity table for saved weights to fill in.
    """

    def __init__(self, vocab_size: int, buckets: int, n: int, unique: bool = True, pair_words=None, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.buckets, self.n, self.unique = vocab_size, buckets, n, unique
        self.unmarked_pairs = pair_words is not None and pair_words is not False
        given = pair_words if self.unmarked_pairs and pair_words is not True else None
        self._pair_words = None if given is None else np.asarray(given, dtype="int32")

    def build(self, input_shape):
        if self.unmarked_pairs:
            start = self._pair_words if self._pair_words is not None else np.arange(self.vocab_size, dtype="int32")
            self.pair_words = _id_table(self, "pair_words", start)

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        grams = [ids]  # (batch, length)
        if self.n >= 2:
            paired = ops.take(self.pair_words, ids) if self.unmarked_pairs else ids  # word ids: < vocab_size
            first, second = paired[:, :-1], paired[:, 1:]
            pair_hash = ops.mod(first * self.vocab_size + second, self.buckets)
            real_pair = ops.logical_and(ops.not_equal(first, 0), ops.not_equal(second, 0))
            grams.append(ops.where(real_pair, self.vocab_size + pair_hash, 0))  # (batch, length - 1)
            if self.n >= 3:
                third = paired[:, 2:]
                triple_hash = ops.mod(pair_hash[:, :-1] * 1009 + third, self.buckets)
                real_triple = ops.logical_and(real_pair[:, :-1], ops.not_equal(third, 0))
                grams.append(ops.where(real_triple, self.vocab_size + triple_hash, 0))  # (batch, length - 2)
        grams = ops.concatenate(grams, axis=1)  # (batch, about n * length)
        if not self.unique:
            return grams
        ordered = ops.sort(grams, axis=1)
        previous = ops.concatenate([ops.zeros_like(ordered[:, :1]), ordered[:, :-1]], axis=1)
        return ops.where(ops.equal(ordered, previous), 0, ordered)

    def compute_output_shape(self, input_shape):
        length = input_shape[1]
        if length is None:
            return (input_shape[0], None)
        return (input_shape[0], sum(max(length - k, 0) for k in range(self.n)))

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "buckets": self.buckets, "n": self.n,
                "unique": self.unique, "pair_words": True if self.unmarked_pairs else None}


class NegationPartners(layers.Layer):
    """For each n-gram id, the id of the word a NOT_word is tied to (0 for every other id).

    Used only while nb-ngrams trains under the negation-flip prior (naive_bayes.negation_partners):
    the trained model is folded back into a plain nb-ngrams before it is saved, so this layer is
    never serialised."""

    def __init__(self, partners, **kwargs):
        super().__init__(**kwargs)
        self.table_size = int(len(partners))
        self._partners = np.asarray(partners, dtype="int32")

    def build(self, input_shape):
        self.partners = _id_table(self, "partners", self._partners)

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        inside = ops.less(ids, self.table_size)  # words; pairs and triples are hashed above the table
        return ops.where(inside, ops.take(self.partners, ops.minimum(ids, self.table_size - 1)), 0)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="sentiment_core")
class NaiveBayesEvidence(layers.Layer):
    """Per class, the sum over a text's n-grams of (learned weight x Naive Bayes log-count ratio)."""

    def call(self, ratios, weights, ids):
        present = ops.expand_dims(ops.cast(ops.not_equal(ids, 0), ratios.dtype), -1)  # (batch, n-grams, 1)
        return ops.sum(ratios * weights * present, axis=1)  # (batch, classes)

    def compute_output_shape(self, ratios_shape, weights_shape=None, ids_shape=None):
        return (ratios_shape[0], ratios_shape[2])


def _largest_prime_at_most(n: int) -> int:
    for candidate in range(max(n, 2), 1, -1):
        if all(candidate % d for d in range(2, int(candidate**0.5) + 1)):
            return candidate
    return 2
