import numpy as np
import pytest

from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.inference import Predictor
from sentiment_core.training import train
from tests.conftest import make_dataset

CONFIG = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=16, bigram_buckets=211, dropout=0.0)
FAST = TrainConfig(epochs=4, batch_size=16, learning_rate=0.02, early_stopping_patience=0, seed=7)


def splits(classes=("negative", "positive")):
    return make_dataset(320, 1, classes), make_dataset(80, 2, classes), make_dataset(80, 3, classes)


def test_training_learns_reports_progress_and_evaluates():
    events = []
    trained = train(*splits(), CONFIG, FAST, progress=events.append)
    m = trained.metrics
    assert m["test_accuracy"] >= 0.9 and m["val_accuracy"] >= 0.9
    assert m["confusion_matrix"] and sum(map(sum, m["confusion_matrix"])) == 80
    assert set(m["per_class"]) == {"negative", "positive"} and "recall" in m["per_class"]["positive"]
    stages = [e.stage for e in events]
    assert stages[0] == "start" and stages[-1] == "end"
    assert stages.count("epoch") == 4 and stages.count("batch") == 4 * 20
    assert all(e.samples_per_s > 0 for e in events if e.stage == "batch")
    assert len(trained.history["val_accuracy"]) == 4 and len(trained.history["batches"]) == 80
    assert m["reviews_per_s"] > 0 and m["train_seconds"] > 0
    assert trained.device["device"] in ("CPU", "GPU")


def test_same_seed_same_model():
    a = train(*splits(), CONFIG, FAST.replace(epochs=1))
    b = train(*splits(), CONFIG, FAST.replace(epochs=1))
    text = "the plot was great and the actor superb"
    np.testing.assert_allclose(Predictor.from_trained(a).predict_proba(text), Predictor.from_trained(b).predict_proba(text), rtol=1e-5)


def test_stop_request_ends_between_batches_and_keeps_the_best_epoch():
    calls = {"n": 0}

    def stop_after_epoch_two():
        calls["n"] += 1
        return calls["n"] > 20 + 5  # five batches into the second epoch

    trained = train(*splits(), CONFIG, FAST.replace(epochs=10), should_stop=stop_after_epoch_two)
    m = trained.metrics
    assert m["cancelled"] and m["epochs_run"] == 1 and m["best_epoch"] == 1
    assert len(trained.history["batches"]) == 26
    # The model holds epoch 1's weights: its validation accuracy is reproduced.
    val = make_dataset(80, 2)
    predicted = Predictor.from_trained(trained).predict_proba(val.texts).argmax(axis=1)
    assert np.isclose((predicted == val.labels).mean(), m["val_accuracy"])


def test_early_stopping_and_multiclass():
    train_set, val_set, test_set = splits(("negative", "positive", "neutral"))
    # Wrong labels on 30% of validation: validation plateaus, which is when stopping early pays.
    noisy = val_set.labels.copy()
    flip = np.random.default_rng(0).random(len(noisy)) < 0.3
    noisy[flip] = (noisy[flip] + 1) % 3
    val_set.labels = noisy
    trained = train(train_set, val_set, test_set, CONFIG, FAST.replace(epochs=30, early_stopping_patience=1))
    m = trained.metrics
    assert trained.model_config.num_classes == 3
    assert m["stopped_early"] and m["epochs_run"] < 30
    assert np.asarray(m["confusion_matrix"]).shape == (3, 3)
    assert m["test_accuracy"] > 0.8


def test_glove_variant_reports_coverage():
    from sentiment_core.glove import Glove

    words = ["great", "awful", "movie", "the"]
    glove = Glove(words, np.random.default_rng(0).normal(size=(4, 16)).astype("float32"))
    config = ModelConfig(variant="glove-tuned", vocab_size=60, seq_len=24, embedding_dim=16, filters=8)
    trained = train(*splits(), config, FAST.replace(epochs=1), glove=glove)
    coverage = trained.metrics["glove_coverage"]
    assert coverage["found"] == 4 and 0 < coverage["fraction"] < 1
    with pytest.raises(ValueError, match="embedding_dim to 16"):
        train(*splits(), config.replace(embedding_dim=8), FAST.replace(epochs=1), glove=glove)


