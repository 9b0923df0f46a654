"""What each convolution filter of a CNN detects, and which filters fired on a sentence.

In Kim's CNN a filter is an n-gram detector: max-over-time pooling keeps its strongest match
anywhere in the text, and the classifier weighs that one number towards each class. So a filter
is described by the n-grams that excite it most over many reviews and by its classifier weights;
and a sentence's answer is the sum of the terms of the filters that fired, each on one n-gram
(the same exact shares as :mod:`sentiment_core.explanations.exact`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .explanations.target import default_target, margin_weights
from .text import keep_window

BATCH = 128


@dataclass
class FilterInfo:
    width: int
    index: int
    class_weights: dict[str, float]  # the classifier's weight from this filter to each class
    margin_weight: float  # towards the default target (positive) minus the others
    top_ngrams: list[tuple[str, float]] = field(default_factory=list)  # (n-gram, activation), strongest first


def has_filters(config) -> bool:
    return config.pools_over_time


def _conv_model(predictor):
    from .explanations.exact import conv_outputs_model

    return conv_outputs_model(predictor.model, predictor.model_config)


def _activations(model, ids):
    outputs = model.predict_on_batch(ids)
    return [np.asarray(o, np.float32) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]


def filter_catalogue(predictor, texts: list[str], top: int = 5, progress=None) -> list[FilterInfo]:
    """Every filter with its ``top`` distinct strongest n-grams over ``texts`` and its class weights."""
    config = predictor.model_config
    if not has_filters(config):
        raise ValueError(f"A {config.variant} model has no max-pooled convolution filters to describe.")
    from .explanations.methods import filters_reader

    widths, convs = _conv_model(predictor)
    reader = filters_reader(predictor)  # the classifier, or nb-cnn's CNN side
    target = default_target(predictor.class_names)
    margin, _ = margin_weights(reader.kernel, reader.bias, target if target >= 0 else 0)
    token_lists = [list(keep_window(predictor.vocabulary.tokenize(t), config.seq_len, config.keep)) for t in texts]
    best_values = [[] for _ in widths]  # per width: (texts, filters) peak activation
    best_positions = [[] for _ in widths]
    for start in range(0, len(texts), BATCH):
        ids = predictor.vocabulary.encode_batch(texts[start : start + BATCH], config.seq_len, config.keep)
        for w, activations in enumerate(_activations(convs, ids)):
            best_values[w].append(activations.max(axis=1))
            best_positions[w].append(activations.argmax(axis=1))
        if progress:
            progress(min(start + BATCH, len(texts)), len(texts))
    catalogue, offset = [], 0
    for w, width in enumerate(widths):
        values, positions = np.concatenate(best_values[w]), np.concatenate(best_positions[w])  # (texts, filters)
        for k in range(values.shape[1]):
            info = FilterInfo(width, k, {c: float(reader.kernel[offset + k, i]) for i, c in enumerate(predictor.class_names)},
                              float(margin[offset + k]))
            seen = set()
            for text_index in np.argsort(-values[:, k]):
                if values[text_index, k] <= 0 or len(info.top_ngrams) >= top:
                    break
                tokens = token_lists[text_index]
                position = int(positions[text_index, k])
                gram = " ".join(tokens[position : position + width]) or "(padding)"
                if gram not in seen:
                    seen.add(gram)
                    info.top_ngrams.append((gram, float(values[text_index, k])))
            catalogue.append(info)
        offset += values.shape[1]
    return catalogue


def fired_filters(predictor, text: str, top: int = 8) -> list[dict]:
    """The filters with the largest terms in this text's log-odds of positive, and the n-gram each fired on."""
    from .explanations import explain

    result = explain(predictor, text, "exact")
    if result["method"] != "exact" or not has_filters(predictor.model_config):
        return []
    fired = [
        {"filter": f"{width}-gram #{k}", "width": width, "index": k, "ngram": span["text"], "activation": activation,
         "term": term}
        for span in result["spans"] for width, k, activation, term in span["filters"]
    ]
    return sorted(fired, key=lambda f: -abs(f["term"]))[:top]
