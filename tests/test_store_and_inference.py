
import numpy as np
import pytest

from sentiment_core import store as store_module
from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.inference import Predictor, truncation_note
from sentiment_core.store import ModelStore, StoreError, validate_name
from sentiment_core.training import train
from tests.conftest import make_dataset

SENTENCES = ["the movie was great and superb", "awful boring plot", "the actor"]


@pytest.fixture(scope="module")
def trained():
    config = ModelConfig(variant="multicnn", vocab_size=60, seq_len=30, embedding_dim=16, filters=8)
    return train(make_dataset(200, 1), make_dataset(40, 2), make_dataset(40, 3), config, TrainConfig(epochs=6, batch_size=16, learning_rate=3e-3, seed=1))


def test_save_load_gives_identical_predictions(tmp_path, trained):
    store = ModelStore(tmp_path)
    store.save("first.model", trained)
    loaded = store.load("first.model")
    np.testing.assert_array_equal(loaded.predict_proba(SENTENCES), Predictor.from_trained(trained).predict_proba(SENTENCES))
    assert loaded.class_names == ("negative", "positive") and loaded.model_config == trained.model_config
    info = store.list()[0]
    assert info.name == "first.model" and info.variant == "multicnn"
    assert info.test_accuracy == trained.metrics["test_accuracy"]
    assert info.manifest["history"]["val_accuracy"] == trained.history["val_accuracy"]


def test_names_are_validated(tmp_path, trained):
    store = ModelStore(tmp_path)
    for bad in ["../escape", "a/b", "", ".hidden", "x" * 65, "with space", "..", "a..b"]:
        with pytest.raises(ValueError, match="not a valid model name"):
            validate_name(bad)
        with pytest.raises(ValueError):
            store.save(bad, trained)
    assert not (tmp_path.parent / "escape").exists()


def test_taken_names_need_overwrite_and_delete_removes(tmp_path, trained):
    store = ModelStore(tmp_path)
    store.save("m", trained)
    with pytest.raises(ValueError, match="already exists"):
        store.save("m", trained)
    store.save("m", trained, overwrite=True)
    assert [i.name for i in store.list()] == ["m"]
    store.delete("m")
    assert store.list() == [] and list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="No saved model named 'm'"):
        store.load("m")


