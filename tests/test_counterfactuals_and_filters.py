"""Counterfactual edits (negate, antonym, neighbour, drop) and the CNN filter view."""

import numpy as np
import pytest

from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.counterfactuals import MAX_EDITS, edits_of, judge_edits, negations
from sentiment_core.filters import filter_catalogue, fired_filters
from sentiment_core.inference import Predictor
from sentiment_core.training import train
from tests.conftest import GOOD, make_dataset, synthetic_reviews


class WordCounter:
    """A stand-in model: P(positive) from counts of a few words (no Keras)."""

    name, class_names = "counter", ("negative", "positive")

    def predict_proba(self, texts):
        texts = [texts] if isinstance(texts, str) else texts
        score = np.array([sum(t.split().count(w) for w in ("good", "great")) - t.split().count("bad") for t in texts], float)
        positive = 1 / (1 + np.exp(-score))
        return np.stack([1 - positive, positive], axis=1)


def test_negations_add_or_remove_not_per_clause():
    edits = negations("the plot was good , but the acting is not great".split())
    assert [e.text for e in edits] == ["the plot was not good , but the acting is not great",
                                       "the plot was good , but the acting is great"]
    assert edits[1].description == "remove “not”"


def test_edits_cover_every_kind_and_stay_bounded():
    edits = edits_of("The movie was good but the ending is bad.", influential=[3],
                     neighbours=lambda word: {"GloVe": ["decent", "nice"], "learned": ["fine"]})
    kinds = {e.kind for e in edits}
    assert kinds == {"negate", "antonym", "neighbour", "drop"}
    texts = [e.text for e in edits]
    assert "the movie was bad but the ending is bad" in texts  # good -> bad
    assert "the movie was decent but the ending is bad" in texts
    assert len(texts) == len(set(texts)) and "the movie was good but the ending is bad" not in texts
    assert len(edits_of(" ".join(["good"] * 500))) <= MAX_EDITS
    assert edits_of("🙂") == []


def test_judged_edits_put_the_ones_that_flip_a_model_first():
    model = WordCounter()
    text = "the film was good"
    rows = judge_edits([model], text, edits_of(text))
    assert rows[0]["flips"] == ["counter"] and rows[0]["counter Δ"] < 0
    assert all(not r["flips"] for r in rows[1:] if abs(r["counter Δ"]) < 0.2)
    assert set(rows[0]) >= {"kind", "edit", "text", "counter", "counter Δ", "flips"}


@pytest.fixture(scope="module")
def cnn():
    config = ModelConfig(variant="multicnn", vocab_size=60, seq_len=30, embedding_dim=16, filters=6, kernel_sizes=(2, 3))
    trained = train(make_dataset(300, 1), make_dataset(40, 2), make_dataset(40, 3), config,
                    TrainConfig(epochs=8, batch_size=16, learning_rate=1e-2, seed=1))
    return Predictor.from_trained(trained)


def test_the_filter_catalogue_names_real_ngrams_and_class_weights(cnn):
    texts, _ = synthetic_reviews(200, seed=9)
    catalogue = filter_catalogue(cnn, texts, top=5)
    assert [(f.width, f.index) for f in catalogue] == [(w, k) for w in (2, 3) for k in range(6)]
    kernel = cnn.model.get_layer("classifier").get_weights()[0]
    first = catalogue[0]
    assert first.class_weights == pytest.approx({"negative": kernel[0, 0], "positive": kernel[0, 1]})
    assert first.margin_weight == pytest.approx(kernel[0, 1] - kernel[0, 0])
    joined = " ".join(texts)
    for info in catalogue:
        activations = [a for _, a in info.top_ngrams]
        assert activations == sorted(activations, reverse=True) and len(info.top_ngrams) <= 5
        # A window past the text's end reads only padding: said so, not shown as words.
        assert all(g == "(padding)" or (len(g.split()) <= info.width and g in joined) for g, _ in info.top_ngrams)
    # The filters pushing hardest towards positive detect positive words.
    most_positive = sorted(catalogue, key=lambda f: -f.margin_weight)[:2]
    assert any(word in gram for f in most_positive for gram, _ in f.top_ngrams for word in GOOD)
    with pytest.raises(ValueError, match="no max-pooled"):
        filter_catalogue(Predictor(None, cnn.vocabulary, ModelConfig(variant="fasttext"), cnn.class_names), texts)


def test_fired_filters_are_the_exact_terms_of_the_sentence(cnn):
    fired = fired_filters(cnn, "the superb film and the awful plot", top=4)
    assert len(fired) == 4
    assert [abs(f["term"]) for f in fired] == sorted((abs(f["term"]) for f in fired), reverse=True)
    assert all(f["ngram"] in "the superb film and the awful plot" and f["activation"] > 0 for f in fired)
