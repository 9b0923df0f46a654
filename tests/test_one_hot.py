"""Kim's CNN on one-hot words (Johnson & Zhang 2015) and LazyAdam, the optimiser that keeps it fast."""

import keras
import numpy as np
import pytest

from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.layers import START_LIMIT
from sentiment_core.models import RANDOM_START_STD, build_model, embedding_weights
from sentiment_core.optimizers import LazyAdam

VOCAB, FILTERS = 40, 6


def one_hot(variant="multicnn", **changes):
    return ModelConfig(**{"variant": variant, "vocab_size": VOCAB, "seq_len": 20, "filters": FILTERS,
                          "word_input": "one-hot", **changes})


@pytest.mark.parametrize("variant", ["cnn", "multicnn"])
def test_one_hot_convolutions_are_convolutions_over_one_hot_vectors(variant):
    """Each width's activations equal a Conv1D (with ReLU) over one-hot word vectors whose kernel
    holds, at place j, every word's weights for place j: nothing is squeezed through an embedding."""
    keras.utils.set_random_seed(2)
    config = one_hot(variant)
    model = build_model(config)
    assert [tuple(w.shape) for w in model.get_weights()] == [tuple(s) for s in config.weight_shapes()]
    table = embedding_weights(model)  # (vocab, places * filters): a word's row is its weights for every place
    assert table.shape == (VOCAB, sum(config.window_widths) * FILTERS)
    ids = np.random.default_rng(0).integers(0, VOCAB, size=(3, 20)).astype("int32")
    one_hots = np.eye(VOCAB, dtype="float32")[ids]  # (3, 20, vocab)
    first = 0
    for width in config.window_widths:
        conv = model.get_layer(f"conv_{width}gram")
        bias = conv.get_weights()[0] + np.linspace(-0.3, 0.3, FILTERS, dtype="float32")  # not all zero
        conv.set_weights([bias])
        kernel = np.stack([table[:, (first + j) * FILTERS:(first + j + 1) * FILTERS] for j in range(width)])
        reference = keras.layers.Conv1D(FILTERS, width, activation="relu")
        reference.build((None, 20, VOCAB))
        reference.set_weights([kernel, bias])  # kernel: (width, vocab, filters)
        got = np.asarray(keras.Model(model.inputs, conv.output).predict_on_batch(ids))
        np.testing.assert_allclose(got, np.asarray(reference(one_hots)), atol=1e-5)
        first += width


def test_a_glove_start_is_kims_cnn_over_glove():
    """glove-tuned on one-hot words starts as the CNN over GloVe's vectors: every place's block of the
    table is the GloVe matrix times one kernel, scaled to the random start's spread."""
    config = one_hot("glove-tuned", embedding_dim=8)  # fewer dimensions than words: "linear in GloVe" can fail
    glove = np.random.default_rng(0).normal(size=(VOCAB, 8)).astype("float32")
    glove[0] = 0.0  # padding
    glove[9] = glove[7]  # two words GloVe cannot tell apart

    def start(seed):
        keras.utils.set_random_seed(seed)
        model = build_model(config, glove)
        return model, embedding_weights(model)

    model, table = start(6)
    np.testing.assert_allclose(table[2:].std(), RANDOM_START_STD, rtol=1e-4)
    assert not table[0].any() and np.array_equal(table[7], table[9])
    # A blank start (a saved model's weights about to be loaded) is not unfolded (that would give all
    # zeros): the table keeps the layer's own random start.
    blank = embedding_weights(build_model(config, np.zeros_like(glove)))
    assert blank.any() and np.abs(blank).max() <= START_LIMIT
    np.testing.assert_array_equal(start(6)[1], table)  # the training seed decides the kernels ...
    assert not np.allclose(start(7)[1], table)  # ... as it decides every other start
    kernels, *_ = np.linalg.lstsq(glove, table, rcond=None)  # (8, places * filters)
    np.testing.assert_allclose(glove @ kernels, table, atol=1e-5)  # nothing in the rows but GloVe times kernels
    ids = np.random.default_rng(1).integers(0, VOCAB, size=(3, 20)).astype("int32")
    first = 0
    for width in config.window_widths:  # so each width's activations are a Conv1D with ReLU over GloVe's vectors
        kernel = np.stack([kernels[:, (first + j) * FILTERS:(first + j + 1) * FILTERS] for j in range(width)])
        reference = keras.layers.Conv1D(FILTERS, width, activation="relu")
        reference.build((None, 20, 8))
        reference.set_weights([kernel, np.zeros(FILTERS, "float32")])  # kernel: (width, 8, filters)
        got = keras.Model(model.inputs, model.get_layer(f"conv_{width}gram").output).predict_on_batch(ids)
        np.testing.assert_allclose(np.asarray(got), np.asarray(reference(glove[ids])), atol=1e-5)
        first += width


