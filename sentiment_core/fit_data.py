"""Settings that fit the user's own data, instead of IMDB's.

IMDB's defaults read 500 words and keep 5,000: for 20-word sentences that is 96 % padding (3-9x
slower for the same accuracy) and a vocabulary that misses words the data uses. :func:`fit_to_texts`
measures the training texts and sets the sequence length to the 95th percentile of their token
counts (at least the widest convolution, rounded up to a multiple of 8) and the vocabulary to the
words seen at least twice (plus padding and unknown, up to a cap). The notes say what was chosen
and why, for the Train page and the CLI; every value stays editable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .config import ModelConfig
from .text import tokenize

MAX_SEQ_LEN = 1000
MIN_SEQ_LEN = 8
MIN_COUNT = 2
MAX_VOCABULARY = 40_000  # fastText hashes word pairs in int32: at most 46,340 words
MIN_VOCABULARY = 100


@dataclass(frozen=True)
class DataFit:
    """The fitted settings and what was measured."""

    model_config: ModelConfig
    length_p95: int
    longest: int
    words_seen: int  # distinct tokens in the training texts
    words_kept: int  # of them, seen at least MIN_COUNT times (before the cap)
    notes: tuple[str, ...]


def fit_to_texts(texts: Sequence[str], model_config: ModelConfig, what: str = "texts") -> DataFit:
    """``model_config`` with ``seq_len`` and ``vocab_size`` fitted to ``texts`` (the training split).

    The linear baseline reads every word and keeps its own n-grams: only the notes change for it.
    """
    if not texts:
        raise ValueError("There are no training texts to fit the settings to.")
    lengths = np.array([len(tokenize(t)) for t in texts])
    counts: Counter = Counter()
    for text in texts:
        counts.update(tokenize(text))
    p95 = int(np.ceil(np.percentile(lengths, 95)))
    widest = max(model_config.kernel_sizes) if model_config.variant in ("cnn", "multicnn", "glove-static", "glove-tuned",
                                                                         "multichannel") else 1
    seq_len = max(p95, widest, MIN_SEQ_LEN)
    seq_len = min(int(np.ceil(seq_len / 8) * 8), MAX_SEQ_LEN)
    kept = sum(1 for c in counts.values() if c >= MIN_COUNT)
    vocab_size = min(max(kept + 2, MIN_VOCABULARY), MAX_VOCABULARY)
    notes = []
    if model_config.is_linear:
        notes.append(f"The baseline reads every word of every text ({what}: median {int(np.median(lengths))} words); "
                     "its n-grams are counted from the data.")
        return DataFit(model_config, p95, int(lengths.max()), len(counts), kept, tuple(notes))
    covered = float(np.mean(np.minimum(lengths, seq_len) == lengths))
    notes.append(f"Sequence length {seq_len}: 95 % of the training {what} have at most {p95} words (the longest "
                 f"{int(lengths.max())}); {covered:.0%} are read whole" + (f", and the widest kernel needs {widest}." if widest > 1 else "."))
    cap = " (capped)" if kept + 2 > MAX_VOCABULARY else ""
    notes.append(f"Vocabulary {vocab_size:,}{cap}: the {kept:,} words seen at least {MIN_COUNT} times in the training "
                 f"{what} (of {len(counts):,} distinct), plus padding and unknown.")
    fitted = model_config.replace(seq_len=seq_len, vocab_size=vocab_size)
    return DataFit(fitted, p95, int(lengths.max()), len(counts), kept, tuple(notes))
