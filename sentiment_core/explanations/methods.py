"""The explanation methods behind :func:`sentiment_core.explanations.explain` (imports Keras)."""

from __future__ import annotations

import numpy as np

from ..text import UNK, keep_window
from . import DEFAULT_METHOD, METHODS
from .exact import (exact_available, fasttext_shares, filter_layer, gradients_available, kim_shares, nb_cnn_shares,
                    nb_shares)
from .forward import embedded_input
from .gradients import DEFAULT_STEPS, integrated_gradients
from .target import LogitReader, add_note, margin_weights, resolve_target


# Integrated gradients' words should add up to the margin they explain: when the midpoint rule's
# DEFAULT_STEPS leave more than this share of (margin - base) unexplained, the steps are doubled,
# at most REFINEMENTS times (ReLU and max-over-time make the path's gradient jump).
COMPLETENESS_TOLERANCE = 0.05
REFINEMENTS = 2


def completeness_ok(gap: float, margin: float, base: float) -> bool:
    """True when integrated gradients' words miss ``margin - base`` by at most the tolerance (+1e-3)."""
    return abs(gap) <= COMPLETENESS_TOLERANCE * abs(margin - base) + 1e-3


def explain(predictor, text: str, method: str = DEFAULT_METHOD, target=None, steps: int | None = None) -> dict:
    """Each read word's weight towards ``target`` (an index, a class name, or None for positive).

    Returns ``{"method", "target", "margin", "base", "words", "spans", "note"}``:
    ``words`` are ``{"token", "id", "known", "weight"}`` in reading order; ``spans`` are
    ``{"start", "end", "text", "weight", "filters"}`` for methods that attribute n-grams;
    ``base`` is the margin left to no words (the bias for exact shares, the all-padding text
    for integrated gradients); ``margin`` is the model's margin for the text. Integrated
    gradients also give ``completeness_gap`` and ``steps``: ``steps`` None takes DEFAULT_STEPS,
    doubled (up to 4x) while the gap is over 5 % of ``margin - base``; a number is used as given.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown explanation method {method!r}; choose one of {', '.join(METHODS)}.")
    (text,) = predictor._check([text])
    config = predictor.model_config
    probabilities = predictor.predict_proba([text])[0]
    index = resolve_target(predictor.class_names, target, int(np.argmax(probabilities)))
    result = {"method": method, "target": predictor.class_names[index], "note": "", "spans": [], "base": None}
    if isinstance(target, str) and target != result["target"]:
        add_note(result, f"This model has no class {target!r}: showing {result['target']!r}.")
    if config.is_linear:
        from .linear import explain_linear

        return explain_linear(predictor, text, method, index, result)
    tokens = list(keep_window(predictor.vocabulary.tokenize(text), config.seq_len, config.keep))
    ids = predictor.vocabulary.encode_tokens(tokens)
    word_ids = predictor.encode([text])
    reader = _reader(predictor)
    weights, bias = margin_weights(reader.kernel, reader.bias, index)
    result["margin"] = float(reader.features(word_ids)[0] @ weights + bias)
    if not tokens:
        result["words"] = []
        return result
    used = method
    if method == "exact" and not exact_available(config):
        used = "integrated-gradients"
        add_note(result, f"A {config.variant} model has no exact decomposition: showing integrated gradients.")
    if method == "integrated-gradients" and not gradients_available(config):
        used = "exact"
        add_note(result, f"A {config.variant} model has no word vectors for its n-grams to take gradients along: showing its exact "
                         "decomposition.")
    if used == "occlusion":
        word_weights = _occlusion(reader, word_ids, len(tokens), index)
    elif used == "integrated-gradients":
        embedded = embedded_input(predictor.model, config, word_ids, len(tokens))
        refinements, used_steps = (REFINEMENTS, DEFAULT_STEPS) if steps is None else (0, steps)
        while True:
            attributions, margin, base = integrated_gradients(predictor.model, config, embedded, weights, bias,
                                                              used_steps)
            gap = float(margin - base - attributions.sum())
            if refinements == 0 or completeness_ok(gap, margin, base):
                break
            refinements, used_steps = refinements - 1, 2 * used_steps
        word_weights = _spread(attributions, embedded.owners, len(tokens))
        result["base"] = base
        result["completeness_gap"] = gap
        result["steps"] = used_steps
        result["spans"] = _ngram_spans(attributions, embedded.owners, tokens) if config.variant == "fasttext" else []
    else:
        if config.variant == "fasttext":
            shares, base, _ = fasttext_shares(predictor.model, reader, word_ids, len(tokens), index)
        elif config.variant == "nb-ngrams":
            shares, base, _ = nb_shares(predictor.model, reader, word_ids, len(tokens), index)
        elif config.variant == "nb-cnn":
            shares, base, _ = nb_cnn_shares(predictor.model, config, reader, filters_reader(predictor), word_ids,
                                            len(tokens), index)
        else:
            shares, base, _ = kim_shares(predictor.model, config, reader, word_ids, len(tokens), index)
        word_weights = np.zeros(len(tokens))
        for share in shares:
            if share.end > share.start:
                word_weights[share.start : share.end] += share.weight / (share.end - share.start)
            else:
                base += share.weight  # filters that peaked on padding: part of "no words"
        result["base"] = base
        result["spans"] = [
            {"start": s.start, "end": s.end, "text": " ".join(tokens[s.start : s.end]), "weight": s.weight,
             "filters": sorted(s.filters, key=lambda f: -abs(f[3]))}
            for s in shares if s.end > s.start
        ]
    result["method"] = used
    result["words"] = [
        {"token": token, "id": int(i), "known": i != UNK, "weight": float(w)}
        for token, i, w in zip(tokens, ids, word_weights)
    ]
    return result


def filters_reader(predictor) -> LogitReader:
    """The reader of the layer that weighs the pooled filters (kept on the predictor, like ``_reader``)."""
    reader = getattr(predictor, "_filters_reader", None)
    if reader is None:
        layer = filter_layer(predictor.model)
        reader = _reader(predictor) if layer == "classifier" else LogitReader.of(predictor.model, layer)
        predictor._filters_reader = reader
    return reader


def _reader(predictor) -> LogitReader:
    reader = getattr(predictor, "_logit_reader", None)
    if reader is None:
        reader = LogitReader.of(predictor.model)
        predictor._logit_reader = reader
    return reader


def _occlusion(reader: LogitReader, word_ids: np.ndarray, tokens: int, target: int) -> np.ndarray:
    """One batched call: the text, then the text with each word in turn read as unknown."""
    occluded = np.repeat(word_ids, tokens, axis=0)
    occluded[np.arange(tokens), np.arange(tokens)] = UNK
    margins = reader.margins(np.vstack([word_ids, occluded]), target)
    return margins[0] - margins[1:]


def _spread(attributions: np.ndarray, owners, tokens: int) -> np.ndarray:
    """Position attributions to words: an n-gram's is split evenly among its words."""
    words = np.zeros(tokens)
    for value, owner in zip(attributions, owners):
        for token in owner:
            words[token] += value / len(owner)
    return words


def _ngram_spans(attributions: np.ndarray, owners, tokens: list[str]) -> list[dict]:
    """fastText's pairs and triples as spans of the words they stand for."""
    return [
        {"start": owner[0], "end": owner[-1] + 1, "text": " ".join(tokens[owner[0] : owner[-1] + 1]),
         "weight": float(value), "filters": []}
        for value, owner in zip(attributions, owners) if len(owner) >= 2
    ]
