"""The core pieces behind the pages: estimates, maps, the encoding lesson, batch texts, rename."""

import numpy as np
import pytest

from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.glove import Glove
from tests.conftest import BAD, FILLER, GOOD, make_dataset

SMALL = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=8, bigram_buckets=50, dropout=0.0)


def splits(n=200):
    return lambda: (make_dataset(n, seed=1), make_dataset(60, seed=2), make_dataset(60, seed=3))


def tiny_glove() -> Glove:
    words = GOOD + BAD + FILLER + ["okay", "fine", "pos", "neg", "best", "love", "enjoyed", "beautiful", "bad", "worst", "hate",
                                   "poor", "horrible", "good", "excellent"]
    words = list(dict.fromkeys(words))
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(words), 8)).astype(np.float32)
    for i, w in enumerate(words):  # a clear sentiment axis in dimension 0
        vectors[i, 0] += 3.0 if w in GOOD + ["best", "love", "enjoyed", "beautiful", "good", "excellent"] else 0.0
        vectors[i, 0] -= 3.0 if w in BAD + ["bad", "worst", "hate", "poor", "horrible"] else 0.0
    return Glove(words, vectors, "tiny")


def test_estimate_grows_with_data_epochs_and_length():
    from sentiment_core.estimates import estimate, estimate_seconds

    base = estimate_seconds(ModelConfig(variant="cnn"), TrainConfig(epochs=2), 2000, 200, 1000)
    assert estimate_seconds(ModelConfig(variant="cnn"), TrainConfig(epochs=4), 2000, 200, 1000) > base
    # Ten times the data: more than five times the training (getting ready does not grow with it).
    train_s = estimate(ModelConfig(variant="cnn"), TrainConfig(epochs=2), 2000, 200, 1000).train_s
    assert estimate(ModelConfig(variant="cnn"), TrainConfig(epochs=2), 20000, 200, 1000).train_s > 5 * train_s
    assert estimate_seconds(ModelConfig(variant="cnn", seq_len=100), TrainConfig(epochs=2), 2000, 200, 1000) < base
    assert estimate_seconds(ModelConfig(variant="bilstm"), TrainConfig(epochs=2), 2000, 200, 1000) > base


def test_projection_checks_and_maps(tmp_path):
    from sentiment_core.inference import Predictor
    from sentiment_core.projection import check_projection, embedding_maps, neighbours, project, projector_files
    from sentiment_core.training import train

    with pytest.raises(ValueError, match="too large for 20 words"):
        check_projection(20, "tsne", 30, 1000)
    with pytest.raises(ValueError, match="method"):
        check_projection(20, "umap", 5, 1000)
    points = project(np.random.default_rng(0).normal(size=(40, 8)), "tsne", perplexity=5, iterations=250)
    assert points.shape == (40, 2) and np.isfinite(points).all()

    trained = train(make_dataset(200, seed=1), make_dataset(60, seed=2), None, SMALL,
                    TrainConfig(epochs=4, batch_size=16, learning_rate=0.01))
    predictor = Predictor.from_trained(trained)
    steps = []
    maps = embedding_maps(predictor, tiny_glove(), n_words=40, method="pca", progress=lambda s, f: steps.append(f))
    assert maps.learned.shape == maps.glove.shape == (len(maps.words), 2)
    assert steps[-1] == 1.0
    polarity = dict(zip(maps.words, maps.polarity))
    good = [polarity[w] for w in GOOD if w in polarity]
    bad = [polarity[w] for w in BAD if w in polarity]
    assert good and bad and np.mean(good) > np.mean(bad)  # the model learned which words are positive
    word = maps.words[0]
    assert len(neighbours(maps.glove_vectors, maps.words, word, k=3)) == 3
    vectors_tsv, metadata_tsv = projector_files(maps.words, maps.learned_vectors, maps.polarity)
    assert len(vectors_tsv.strip().splitlines()) == len(maps.words)
    assert metadata_tsv.splitlines()[0] == "word\tpolarity" and len(metadata_tsv.strip().splitlines()) == len(maps.words) + 1

    glove_only = embedding_maps(None, tiny_glove(), n_words=20, method="pca")
    assert glove_only.learned is None and glove_only.glove.shape == (20, 2)
    scores = dict(zip(glove_only.words, glove_only.polarity))
    assert scores["great"] > 0 > scores["awful"]


