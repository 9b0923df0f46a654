"""The second seed's lesson: ways to turn text into numbers, small and explicit for teaching.

Word one-hot, character one-hot, the hashing trick (with its collisions counted), and bags of
word n-grams. Each returns plain NumPy/Python values that a page can draw as a table.
"""

from __future__ import annotations

import hashlib
import string
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .text import tokenize

CHARACTERS = string.printable  # 100 printable ASCII characters; index 0 is "not printable"


@dataclass
class OneHot:
    tokens: list[str]
    vocabulary: list[str]  # column j of ``matrix`` is vocabulary[j]
    matrix: np.ndarray  # (len(tokens), len(vocabulary)) of 0/1


def word_one_hot(text: str, vocabulary: list[str] | None = None, max_length: int = 20) -> OneHot:
    """One row per word, one column per vocabulary word (the sentence's own words by default)."""
    tokens = tokenize(text)[:max_length]
    if vocabulary is None:
        vocabulary = list(dict.fromkeys(tokens))
    index = {w: j for j, w in enumerate(vocabulary)}
    matrix = np.zeros((len(tokens), len(vocabulary)), dtype=np.int8)
    for i, token in enumerate(tokens):
        if token in index:
            matrix[i, index[token]] = 1
    return OneHot(tokens, list(vocabulary), matrix)


def char_one_hot(text: str, max_length: int = 50) -> OneHot:
    """One row per character over the 100 printable ASCII characters (+1 column for others)."""
    chars = list(text[:max_length])
    columns = ["<other>"] + list(CHARACTERS)
    matrix = np.zeros((len(chars), len(columns)), dtype=np.int8)
    for i, ch in enumerate(chars):
        j = CHARACTERS.find(ch)
        matrix[i, j + 1 if j >= 0 else 0] = 1
    return OneHot(chars, columns, matrix)


def stable_hash(token: str) -> int:
    """A hash that is the same in every process (Python's ``hash`` of a str is salted per run)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass
class HashingResult:
    tokens: list[str]
    buckets: list[int]  # the column each token hashes to
    dimensionality: int
    collisions: dict[int, list[str]]  # bucket -> the different words that share it


def hashing_trick(text: str | list[str], dimensionality: int = 1000) -> HashingResult:
    """Hash each word into one of ``dimensionality`` columns, with no vocabulary to keep.

    Different words that land in the same column collide: the model can no longer tell them
    apart. Give a long text (or many) to see collisions grow as words approach the column count.
    """
    if dimensionality < 1:
        raise ValueError(f"dimensionality must be at least 1; got {dimensionality}.")
    tokens = tokenize(text) if isinstance(text, str) else [t for doc in text for t in tokenize(doc)]
    buckets = [stable_hash(t) % dimensionality for t in tokens]
    by_bucket: dict[int, set[str]] = {}
    for token, bucket in zip(tokens, buckets):
        by_bucket.setdefault(bucket, set()).add(token)
    collisions = {b: sorted(words) for b, words in by_bucket.items() if len(words) > 1}
    return HashingResult(tokens, buckets, dimensionality, collisions)


def hashing_matrix(result: HashingResult) -> np.ndarray:
    matrix = np.zeros((len(result.tokens), result.dimensionality), dtype=np.int8)
    matrix[np.arange(len(result.tokens)), result.buckets] = 1
    return matrix


def word_ngrams(text: str, n: int = 2) -> list[str]:
    """The bag of 1- to n-grams ("n or fewer consecutive words"), in order of appearance."""
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n}.")
    tokens = tokenize(text)
    grams = []
    for size in range(1, n + 1):
        grams += [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]
    return grams


def bag_of_ngrams(text: str, n: int = 2) -> Counter:
    """How often each 1..n-gram occurs: order is gone, which is what "bag" means."""
    return Counter(word_ngrams(text, n))
