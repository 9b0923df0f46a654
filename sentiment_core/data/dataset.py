"""The one shape every loader returns: texts, integer labels, class names and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

MAX_CLASSES = 1000
MAX_LABEL_CHARS = 100
_BINARY_NAMES = {"0": 0, "1": 1, "neg": 0, "pos": 1, "negative": 0, "positive": 1}


# Two classes named by their polarity: IMDB's, and those of any data labelled 0/1 or neg/pos.
BINARY_CLASSES = ("negative", "positive")


class DataError(ValueError):
    """A data problem the user can fix; the message names the file and says how."""


@dataclass
class Dataset:
    """Texts with integer labels ``0..len(class_names)-1``."""

    texts: list[str]
    labels: np.ndarray
    class_names: tuple[str, ...]
    source: str = ""
    ids: np.ndarray | None = None
    ratings: np.ndarray | None = None
    # What was repaired on the way (undecodable bytes, skipped rows or files), for the user to read.
    notes: list[str] = field(default_factory=list)
    # What a text is about (IMDB: the movie). Splits keep a group on one side, so a validation
    # score is not inflated by reviews of movies the model trained on.
    groups: np.ndarray | None = None

    def __post_init__(self):
        self.labels = np.asarray(self.labels, dtype=np.int32)
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels.")

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, indices: Sequence[int], source: str | None = None) -> "Dataset":
        idx = np.asarray(indices, dtype=np.int64)
        return Dataset(
            texts=[self.texts[i] for i in idx],
            labels=self.labels[idx],
            class_names=self.class_names,
            source=source or self.source,
            ids=None if self.ids is None else self.ids[idx],
            ratings=None if self.ratings is None else self.ratings[idx],
            notes=list(self.notes),
            groups=None if self.groups is None else self.groups[idx],
        )

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return {name: int(c) for name, c in zip(self.class_names, counts)}

    def describe(self) -> dict:
        return {"source": self.source, "size": len(self), "classes": self.class_counts(), "notes": list(self.notes)}


def labelled_dataset(texts: list[str], raw_labels: list[str], source: str, notes: list[str], label_column: str | None = None) -> Dataset:
    """A Dataset from texts and their labels as written: 0/1 or neg/pos become negative/positive,
    other names become classes in sorted order."""
    values = sorted(set(raw_labels))
    column = f" (column {label_column!r})" if label_column else ""
    if len(values) < 2:
        raise DataError(
            f"{source}: every example has the label {values[0][:40]!r}{column}; a classifier needs at least two classes."
        )
    if len(values) > MAX_CLASSES or max(len(v) for v in values) > MAX_LABEL_CHARS:
        raise DataError(
            f"{source}: the labels{column} have {len(values):,} different values, some of them long: that looks like "
            "a column of texts, not of labels. Choose the label column."
        )
    lowered = {v: v.lower() for v in values}
    if len(values) == 2 and all(lowered[v] in _BINARY_NAMES for v in values) and len({_BINARY_NAMES[lowered[v]] for v in values}) == 2:
        mapping = {v: _BINARY_NAMES[lowered[v]] for v in values}
        class_names = BINARY_CLASSES
    else:
        mapping = {v: i for i, v in enumerate(values)}
        class_names = tuple(values)
    return Dataset(texts=texts, labels=np.array([mapping[v] for v in raw_labels]), class_names=class_names, source=source, notes=notes)
