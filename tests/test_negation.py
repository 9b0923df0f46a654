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
