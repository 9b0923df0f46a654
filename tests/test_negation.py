"""Negation marking (issue 13, part 2): NOT_ on the words in a negation's scope, end to end."""

import numpy as np
import pytest

from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.data import Dataset
from sentiment_core.text import Vocabulary, mark_negation, tokenize


@pytest.mark.parametrize("text, marked", [
    ("The acting was not good at all.", "the acting was not NOT_good NOT_at NOT_all"),
    ("Not bad. Really good!", "not NOT_bad really good !"),
    ("I didn't like it; the music was fine", "i did n't NOT_like NOT_it the music was fine"),
    ("not great but I loved it", "not NOT_great but i loved it"),
    ("Never boring! Great cast", "never NOT_boring ! great cast"),
    # Commas do not end a scope (clause-level punctuation does): the verdict after them stays negated.
    ("I don't think, after all, that it is good.", "i do n't NOT_think , NOT_after NOT_all , NOT_that NOT_it NOT_is NOT_good"),
    ("Nobody could call this film bad", "nobody NOT_could NOT_call NOT_this NOT_film NOT_bad"),
    ("<br />It was no fun: a mess", "it was no NOT_fun a mess"),
])
def test_the_scope_runs_from_the_negation_to_the_end_of_the_clause(text, marked):
    assert " ".join(tokenize(text, negation=True)) == marked


def test_without_the_option_nothing_changes():
    text = "I didn't like it; not at all. Not bad, but never great!"
    assert tokenize(text) == tokenize(text, negation=False)
    assert not any(t.startswith("NOT_") for t in tokenize(text))
    assert mark_negation([]) == [] and mark_negation(["good", "film"]) == ["good", "film"]


def test_a_vocabulary_that_marks_negation_reads_not_good_as_its_own_word():
    vocabulary = Vocabulary(size=20, negation=True).fit(["a good film", "not a good film", "good good"])
    assert "NOT_good" in vocabulary.words_ and "NOT_a" in vocabulary.words_
    assert vocabulary.encode("not good") == [vocabulary.index_["not"], vocabulary.index_["NOT_good"]]
    plain = Vocabulary(size=20).fit(["a good film", "not a good film"])
    assert "NOT_good" not in plain.words_
    rebuilt = Vocabulary.from_words(vocabulary.words_, vocabulary.counts_, negation=True)
    assert rebuilt.encode("it was not good") == vocabulary.encode("it was not good")
    with pytest.raises(ValueError, match="negation must be true or false"):
        ModelConfig(variant="fasttext", negation="yes")


