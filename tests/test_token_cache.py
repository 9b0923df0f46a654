from collections import Counter

import numpy as np
import pytest

from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.text import PAD_TOKEN, UNK, UNK_TOKEN, Vocabulary, tokenize
from sentiment_core.token_cache import TokenCache, fingerprint, tokenize_texts
from sentiment_core.training import train
from tests.conftest import make_dataset

TEXTS = [
    "A good film. Not good at all, isn't it?",
    "The <br />plot was BAD, bad, bad... and the acting wasn't great",
    "",  # a text with no words still takes its place
    "good good good film",
    "zebra apple mango apple zebra",  # ties broken alphabetically, like Vocabulary.fit
]


@pytest.mark.parametrize("negation", [False, True])
@pytest.mark.parametrize("size,min_count", [(3, 1), (8, 1), (200, 1), (200, 2)])
def test_a_vocabulary_from_tokens_ranks_words_by_count_then_alphabet(negation, size, min_count):
    counts = Counter(token for text in TEXTS for token in tokenize(text, negation))
    ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))[: size - 2]
    tokens = tokenize_texts(TEXTS, negation)
    got = Vocabulary(size=size, min_count=min_count, negation=negation).fit_tokenized(tokens)
    assert got.words_ == [PAD_TOKEN, UNK_TOKEN] + ranked
    assert got.counts_ == {w: counts[w] for w in ranked} and got.corpus_tokens_ == sum(counts.values())
    index = {w: i for i, w in enumerate(got.words_)}
    expected = [[index.get(t, UNK) for t in tokenize(text, negation)] for text in TEXTS]
    assert [s.tolist() for s in tokens.sequences(got.index_)] == expected
    assert Vocabulary(size=size, min_count=min_count, negation=negation).fit(TEXTS).words_ == got.words_


def test_tokens_read_with_another_negation_option_are_refused():
    with pytest.raises(ValueError, match="negation"):
        Vocabulary(size=10, negation=True).fit_tokenized(tokenize_texts(TEXTS, False))
    with pytest.raises(ValueError, match="no words"):
        Vocabulary(size=10).fit_tokenized(tokenize_texts(["", "..."]))
    assert tokenize_texts([]).sequences({}) == []


def test_the_key_tells_texts_and_options_apart():
    assert fingerprint(["ab", "c"], False) != fingerprint(["a", "bc"], False)
    assert fingerprint(["ab"], False) != fingerprint(["ab"], True)
    assert fingerprint(["ab"], False) == fingerprint(["ab"], False)


def test_second_run_reads_memory_then_disk_and_survives_a_damaged_file(tmp_path):
    cache = TokenCache(tmp_path)
    first = cache.tokenized(TEXTS, True)
    assert cache.tokenized(TEXTS, True) is first
    assert cache.hits_ == {"memory": 1, "disk": 0, "tokenized": 1}
    (path,) = tmp_path.glob("*.npz")

    restarted = TokenCache(tmp_path)  # a new process: nothing in memory
    again = restarted.tokenized(TEXTS, True)
    assert restarted.hits_ == {"memory": 0, "disk": 1, "tokenized": 0}
    assert again.words == first.words and again.negation
    for name in ("counts", "flat", "offsets"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))

    path.write_bytes(path.read_bytes()[:40])  # cut short
    damaged = TokenCache(tmp_path)
    assert damaged.tokenized(TEXTS, True).words == first.words
    assert damaged.hits_["tokenized"] == 1
    assert TokenCache(tmp_path).tokenized(TEXTS, True).words == first.words  # rewritten whole


def test_the_cache_is_bounded_in_memory_and_on_disk(tmp_path):
    cache = TokenCache(tmp_path, in_memory=2, on_disk=3)
    for i in range(5):
        cache.tokenized([f"text number {i}"])
    assert len(list(tmp_path.glob("*.npz"))) == 3
    cache.tokenized(["text number 0"])  # left memory and disk: tokenized again
    assert cache.hits_ == {"memory": 0, "disk": 0, "tokenized": 6}
    cache.tokenized(["text number 4"])  # still in memory (with 0)
    cache.tokenized(["text number 3"])  # only on disk (with 4 and 0)
    assert cache.hits_ == {"memory": 1, "disk": 1, "tokenized": 6}


def test_an_unwritable_folder_only_costs_the_saving(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = TokenCache(blocker / "tokens")
    assert cache.tokenized(TEXTS).words == tokenize_texts(TEXTS).words


def test_train_tokenizes_each_collection_once_and_learns_the_same():
    config = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=8, bigram_buckets=101, dropout=0.0)
    settings = TrainConfig(epochs=1, batch_size=32, seed=3, early_stopping_patience=0)
    data = make_dataset(160, 1), make_dataset(40, 2), make_dataset(40, 3)
    cache = TokenCache()
    first = train(*data, config, settings, tokens=cache)
    assert cache.hits_ == {"memory": 0, "disk": 0, "tokenized": 3}  # training, validation, test texts
    second = train(*data, config, settings, tokens=cache)
    assert cache.hits_ == {"memory": 3, "disk": 0, "tokenized": 3}
    plain = train(*data, config, settings)
    assert first.vocabulary.words_ == second.vocabulary.words_ == plain.vocabulary.words_
    assert second.metrics["test_accuracy"] == plain.metrics["test_accuracy"]
