"""Text to numbers: Kim's cleaning, a frequency-ranked vocabulary, encode/decode, padding.

Id 0 is padding and id 1 stands for every word outside the vocabulary, so a vocabulary of
``vocab_size`` rows holds ``vocab_size - 2`` real words, most frequent first.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np

PAD, UNK = 0, 1
PAD_TOKEN, UNK_TOKEN = "<pad>", "<unk>"

_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]{1,200}>")
_NOT_KEPT = re.compile(r"[^a-z0-9(),!?'`]")
_CLITICS = re.compile(r"('s|'ve|n't|'re|'d|'ll|'m)\b")
_PUNCT = re.compile(r"([(),!?])")
_LONE_QUOTES = re.compile(r"(?<![a-z])'|'(?![a-z])|`")
_SPACES = re.compile(r"\s+")


def strip_html(text: str) -> str:
    """Turn the IMDB reviews' ``<br />`` tags (and any other tag) into spaces."""
    return _HTML_TAG.sub(" ", _HTML_BREAK.sub(" ", text))


def clean_str(text: str) -> str:
    """Kim (2014)'s ``clean_str``: lower-case, keep letters, digits and ``(),!?'``.

    Clitics are split off as their own tokens ("didn't" -> "did n't", "film's" -> "film 's"),
    the kept punctuation becomes separate tokens, and everything else becomes a space.
    """
    text = strip_html(text).lower()
    text = _NOT_KEPT.sub(" ", text)
    # Quotes that are not inside a word ('quoted' words) carry nothing; drop them first.
    text = _LONE_QUOTES.sub(" ", text)
    text = _CLITICS.sub(r" \1", text)
    text = _PUNCT.sub(r" \1 ", text)
    return _SPACES.sub(" ", text).strip()


def tokenize(text: str, negation: bool = False) -> list[str]:
    """The cleaned words of ``text``; with ``negation``, the words in a negation's scope marked NOT_."""
    if not negation:
        return clean_str(text).split()
    tokens: list[str] = []
    # Kim's cleaning turns . : ; into spaces; they end a negation's scope, so split at them first.
    for clause in _CLAUSE_END.split(text):
        tokens += mark_negation(clean_str(clause).split())
    return tokens


# Negation scope (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002): every word after a negation
# word gets a NOT_ prefix, so "not good" and "good" are different words to the model, up to the
# end of the clause. Commas do not end it (Potts 2011 ends scope at clause-level punctuation
# only): "not, in the end, good" stays negated. "but" does end it: "not great but I loved it".
NOT_PREFIX = "NOT_"
NEGATION_WORDS = frozenset({"not", "n't", "no", "never", "nothing", "nobody", "none", "nowhere", "neither", "nor",
                            "cannot"})
SCOPE_ENDS = frozenset({"!", "?", "but"})
_UNMARKED = frozenset({",", "(", ")"})  # punctuation inside a scope stays itself
_CLAUSE_END = re.compile(r"[.:;]")


def mark_negation(tokens: Sequence[str]) -> list[str]:
    """``tokens`` (one clause) with each word after a negation word prefixed NOT_, up to ``! ? but``.

    >>> mark_negation("i did n't like the plot , or the acting but the music".split())
    ['i', 'did', "n't", 'NOT_like', 'NOT_the', 'NOT_plot', ',', 'NOT_or', 'NOT_the', 'NOT_acting', 'but', 'the', 'music']
    """
    marked, negated = [], False
    for token in tokens:
        if token in SCOPE_ENDS:
            negated = False
            marked.append(token)
        elif token in NEGATION_WORDS or token in _UNMARKED:
            # A second negation keeps the scope open rather than cancelling it.
            negated = negated or token in NEGATION_WORDS
            marked.append(token)
        else:
            marked.append(NOT_PREFIX + token if negated else token)
    return marked