def negation_data(n: int, seed: int) -> Dataset:
    """Labels that only the scope tells apart: "good" and "not bad" praise, "bad" and "not good" do not."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        word, negated = ["good", "bad"][i % 2], bool((i // 2) % 2)
        filler = " ".join(rng.choice(["the", "film", "plot", "was", "really", "quite", "its", "cast"], size=4))
        texts.append(f"{filler} {'not ' if negated else ''}{word} {filler}")
        labels.append(int((word == "good") != negated))
    return Dataset(texts, np.array(labels), ("negative", "positive"), source=f"negation-{seed}")


def test_marking_lets_a_bag_of_words_model_read_negation():
    """A words-only baseline cannot tell "good" from "not good" (both hold "good"); with NOT_ it can."""
    from sentiment_core.training import train

    splits = negation_data(400, 1), negation_data(100, 2), negation_data(200, 3)
    config = ModelConfig(variant="tfidf-logreg", vocab_size=10_000, ngram_max=1)
    plain = train(*splits, config, TrainConfig()).metrics["test_accuracy"]
    marked = train(*splits, config.replace(negation=True), TrainConfig()).metrics["test_accuracy"]
    assert plain < 0.8 and marked == 1.0


def test_a_model_that_marks_negation_saves_loads_and_explains_with_the_marked_words(tmp_path):
    from sentiment_core.explanations import explain
    from sentiment_core.inference import Predictor
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    config = ModelConfig(variant="fasttext", vocab_size=60, seq_len=16, embedding_dim=8, bigram_buckets=101, dropout=0.0,
                         negation=True)
    trained = train(negation_data(400, 1), negation_data(100, 2), negation_data(100, 3), config,
                    TrainConfig(epochs=8, batch_size=16, learning_rate=0.02, early_stopping_patience=0, seed=3))
    assert trained.metrics["test_accuracy"] >= 0.95
    store = ModelStore(tmp_path)
    store.save("marks", trained)
    loaded = store.load("marks")
    assert loaded.model_config.negation and loaded.vocabulary.negation
    texts = ["the plot was not good", "the plot was not bad", "it was good"]
    np.testing.assert_allclose(loaded.predict_proba(texts), Predictor.from_trained(trained).predict_proba(texts), rtol=1e-6)
    assert [p.argmax() for p in loaded.predict_proba(texts)] == [0, 1, 1]
    words = [w["token"] for w in explain(loaded, "the plot was not good", "occlusion")["words"]]
    assert words[-1] == "NOT_good"


def test_the_lesson_shows_the_scope_whatever_the_vocabulary():
    from sentiment_core.lesson import text_to_numbers

    plain = Vocabulary(size=50).fit(["the acting was good", "not at all"])
    lesson = text_to_numbers("The acting was not good at all.", plain)
    assert lesson.negation_marked == ["the", "acting", "was", "not", "NOT_good", "NOT_at", "NOT_all"]
    assert lesson.negation_roles == ["", "", "", "negator", "negated", "negated", "negated"]
    assert "NOT_good" not in lesson.tokens  # this vocabulary does not mark: it looks up "good"
    marking = Vocabulary(size=50, negation=True).fit(["the acting was not good at all"])
    assert "NOT_good" in text_to_numbers("The acting was not good at all.", marking).tokens


def test_the_flip_prior_ties_each_not_word_to_minus_its_word():
    from sentiment_core.linear import flip_matrix

    features = ["bad", "good", "NOT_bad", "NOT_zzz", "NOT_bad film", "film"]
    matrix = flip_matrix(features, 2.0).toarray()
    expected = np.eye(len(features))
    expected[2, 2], expected[2, 0] = 0.5, -1.0  # NOT_bad: w'/2 - w'[bad]
    assert np.array_equal(matrix, expected)  # NOT_zzz has no "zzz" and pairs stay free
    own_weights = np.array([[-3.0], [2.0], [0.4], [1.0], [0.7], [0.1]])
    assert (matrix @ own_weights)[2, 0] == pytest.approx(0.2 + 3.0)


def lukewarm_negation_data(seed: int) -> Dataset:
    """Plain "good" and "bad" decide the label; the few "not bad" and "not good" texts are a coin toss."""
    rng = np.random.default_rng(seed)
    fillers = ["the", "film", "plot", "was", "really", "quite", "its", "cast", "and", "a"]
    texts, labels = [], []
    for i in range(240):
        word = ["good", "bad"][i % 2]
        texts.append(" ".join([*rng.choice(fillers, 3), word, *rng.choice(fillers, 3)]))
        labels.append(int(word == "good"))
    for i in range(8):
        texts.append(" ".join([*rng.choice(fillers, 3), "not", ["bad", "good"][i % 2]]))
        labels.append(int(i % 4 < 2))
    return Dataset(texts, np.array(labels), ("negative", "positive"), source=f"lukewarm-{seed}")


def test_with_the_flip_prior_a_rarely_seen_negation_reads_as_the_opposite():
    """Where the data says little about "not bad", the prior decides: praise; without it, the
    marked model has nothing to go on. Plain words keep their weights either way."""
    from sentiment_core.linear import TfidfLogreg

    data = lukewarm_negation_data(0)
    free = TfidfLogreg(ngram_max=1, regularization=1.0, negation=True).fit(data.texts, data.labels, 2)
    flipped = TfidfLogreg(ngram_max=1, regularization=1.0, negation=True, negation_flip=4.0).fit(data.texts, data.labels, 2)
    tests = ["the film was not bad", "the film was not good"]
    free_p, flipped_p = free.predict_proba(tests)[:, 1], flipped.predict_proba(tests)[:, 1]
    assert flipped_p[0] > 0.6 and flipped_p[1] < 0.4
    assert flipped_p[0] - flipped_p[1] > 2 * (free_p[0] - free_p[1])
    index = flipped.index
    assert flipped.coef_[index["NOT_bad"], 1] > 0 > flipped.coef_[index["bad"], 1]
    assert flipped.predict_proba(["a good film"])[0, 1] > 0.6 and flipped.predict_proba(["a bad film"])[0, 1] < 0.4


def test_the_flip_prior_needs_marking_and_a_model_with_one_weight_per_word():
    ModelConfig(variant="tfidf-logreg", negation=True, negation_flip=2.0)
    ModelConfig(variant="nb-ngrams", negation=True, negation_flip=1.0)
    for changes in [{"variant": "tfidf-logreg", "negation_flip": 1.0}, {"variant": "fasttext", "negation": True, "negation_flip": 1.0},
                    {"variant": "nb-cnn", "negation": True, "negation_flip": 1.0}]:
        with pytest.raises(ValueError, match="negation_flip needs negation marking"):
            ModelConfig(**changes)
    for bad in (-1, 0.01, True, float("nan"), "1"):
        with pytest.raises(ValueError, match=r"0 \(off\) or a number from 0.25 to 100"):
            ModelConfig(variant="tfidf-logreg", negation=True, negation_flip=bad)


def test_nb_ngrams_trained_tied_folds_into_a_plain_model_with_the_same_answers():
    """The flip prior's training model (NOT_word's evidence minus word's) and the plain nb-ngrams
    it is folded into give the same probabilities, so what is saved and explained is what trained."""
    from sentiment_core.models import build_nb_ngrams, build_model
    from sentiment_core.naive_bayes import fold_negation_flip, negation_partners

    words = ["<pad>", "<unk>", "good", "bad", "film", "not", "NOT_good", "NOT_bad", "NOT_zzz", "the"]
    config = ModelConfig(variant="nb-ngrams", vocab_size=len(words), seq_len=8, bigram_buckets=1009, ngram_max=2)
    partners = negation_partners(words, config.vocab_size)
    assert partners.tolist() == [0, 0, 0, 0, 0, 0, 2, 3, 0, 0]
    rng = np.random.default_rng(3)
    rows = config.vocab_size + config.bigram_buckets
    ratios = rng.normal(size=(rows, 2)).astype("float32")
    ratios[0] = 0
    weights = rng.normal(size=(rows, 1)).astype("float32")
    tied = build_nb_ngrams(config, ratios, partners)
    tied.get_layer("ngram_weights").set_weights([weights])
    folded_ratios, folded_weights = fold_negation_flip(ratios, weights, partners)
    plain = build_model(config, folded_ratios)
    plain.get_layer("ngram_weights").set_weights([folded_weights])
    x = np.array([[9, 4, 5, 6, 7, 0, 0, 0], [2, 6, 6, 3, 8, 4, 0, 0], [2, 3, 4, 9, 0, 0, 0, 0]], dtype=np.int32)
    np.testing.assert_allclose(plain.predict_on_batch(x), tied.predict_on_batch(x), atol=1e-5)
    # NOT_good's evidence is its own minus good's; good's own row is untouched.
    np.testing.assert_allclose(folded_ratios[6], ratios[6] * weights[6] - ratios[2] * weights[2], rtol=1e-6)
    np.testing.assert_array_equal(folded_ratios[2], ratios[2])


def test_nb_ngrams_with_the_flip_prior_reads_a_rarely_seen_negation_as_the_opposite():
    """As the linear model's test: the network under the prior reads "not bad" as praise where the
    data says little, and the saved model is a plain nb-ngrams."""
    from sentiment_core.inference import Predictor
    from sentiment_core.training import train

    data = lukewarm_negation_data(0)
    config = ModelConfig(variant="nb-ngrams", vocab_size=30, seq_len=12, bigram_buckets=1009, ngram_max=1, negation=True)
    train_config = TrainConfig(optimizer="adagrad", learning_rate=0.1, epochs=4, seed=1, early_stopping_patience=0)
    free = train(data, data, None, config, train_config)
    flipped = train(data, data, None, config.replace(negation_flip=1.0), train_config)
    assert "negation_partners" not in [layer.name for layer in flipped.model.layers]
    tests = ["the film was not bad", "the film was not good"]
    free_p, flipped_p = (Predictor(t.model, t.vocabulary, t.model_config, t.class_names).predict_proba(tests)[:, 1]
                         for t in (free, flipped))
    assert flipped_p[0] > 0.6 and flipped_p[1] < 0.4
    assert flipped_p[0] - flipped_p[1] > 2 * abs(free_p[0] - free_p[1])
    assert flipped.metrics["val_accuracy"] >= 0.9


def test_a_flip_trained_nb_ngrams_reads_pairs_unmarked_and_saves_loads_and_explains_exactly(tmp_path):
    """Under the prior pairs read the unmarked words ("not bad" is the pair of "not" and "bad",
    whatever the marking), in counting, training, the saved model and its exact explanations."""
    from sentiment_core.explanations import explain
    from sentiment_core.inference import Predictor
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    data = lukewarm_negation_data(1)
    config = ModelConfig(variant="nb-ngrams", vocab_size=30, seq_len=12, bigram_buckets=1009, ngram_max=2,
                         negation=True, negation_flip=1.0)
    trained = train(data, data, data, config, TrainConfig(optimizer="adagrad", learning_rate=0.1, epochs=3, seed=2,
                                                          early_stopping_patience=0))
    table = np.asarray(trained.model.get_layer("ngrams").pair_words)
    index = trained.vocabulary.index_
    assert table[index["NOT_bad"]] == index["bad"] and table[index["bad"]] == index["bad"]
    store = ModelStore(tmp_path)
    store.save("flip", trained)
    loaded = store.load("flip")
    texts = ["the film was not bad", "the film was not good", "a really good film"]
    np.testing.assert_allclose(loaded.predict_proba(texts), Predictor.from_trained(trained).predict_proba(texts), atol=1e-6)
    np.testing.assert_array_equal(np.asarray(loaded.model.get_layer("ngrams").pair_words), table)
    result = explain(loaded, "the film was not bad", "exact")
    assert abs(sum(w["weight"] for w in result["words"]) + result["base"] - result["margin"]) < 1e-4
    assert "not NOT_bad" in {span["text"] for span in result["spans"]}  # spans show the tokens read
    hashing = loaded.model.get_layer("ngrams")
    pairs = np.asarray(hashing(np.array([[index["not"], index["NOT_bad"]], [index["not"], index["bad"]]], dtype=np.int32)))
    assert pairs[0].max() == pairs[1].max() >= config.vocab_size  # the same pair: "not" "bad"


def test_a_saved_pair_table_pointing_outside_the_vocabulary_is_refused_with_a_message(tmp_path):
    """A tampered weights file whose pair_words hold ids beyond the vocabulary would fail (or, under
    JAX, silently clamp) at every prediction: loading refuses it and says why."""
    import h5py

    from sentiment_core.model_files import ModelFileError
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    data = lukewarm_negation_data(2)
    config = ModelConfig(variant="nb-ngrams", vocab_size=30, seq_len=12, bigram_buckets=1009, ngram_max=2,
                         negation=True, negation_flip=2.0)
    store = ModelStore(tmp_path)
    store.save("flip", train(data, data, None, config, TrainConfig(optimizer="adagrad", learning_rate=0.1, epochs=1, seed=2)))
    with h5py.File(store.path("flip") / "model.weights.h5", "a") as h5:
        found = []
        h5.visititems(lambda name, item: found.append(name) if isinstance(item, h5py.Dataset) and item.shape == (30,) else None)
        assert len(found) == 1  # the pair_words table
        h5[found[0]][...] = np.full(30, 99, dtype=np.int32)
    with pytest.raises(ModelFileError, match=r"ids from 99 to 99, outside its vocabulary of 30"):
        store.load("flip")
