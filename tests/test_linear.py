"""The TF-IDF + logistic regression baseline: trains, saves without pickle, loads, explains exactly."""

import h5py
import numpy as np
import pytest

from sentiment_core.config import ModelConfig, TrainConfig, default_configs
from sentiment_core.explanations import explain
from sentiment_core.inference import Predictor
from sentiment_core.linear import TfidfLogreg, ngrams
from sentiment_core.store import ModelStore
from sentiment_core.text import tokenize
from sentiment_core.training import train
from tests.conftest import make_dataset

SENTENCES = ["a superb film", "the awful boring plot", "great great great and the worst", "zzqx"]


@pytest.fixture(scope="module")
def trained():
    config, train_config = default_configs("tfidf-logreg")
    return train(make_dataset(300, 1), make_dataset(60, 2), make_dataset(60, 3), config, train_config)


def test_ngrams_skip_occluded_words():
    assert ngrams(["a", "b", "c"], 2) == ["a", "b", "c", "a b", "b c"]
    assert ngrams(["a", None, "c"], 2) == ["a", "c"]


def test_features_match_scikit_learns_tfidf(trained):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = make_dataset(300, 1).texts
    reference = TfidfVectorizer(analyzer=lambda t: ngrams(tokenize(t), 2), min_df=2, max_df=0.9, sublinear_tf=True)
    expected = reference.fit(texts).transform(SENTENCES).toarray()
    ours = trained.model.transform_tokens([tokenize(t) for t in SENTENCES]).toarray()[:, 2:]
    assert list(reference.get_feature_names_out()) == trained.model.features_
    np.testing.assert_allclose(ours, expected, atol=1e-6)


def test_trains_saves_without_pickle_and_loads_the_same(trained, tmp_path):
    assert trained.metrics["test_accuracy"] > 0.9 and trained.metrics["val_accuracy"] > 0.9
    assert trained.model_config.vocab_size == len(trained.vocabulary) == len(trained.model.idf_)
    store = ModelStore(tmp_path)
    store.save("baseline", trained)
    with h5py.File(tmp_path / "baseline" / "model.weights.h5") as h5:  # plain arrays, nothing to unpickle
        assert sorted(h5["layers/tfidf_logreg"]) == ["coef", "idf", "intercept"]
    loaded = store.load("baseline")
    np.testing.assert_allclose(loaded.predict_proba(SENTENCES), Predictor.from_trained(trained).predict_proba(SENTENCES),
                               atol=1e-6)
    (superb, awful, _, unknown) = loaded.predict(SENTENCES)
    assert superb.label == "positive" and awful.label == "negative" and unknown.unknown == ["zzqx"]
    long = loaded.predict("great " * 3000)[0]
    assert not long.truncated and "were read" not in long.note  # it reads every word
    assert store.list()[0].variant == "tfidf-logreg"


def test_a_damaged_array_is_refused_before_it_is_read(trained, tmp_path):
    store = ModelStore(tmp_path)
    store.save("baseline", trained)
    with h5py.File(tmp_path / "baseline" / "model.weights.h5", "a") as h5:
        del h5["layers/tfidf_logreg/coef"]
        h5["layers/tfidf_logreg/coef"] = np.zeros((7, 7), dtype="float32")
    with pytest.raises(ValueError, match="shape"):
        store.load("baseline")


@pytest.mark.parametrize("method", ["exact", "occlusion", "integrated-gradients"])
def test_explanations_are_exact_or_say_why(trained, method):
    predictor = Predictor.from_trained(trained)
    result = explain(predictor, "the superb film and the awful awful plot", method)
    words = {w["token"]: w["weight"] for w in result["words"]}
    assert words["superb"] > 0 > words["awful"]
    p = predictor.predict_proba("the superb film and the awful awful plot")[0].astype(np.float64)
    assert abs(result["margin"] - np.log(p[1] / p[0])) < 1e-4
    if method != "occlusion":
        assert result["method"] == "exact"
        assert abs(sum(w["weight"] for w in result["words"]) + result["base"] - result["margin"]) < 1e-4
        assert ("no word vectors" in result["note"]) == (method == "integrated-gradients")


def test_bad_settings_and_too_little_data_are_clear():
    with pytest.raises(ValueError, match="regularization"):
        ModelConfig(variant="tfidf-logreg", regularization=0.0)
    with pytest.raises(ValueError, match="ngram_max"):
        ModelConfig(variant="tfidf-logreg", ngram_max=9)
    data = make_dataset(4, 1)
    with pytest.raises(ValueError, match="Too few texts"):
        TfidfLogreg().fit(["a b", "c d", "e f", "g h"], data.labels, 2)
    config, _ = default_configs("tfidf-logreg")
    trained = train(make_dataset(60, 1), make_dataset(20, 2), None, config.replace(ngram_max=1), TrainConfig(epochs=1))
    assert all(" " not in f for f in trained.model.features_)


def test_occlusion_in_one_pass_matches_recounting_each_text(trained):
    from sentiment_core.explanations.linear import _occluded_margins
    from sentiment_core.explanations.target import margin_weights

    model = trained.model
    tokens = tokenize("great great film , the worst and the superb great plot")
    weights, bias = margin_weights(model.coef_, model.intercept_, 1)
    recounted = np.asarray(model.transform_tokens([tokens[:i] + [None] + tokens[i + 1:] for i in range(len(tokens))])
                           @ weights) + bias
    np.testing.assert_allclose(_occluded_margins(model, tokens, weights, bias), recounted, atol=1e-9)
    # A long text costs a linear pass (it once built a copy of the text per word: 40 GB for 200,000 words).
    long = explain(Predictor.from_trained(trained), "superb film " * 50_000, "occlusion")
    assert len(long["words"]) == 100_000