def test_one_hot_answers_do_not_depend_on_the_padded_length():
    """Max-over-time over one-hot windows: any length that leaves one window wholly in the padding
    gives the answer at seq_len, so length buckets and short predictions stay exact."""
    keras.utils.set_random_seed(3)
    config = one_hot()
    model = build_model(config)
    text = np.array([5, 9, 2, 33, 7, 11], dtype="int32")
    full = np.zeros((1, config.seq_len), "int32")
    full[0, : len(text)] = text
    expected = np.asarray(model.predict_on_batch(full))
    for length in range(len(text) + max(config.kernel_sizes), config.seq_len):
        np.testing.assert_allclose(np.asarray(model.predict_on_batch(full[:, :length])), expected, atol=1e-6)


def test_one_hot_is_checked_against_what_it_can_read():
    with pytest.raises(ValueError, match="word_input must be one of vectors, one-hot"):
        ModelConfig(word_input="bag")
    with pytest.raises(ValueError, match="cnn, multicnn and glove-tuned"):
        ModelConfig(variant="glove-static", word_input="one-hot")
    with pytest.raises(ValueError, match="max-over-time"):
        ModelConfig(variant="cnn", pooling="flatten", word_input="one-hot")
    # The weight cap counts the table: 40,000 words x (3 + 4 + 5) places x 200 filters is too many.
    with pytest.raises(ValueError, match="weights"):
        ModelConfig(word_input="one-hot", vocab_size=40_000, filters=200)
    assert ModelConfig(word_input="one-hot", vocab_size=30_000, filters=100).parameter_count() == 30_000 * 1200 + 300 + 602
    # Saved configs from before the option read as vectors.
    old = ModelConfig().to_dict()
    del old["word_input"]
    assert ModelConfig.from_dict(old).word_input == "vectors"


def _table_model(rows: int):
    ids = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.Embedding(rows, 3, name="table")(ids)
    output = keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling1D()(vectors))
    return keras.Model(ids, output)


def _trained_weights(optimizer, batches):
    keras.utils.set_random_seed(5)
    model = _table_model(6)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    for ids, labels in batches:
        model.train_on_batch(ids, labels)
    return [np.asarray(w) for w in model.get_weights()]


def test_lazy_adam_is_adam_when_every_row_is_read():
    batches = [(np.array([[0, 1, 2], [3, 4, 5]], "int32"), np.array([0, 1]))] * 4
    lazy = _trained_weights(LazyAdam(learning_rate=0.05), batches)
    plain = _trained_weights(keras.optimizers.Adam(learning_rate=0.05), batches)
    for a, b in zip(lazy, plain):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="sparse gradients are TensorFlow's")
def test_lazy_adam_leaves_the_rows_a_batch_did_not_read():
    """Row 5 is read in the first step only: Adam keeps moving it on its momentum, LazyAdam does not;
    a row read twice in one batch moves as Adam moves it (its gradients summed)."""
    first = (np.array([[0, 1, 5], [2, 3, 5]], "int32"), np.array([0, 1]))
    later = (np.array([[0, 1, 1], [2, 3, 4]], "int32"), np.array([0, 1]))
    keras.utils.set_random_seed(5)
    start = _table_model(6).get_weights()[0]
    lazy = _trained_weights(LazyAdam(learning_rate=0.05), [first, later, later])[0]
    plain = _trained_weights(keras.optimizers.Adam(learning_rate=0.05), [first, later, later])[0]
    after_first = _trained_weights(LazyAdam(learning_rate=0.05), [first])[0]
    np.testing.assert_allclose(lazy[5], after_first[5])  # untouched after the step that read it
    assert not np.allclose(lazy[5], start[5])  # it did move in that step
    assert np.abs(plain[5] - after_first[5]).max() > 1e-3  # Adam moved it again without reading it


