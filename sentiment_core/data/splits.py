"""Seeded, stratified splits and subsets; IMDB's validation split holds out whole movies."""

from __future__ import annotations

import math

import numpy as np

from .dataset import DataError, Dataset
from .imdb import ImdbData


def _check_splittable(data: Dataset, fraction: float) -> None:
    """A DataError that says how much data a split needs, before scikit-learn says it its way."""
    counts = np.bincount(data.labels, minlength=len(data.class_names))
    classes = len(data.class_names)
    held = math.ceil(fraction * len(data))
    if counts.min() < 2 or held < classes or len(data) - held < classes:
        smallest = min(fraction, 1.0 - fraction)
        needed = max(2 * classes, math.ceil(classes / smallest))
        raise DataError(
            f"{data.source}: {len(data):,} texts in {classes} classes ({data.class_counts()}) are too few to split off "
            f"{fraction:.0%} with every class on both sides; give at least {needed:,} texts, at least 2 of each class "
            "(a few hundred make a model worth testing)."
        )


def stratified_split(data: Dataset, fraction: float, seed: int = 42, by_group: bool = True) -> tuple[Dataset, Dataset]:
    """Split off about ``fraction`` of ``data`` with the class balance kept: ``(rest, split_off)``.

    When the data knows its groups (IMDB: the movie each review is about) and ``by_group`` is
    on, every group lands wholly on one side, as IMDB's own train and test share no movie, so
    a validation score cannot come from remembering a film's cast and title words.
    """
    from sklearn.model_selection import StratifiedGroupKFold, train_test_split

    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be between 0 and 1; got {fraction}.")
    _check_splittable(data, fraction)
    counts = np.bincount(data.labels, minlength=len(data.class_names))
    indices = np.arange(len(data))
    folds = max(2, round(1.0 / min(fraction, 1.0 - fraction)))
    if by_group and data.groups is not None and len(np.unique(data.groups)) >= 2 * folds and counts.min() >= folds:
        # One of k stratified folds of whole groups is ~1/k of the data: k = 10 for 10 %.
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        rest, held = next(splitter.split(indices, data.labels, data.groups))
        if fraction > 0.5:
            rest, held = held, rest
    else:
        rest, held = train_test_split(indices, test_size=fraction, random_state=seed, stratify=data.labels)
    return data.take(np.sort(rest)), data.take(np.sort(held))


def stratified_subset(data: Dataset, size: int, seed: int = 42) -> Dataset:
    """``size`` examples drawn with the class balance kept (all of them if ``size >= len``)."""
    if size >= len(data):
        return data
    if size < len(data.class_names):
        raise ValueError(f"A subset needs at least one example per class: size >= {len(data.class_names)}.")
    # Exactly ``size``, so not by group: a subset is a smaller data set, not a held-out one.
    _, subset = stratified_split(data, size / len(data), seed, by_group=False)
    return subset


def imdb_splits(
    imdb: ImdbData, train_size: int | None = None, test_size: int | None = None, val_fraction: float = 0.1, seed: int = 42
) -> tuple[Dataset, Dataset, Dataset]:
    """``(train, validation, test)`` from IMDB: seeded stratified subsets of the official sets,
    with the validation split taken from train (the test set only ever reports)."""
    train_full = stratified_subset(imdb.train, train_size, seed) if train_size else imdb.train
    train, val = stratified_split(train_full, val_fraction, seed)
    test = stratified_subset(imdb.test, test_size, seed) if test_size else imdb.test
    return train, val, test


def train_val_test_split(data: Dataset, val_fraction: float = 0.1, test_fraction: float = 0.2, seed: int = 42):
    """Seeded, stratified ``(train, validation, test)`` for a data set that has no official split."""
    rest, test = stratified_split(data, test_fraction, seed)
    train, val = stratified_split(rest, val_fraction / (1.0 - test_fraction), seed)
    return train, val, test
