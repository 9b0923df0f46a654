"""Every step from a sentence to the numbers a model reads, in one call (the second seed's lesson).

:func:`text_to_numbers` returns the cleaned tokens, their ids in a vocabulary, the padded
sequence, the word and character one-hot matrices, the hashing trick with its collisions, the
bag of n-grams and the embedding rows the ids select. The vocabulary and the embedding table
come from a trained model, or from GloVe (its 400,000 words are ranked by frequency) when no
model is chosen, so the lesson works with no data downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .encoders import HashingResult, OneHot, bag_of_ngrams, char_one_hot, hashing_trick, word_one_hot
from .text import NEGATION_WORDS, NOT_PREFIX, UNK, Vocabulary, clean_str, pad_sequences, tokenize

MAX_LESSON_CHARS = 2000


@dataclass
class Lesson:
    sentence: str
    cleaned: str
    tokens: list[str]  # as the vocabulary reads them (NOT_-marked when it marks negation)
    negation_marked: list[str]  # the tokens with every negation's scope marked, whatever the vocabulary does
    negation_roles: list[str]  # per marked token: "negator", "negated" or ""
    ids: list[int]
    unknown: list[str]
    vocabulary_size: int
    vocabulary_source: str
    padded: np.ndarray  # (seq_len,)
    word_one_hot: OneHot
    char_one_hot: OneHot
    hashing: HashingResult
    ngrams: list[tuple[str, int]]  # (n-gram, count), most frequent first
    embedding_rows: np.ndarray | None  # (len(tokens), dim): the rows the ids select
    embedding_source: str


def glove_tables(glove, size: int = 5000) -> tuple[Vocabulary, np.ndarray]:
    """GloVe's ``size - 2`` most frequent words (it lists them by frequency) as a vocabulary,
    and their vectors as an embedding table (zero rows for padding and unknown)."""
    vocabulary = Vocabulary.from_words(["<pad>", "<unk>"] + list(glove.words[: size - 2]))
    table = np.zeros((size, glove.dim), dtype=np.float32)
    table[2:] = np.asarray(glove.vectors[: size - 2], dtype=np.float32)
    return vocabulary, table


def text_to_numbers(
    sentence: str,
    vocabulary: Vocabulary,
    embedding: np.ndarray | None = None,
    seq_len: int = 20,
    hash_buckets: int = 50,
    ngram: int = 2,
    vocabulary_source: str = "",
    embedding_source: str = "",
) -> Lesson:
    """The whole path from ``sentence`` to numbers; ``embedding`` is a ``(vocab, dim)`` table."""
    if not isinstance(sentence, str) or not sentence.strip():
        raise ValueError("Type a sentence to see how it becomes numbers.")
    if len(sentence) > MAX_LESSON_CHARS:
        raise ValueError(f"The lesson draws every word: keep it under {MAX_LESSON_CHARS:,} characters (this is {len(sentence):,}).")
    if not 1 <= seq_len <= 500:
        raise ValueError(f"Sequence length must be 1 to 500; got {seq_len}.")
    if not 1 <= ngram <= 5:
        raise ValueError(f"n-grams from 1 to 5 words; got {ngram}.")
    tokens = vocabulary.tokenize(sentence)
    ids = vocabulary.encode_tokens(tokens)
    marked = tokenize(sentence, negation=True)
    roles = ["negator" if t in NEGATION_WORDS else "negated" if t.startswith(NOT_PREFIX) else "" for t in marked]
    rows = None
    if embedding is not None:
        rows = np.asarray(embedding)[ids] if ids else np.zeros((0, np.asarray(embedding).shape[1]), np.float32)
    ngrams = sorted(bag_of_ngrams(sentence, ngram).items(), key=lambda item: (-item[1], item[0].count(" ")))
    return Lesson(
        sentence=sentence,
        cleaned=clean_str(sentence),
        tokens=tokens,
        negation_marked=marked,
        negation_roles=roles,
        ids=ids,
        unknown=[t for t, i in zip(tokens, ids) if i == UNK],
        vocabulary_size=len(vocabulary),
        vocabulary_source=vocabulary_source,
        padded=pad_sequences([ids], seq_len)[0],
        word_one_hot=word_one_hot(sentence, max_length=40),
        char_one_hot=char_one_hot(sentence, max_length=60),
        hashing=hashing_trick(sentence, hash_buckets),
        ngrams=ngrams,
        embedding_rows=rows,
        embedding_source=embedding_source,
    )