def test_crash_mid_save_leaves_nothing_listed(tmp_path, trained, monkeypatch):
    store = ModelStore(tmp_path)
    original = store_module._write_json

    def crash_on_manifest(path, data):
        if path.name == "manifest.json":
            raise KeyboardInterrupt("killed")
        original(path, data)

    monkeypatch.setattr(store_module, "_write_json", crash_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        store.save("crashy", trained)
    assert store.list() == []
    # A process killed outright leaves its staging folder: it still does not list.
    (tmp_path / ".saving-crashy-abc").mkdir()
    (tmp_path / ".saving-crashy-abc" / "model.keras").write_bytes(b"half")
    (tmp_path / "nomanifest").mkdir()
    assert store.list() == []


def test_overwrite_crash_keeps_the_old_model(tmp_path, trained, monkeypatch):
    store = ModelStore(tmp_path)
    store.save("keep", trained)
    monkeypatch.setattr(store_module, "_write_json", lambda path, data: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(StoreError, match="disk full"):
        store.save("keep", trained, overwrite=True)
    monkeypatch.undo()
    assert store.load("keep").predict_proba("great").shape == (1, 2)


def test_loading_never_runs_code_from_a_model_file(tmp_path, trained):
    """A Keras file whose Lambda layer would write a file is never deserialised: only weights are read."""
    import keras

    store = ModelStore(tmp_path)
    store.save("unsafe", trained)
    marker = tmp_path / "code-ran"
    inputs = keras.Input(shape=(30,), dtype="int32")
    # The path is a constant of the lambda's own code (Keras saves the code, not the closure).
    code = f'lambda x: (__import__("pathlib").Path({str(marker)!r}).write_text("!"), __import__("keras").ops.one_hot(x[:, 0] % 2, 2))[1]'
    outputs = keras.layers.Lambda(eval(code))(inputs)
    (tmp_path / "unsafe" / "model.weights.h5").unlink()
    keras.Model(inputs, outputs).save(tmp_path / "unsafe" / "model.keras")
    marker.unlink(missing_ok=True)  # building the model above ran the lambda once
    with pytest.raises(ValueError, match="holds 0 of the model's 9 weights"):
        store.load("unsafe")
    assert not marker.exists()


@pytest.mark.parametrize(
    "text",
    ["😀🎬🍿", "<b>great</b><br />film", "これは素晴らしい映画です", "superb " * 20000, "zzqx qqzy", "a"],
)
def test_odd_inputs_get_an_answer(trained, text):
    predictor = Predictor.from_trained(trained)
    (result,) = predictor.predict(text)
    assert np.isfinite(list(result.probabilities.values())).all()
    assert abs(sum(result.probabilities.values()) - 1) < 1e-5
    if text.startswith("😀") or text.startswith("これ"):
        assert "No words" in result.note
    if text == "zzqx qqzy":
        assert result.unknown == ["zzqx", "qqzy"] and "vocabulary" in result.note
    if len(text) > 100_000:
        assert result.truncated and "first 30" in result.note


@pytest.mark.parametrize("variant, extra", [("bilstm", {}), ("fasttext", {}), ("multicnn", {}),
                                            ("cnn", {"kernel_sizes": (5,), "pooling": "max"}),
                                            ("multicnn", {"word_input": "one-hot"})])
def test_short_texts_are_read_short_with_the_same_answer(tmp_path, variant, extra):
    """Masked models, and convolutions with max-over-time pooling (one all-padding window kept)."""
    import keras

    from sentiment_core.models import build_model
    from sentiment_core.text import Vocabulary, pad_sequences

    config = ModelConfig(variant=variant, vocab_size=60, seq_len=40, embedding_dim=8, lstm_units=4, filters=6, **extra)
    vocabulary = Vocabulary(size=60).fit(make_dataset(50, 1).texts)
    build_model(config).save(tmp_path / "model.keras")  # the any-length input survives saving
    model = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    predictor = Predictor(model, vocabulary, config, ("negative", "positive"))
    texts = SENTENCES + [" ".join(make_dataset(5, 2).texts)]  # three short texts, one longer than 40 words
    assert predictor.encode(SENTENCES).shape == (3, 16)
    assert predictor.encode(texts[-1:]).shape == (1, 40)
    assert predictor.encode(["great " * 17]).shape == (1, 32)
    for text in texts:
        full_length = pad_sequences([vocabulary.encode(text)], 40)
        np.testing.assert_allclose(
            predictor.predict_proba(text), predictor.model.predict_on_batch(full_length), rtol=1e-5, atol=1e-6
        )


def test_a_flattened_convolution_reads_every_position():
    from sentiment_core.models import build_model
    from sentiment_core.text import Vocabulary

    config = ModelConfig(variant="cnn", vocab_size=60, seq_len=40, embedding_dim=8, filters=2, kernel_sizes=(5,),
                         pooling="flatten")
    predictor = Predictor(build_model(config), Vocabulary(60).fit(SENTENCES), config, ("negative", "positive"))
    assert not config.pools_over_time and predictor.encode(SENTENCES).shape == (3, 40)


def test_truncation_note_names_the_words_read():
    assert truncation_note(500, "start") == "the first 500"
    assert truncation_note(500, "end") == "the last 500"
    assert truncation_note(500, "both") == "the first 125 and the last 375"


def test_empty_and_wrong_inputs_get_a_message(trained):
    predictor = Predictor.from_trained(trained)
    for bad in ["", "   \n"]:
        with pytest.raises(ValueError, match="empty"):
            predictor.predict_proba(bad)
    with pytest.raises(ValueError, match="text 2"):
        predictor.predict_proba(["fine", ""])
    with pytest.raises(ValueError, match="limit"):
        predictor.predict_proba("x" * 1_000_001)
    with pytest.raises(ValueError, match="Expected text"):
        predictor.predict_proba([3])


def test_explain_attributes_the_prediction_to_words(trained):
    predictor = Predictor.from_trained(trained)
    assert predictor.predict("the superb movie")[0].label == "positive"
    words = predictor.explain("the superb movie", target=1)
    assert [w["token"] for w in words] == ["the", "superb", "movie"]
    by_token = {w["token"]: w["weight"] for w in words}
    # "superb" carries the positive label; the filler words carry almost nothing.
    assert by_token["superb"] > abs(by_token["the"]) and by_token["superb"] > 0
    unknown = predictor.explain("superb zzqx")
    assert unknown[1]["known"] is False and unknown[1]["weight"] == 0.0


def test_short_inputs_are_padded_past_the_widest_kernel():
    from sentiment_core.models import build_model
    from sentiment_core.text import Vocabulary

    config = ModelConfig(variant="multicnn", vocab_size=20, seq_len=5, embedding_dim=4, filters=2)
    predictor = Predictor(build_model(config), Vocabulary(20).fit(["a b c"]), config, ("negative", "positive"))
    assert predictor.encode(["a"]).shape == (1, 5)
    assert predictor.predict_proba("a").shape == (1, 2)