def test_lazy_adam_trains_a_one_hot_cnn_that_saves_loads_and_explains(tmp_path):
    from sentiment_core.explanations import explain
    from sentiment_core.inference import Predictor
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train
    from tests.conftest import make_dataset

    config = one_hot(vocab_size=60, seq_len=24)
    trained = train(make_dataset(320, 1), make_dataset(80, 2), make_dataset(80, 3), config,
                    TrainConfig(optimizer="lazy-adam", epochs=3, batch_size=16, learning_rate=0.01, seed=1))
    assert trained.metrics["test_accuracy"] > 0.8  # the polar words make this data easy
    # The table itself learned (a frozen random table would still give the classifier features):
    # a polar word's row moved far more than a word the data never uses.
    keras.utils.set_random_seed(1)
    start = embedding_weights(build_model(config))
    moved = np.abs(embedding_weights(trained.model) - start).max(axis=1)
    superb = trained.vocabulary.encode_tokens(["superb"])[0]
    assert moved[superb] > 0.05 and moved[-1] == 0.0  # the last row: no word of this little vocabulary
    store = ModelStore(tmp_path)
    store.save("onehot", trained)
    loaded = store.load("onehot")
    texts = ["the superb film", "an awful plot and a dull cast"]
    np.testing.assert_allclose(loaded.predict_proba(texts), Predictor.from_trained(trained).predict_proba(texts), atol=1e-6)
    result = explain(loaded, "the superb film with an awful plot", "exact")
    assert abs(sum(w["weight"] for w in result["words"]) + result["base"] - result["margin"]) < 1e-4
    words = {w["token"]: w["weight"] for w in result["words"]}
    assert words["superb"] > 0 > words["awful"]


def test_a_glove_started_one_hot_cnn_trains_saves_and_loads(tmp_path):
    from sentiment_core.glove import Glove
    from sentiment_core.inference import Predictor
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train
    from tests.conftest import make_dataset

    glove = Glove(["superb", "awful", "the", "film"], np.random.default_rng(2).normal(size=(4, 50)).astype("float32"))
    config = one_hot("glove-tuned", vocab_size=60, seq_len=24)
    trained = train(make_dataset(320, 1), make_dataset(80, 2), make_dataset(80, 3), config,
                    TrainConfig(optimizer="lazy-adam", epochs=3, batch_size=16, learning_rate=0.01, seed=1), glove=glove)
    assert trained.metrics["test_accuracy"] > 0.8
    store = ModelStore(tmp_path)
    store.save("glove-onehot", trained)
    loaded = store.load("glove-onehot")  # built from a blank start (no GloVe), then the saved weights
    texts = ["the superb film", "an awful plot and a dull cast"]
    np.testing.assert_allclose(loaded.predict_proba(texts), Predictor.from_trained(trained).predict_proba(texts), atol=1e-6)


def test_word_dropout_leaves_whole_words_out_in_training_only():
    from sentiment_core.layers import WindowWeights

    keras.utils.set_random_seed(4)
    layer = WindowWeights(VOCAB, (1, 1), FILTERS, word_dropout=0.5)  # two widths of 1: both places read position t
    ids = np.random.default_rng(1).integers(2, VOCAB, size=(4, 30)).astype("int32")
    reading = [np.asarray(p) for p in layer(ids)]
    training = [np.asarray(p) for p in layer(ids, training=True)]
    dropped = np.all(training[0] == 0, axis=-1)  # (4, 30): positions whose word was left out
    assert 0.3 < dropped.mean() < 0.7
    for read, trained in zip(reading, training):
        assert np.all(trained[dropped] == 0)  # a dropped word is out of every place
        np.testing.assert_allclose(trained[~dropped], 2 * read[~dropped], rtol=1e-6)  # the rest scaled by 1 / (1 - 0.5)
