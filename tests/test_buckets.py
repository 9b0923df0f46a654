"""Length-bucketed batches (issue 13, part 6): fewer padded positions, the same answers."""

import numpy as np
import pytest

from sentiment_core.buckets import LengthBuckets, batch_order, can_bucket, padded_length, predict_bucketed, quantum
from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.text import pad_sequences


def test_every_text_is_in_one_batch_and_batches_hold_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 500, size=1000)
    batches = batch_order(lengths, 32, np.random.default_rng(1))
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    assert sum(len(b) < 32 for b in batches) == 1  # only one batch is short
    spread = np.mean([lengths[b].max() - lengths[b].min() for b in batches])
    assert spread < 40  # random batches of 32 span about 470 tokens
    assert lengths[batches[0]].max() != lengths[batches[1]].max()  # Keras reads "any length" from the first two
    again = batch_order(lengths, 32, np.random.default_rng(1))
    assert all((a == b).all() for a, b in zip(batches, again))  # seeded


def test_padded_lengths_leave_one_padding_window_and_never_exceed_seq_len():
    kim = ModelConfig(variant="multicnn", seq_len=500)  # widest kernel 5: one all-padding window needs 5 more
    q = quantum()
    assert padded_length(1, kim) == q * -(-6 // q) and padded_length(2 * q - 5, kim) == 2 * q
    assert padded_length(2 * q - 4, kim) == 3 * q
    assert padded_length(499, kim) == 500 and padded_length(500, kim) == 500
    fasttext = ModelConfig(variant="fasttext", seq_len=40)  # masks padding: no window needed; capped at seq_len
    assert padded_length(32, fasttext) == 32 and padded_length(33, fasttext) == 40
    assert padded_length(q, fasttext) == q and padded_length(q + 1, fasttext) == min(2 * q, 40)
    assert can_bucket(kim) and can_bucket(fasttext) and can_bucket(ModelConfig(variant="bilstm"))
    assert not can_bucket(ModelConfig(variant="dense")) and not can_bucket(ModelConfig(variant="cnn", pooling="flatten"))


@pytest.mark.parametrize("variant", ["multicnn", "fasttext"])
def test_a_model_answers_the_same_at_its_bucket_length_as_at_seq_len(variant):
    from sentiment_core.models import build_model

    config = ModelConfig(variant=variant, vocab_size=50, seq_len=120, embedding_dim=8, filters=6, bigram_buckets=97)
    model = build_model(config)
    rng = np.random.default_rng(3)
    sequences = [rng.integers(1, 50, size=n).astype(np.int32) for n in (1, 3, 5, 17, 40, 90, 115, 120)]
    full = np.asarray(model.predict_on_batch(pad_sequences(sequences, config.seq_len)))
    np.testing.assert_allclose(predict_bucketed(model, sequences, config, batch_size=3), full, rtol=1e-5, atol=1e-6)
    # And at every length from the bucket's up to seq_len, one text at a time.
    for seq in sequences:
        expected = np.asarray(model.predict_on_batch(pad_sequences([seq], config.seq_len)))
        for length in range(padded_length(len(seq), config), config.seq_len + 1, 7):
            got = np.asarray(model.predict_on_batch(pad_sequences([seq], length)))
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_training_with_buckets_pads_less_and_learns():
    from sentiment_core.training import train
    from tests.conftest import make_dataset

    config = ModelConfig(variant="multicnn", vocab_size=60, seq_len=200, embedding_dim=16, filters=8)
    trained = train(make_dataset(320, 1), make_dataset(80, 2), make_dataset(80, 3), config,
                    TrainConfig(epochs=3, batch_size=16, learning_rate=3e-3, early_stopping_patience=0, seed=2))
    m = trained.metrics
    assert m["test_accuracy"] >= 0.9
    assert m["padding_fraction"] < 0.6  # 10-22 words padded to 32 (not 200, which is ~92 % padding)
    assert m["epochs_run"] == 3 and len(trained.history["batches"]) == 3 * 20


def test_buckets_feed_keras_any_length():
    config = ModelConfig(variant="fasttext", seq_len=300)
    sequences = [np.ones(n, np.int32) for n in range(1, 300)]
    data = LengthBuckets(sequences, np.zeros(299, np.int32), 16, config, seed=0)
    shapes = {data[i][0].shape[1] for i in range(len(data))}
    assert len(shapes) > 5 and max(shapes) == 300 and all(s % quantum() == 0 or s == 300 for s in shapes)
    assert 0 < data.padded_fraction() < 0.1


def test_short_texts_whose_first_batches_pad_alike_still_train_and_validate():
    """MR-like data: most texts pad to 4 quanta, a few to seq_len (5 quanta). Sorted by raw length,
    the first two validation batches both padded alike and Keras fixed the input to that length (a
    crash at the longer ones)."""
    from sentiment_core.data.dataset import Dataset
    from sentiment_core.training import train

    rng = np.random.default_rng(0)
    words = ["good", "bad", "film", "plot", "the", "a", "great", "dull"]
    q = quantum()
    lengths = np.concatenate([rng.integers(3 * q + 1, 4 * q + 1, size=700), rng.integers(4 * q + 2, 5 * q, size=20)])
    texts = [" ".join(rng.choice(words, size=n)) for n in lengths]
    labels = np.array([int("good" in t.split()[:3]) for t in texts])
    data = Dataset(texts, labels, ("negative", "positive"), "synthetic")
    config = ModelConfig(variant="fasttext", vocab_size=20, seq_len=5 * q, embedding_dim=8, bigram_buckets=97)
    buckets = LengthBuckets([np.ones(n, np.int32) for n in lengths], labels, 256, config)
    assert {buckets[0][0].shape[1], buckets[1][0].shape[1]} == {4 * q, 5 * q}
    trained = train(data, data, None, config, TrainConfig(epochs=1, batch_size=256))
    assert trained.metrics["val_accuracy"] is not None
