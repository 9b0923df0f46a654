"""K-fold cross-validation: every text is tested once, the same folds for every model.

A data set without an official test split (MR's 10,662 sentences) gives one accuracy per split
seed, and on 2,000 test sentences that figure moves by a point or more between seeds. Kim (2014)
and Wang & Manning (2012) report MR as the mean over 10 folds; :func:`cross_validate` does the
same through :func:`~sentiment_core.training.train`: fold k is the test set, a stratified tenth of
the rest the validation set (early stopping and the best epoch), the others the training set.
With ``fit`` on, each fold's settings are fitted to its own training texts (fit_data), as the
Train page and the CLI do for one split.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from .config import ModelConfig, TrainConfig
from .data import Dataset
from .data.splits import stratified_split

MAX_FOLDS = 20


@dataclass(frozen=True)
class FoldResult:
    fold: int  # 1-based
    train_size: int
    validation_size: int
    test_size: int
    val_accuracy: float | None
    test_accuracy: float
    best_epoch: int
    epochs_run: int
    seconds: float


@dataclass(frozen=True)
class CrossValidation:
    """One row per fold and the mean ± standard deviation of the test accuracies."""

    variant: str
    folds: tuple[FoldResult, ...]
    seed: int

    @property
    def accuracies(self) -> np.ndarray:
        return np.array([f.test_accuracy for f in self.folds], dtype=float)

    @property
    def mean(self) -> float:
        return float(self.accuracies.mean())

    @property
    def std(self) -> float:
        # The sample standard deviation across folds (ddof=1), as CV tables report it.
        return float(self.accuracies.std(ddof=1)) if len(self.folds) > 1 else 0.0

    def table(self) -> str:
        """A plain-text table for a terminal: one line per fold, then mean ± std."""
        lines = [f"{'fold':>4} {'train':>7} {'val':>6} {'test':>6} {'epochs':>7} {'val acc':>8} {'test acc':>9} {'seconds':>8}"]
        for f in self.folds:
            val = f"{f.val_accuracy:.4f}" if f.val_accuracy is not None else "-"
            lines.append(f"{f.fold:>4} {f.train_size:>7,} {f.validation_size:>6,} {f.test_size:>6,} "
                         f"{f'{f.best_epoch}/{f.epochs_run}':>7} {val:>8} {f.test_accuracy:>9.4f} {f.seconds:>8.1f}")
        lines.append(f"{self.variant}: test accuracy {self.mean:.4f} ± {self.std:.4f} (mean ± std over "
                     f"{len(self.folds)} folds, split seed {self.seed})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"variant": self.variant, "seed": self.seed, "mean": self.mean, "std": self.std,
                "folds": [vars(f) for f in self.folds]}


def fold_splits(data: Dataset, folds: int, seed: int = 42, val_fraction: float = 0.1) -> list[tuple[Dataset, Dataset, Dataset]]:
    """``folds`` stratified ``(train, validation, test)`` triples whose test sets partition ``data``.

    The same ``data`` and ``seed`` always give the same folds, whatever model is trained on them.
    """
    from sklearn.model_selection import StratifiedKFold

    if not isinstance(folds, int) or isinstance(folds, bool) or not 2 <= folds <= MAX_FOLDS:
        raise ValueError(f"--folds must be a whole number from 2 to {MAX_FOLDS}; got {folds!r}.")
    smallest = int(np.bincount(data.labels, minlength=len(data.class_names)).min())
    if smallest < folds:
        raise ValueError(f"{folds}-fold cross-validation needs at least {folds} texts of every class; the smallest class "
                         f"has {smallest} ({data.class_counts()}). Use fewer folds or more data.")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    triples = []
    for rest, test in splitter.split(np.zeros(len(data)), data.labels):
        # The validation tenth comes from this fold's training part only: the test fold stays unseen.
        train, val = stratified_split(data.take(rest), val_fraction, seed)
        triples.append((train, val, data.take(test)))
    return triples


def fitted_settings(model_config: ModelConfig, train_config: TrainConfig, train_set: Dataset, validation_size: int,
                    keep: Iterable[str] = ()) -> tuple[ModelConfig, TrainConfig]:
    """The fold's settings fitted to its training texts, except the ones named in ``keep``."""
    from .fit_data import fit_to_texts

    keep = set(keep)
    fit = fit_to_texts(train_set.texts, model_config, train_config=train_config, validation_size=validation_size)
    model = model_config.replace(**{k: getattr(fit.model_config, k) for k in ("seq_len", "vocab_size") if k not in keep})
    training = train_config.replace(**{k: getattr(fit.train_config, k) for k in ("epochs", "early_stopping_patience")
                                       if k not in keep})
    return model, training


def cross_validate(
    data: Dataset,
    model_config: ModelConfig,
    train_config: TrainConfig,
    folds: int = 10,
    seed: int = 42,
    *,
    fit: bool = True,
    keep: Iterable[str] = (),
    glove=None,
    on_fold: Callable[[int, int, str], None] | None = None,
    progress: Callable | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> CrossValidation:
    """Train and test one model per fold; ``on_fold(fold, folds, message)`` reports each fold's start
    and end, ``progress`` gets every fold's training events. A stop request ends after the current
    fold's best epoch and reports the folds done. ``keep`` names settings (``seq_len``, ``vocab_size``,
    ``epochs``, ``early_stopping_patience``) that stay as given instead of being fitted."""
    from .training import train

    triples = fold_splits(data, folds, seed)
    report = on_fold or (lambda fold, total, message: None)
    results = []
    for number, (train_set, val_set, test_set) in enumerate(triples, start=1):
        if should_stop is not None and should_stop():
            break
        model, training = (fitted_settings(model_config, train_config, train_set, len(val_set), keep) if fit
                           else (model_config, train_config))
        report(number, folds, f"fold {number}/{folds}: {len(train_set):,} train / {len(val_set):,} validation / "
                              f"{len(test_set):,} test (sequence length {model.seq_len}, vocabulary {model.vocab_size:,}, "
                              f"at most {training.epochs} epochs)")
        started = time.perf_counter()
        trained = train(train_set, val_set, test_set, model, training, glove=glove, progress=progress,
                        should_stop=should_stop)
        m = trained.metrics
        results.append(FoldResult(number, len(train_set), len(val_set), len(test_set), m.get("val_accuracy"),
                                  float(m["test_accuracy"]), int(m.get("best_epoch") or 0), int(m.get("epochs_run") or 0),
                                  time.perf_counter() - started))
        report(number, folds, f"fold {number}/{folds}: test accuracy {m['test_accuracy']:.4f}")
        if m.get("cancelled"):
            break
    if not results:
        raise ValueError("Cross-validation was stopped before the first fold finished.")
    return CrossValidation(model_config.variant, tuple(results), seed)