def test_bad_data_is_rejected_with_a_message():
    train_set, val_set, test_set = splits()
    one_class = train_set.take(np.flatnonzero(train_set.labels == 0))
    with pytest.raises(ValueError, match="only one class"):
        train(one_class, val_set, test_set, CONFIG, FAST)
    with pytest.raises(ValueError, match="Class names differ"):
        train(train_set, make_dataset(10, 5, ("a", "b")), None, CONFIG, FAST)


def test_weight_averaging_puts_the_average_into_the_model_each_epoch():
    import keras

    from sentiment_core.training import _optimizer

    def weight_change(train_config, samples=40):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        before = model.get_weights()[0].copy()
        model.compile(optimizer=_optimizer(train_config, steps_per_epoch=5), loss="sparse_categorical_crossentropy")
        x = np.random.default_rng(0).normal(size=(samples, 4)).astype("float32")
        model.fit(x, (x[:, 0] > 0).astype("int32"), batch_size=8, epochs=1, shuffle=False, verbose=0)
        return np.abs(model.get_weights()[0] - before).mean()

    plain = weight_change(TrainConfig(learning_rate=0.05))  # 5 steps
    first_step = weight_change(TrainConfig(learning_rate=0.05), samples=8)
    # Keras starts the average at the first step's weights; with a momentum of 0.999 the next 4
    # steps barely move it. After the epoch the model holds that average, not the last step's.
    averaged = weight_change(TrainConfig(learning_rate=0.05, weight_averaging=0.999))
    assert plain > 2 * first_step and averaged == pytest.approx(first_step, rel=0.05)
    trained = train(*splits(), CONFIG, FAST.replace(weight_averaging=0.9))
    assert trained.metrics["val_accuracy"] >= 0.9
    with pytest.raises(ValueError, match="weight_averaging"):
        TrainConfig(weight_averaging=1.0)


def test_cosine_schedule_falls_from_the_learning_rate_to_zero_at_the_epoch_cap():
    import keras
    from keras import ops

    from sentiment_core.training import _optimizer

    def rates(train_config, steps_per_epoch=10):
        """The learning rate before training, after two epochs and after four."""
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer=_optimizer(train_config, steps_per_epoch), loss="sparse_categorical_crossentropy")
        x = np.random.default_rng(0).normal(size=(steps_per_epoch * 4, 4)).astype("float32")
        y = (x[:, 0] > 0).astype("int32")
        seen = [float(ops.convert_to_numpy(model.optimizer.learning_rate))]
        for _ in range(2):
            model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)  # 20 steps, an epoch of 10 twice
            seen.append(float(ops.convert_to_numpy(model.optimizer.learning_rate)))
        return seen

    cosine = rates(TrainConfig(learning_rate=0.01, epochs=4, lr_schedule="cosine"))
    assert cosine == pytest.approx([0.01, 0.005, 0.0], abs=1e-6)  # half-way down a half cosine is half the rate
    assert rates(TrainConfig(learning_rate=0.01, epochs=4)) == pytest.approx([0.01] * 3)
    trained = train(*splits(), CONFIG, FAST.replace(lr_schedule="cosine"))
    assert trained.train_config.lr_schedule == "cosine" and trained.metrics["val_accuracy"] >= 0.9
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="linear")


def test_early_stopping_watches_the_validation_loss_and_keeps_the_most_accurate_epoch():
    """Issue 13, part 3: the documented rule. Training stops ``patience`` epochs after the lowest
    validation loss, and the epoch kept is the most accurate one (ties: the lower loss)."""
    from sentiment_core.training import evaluate

    train_set, val_set, test_set = splits()
    noisy = val_set.labels.copy()
    noisy[np.random.default_rng(1).random(len(noisy)) < 0.25] ^= 1  # a validation loss that turns up when it overfits
    val_set.labels = noisy
    trained = train(train_set, val_set, test_set, CONFIG, FAST.replace(epochs=40, early_stopping_patience=2,
                                                                       learning_rate=0.05))
    m, h = trained.metrics, trained.history
    lowest = int(np.argmin(h["val_loss"])) + 1
    assert m["stopped_early"] and m["epochs_run"] == lowest + 2 < 40
    best = max(range(len(h["epoch"])), key=lambda i: (h["val_accuracy"][i], -h["val_loss"][i])) + 1
    assert m["best_epoch"] == best and m["val_accuracy"] == pytest.approx(max(h["val_accuracy"]))
    # The saved weights are the kept epoch's: its validation loss is measured again.
    assert evaluate(trained.model, trained.vocabulary, trained.model_config, val_set)["test_loss"] == pytest.approx(
        m["val_loss"], rel=1e-3)