def test_lesson_turns_a_sentence_into_every_encoding():
    from sentiment_core.lesson import glove_tables, text_to_numbers

    vocabulary, table = glove_tables(tiny_glove(), size=20)
    lesson = text_to_numbers("The movie wasn't great, great!", vocabulary, table, seq_len=12, hash_buckets=4, ngram=2)
    assert lesson.tokens == ["the", "movie", "was", "n't", "great", ",", "great", "!"]
    assert len(lesson.ids) == 8 and lesson.padded.shape == (12,) and list(lesson.padded[8:]) == [0, 0, 0, 0]
    assert "n't" in lesson.unknown  # GloVe's top-18 tiny list does not hold it
    assert lesson.word_one_hot.matrix.sum() == 8
    assert lesson.hashing.collisions  # 7 distinct tokens in 4 columns must collide
    assert lesson.ngrams[0] == ("great", 2)
    assert lesson.embedding_rows.shape == (8, 8)
    np.testing.assert_allclose(lesson.embedding_rows[0], table[lesson.ids[0]])
    with pytest.raises(ValueError, match="Type a sentence"):
        text_to_numbers("  ", vocabulary, table)
    with pytest.raises(ValueError, match="2,000"):
        text_to_numbers("a" * 3000, vocabulary, table)


def test_read_texts_lines_and_csv():
    from sentiment_core.data import DataError, read_texts

    texts, notes = read_texts(b"good\n\n  bad  \n", "lines.txt")
    assert texts == ["good", "bad"] and notes == []
    texts, notes = read_texts(b"id,review\n1,loved it\n2,hated it\n", "rows.csv")
    assert texts == ["loved it", "hated it"] and "review" in notes[0]
    texts, notes = read_texts("caf\xe9 ok\n".encode("latin-1"), "latin.txt")
    assert texts == ["caf\xe9 ok"] and "Latin-1" in notes[0]
    with pytest.raises(DataError, match="no text"):
        read_texts(b"\n\n", "empty.txt")


def test_compare_and_predict_table_cover_every_model():
    from sentiment_core.inference import Predictor, compare, predict_table
    from sentiment_core.training import train

    config = TrainConfig(epochs=2, batch_size=16, learning_rate=0.01)
    first = Predictor.from_trained(train(make_dataset(120, seed=1), make_dataset(40, seed=2), None, SMALL, config))
    second = Predictor.from_trained(
        train(make_dataset(120, seed=1), make_dataset(40, seed=2), None, ModelConfig(variant="cnn", vocab_size=60, seq_len=24, filters=8), config)
    )
    first.name, second.name = "a", "b"
    rows = compare([first, second], "a great film")
    assert [r["model"] for r in rows] == ["a", "b"]
    assert all(r["prediction"].label in ("negative", "positive") and len(r["words"]) == 3 for r in rows)
    with pytest.raises(ValueError, match="empty"):
        compare([first], "   ")
    table = predict_table([first, second], ["great", "awful", ""])
    assert len(table) == 2 and {"a: label", "b: label", "a: P(positive)"} <= set(table[0])
    with pytest.raises(ValueError, match="No texts"):
        predict_table([first], ["", " "])


def test_a_model_that_keeps_the_end_reads_the_last_words():
    from sentiment_core.inference import Predictor
    from sentiment_core.training import train

    config = SMALL.replace(keep="end", seq_len=6)
    predictor = Predictor.from_trained(train(make_dataset(120, seed=1), make_dataset(40, seed=2), None, config,
                                             TrainConfig(epochs=1, batch_size=16)))
    text = "awful " * 10 + "the movie was great and wonderful"
    words = [w["token"] for w in predictor.explain(text)]
    assert words == ["the", "movie", "was", "great", "and", "wonderful"]
    assert "last 6 of 16 words" in predictor.predict(text)[0].note
    np.testing.assert_array_equal(predictor.encode([text])[0], predictor.vocabulary.encode_tokens(words))


def test_durations_read_as_people_say_them():
    from pages.views import duration

    assert [duration(s) for s in (None, 0.2, 4.4, 59.6, 75, 3700)] == [
        "—", "under 1 s", "4 s", "1 min 00 s", "1 min 15 s", "1 h 01 min"]
