import numpy as np
import pytest

from sentiment_core.config import LINEAR_VARIANTS, VARIANTS, ModelConfig, default_configs, seed_preset
from sentiment_core.models import AppendBigrams, build_model, embedding_weights


def small(variant, **changes):
    return ModelConfig(variant=variant, vocab_size=50, seq_len=12, embedding_dim=8, filters=4, hidden_units=8, lstm_units=4, bigram_buckets=101, **changes)


def matrix(config):
    return np.random.default_rng(0).normal(size=(config.vocab_size, config.embedding_dim)).astype("float32")


NETWORKS = [v for v in VARIANTS if v not in LINEAR_VARIANTS]


@pytest.mark.parametrize("variant", NETWORKS)
@pytest.mark.parametrize("classes", [2, 3])
def test_every_variant_maps_ids_to_probabilities(variant, classes):
    config = small(variant, num_classes=classes)
    model = build_model(config, matrix(config) if config.uses_glove else None)
    x = np.zeros((3, 12), dtype=np.int32)
    x[0, :5] = [2, 3, 4, 5, 6]
    x[1, :1] = [7]  # one word: shorter than every kernel, still answered
    probabilities = np.asarray(model.predict_on_batch(x))  # row 2 is all padding
    assert probabilities.shape == (3, classes)
    assert np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
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
