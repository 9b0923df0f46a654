"""How positive is a word? Two measures that mean something for every model.

- **The data's**: the log-count ratio of the word in positive against negative training texts
  (the features of Wang & Manning's NB-SVM): log((a + count in positive) / (a·V + all positive
  words)) − the same for negative, with add-one smoothing. +1 means the word is e ≈ 2.7 times as
  frequent, relatively, in positive reviews.
- **The model's, in context**: the word's average effect where it is actually used: for up to
  ``per_word`` held-out snippets (the word with ``window`` words either side), the model's
  log-odds of positive with the word minus without it. A CNN reading one word alone among 500
  padding positions says almost nothing; read in context, the same model separates the words.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Sequence

import numpy as np

from .text import tokenize

PER_WORD = 8
WINDOW = 10
CLIP = 1e-6


class ClassCounts:
    """Word counts per class over labelled texts (tokenized once; kept by the worker)."""

    def __init__(self, texts: Sequence[str], labels: np.ndarray, class_names: Sequence[str]):
        self.class_names = tuple(class_names)
        self.counts = [Counter() for _ in class_names]
        for text, label in zip(texts, labels):
            self.counts[int(label)].update(tokenize(text))
        self.totals = [sum(c.values()) for c in self.counts]
        self.vocabulary = len(set().union(*self.counts))

    def log_ratio(self, words: Sequence[str], positive: int = 1, smoothing: float = 1.0) -> np.ndarray:
        """The data's polarity of each word (natural log; 0 = as frequent in both classes)."""
        negative = [i for i in range(len(self.class_names)) if i != positive]
        pos = np.array([self.counts[positive][w] for w in words], dtype=np.float64)
        neg = np.array([sum(self.counts[i][w] for i in negative) for w in words], dtype=np.float64)
        pos_total = self.totals[positive]
        neg_total = sum(self.totals[i] for i in negative)
        denominator = smoothing * self.vocabulary
        return np.log((smoothing + pos) / (denominator + pos_total)) - np.log((smoothing + neg) / (denominator + neg_total))


class Snippets:
    """Held-out texts, tokenized once, indexed by word: where each word is used."""

    def __init__(self, texts: Sequence[str], window: int = WINDOW):
        self.window = window
        self.documents = [tokenize(t) for t in texts]
        self.places: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for d, tokens in enumerate(self.documents):
            for p, token in enumerate(tokens):
                self.places[token].append((d, p))

    def around(self, word: str, per_word: int) -> list[tuple[list[str], int]]:
        """Up to ``per_word`` snippets using ``word`` (from different texts first), with its position."""
        chosen, seen = [], set()
        for d, p in self.places.get(word, []):
            if d in seen:
                continue
            seen.add(d)
            tokens = self.documents[d]
            start = max(0, p - self.window)
            chosen.append((tokens[start : p + self.window + 1], p - start))
            if len(chosen) == per_word:
                break
        return chosen


def log_odds(probabilities: np.ndarray, positive: int) -> np.ndarray:
    p = np.clip(probabilities[:, positive].astype(np.float64), CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def context_polarity(predictor, words: Sequence[str], snippets: Snippets, positive: int = 1,
                     per_word: int = PER_WORD) -> tuple[np.ndarray, np.ndarray]:
    """``(mean change in log-odds of positive when the word is removed, snippets used)`` per word.

    Words never seen in the snippets get 0 and a count of 0.
    """
    with_word, without_word, owner = [], [], []
    for i, word in enumerate(words):
        for tokens, position in snippets.around(word, per_word):
            with_word.append(" ".join(tokens))
            without_word.append(" ".join(tokens[:position] + tokens[position + 1 :]) or ".")
            owner.append(i)
    effects = np.zeros(len(words))
    used = np.bincount(owner, minlength=len(words)) if owner else np.zeros(len(words), int)
    if owner:
        change = log_odds(predictor.predict_proba(with_word), positive) - log_odds(predictor.predict_proba(without_word), positive)
        np.add.at(effects, owner, change)
        effects = effects / np.maximum(used, 1)
    return effects, used


def robust_limit(values: np.ndarray, quantile: float = 0.98) -> float:
    """A colour scale's end: the 98th percentile of |value|, so a few extreme words do not wash out the rest."""
    values = np.abs(np.asarray(values, dtype=np.float64))
    return float(np.quantile(values, quantile)) if len(values) and values.any() else 1.0
