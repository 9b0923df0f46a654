import numpy as np
import pytest

from sentiment_core.text import PAD, UNK, Vocabulary, clean_str, pad_sequences, strip_html, tokenize


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("The movie was unintelligent, gross, and vulgar—but I loved it.", "the movie was unintelligent , gross , and vulgar but i loved it"),
        ("The movie doesn't care", "the movie does n't care"),
        ("It's 'great' (really)! Isn't it?", "it 's great ( really ) ! is n't it ?"),
        ("I'd say we'll see; you've, they're", "i 'd say we 'll see you 've , they 're"),
        ("Line one<br /><br />line two", "line one line two"),
        ("😀 日本語 ###", ""),
    ],
)
def test_clean_str_follows_kims_rules(raw, cleaned):
    assert clean_str(raw) == cleaned


def test_strip_html_removes_tags():
    assert strip_html("a<br />b<i>c</i>").split() == ["a", "b", "c"]


def test_vocabulary_ranks_by_frequency_with_padding_and_unknown():
    vocab = Vocabulary(size=5).fit(["b b b a a c", "b a d"])
    assert vocab.words_ == ["<pad>", "<unk>", "b", "a", "c"]  # c and d tie: alphabetical
    assert vocab.encode("a b z") == [3, 2, UNK]
    assert vocab.decode([3, 2, UNK, PAD, PAD]) == "a b <unk>"
    assert len(vocab) == 5


def test_vocabulary_errors_are_actionable():
    with pytest.raises(ValueError, match="not fitted"):
        Vocabulary().encode("x")
    with pytest.raises(ValueError, match="no words"):
        Vocabulary().fit(["###", "😀"])
    with pytest.raises(ValueError, match="size >= 3"):
        Vocabulary(size=2).fit(["a"])


def test_vocabulary_round_trips_through_its_word_list():
    vocab = Vocabulary(size=10).fit(["one two two three three three"])
    again = Vocabulary.from_words(vocab.words_, vocab.counts_)
    assert again.encode("three two one four") == vocab.encode("three two one four")


def test_pad_sequences_pads_at_the_end_and_truncates():
    out = pad_sequences([[5, 6], [1, 2, 3, 4, 5]], 4)
    assert out.dtype == np.int32
    assert out.tolist() == [[5, 6, 0, 0], [1, 2, 3, 4]]
    with pytest.raises(ValueError):
        pad_sequences([[1]], 0)


def test_pad_sequences_can_keep_the_end_of_long_texts():
    out = pad_sequences([[5, 6], [1, 2, 3, 4, 5]], 4, keep="end")
    assert out.tolist() == [[5, 6, 0, 0], [2, 3, 4, 5]]
    with pytest.raises(ValueError, match="keep"):
        pad_sequences([[1]], 3, keep="middle")


def test_pad_sequences_can_keep_both_ends_of_long_texts():
    # length 8: the first quarter (2 ids) and the last three quarters (6 ids); the middle goes.
    long = list(range(1, 13))
    out = pad_sequences([[5, 6], long], 8, keep="both")
    assert out.tolist() == [[5, 6, 0, 0, 0, 0, 0, 0], [1, 2, 7, 8, 9, 10, 11, 12]]
    assert pad_sequences([long[:8]], 8, keep="both").tolist() == [long[:8]]


def test_encode_batch_shape():
    vocab = Vocabulary(size=20).fit(["a b c d"])
    assert vocab.encode_batch(["a b", "", "d " * 50], 7).shape == (3, 7)
    assert tokenize("Hello, World!") == ["hello", ",", "world", "!"]
