import numpy as np
import pytest

from sentiment_core.config import LINEAR_VARIANTS, VARIANTS, ModelConfig, default_configs, seed_preset
from sentiment_core.models import AppendBigrams, blank_start, build_model, embedding_weights


def small(variant, **changes):
    return ModelConfig(variant=variant, vocab_size=50, seq_len=12, embedding_dim=8, filters=4, hidden_units=8, lstm_units=4, bigram_buckets=101, **changes)


def matrix(config):
    """What the builder starts from: GloVe vectors and/or Naive Bayes ratios (None for the others)."""
    return blank_start(config, np.random.default_rng(0))


NETWORKS = [v for v in VARIANTS if v not in LINEAR_VARIANTS]


@pytest.mark.parametrize("variant", NETWORKS)
@pytest.mark.parametrize("classes", [2, 3])
def test_every_variant_maps_ids_to_probabilities(variant, classes):
    config = small(variant, num_classes=classes)
    model = build_model(config, matrix(config))
    x = np.zeros((3, 12), dtype=np.int32)
    x[0, :5] = [2, 3, 4, 5, 6]
    x[1, :1] = [7]  # one word: shorter than every kernel, still answered
    probabilities = np.asarray(model.predict_on_batch(x))  # row 2 is all padding
    assert probabilities.shape == (3, classes)
    assert np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    if config.learns_word_vectors:
        assert embedding_weights(model).shape[1] == 8


def test_glove_weights_are_loaded_and_frozen_or_trainable():
    config = small("glove-static")
    weights = matrix(config)
    static = build_model(config, weights)
    np.testing.assert_allclose(static.get_layer("glove_embedding").get_weights()[0], weights)
    assert not static.get_layer("glove_embedding").trainable
    assert build_model(config.replace(variant="glove-tuned"), weights).get_layer("glove_embedding").trainable
    both = build_model(config.replace(variant="multichannel"), weights)
    assert not both.get_layer("glove_static_channel").trainable and both.get_layer("glove_tuned_channel").trainable


def test_builder_errors_are_actionable():
    with pytest.raises(ValueError, match="pass its embedding matrix"):
        build_model(small("glove-tuned"))
    with pytest.raises(ValueError, match="embedding_dim"):
        build_model(small("glove-tuned"), np.zeros((50, 3), "float32"))
    with pytest.raises(ValueError, match="seq_len >= 5"):
        build_model(small("multicnn").replace(seq_len=4))
    with pytest.raises(ValueError, match="Unknown variant"):
        ModelConfig(variant="transformer")
    with pytest.raises(ValueError, match="fitted by scikit-learn"):
        build_model(small("tfidf-logreg"))
    with pytest.raises(ValueError, match="dropout"):
        ModelConfig(dropout=1.5)
    # nb-ngrams hashes in int32: limits a user can act on, and the ratios it must start from.
    with pytest.raises(ValueError, match="bigram_buckets must be at most 2,000,000"):
        ModelConfig(variant="nb-ngrams", bigram_buckets=3_000_000)
    with pytest.raises(ValueError, match="vocab_size must be at most 46,340"):
        ModelConfig(variant="nb-ngrams", vocab_size=50_000)
    with pytest.raises(ValueError, match="Naive Bayes ratios: pass a 151 x 2 matrix"):
        build_model(small("nb-ngrams"))


def test_bigram_hash_skips_padding_and_stays_in_range():
    layer = AppendBigrams(vocab_size=10, buckets=20)
    assert layer.modulus == 19
    out = np.asarray(layer(np.array([[2, 3, 4, 0, 0]], dtype=np.int32)))
    assert out.shape == (1, 9)
    words, bigrams = out[0, :5], out[0, 5:]
    assert words.tolist() == [2, 3, 4, 0, 0]
    assert bigrams[2] == 0 and bigrams[3] == 0  # (4, pad) and (pad, pad)
    assert all(11 <= b < 11 + 19 for b in bigrams[:2])


def test_seed_values_are_available_and_defaults_regularise():
    model, train = seed_preset("dense")
    assert (model.vocab_size, model.seq_len, model.embedding_dim, model.hidden_units) == (5000, 500, 50, 500)
    assert (train.batch_size, train.epochs, train.optimizer, model.dropout) == (64, 3, "adam", 0.0)
    cnn, _ = seed_preset("cnn")
    assert cnn.kernel_sizes == (5,) and cnn.filters == 100 and cnn.pooling == "flatten"
    multicnn, _ = default_configs("multicnn")
    assert multicnn.kernel_sizes == (3, 4, 5) and multicnn.dropout == 0.5
    assert ModelConfig.from_dict(multicnn.to_dict()) == multicnn


