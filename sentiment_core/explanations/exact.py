"""Exact shares of the logit, where the architecture gives them.

**fastText.** The classifier reads the average of the vectors of a text's n distinct words, pairs
and triples, and the margin is linear in that average: margin = sum_j (e_j · w) / n + b. Each
n-gram's term is its exact share; nothing is approximated.

**Kim's CNN** (max-over-time pooling). Feature k is max_t relu(conv_k(t)); its term f_k · w_k in
the margin comes entirely from the window where filter k peaked. So each n-gram span gets the
sum of the terms of the filters that peaked on it, and the spans plus the bias add up to the
margin exactly. (Which words inside the span matter is not determined: the span's share is split
evenly among its words when a sentence is coloured word by word.)

**nb-ngrams** adds one term per distinct n-gram (its weight times its Naive Bayes ratio), and
**nb-cnn** adds its n-grams' terms to its CNN's: the two sides' logits are summed, so their
shares are too.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from .target import LogitReader, margin_weights


@dataclass
class Share:
    """A span of tokens ``[start, end)`` and its exact term in the margin."""

    start: int
    end: int
    weight: float
    filters: list = field(default_factory=list)  # Kim: (kernel width, filter index, activation, term)


def exact_available(config) -> bool:
    return config.variant == "fasttext" or config.counts_ngrams or config.pools_over_time or config.is_linear


def gradients_available(config) -> bool:
    """Integrated gradients need word vectors to walk along; an n-gram model has one number per
    n-gram (nb-cnn's vectors carry only half of its logits, so it is explained exactly too)."""
    return not config.counts_ngrams


def filter_layer(model) -> str:
    """The dense layer that reads the pooled filters: the classifier, or nb-cnn's CNN side."""
    return "cnn_logits" if any(layer.name == "cnn_logits" for layer in model.layers) else "classifier"


_CONV_MODELS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def conv_outputs_model(model, config):
    """``(kernel widths, a model from word ids to every convolution's activations)``, built once per
    model: building and tracing it again on every keystroke cost ~40 ms per CNN."""
    import keras

    widths = config.kernel_sizes[:1] if config.variant == "cnn" else config.kernel_sizes
    found = _CONV_MODELS.get(model)
    if found is None:
        found = keras.Model(model.inputs, [model.get_layer(f"conv_{w}gram").output for w in widths])
        _CONV_MODELS[model] = found
    return widths, found


def fasttext_shares(model, reader: LogitReader, word_ids: np.ndarray, tokens: int, target: int):
    """``(shares, bias, margin)``: one share per word and per n-gram of real words.

    The average runs over a text's distinct n-grams, so an n-gram that occurs k times gives each
    occurrence 1/k of its term. (Models saved before that change average every word and bigram
    occurrence: their layer ``append_bigrams`` is still explained as it computes.)"""
    weights, bias = margin_weights(reader.kernel, reader.bias, target)
    if not averages_occurrences(model):
        ids, starts, widths = ngram_positions(model.get_layer("ngrams"), word_ids)
        vectors = rows(model.get_layer("embedding"), ids)  # (positions, dim)
        distinct = max(np.count_nonzero(np.unique(ids)), 1)
        shares = _span_shares(ids, starts, widths, tokens, vectors @ weights / distinct)
        return shares, bias, float(reader.features(word_ids)[0] @ weights + bias)
    ids = np.asarray(model.get_layer("append_bigrams")(word_ids))[0]  # (2 * length - 1,)
    real = np.flatnonzero(ids)
    terms = rows(model.get_layer("embedding"), ids[real]) @ weights / max(len(real), 1)
    length = word_ids.shape[1]
    shares = []
    for position, term in zip(real, terms):
        if position < length:
            if position < tokens:
                shares.append(Share(int(position), int(position) + 1, float(term)))
        else:
            first = int(position - length)
            shares.append(Share(first, first + 2, float(term)))
    margin = float(reader.features(word_ids)[0] @ weights + bias)
    return shares, bias, margin


def averages_occurrences(model) -> bool:
    """fastText models saved before distinct n-grams: the average of every word and bigram."""
    return any(layer.name == "append_bigrams" for layer in model.layers)


def ngram_positions(layer, word_ids: np.ndarray) -> tuple[np.ndarray, list[int], list[int]]:
    """``(ids, starts, widths)``: every n-gram occurrence of one encoded text as the hashing
    ``layer`` numbers it (repeats kept), the token it starts at and how many words it spans."""
    from keras import ops  # here, not at import: the web process imports this package's names

    pair_words = ops.convert_to_numpy(layer.pair_words) if getattr(layer, "unmarked_pairs", False) else None
    hashing = type(layer)(layer.vocab_size, layer.buckets, layer.n, unique=False, pair_words=pair_words)
    ids = np.asarray(hashing(word_ids))[0]  # words (length), pairs (length - 1), triples (length - 2)
    length = word_ids.shape[1]
    starts, widths = [], []
    for n in range(layer.n):
        starts += list(range(length - n))
        widths += [n + 1] * max(length - n, 0)
    return ids, starts, widths


def distinct_shares(ids: np.ndarray) -> np.ndarray:
    """Per position, 1/k for each of an n-gram's k occurrences and 0 for padding: summed over a
    text, each distinct n-gram counts once."""
    ids = np.asarray(ids)
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    return (ids != 0) / counts[inverse.reshape(ids.shape)]


def rows(embedding, ids: np.ndarray, dtype=np.float64) -> np.ndarray:
    """The table's rows for ``ids`` only: fastText's and the n-gram models' tables have millions
    of rows (copying a whole table cost every keystroke)."""
    from keras import ops  # here, not at import: the web process imports this package's names

    return np.asarray(ops.convert_to_numpy(ops.take(embedding.embeddings, ids, axis=0)), dtype)


def _span_shares(ids: np.ndarray, starts, widths, tokens: int, terms: np.ndarray) -> list[Share]:
    """One share per span of words, from each n-gram occurrence's term: a model that counts each
    distinct n-gram once gives each of an n-gram's k occurrences 1/k of its term."""
    weighted = terms * distinct_shares(ids)
    spans: dict[tuple[int, int], Share] = {}
    for position in np.flatnonzero(ids):
        key = (starts[position], min(starts[position] + widths[position], tokens))
        spans.setdefault(key, Share(*key, 0.0)).weight += float(weighted[position])
    return sorted(spans.values(), key=lambda s: (s.end - s.start, s.start))


def nb_shares(model, reader: LogitReader, word_ids: np.ndarray, tokens: int, target: int):
    """``(shares, bias, margin)``: one share per word, pair and triple of real words (a text's
    evidence counts each distinct n-gram once)."""
    weights, bias = margin_weights(reader.kernel, reader.bias, target)
    ids, starts, widths = ngram_positions(model.get_layer("ngrams"), word_ids)
    # Only the rows this text uses: the tables have millions (copying them cost every keystroke).
    ratios = rows(model.get_layer("nb_ratios"), ids)  # (positions, classes)
    learned = rows(model.get_layer("ngram_weights"), ids)[:, 0]  # (positions,)
    shares = _span_shares(ids, starts, widths, tokens, learned * (ratios @ weights))
    return shares, bias, float(reader.features(word_ids)[0] @ weights + bias)


def kim_shares(model, config, reader: LogitReader, word_ids: np.ndarray, tokens: int, target: int):
    """``(shares, bias, margin)``: one share per n-gram span on which some filter peaked.

    Filters whose peak lies wholly in the padding (or that never fired) form a span of their
    own with ``start == end == tokens``: the model's answer to "no words here".
    """
    weights, bias = margin_weights(reader.kernel, reader.bias, target)
    widths, convs = conv_outputs_model(model, config)
    outputs = convs.predict_on_batch(word_ids)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    spans: dict[tuple[int, int], Share] = {}
    offset = 0
    for width, activations in zip(widths, outputs):
        activations = np.asarray(activations, np.float64)[0]  # (positions, filters)
        peaks = activations.argmax(axis=0)
        for k, peak in enumerate(peaks):
            value = activations[peak, k]
            term = value * weights[offset + k]
            start, end = int(peak), min(int(peak) + width, tokens)
            key = (start, end) if start < tokens and value > 0 else (tokens, tokens)
            share = spans.setdefault(key, Share(*key, 0.0))
            share.weight += term
            if value > 0:
                share.filters.append((width, k, float(value), float(term)))
        offset += activations.shape[1]
    margin = float(reader.features(word_ids)[0] @ weights + bias)
    return sorted(spans.values(), key=lambda s: (s.start, s.end)), bias, margin


def nb_cnn_shares(model, config, reader: LogitReader, filters_reader: LogitReader, word_ids: np.ndarray, tokens: int,
                  target: int):
    """``(shares, bias, margin)`` of nb-cnn: its n-grams' shares (through the identity classifier,
    ``reader``) plus its filters' (through the CNN's logits, ``filters_reader``), merged by span."""
    ngram_shares, bias, margin = nb_shares(model, reader, word_ids, tokens, target)
    filter_shares, filters_bias, _ = kim_shares(model, config, filters_reader, word_ids, tokens, target)
    merged: dict[tuple[int, int], Share] = {}
    for share in ngram_shares + filter_shares:
        into = merged.setdefault((share.start, share.end), Share(share.start, share.end, 0.0))
        into.weight += share.weight
        into.filters += share.filters
    return sorted(merged.values(), key=lambda s: (s.start, s.end)), bias + filters_bias, margin
