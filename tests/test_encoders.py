import numpy as np
import pytest

from sentiment_core.encoders import (
    bag_of_ngrams, char_one_hot, hashing_matrix, hashing_trick, stable_hash, word_ngrams, word_one_hot,
)


def test_word_ngrams_are_n_or_fewer_consecutive_words():
    grams = word_ngrams("The cat sat on the mat.", 2)
    assert set(grams) == {"the", "cat", "sat", "on", "mat", "the cat", "cat sat", "sat on", "on the", "the mat"}
    assert bag_of_ngrams("The cat sat on the mat.", 3)["the"] == 2
    assert "cat sat on" in word_ngrams("The cat sat on the mat.", 3)
    with pytest.raises(ValueError):
        word_ngrams("x", 0)


def test_word_one_hot_selects_one_column_per_word():
    onehot = word_one_hot("I hate pizza", vocabulary=["i", "love", "cake", "hate", "pizza"])
    assert onehot.matrix.tolist() == [[1, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]


def test_char_one_hot_covers_printable_and_other_characters():
    onehot = char_one_hot("Ab é")
    assert onehot.matrix.shape == (4, 101)
    assert onehot.matrix.sum(axis=1).tolist() == [1, 1, 1, 1]
    assert onehot.matrix[3, 0] == 1  # é is not printable ASCII: the <other> column
    assert onehot.vocabulary[int(np.argmax(onehot.matrix[0]))] == "A"


def test_hashing_trick_is_stable_and_counts_collisions():
    assert stable_hash("movie") == stable_hash("movie")
    words = " ".join(f"word{i}" for i in range(200))
    result = hashing_trick(words, dimensionality=50)
    # 200 distinct words in 50 columns must collide; each collision lists distinct words.
    assert result.collisions
    assert all(len(set(ws)) == len(ws) > 1 for ws in result.collisions.values())
    assert sum(len(ws) for ws in result.collisions.values()) <= 200
    wide = hashing_trick("the cat sat", dimensionality=10**9)
    assert wide.collisions == {}
    assert hashing_matrix(wide).sum() == 3
    with pytest.raises(ValueError):
        hashing_trick("x", 0)