def test_hashed_ngrams_count_each_distinct_ngram_once_and_skip_padding():
    from sentiment_core.models import HashedNgrams

    layer = HashedNgrams(vocab_size=50, buckets=101, n=3)
    ids = np.array([[5, 6, 5, 6, 0, 0], [7, 0, 0, 0, 0, 0]], dtype=np.int32)
    grams = np.asarray(layer(ids))
    assert grams.shape == (2, 6 + 5 + 4)
    first = grams[0][grams[0] > 0]
    # words 5, 6; pairs (5,6), (6,5); triples (5,6,5), (6,5,6): the repeated pair (5,6) counts once.
    assert len(first) == len(set(first.tolist())) == 6
    assert set(first.tolist()) >= {5, 6} and all(50 <= g < 151 for g in first if g not in (5, 6))
    assert grams[1][grams[1] > 0].tolist() == [7]  # one word: no pairs, no triples with padding
    every = np.asarray(HashedNgrams(50, 101, 3, unique=False)(ids))
    assert every.shape == grams.shape and (every[0] > 0).sum() == 4 + 3 + 2


def test_naive_bayes_ratios_favour_the_class_that_uses_a_feature():
    from sentiment_core.naive_bayes import log_count_ratios

    presence = np.array([[0, 5, 5], [10, 5, 0]])  # feature 0 only in class 1, feature 1 in both
    ratios = log_count_ratios(presence)
    assert ratios.shape == (3, 2)
    assert ratios[0, 1] > 0 > ratios[0, 0] and ratios[2, 0] > 0 > ratios[2, 1]
    np.testing.assert_allclose(ratios[:, 0], -ratios[:, 1])  # two classes: one is the other's negative
    # alpha = 1: class 1 holds 15 + 3 and class 0 10 + 3 smoothed counts in all.
    np.testing.assert_allclose(ratios[0, 1], np.log(11 / 18) - np.log(1 / 13))
    with pytest.raises(ValueError, match="two classes"):
        log_count_ratios(np.ones((1, 3)))


def test_nb_ngrams_learns_from_word_pairs_a_bag_of_words_cannot_see():
    """'not good' and 'good not' hold the same words; only the pair tells them apart."""
    from sentiment_core.data.dataset import Dataset
    from sentiment_core.config import TrainConfig
    from sentiment_core.training import train

    texts = ["it was not good", "it was good not"] * 60
    labels = np.array([0, 1] * 60)
    data = Dataset(texts, labels, ("negative", "positive"), "synthetic")
    config = ModelConfig(variant="nb-ngrams", vocab_size=50, seq_len=12, bigram_buckets=1009, ngram_max=2)
    trained = train(data, data, None, config, TrainConfig(optimizer="adagrad", learning_rate=0.1, epochs=3, seed=1))
    assert trained.metrics["val_accuracy"] == 1.0
    unigrams = config.replace(ngram_max=1)
    words_only = train(data, data, None, unigrams, TrainConfig(optimizer="adagrad", learning_rate=0.1, epochs=3, seed=1))
    assert words_only.metrics["val_accuracy"] <= 0.5 + 1e-9  # the same words in both: no better than chance


def test_nb_cnn_adds_its_ngram_evidence_to_its_cnn_logits():
    """Its logits are the n-gram side's evidence plus the CNN side's logits: with the n-gram
    weights at 0 (as training starts) it answers exactly as its CNN alone; with them set, the
    difference in logits is the Naive Bayes evidence."""
    import keras

    from sentiment_core.explanations.target import LogitReader

    config = small("nb-cnn")
    rng = np.random.default_rng(1)
    model = build_model(config, blank_start(config, rng))
    x = np.array([[2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0]], dtype=np.int32)
    cnn_side = LogitReader.of(model, "cnn_logits")
    cnn_logits = cnn_side.features(x) @ cnn_side.kernel + cnn_side.bias
    logits = LogitReader.of(model).features(x)
    np.testing.assert_allclose(logits, cnn_logits, atol=1e-5)  # n-gram weights start at 0
    weights = model.get_layer("ngram_weights")
    weights.set_weights([rng.normal(size=weights.get_weights()[0].shape).astype("float32")])
    evidence = keras.Model(model.inputs, model.get_layer("evidence").output).predict_on_batch(x)
    assert np.abs(evidence).max() > 0.1
    np.testing.assert_allclose(LogitReader.of(model).features(x), cnn_logits + evidence, atol=1e-4)
