"""Explanations of a TF-IDF logistic regression: exact shares of its logit, or occlusion.

The logit is linear in the TF-IDF features: margin = sum_f x_f · w_f + b. Each n-gram's term is
its exact share; an n-gram that occurs several times shares its term among its occurrences, and
a pair's share is split between its two words. Unit-length scaling makes the features depend on
each other, so occlusion (the word read as unknown: its n-grams vanish, the rest re-scaled)
differs from the exact shares, as it should. There are no word vectors, so no gradients: asked
for integrated gradients, this shows the exact shares and says so.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..text import UNK
from .target import add_note, margin_weights


def explain_linear(predictor, text: str, method: str, index: int, result: dict) -> dict:
    model = predictor.model
    tokens = predictor.vocabulary.tokenize(text)
    weights, bias = margin_weights(model.coef_, model.intercept_, index)
    row = model.transform_tokens([tokens])
    result["margin"] = float((row @ weights)[0] + bias)
    ids = predictor.vocabulary.encode_tokens(tokens)
    if not tokens:
        result["words"] = []
        return result
    if method == "integrated-gradients":
        method = "exact"
        add_note(result, "A tfidf-logreg model has no word vectors to take gradients of: showing its exact shares.")
    if method == "occlusion":
        word_weights = result["margin"] - _occluded_margins(model, tokens, weights, bias)
    else:
        word_weights, spans = _exact(model, tokens, row, weights)
        result["base"] = bias
        result["spans"] = spans
    result["method"] = method
    result["words"] = [{"token": t, "id": int(i), "known": i != UNK, "weight": float(w)}
                       for t, i, w in zip(tokens, ids, word_weights)]
    return result


def _occluded_margins(model, tokens: list[str], weights: np.ndarray, bias: float) -> np.ndarray:
    """The margin with each word in turn read as unknown, in one pass: O(words), not O(words²).

    Hiding word i removes only the n-grams that cover it; the sums behind the dot product and the
    unit-length scaling are updated for those few features instead of re-counting the text.
    """
    index, n_max = model.index, model.ngram_max
    counts: dict[int, int] = defaultdict(int)
    for n in range(1, n_max + 1):
        for start in range(len(tokens) - n + 1):
            column = index.get(model.gram(tokens, start, n))
            if column is not None:
                counts[column] += 1

    def value(column: int, count: int) -> float:
        return (1.0 + np.log(count)) * float(model.idf_[column]) if count > 0 else 0.0

    values = {c: value(c, k) for c, k in counts.items()}
    dot = sum(v * float(weights[c]) for c, v in values.items())
    square = sum(v * v for v in values.values())
    margins = np.empty(len(tokens))
    for i in range(len(tokens)):
        lost: dict[int, int] = defaultdict(int)
        for n in range(1, n_max + 1):
            for start in range(max(0, i - n + 1), min(i, len(tokens) - n) + 1):
                column = index.get(model.gram(tokens, start, n))
                if column is not None:
                    lost[column] += 1
        new_dot, new_square = dot, square
        for column, gone in lost.items():
            old, new = values[column], value(column, counts[column] - gone)
            new_dot += (new - old) * float(weights[column])
            new_square += new * new - old * old
        margins[i] = (new_dot / np.sqrt(new_square) if new_square > 1e-12 else 0.0) + bias
    return margins


def _exact(model, tokens: list[str], row, weights: np.ndarray):
    """Each n-gram's term x_f · w_f, shared among its occurrences and their words."""
    occurrences: dict[int, list[tuple[int, int]]] = defaultdict(list)
    index = model.index
    for n in range(1, model.ngram_max + 1):
        for start in range(len(tokens) - n + 1):
            column = index.get(model.gram(tokens, start, n))
            if column is not None:
                occurrences[column].append((start, start + n))
    values = dict(zip(row.indices.tolist(), row.data.tolist()))
    word_weights = np.zeros(len(tokens))
    spans = []
    for column, places in occurrences.items():
        term = values.get(column, 0.0) * float(weights[column])
        for start, end in places:
            word_weights[start:end] += term / len(places) / (end - start)
            if end - start > 1:
                spans.append({"start": start, "end": end, "text": " ".join(tokens[start:end]),
                              "weight": term / len(places), "filters": []})
    return word_weights, spans
