"""Explanations on one scale: exact shares add up to the logit, integrated gradients are complete,
every method agrees on the sign of clearly polar words, and the target class is honoured."""

import numpy as np
import pytest

from sentiment_core.config import LINEAR_VARIANTS, NB_VARIANTS, VARIANTS, ModelConfig, TrainConfig
from sentiment_core.explanations import METHODS, explain
from sentiment_core.explanations.forward import (
    embedded_input,
    features_from_vectors,
    lookup,
)
from sentiment_core.explanations.target import LogitReader
from sentiment_core.inference import Predictor
from sentiment_core.models import blank_start, build_model
from sentiment_core.text import Vocabulary
from sentiment_core.training import train
from tests.conftest import make_dataset, synthetic_reviews

TEXT = "the movie was great but the plot zzqx was awful and dull"
NEURAL = [v for v in VARIANTS if v not in LINEAR_VARIANTS]  # the baseline has its own tests (test_linear.py)
# Models with word vectors to take gradients along (nb-ngrams has one number per n-gram, and half of
# nb-cnn's logits come from its n-grams).
# "-one-hot": the CNN reads one-hot words (layers.WindowWeights), not embedded vectors.
SHAPES = [(v, "max") for v in NEURAL if v not in NB_VARIANTS] + [("cnn", "flatten"), ("glove-static", "flatten"),
                                                                 ("cnn-one-hot", "max"), ("multicnn-one-hot", "max"),
                                                                 ("glove-tuned-one-hot", "max")]
EXACT = ("fasttext", "cnn", "multicnn", "glove-static", "glove-tuned", "multichannel", "nb-ngrams", "nb-cnn",
         "cnn-one-hot", "multicnn-one-hot", "glove-tuned-one-hot")