class Vocabulary:
    """The ``size - 2`` most frequent words of a corpus, ranked; 0 = padding, 1 = unknown.

    >>> vocab = Vocabulary(size=6).fit(["a good film", "a bad film", "a film"])
    >>> vocab.encode("a good day")
    [2, 5, 1]
    """

    negation = False  # for vocabularies pickled before the option existed

    def __init__(self, size: int = 5000, min_count: int = 1, negation: bool = False):
        self.size = size
        self.min_count = min_count
        self.negation = negation  # words in a negation's scope are read as NOT_word (see mark_negation)

    def tokenize(self, text: str) -> list[str]:
        """The tokens this vocabulary reads ``text`` as (NOT_-marked when it marks negation)."""
        return tokenize(text, self.negation)

    def fit(self, texts: Iterable[str]) -> "Vocabulary":
        from .token_cache import tokenize_texts  # token_cache builds on this module

        return self.fit_tokenized(tokenize_texts(list(texts), self.negation))

    def fit_tokenized(self, tokens) -> "Vocabulary":
        """:meth:`fit` on texts tokenized beforehand (a :class:`~sentiment_core.token_cache.TokenizedTexts`,
        whose words are already ranked the same way): the same vocabulary without re-tokenising."""
        if self.size < 3:
            raise ValueError(f"A vocabulary needs room for padding, unknown and a word: size >= 3, got {self.size}.")
        if bool(tokens.negation) != bool(self.negation):
            raise ValueError("These texts were tokenized with a different negation option than this vocabulary's.")
        if not len(tokens.words):
            raise ValueError("Cannot build a vocabulary: the texts contain no words.")
        kept = int(np.count_nonzero(tokens.counts >= self.min_count))  # counts fall along the ranking
        ranked = tokens.words[: min(kept, self.size - 2)]
        self.words_ = [PAD_TOKEN, UNK_TOKEN] + list(ranked)
        self.index_ = {w: i for i, w in enumerate(self.words_)}
        self.counts_ = {w: int(c) for w, c in zip(ranked, tokens.counts)}
        self.corpus_tokens_ = tokens.total_tokens
        return self

    @classmethod
    def from_words(cls, words: Sequence[str], counts: dict | None = None, negation: bool = False) -> "Vocabulary":
        """Rebuild a fitted vocabulary from its saved word list (with the two special tokens)."""
        if list(words[:2]) != [PAD_TOKEN, UNK_TOKEN]:
            raise ValueError("A saved vocabulary must start with '<pad>' and '<unk>'.")
        vocab = cls(size=len(words), negation=negation)
        vocab.words_ = list(words)
        vocab.index_ = {w: i for i, w in enumerate(vocab.words_)}
        vocab.counts_ = dict(counts or {})
        vocab.corpus_tokens_ = sum(vocab.counts_.values())
        return vocab

    def __len__(self) -> int:
        return len(self._words())

    def _words(self) -> list[str]:
        if not hasattr(self, "words_"):
            raise ValueError("This vocabulary is not fitted yet: call fit(texts) first.")
        return self.words_

    def encode(self, text: str) -> list[int]:
        self._words()
        return [self.index_.get(token, UNK) for token in self.tokenize(text)]

    def encode_tokens(self, tokens: Iterable[str]) -> list[int]:
        self._words()
        return [self.index_.get(token, UNK) for token in tokens]

    def decode(self, ids: Iterable[int], skip_padding: bool = True) -> str:
        words = self._words()
        out = []
        for i in ids:
            i = int(i)
            if i == PAD and skip_padding:
                continue
            out.append(words[i] if 0 <= i < len(words) else UNK_TOKEN)
        return " ".join(out)

    def encode_batch(self, texts: Sequence[str], length: int, keep: str = "start") -> np.ndarray:
        """Encode and pad/truncate every text to ``length`` ids: an int32 ``(len(texts), length)`` array."""
        return pad_sequences([self.encode(t) for t in texts], length, keep=keep)


KEEP_CHOICES = ("start", "end", "both")


def head_length(length: int) -> int:
    """How many of ``length`` items ``keep="both"`` takes from the start (a quarter; the rest from the end)."""
    return length // 4


def keep_window(items: Sequence, length: int, keep: str = "start") -> Sequence:
    """The part of a too-long sequence a model reads: its first ``length`` items, its last, or both ends.

    "both" takes the first quarter and the last three quarters, dropping the middle: Sun et al.
    (2019) found head + tail truncation the best of the three for long IMDB reviews, whose
    openings set the scene and whose endings give the verdict.
    """
    if keep not in KEEP_CHOICES:
        raise ValueError(f"keep must be one of {', '.join(KEEP_CHOICES)}; got {keep!r}.")
    if len(items) <= length:
        return items
    if keep == "start":
        return items[:length]
    if keep == "end":
        return items[len(items) - length :]
    head = head_length(length)
    return list(items[:head]) + list(items[len(items) - (length - head) :])


def pad_sequences(sequences: Sequence[Sequence[int]], length: int, value: int = PAD, keep: str = "start") -> np.ndarray:
    """Pad at the end with ``value``; cut long ones to ``length`` ids by ``keep`` (the seed reads the start)."""
    if length < 1:
        raise ValueError(f"length must be at least 1; got {length}.")
    out = np.full((len(sequences), length), value, dtype=np.int32)
    for row, seq in enumerate(sequences):
        seq = keep_window(seq, length, keep)
        out[row, : len(seq)] = seq
    return out
