"""Many texts at once, for practitioners: every input column kept, labels scored, in chunks.

A page reads a table (:func:`sentiment_core.data.read_rows`), sends its texts to the serving
worker a chunk at a time (so it can draw progress, and other users' requests slip in between
chunks), merges each model's columns back into the input rows, and, when a label column is
chosen, scores every model against it.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from .data.dataset import _BINARY_NAMES

# Texts per request to the serving worker: a few hundred milliseconds of work at most.
CHUNK = 256
# With top-words columns, each text is explained as well as judged: smaller chunks.
EXPLAINED_CHUNK = 32
# Top-words columns explain every text with every model (tens of ms each): offered for this many.
MAX_EXPLAINED = 2000


def chunks(indices: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(indices), size):
        yield list(indices[start : start + size])


def judged_indices(rows: Sequence[Sequence[str]], text_index: int) -> list[int]:
    """Rows with a text to judge (an empty cell is kept in the output, with no prediction)."""
    return [i for i, row in enumerate(rows) if row[text_index].strip()]


def merge(columns: Sequence[str], rows: Sequence[Sequence[str]], judged: Sequence[int], predictions: Sequence[dict]) -> list[dict]:
    """Every input row with every input column, then the models' columns (blank where no text)."""
    by_row = dict(zip(judged, predictions))
    model_columns = list(dict.fromkeys(k for p in predictions for k in p if k != "text"))
    out = []
    for i, row in enumerate(rows):
        merged = dict(zip(columns, row))
        prediction = by_row.get(i, {})
        for key in model_columns:
            name = key if key not in merged else f"{key} (prediction)"
            merged[name] = prediction.get(key)
        out.append(merged)
    return out


def label_index(value: str, class_names: Sequence[str]) -> int | None:
    """The class a written label means: its name (any case), 0/1 or neg/pos for a polarity model,
    or the class's position ("2") for others; None when it means none of them."""
    text = value.strip().lower()
    lowered = [c.lower() for c in class_names]
    if text in lowered:
        return lowered.index(text)
    if len(class_names) == 2 and text in _BINARY_NAMES and set(lowered) == {"negative", "positive"}:
        return lowered.index(("negative", "positive")[_BINARY_NAMES[text]])
    if text.isdigit() and int(text) < len(class_names) and not any(c.isdigit() for c in lowered):
        return int(text)
    return None


def label_report(labels: Sequence[str], predicted: Sequence[str], class_names: Sequence[str]) -> dict:
    """Accuracy, confusion matrix and per-class precision/recall/F1 of one model against a label column.

    Rows whose label names no class of the model are left out and counted, with a few examples.
    """
    from sklearn.metrics import classification_report, confusion_matrix

    truth, guess, unknown = [], [], []
    for label, prediction in zip(labels, predicted):
        index = label_index(label, class_names)
        if index is None or prediction is None:
            if label.strip() and index is None:
                unknown.append(label.strip())
            continue
        truth.append(index)
        guess.append(list(class_names).index(prediction))
    report = {"scored": len(truth), "unmatched": len(unknown), "unmatched_examples": list(dict.fromkeys(unknown))[:5],
              "class_names": list(class_names)}
    if not truth:
        return {**report, "accuracy": None, "confusion_matrix": None, "per_class": {}}
    classes = list(range(len(class_names)))
    per_class = classification_report(truth, guess, labels=classes, target_names=list(class_names), output_dict=True,
                                      zero_division=0)
    return {
        **report,
        "accuracy": float(np.mean(np.array(truth) == np.array(guess))),
        "confusion_matrix": confusion_matrix(truth, guess, labels=classes).tolist(),
        "per_class": {name: {"precision": per_class[name]["precision"], "recall": per_class[name]["recall"],
                             "f1": per_class[name]["f1-score"], "support": int(per_class[name]["support"])}
                      for name in class_names},
    }