def random_predictor(variant, pooling="max", classes=("negative", "positive"), seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    texts, _ = synthetic_reviews(60)
    word_input = "one-hot" if variant.endswith("-one-hot") else "vectors"
    config = ModelConfig(variant=variant.removesuffix("-one-hot"), vocab_size=60, seq_len=24, embedding_dim=16, filters=8,
                         hidden_units=16, lstm_units=8, bigram_buckets=211, pooling=pooling, num_classes=len(classes),
                         word_input=word_input)
    rng = np.random.default_rng(seed)
    # GloVe's vectors, or nb-ngrams' Naive Bayes ratios: random stand-ins of the right shape.
    start = blank_start(config, rng)
    model = build_model(config, start)
    if variant in NB_VARIANTS:  # the n-gram weights start at 0 (every share 0): give them values to add up
        layer = model.get_layer("ngram_weights")
        layer.set_weights([rng.normal(size=layer.get_weights()[0].shape).astype("float32")])
    return Predictor(model, Vocabulary(60).fit(texts), config, classes, name=variant)


@pytest.mark.parametrize("variant,pooling", SHAPES)
def test_forward_from_vectors_gives_the_models_own_features(variant, pooling):
    predictor = random_predictor(variant, pooling)
    ids = predictor.encode([TEXT])
    embedded = embedded_input(predictor.model, predictor.model_config, ids, len(TEXT.split()))
    rebuilt = np.asarray(features_from_vectors(predictor.model, predictor.model_config, lookup(predictor.model, embedded),
                                               embedded.ids))
    np.testing.assert_allclose(rebuilt, LogitReader.of(predictor.model).features(ids), atol=1e-5)


@pytest.mark.parametrize("classes", [("negative", "positive"), ("negative", "neutral", "positive")])
@pytest.mark.parametrize("variant", EXACT)
def test_exact_shares_add_up_to_the_models_logit(variant, classes):
    predictor = random_predictor(variant, classes=classes, seed=3)
    for target in classes:
        result = explain(predictor, TEXT, "exact", target)
        assert result["method"] == "exact" and result["target"] == target
        total = sum(w["weight"] for w in result["words"]) + result["base"]
        assert abs(total - result["margin"]) < 1e-4, (variant, target, total, result["margin"])
    # The margin is the model's own: for two classes, the log-odds of its probabilities.
    if len(classes) == 2:
        p = predictor.predict_proba(TEXT)[0].astype(np.float64)
        assert abs(result["margin"] - np.log(p[1] / p[0])) < 1e-3
    # Spans are real n-grams of the text, and their shares add up too.
    words = TEXT.split()
    for span in result["spans"]:
        assert span["text"] == " ".join(words[span["start"]:span["end"]])
    if variant == "nb-ngrams":  # every word, pair and triple of the text is a span
        assert {s["end"] - s["start"] for s in result["spans"]} == {1, 2}  # ngram_max 2: words and pairs
    elif variant == "nb-cnn":  # every word and pair, and the spans where filters peaked
        assert {s["end"] - s["start"] for s in result["spans"]} >= {1, 2}
        assert any(span["filters"] for span in result["spans"])
    elif variant != "fasttext":
        assert all(span["filters"] for span in result["spans"]) and result["spans"]
        width, _, activation, term = result["spans"][0]["filters"][0]
        assert width in predictor.model_config.kernel_sizes and activation > 0 and np.isfinite(term)


@pytest.mark.parametrize("variant,pooling", SHAPES)
def test_integrated_gradients_are_complete(variant, pooling):
    predictor = random_predictor(variant, pooling, seed=5)
    result = explain(predictor, TEXT, "integrated-gradients", steps=64)
    span = abs(result["margin"] - result["base"])
    # Attributions add up to margin(text) - margin(no words), up to the path's discretisation.
    assert abs(result["completeness_gap"]) <= 0.02 * span + 1e-4, (variant, result["completeness_gap"], span)
    assert abs(sum(w["weight"] for w in result["words"]) + result["base"] - result["margin"]) <= 0.02 * span + 1e-4


def test_gradients_requested_of_a_model_without_vectors_give_its_exact_shares():
    predictor = random_predictor("nb-ngrams", seed=2)
    result = explain(predictor, TEXT, "integrated-gradients")
    assert result["method"] == "exact" and "no word vectors" in result["note"]
    total = sum(w["weight"] for w in result["words"]) + result["base"]
    assert abs(total - result["margin"]) < 1e-4


@pytest.mark.parametrize("method", list(METHODS))
def test_the_other_class_is_the_same_scale_mirrored(method):
    predictor = random_predictor("multicnn", seed=7)
    positive = explain(predictor, TEXT, method)  # default target: positive
    negative = explain(predictor, TEXT, method, "negative")
    assert positive["target"] == "positive" and negative["target"] == "negative"
    np.testing.assert_allclose([w["weight"] for w in negative["words"]], [-w["weight"] for w in positive["words"]],
                               atol=1e-4)


@pytest.fixture(scope="module")
def learned():
    out = {}
    for variant in ("fasttext", "multicnn", "nb-ngrams"):
        config = ModelConfig(variant=variant, vocab_size=60, seq_len=30, embedding_dim=16, filters=8, bigram_buckets=211)
        optimizer = {"optimizer": "adagrad", "learning_rate": 0.1} if variant == "nb-ngrams" else {"learning_rate": 1e-2}
        trained = train(make_dataset(240, 1), make_dataset(40, 2), make_dataset(40, 3), config,
                        TrainConfig(epochs=8, batch_size=16, seed=1, **optimizer))
        out[variant] = Predictor.from_trained(trained)
    return out


@pytest.mark.parametrize("variant", ["fasttext", "multicnn", "nb-ngrams"])
def test_every_method_agrees_on_clearly_polar_words(learned, variant):
    predictor = learned[variant]
    for method in METHODS:
        words = {w["token"]: w["weight"] for w in explain(predictor, "the superb film and the awful plot", method)["words"]}
        assert words["superb"] > 0 > words["awful"], (variant, method, words)
        assert words["superb"] > abs(words["the"]) and -words["awful"] > abs(words["the"]), (variant, method, words)


def test_targets_and_methods_are_checked_and_explained():
    predictor = random_predictor("fasttext", classes=("sad", "calm", "happy"))
    result = explain(predictor, TEXT, "occlusion", "excited")
    assert result["target"] in ("sad", "calm", "happy") and "no class 'excited'" in result["note"]
    assert explain(predictor, TEXT, "occlusion", "calm")["target"] == "calm"
    with pytest.raises(ValueError, match="Unknown explanation method"):
        explain(predictor, TEXT, "shap")
    with pytest.raises(ValueError, match="class index"):
        explain(predictor, TEXT, "occlusion", 7)
    dense = random_predictor("dense")
    result = explain(dense, TEXT, "exact")
    assert result["method"] == "integrated-gradients" and "no exact decomposition" in result["note"]
    assert explain(dense, "🙂 🙂", "integrated-gradients")["words"] == []


def legacy_fasttext_predictor(seed=4):
    """A fastText model as saved before distinct n-grams: every word and bigram occurrence averaged."""
    import keras
    from keras import layers

    from sentiment_core.models import AppendBigrams, MaskedAverage

    keras.utils.set_random_seed(seed)
    texts, _ = synthetic_reviews(60)
    config = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=16, bigram_buckets=211)
    word_ids = keras.Input(shape=(None,), dtype="int32", name="word_ids")
    with_bigrams = AppendBigrams(60, 211, name="append_bigrams")(word_ids)
    embedded = layers.Embedding(60 + 1 + 211, 16, name="embedding")(with_bigrams)
    average = MaskedAverage(name="average")(embedded, with_bigrams)
    model = keras.Model(word_ids, layers.Dense(2, activation="softmax", name="classifier")(average))
    return Predictor(model, Vocabulary(60).fit(texts), config, ("negative", "positive"), name="legacy")


@pytest.mark.parametrize("method", ["exact", "integrated-gradients"])
def test_fasttext_models_saved_before_distinct_ngrams_are_still_explained_on_their_scale(method):
    predictor = legacy_fasttext_predictor()
    result = explain(predictor, TEXT, method, steps=64)
    total = sum(w["weight"] for w in result["words"]) + result["base"]
    p = predictor.predict_proba(TEXT)[0].astype(np.float64)
    assert abs(result["margin"] - np.log(p[1] / p[0])) < 1e-3
    assert abs(total - result["margin"]) <= (1e-4 if method == "exact" else 0.02 * abs(result["margin"] - result["base"]) + 1e-4)
    assert 2 in {s["end"] - s["start"] for s in result["spans"]} <= {1, 2}  # its words and bigrams


def test_integrated_gradients_take_more_steps_until_the_words_add_up():
    """32 midpoint steps leave this model's path (ReLU, max over time) a gap of over 5 % of what
    the words explain; by default the steps double until it closes, a given number is kept."""
    from sentiment_core.explanations.methods import completeness_ok

    predictor = random_predictor("glove-tuned", seed=0)
    fixed = explain(predictor, TEXT, "integrated-gradients", steps=32)
    assert fixed["steps"] == 32 and not completeness_ok(fixed["completeness_gap"], fixed["margin"], fixed["base"])
    refined = explain(predictor, TEXT, "integrated-gradients")
    assert refined["steps"] in (64, 128)
    assert completeness_ok(refined["completeness_gap"], refined["margin"], refined["base"])
    assert abs(refined["completeness_gap"]) < abs(fixed["completeness_gap"])
