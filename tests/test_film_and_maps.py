"""Films of embeddings while training, maps kept on disk, readable labels and the sentiment axis."""

import os

import numpy as np
import pytest

from sentiment_core.film import (
    Film,
    FilmError,
    FilmRecorder,
    FilmSettings,
    aligned_frames,
    film_view,
    load_film,
    pick_words,
    prune_job_films,
    separation,
)
from sentiment_core.map_files import MapRequest, load_maps, maps_path, read_progress, save_maps, write_progress
from sentiment_core.map_labels import CHAR_PX, LINE_PX, importance_order, place_labels
from sentiment_core.projection import EmbeddingMaps, check_projection, sentiment_axis
from tests.conftest import BAD, GOOD, make_dataset


@pytest.mark.parametrize("changes, message", [({"words": 5}, "20 to 2,000 words"), ({"per_epoch": 0}, "1 to 20 snapshots"),
                                              ({"min_count": 0}, "positive whole number"), ({"pool": 100}, "at least the 300")])
def test_film_settings_refuse_what_cannot_work(changes, message):
    with pytest.raises(ValueError, match=message):
        FilmSettings(**changes)


def test_pick_words_takes_the_frequent_half_then_the_most_polar_of_each_side():
    words = ["<pad>", "<unk>", "the", "a", "great", "awful", "fine", "9"]
    # Rows of ids: positives use "great" often, negatives "awful"; "the" and "a" in both; "9" is not a word.
    positive_rows = np.array([[2, 3, 4, 4, 7, 0], [2, 2, 3, 4, 6, 0]] * 10)
    negative_rows = np.array([[2, 3, 5, 5, 7, 1], [2, 2, 3, 5, 0, 0]] * 10)
    rows = np.concatenate([positive_rows, negative_rows])
    labels = np.array([1] * 20 + [0] * 20)
    ids, polarity = pick_words(words, rows, labels, 1, FilmSettings(words=20, min_count=5), str.isalpha)
    chosen = [words[i] for i in ids]
    assert chosen[:3] == ["the", "a", "great"]  # 10 frequent (of 5 words), then the most positive, ...
    assert "9" not in chosen and "<pad>" not in chosen and "<unk>" not in chosen
    by_word = dict(zip(chosen, polarity))
    assert by_word["great"] > 1 and by_word["awful"] < -1 and abs(by_word["the"]) < 0.2
    assert len(set(chosen)) == len(chosen)


def test_aligned_frames_undo_a_rotation_and_scale_and_keep_unit_spread():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(50, 6)) * [5, 3, 1, 0.5, 0.2, 0.1]
    rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    frames, shares = aligned_frames([base, 3.0 * base @ rotation, -base])
    assert frames.shape == (3, 50, 2) and np.allclose(frames[0].std(axis=0), 1.0, atol=1e-5)
    assert shares[0] == pytest.approx(shares[1]) and 0.5 < shares[0] < 0.9  # 25 of 35.3 units of variance
    # The same cloud turned, scaled or mirrored in the full space is drawn in the same place.
    assert np.allclose(frames[1], frames[0], atol=1e-4) and np.allclose(frames[2], frames[0], atol=1e-4)


def test_separation_measures_how_far_the_sides_sit_apart():
    polarity = np.array([-2.0, -1.5, -1.0, 0.0, 0.1, 0.0, 1.0, 1.5, 2.0])
    apart = np.column_stack([np.sign(polarity) * 2, np.zeros(9)])
    mixed = np.column_stack([np.tile([1.0, -1.0, 0.0], 3), np.zeros(9)])
    assert separation(apart, polarity) == pytest.approx(4.0) and separation(mixed, polarity) < 0.7


def test_a_film_survives_its_file_and_a_damaged_one_is_a_clear_error(tmp_path):
    film = Film(["good", "bad", "plot"], np.array([1.0, -1.0, 0.0], dtype=np.float32))
    recorder = FilmRecorder(film, per_epoch=4, batches=10)
    assert sorted(recorder.marks) == [2, 5, 8] and recorder.wants(5) and not recorder.wants(10)
    recorder.start(np.zeros((3, 4)))
    recorder.batch(np.ones((3, 4)), 1, 5)
    recorder.epoch_end(np.full((3, 4), 2.0), 1)
    film.save(tmp_path / "film.npz")
    back = load_film(tmp_path / "film.npz")
    assert back.words == film.words and back.labels == ["start", "epoch 1 · 50 %", "epoch 1 end"]
    assert back.positions == [0.0, 0.5, 1.0] and np.array_equal(back.frames[2], film.frames[2])
    assert load_film(tmp_path / "none.npz") is None
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(FilmError, match="bad.npz cannot be read as a film"):
        load_film(tmp_path / "bad.npz")
    os.symlink(tmp_path / "film.npz", tmp_path / "link.npz")
    with pytest.raises(FilmError, match="not a film this app wrote"):
        load_film(tmp_path / "link.npz")
    np.savez(tmp_path / "odd.npz", words=np.array(["a"]), polarity=np.zeros(2), frames=np.zeros((1, 1, 2)),
             labels=np.array(["x"]), positions=np.zeros(1))
    with pytest.raises(FilmError, match="matching words"):
        load_film(tmp_path / "odd.npz")


def test_a_long_film_is_thinned_but_keeps_its_start_and_order():
    film = Film(["a", "b"], np.zeros(2, dtype=np.float32))
    for k in range(1000):
        film.add(np.full((2, 2), k), f"f{k}", k)
    assert len(film.frames) <= 200 and film.labels[0] == "f0" and film.labels[-1] == "f999"
    assert film.positions == sorted(film.positions)


def test_a_growing_film_is_extended_frame_by_frame_as_if_drawn_whole(tmp_path, monkeypatch):
    import sentiment_core.film as film_module
    from sentiment_core.film import FilmViews

    rng = np.random.default_rng(3)
    polarity = np.linspace(-1, 1, 40).astype(np.float32)
    film = Film([f"w{i}" for i in range(40)], polarity)
    base = rng.normal(size=(40, 6))
    for k in range(12):  # the two sides pull apart along a direction, with noise
        film.add(base + k * np.outer(polarity, np.ones(6)) + rng.normal(scale=0.1, size=(40, 6)), f"f{k}", k / 4)
    path = tmp_path / "job.npz"
    aligned = []  # how many frames each alignment call did
    real = film_module.aligned_frames
    monkeypatch.setattr(film_module, "aligned_frames", lambda frames, after=None: aligned.append(len(frames)) or real(frames, after))
    views = FilmViews(max_films=2)
    shown = Film(film.words, polarity)
    for k in range(12):
        shown.add(film.frames[k], film.labels[k], film.positions[k])
        if k in (4, 5, 11):
            shown.save(path)
            os.utime(path, ns=(k * 10**9, k * 10**9))  # a new stamp even within the clock's resolution
            view = views.get(path)
    assert views.get(path) is view and aligned == [5, 1, 6]  # read again only on change, new frames only
    whole = film_view(load_film(path))
    assert np.allclose(view.coords, whole.coords, atol=1e-4) and view.labelled == whole.labelled
    assert np.allclose(view.separations, whole.separations, atol=1e-4) and np.allclose(view.first_axis, whole.first_axis)
    assert view.separations[-1] > view.separations[0]
    # A film whose start changed (thinned, or another film at the same path) is drawn whole again.
    other = Film(film.words, polarity)
    for k in range(3):
        other.add(film.frames[k] * -1.0, film.labels[k], film.positions[k])
    other.save(path)
    os.utime(path, ns=(99 * 10**9, 99 * 10**9))
    assert len(views.get(path).coords) == 3 and aligned[-1] == 3
    assert views.get(tmp_path / "missing.npz") is None
    # A damaged file is None, and read once until it changes.
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip")
    reads = []
    real_load = film_module.load_film
    monkeypatch.setattr(film_module, "load_film", lambda p: reads.append(p) or real_load(p))
    assert views.get(tmp_path / "bad.npz") is None and views.get(tmp_path / "bad.npz") is None and len(reads) == 1
    # Bounded: the least recently read film goes.
    shown.save(tmp_path / "f0.npz")
    first = views.get(tmp_path / "f0.npz")
    shown.save(tmp_path / "f1.npz")
    views.get(tmp_path / "f1.npz")
    assert views.get(tmp_path / "f0.npz") is first  # read again: now the most recent
    shown.save(tmp_path / "f2.npz")
    views.get(tmp_path / "f2.npz")
    assert len(views) == 2 and views.get(tmp_path / "f0.npz") is first and len(reads) == 4


def test_old_job_films_are_pruned(tmp_path):
    from sentiment_core.film import job_film_path

    for k in range(5):
        path = job_film_path(tmp_path, f"job{k}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        os.utime(path, (k, k))
    prune_job_films(tmp_path, keep=2)
    assert sorted(p.name for p in job_film_path(tmp_path, "x").parent.iterdir()) == ["job3.npz", "job4.npz"]
    assert job_film_path(tmp_path, "../../etc/passwd").parent == job_film_path(tmp_path, "x").parent


def test_training_films_a_trainable_embedding_and_saves_it_with_the_model(tmp_path):
    from sentiment_core.config import ModelConfig, TrainConfig
    from sentiment_core.film import FILM_FILE
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    frames_seen = []
    config = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=8, bigram_buckets=50, dropout=0.0)
    trained = train(make_dataset(200, seed=1), make_dataset(60, seed=2), None, config,
                    TrainConfig(epochs=3, batch_size=16, learning_rate=0.02, early_stopping_patience=0),
                    film=FilmSettings(words=20, min_count=3), on_frame=lambda film, ended: frames_seen.append(ended))
    film = trained.film
    assert len(film.frames) == 1 + 3 * 4 and frames_seen.count(True) == 3 and len(frames_seen) == 13
    assert "the" in film.words and len(set(GOOD) & set(film.words)) >= 4 and len(set(BAD) & set(film.words)) >= 4
    view = film_view(film)
    assert view.separations[-1] > 2 * view.separations[0], view.separations
    # The film's last frame is the embedding as trained (no averaging here, so the saved weights).
    from sentiment_core.models import embedding_weights

    ids = trained.vocabulary.encode_tokens(film.words)
    assert np.allclose(film.frames[-1], embedding_weights(trained.model)[ids], atol=1e-6)
    store = ModelStore(tmp_path)
    store.save("filmed", trained)
    assert load_film(store.path("filmed") / FILM_FILE).labels == film.labels
    assert store.load("filmed").vocabulary.words_ == trained.vocabulary.words_  # the extra file harms nothing

    static = train(make_dataset(100, seed=1), make_dataset(40, seed=2), None,
                   ModelConfig(variant="glove-static", vocab_size=60, seq_len=24), TrainConfig(epochs=1, batch_size=16),
                   glove=_tiny_glove(), film=FilmSettings(words=20, min_count=3))
    assert static.film is None  # frozen vectors never move: no film


def _tiny_glove():
    from sentiment_core.glove import Glove

    words = ["the", "great", "awful", "movie"]
    return Glove(words, np.random.default_rng(0).normal(size=(4, 50)).astype(np.float32))


def test_the_sentiment_axis_finds_a_polarity_direction_only_where_there_is_one():
    rng = np.random.default_rng(0)
    polarity = rng.normal(size=300)
    direction = rng.normal(size=16)
    with_direction = np.outer(polarity, direction) + rng.normal(size=(300, 16)) * 0.5
    coords, r2 = sentiment_axis(with_direction, polarity)
    assert r2 > 0.9 and np.corrcoef(coords[:, 0], polarity)[0, 1] > 0.95
    # y is orthogonal to the fitted direction: it does not carry the polarity again.
    assert abs(np.corrcoef(coords[:, 1], polarity)[0, 1]) < 0.2
    _, r2_none = sentiment_axis(rng.normal(size=(300, 16)), polarity)
    assert r2_none < 0.1
    check_projection(300, "axis", 30.0, 500)  # needs no perplexity


def _maps(n=12, method="tsne"):
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(n)]
    values = rng.normal(size=n).astype(np.float32)
    return EmbeddingMaps(words, values, "the data", rng.normal(size=(n, 2)), rng.normal(size=(n, 2)),
                         rng.normal(size=(n, 8)), rng.normal(size=(n, 50)), method, ["a note"],
                         {"data": {"values": values, "label": "the data", "unit": "log ratio"}}, {"learned": 0.5})


def test_maps_survive_their_file_and_a_damaged_file_is_drawn_again(tmp_path):
    request = MapRequest(500, "tsne", 30.0, 500)
    path = maps_path(tmp_path, "model-a", request, "/data")
    assert path.parent == tmp_path / "model-a" / "maps"
    assert maps_path(tmp_path, None, request, "/data").parent == tmp_path / ".cache" / "glove-maps"
    # A setting that changes the drawing changes the file; one that does not (PCA's perplexity) does not.
    assert path != maps_path(tmp_path, "model-a", MapRequest(500, "tsne", 20.0, 500), "/data")
    assert path != maps_path(tmp_path, "model-a", request, "/elsewhere")
    assert maps_path(tmp_path, "m", MapRequest(500, "pca", 30.0), "") == maps_path(tmp_path, "m", MapRequest(500, "pca", 5.0), "")
    assert load_maps(path) is None
    original = _maps()
    save_maps(original, path)
    back = load_maps(path)
    assert back.words == original.words and back.notes == ["a note"] and back.fit == {"learned": 0.5}
    assert np.allclose(back.learned, original.learned) and back.measures["data"]["unit"] == "log ratio"
    write_progress(path, "Projecting ...", 0.5)
    assert read_progress(path) == ("Projecting ...", 0.5)
    path.write_bytes(b"garbage")
    assert load_maps(path) is None


def test_labels_never_overlap_and_the_searched_words_keep_their_place():
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(400, 2))
    words = [f"word{i}" for i in range(400)]
    values = rng.normal(size=400)
    order = importance_order(values, 400)
    assert sorted(order) == list(range(400)) and order[0] == int(np.argmax(np.abs(values)))
    kept = place_labels(coords, words, order, max_labels=40, reserved=[7])
    assert 5 <= len(kept) <= 40 and 7 not in kept
    low, span = coords.min(axis=0), np.ptp(coords, axis=0)
    pixels = (coords - low) / span * [600, 480]
    boxes = [(pixels[i, 0] - len(words[i]) * CHAR_PX / 2, pixels[i, 1], pixels[i, 0] + len(words[i]) * CHAR_PX / 2,
              pixels[i, 1] + LINE_PX) for i in [7, *kept]]
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            p, q = boxes[a], boxes[b]
            assert p[2] <= q[0] or q[2] <= p[0] or p[3] <= q[1] or q[3] <= p[1], (a, b)
    assert place_labels(coords, words, order, max_labels=0) == []


def test_tensorflows_harmless_start_up_lines_are_hidden_and_real_ones_kept(capfd):
    """Issue 13, part 7: on a machine without a GPU, "failed call to cuInit" and friends read like failures."""
    import re
    import subprocess
    import sys

    from sentiment_core.quiet import HARMLESS, filtered_stderr, has_nvidia_device
    from tests.conftest import ROOT

    # A generator dataset, as training reads its batches: TensorFlow notes "Memory patch applied" at
    # its first element (an INFO line, dropped on a machine without a GPU).
    script = ("import os\nfrom sentiment_core.quiet import import_keras_quietly\nimport_keras_quietly()\n"
              "import keras\nkeras.ops.convert_to_numpy(keras.ops.ones((2,)))\n"
              "import tensorflow as tf\n"
              "data = tf.data.Dataset.from_generator(lambda: iter([1, 2]), output_signature=tf.TensorSpec((), tf.int32))\n"
              "assert [int(x) for x in data] == [1, 2]\n"
              "os.write(2, b'a real problem\\n')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "SENTIMENT_SHOW_TF_LOGS")})
    assert done.returncode == 0, done.stderr
    assert "a real problem" in done.stderr
    if not has_nvidia_device():
        assert not [line for line in done.stderr.splitlines() if HARMLESS.search(line)], done.stderr
        assert "cuInit" not in done.stderr and "oneDNN" not in done.stderr
        assert "Memory patch" not in done.stderr and not re.search(r"^I\d{4} ", done.stderr, re.M), done.stderr
    capfd.readouterr()
    with filtered_stderr(re.compile("drop me")):
        os.write(2, b"drop me please\nkeep me\n")
    err = capfd.readouterr().err
    assert "keep me" in err and "drop me" not in err


def test_an_archive_that_unpacks_too_large_is_refused_before_it_is_read(tmp_path):
    """A small compressed film or map file must not inflate into gigabytes in the web process."""
    from sentiment_core.data.reading import load_npz_bounded

    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, frames=np.zeros((2000, 1000), dtype=np.float32))  # 8 MB of zeros, a few KB on disk
    assert path.stat().st_size < 100_000
    with pytest.raises(ValueError, match="unpacks to more than"):
        load_npz_bounded(path, 1 << 20)
    assert load_npz_bounded(path, 16 << 20)["frames"].shape == (2000, 1000)
    assert load_maps(path) is None  # not a map: drawn again, never trusted


def test_a_live_film_sends_its_latest_snapshot_and_a_finished_one_every_frame_with_its_style():
    from pages.map_figures import film_figure

    rng = np.random.default_rng(5)
    polarity = np.linspace(-1, 1, 30).astype(np.float32)
    film = Film([f"w{i}" for i in range(30)], polarity)
    for k in range(6):
        film.add(rng.normal(size=(30, 4)) + k * np.outer(polarity, np.ones(4)), f"f{k}", k / 2)
    view = film_view(film)
    live = film_figure(view, 1.0, "job", animated=False)
    assert len(live.frames) == 0 and not live.layout.sliders and not live.layout.updatemenus
    assert np.allclose(live.data[0].x, view.coords[-1][:, 0]) and "f5" in live.layout.title.text
    whole = film_figure(view, 1.0, "job")
    assert len(whole.frames) == 6 and len(whole.layout.sliders[0].steps) == 6
    assert np.allclose(whole.data[0].x, view.coords[0][:, 0])  # a finished film starts at the start
    # Every frame carries the points' style (frames without it left the labels behind when played),
    # but not the colour bar, drawn once.
    for k, frame in enumerate(whole.frames):
        trace = frame.data[0]
        assert np.allclose(trace.y, view.coords[k][:, 1]) and list(trace.customdata) == film.words
        assert np.allclose(trace.marker.color, polarity) and trace.marker.colorbar.title.text is None
    assert whole.data[0].marker.colorbar.title.text is not None


def test_wide_word_rows_are_filmed_through_a_fixed_projection_that_keeps_their_distances():
    """A one-hot CNN's rows (every filter at every place: 12 x 30 = 360 numbers here) are filmed
    projected to FILM_MAX_DIM numbers, the same projection for every frame; the words' distances
    in the last frame follow their distances in the trained table."""
    from sentiment_core.config import ModelConfig, TrainConfig
    from sentiment_core.models import embedding_weights
    from sentiment_core.training import FILM_MAX_DIM, train

    config = ModelConfig(variant="multicnn", vocab_size=60, seq_len=24, filters=30, word_input="one-hot")
    trained = train(make_dataset(200, seed=1), make_dataset(60, seed=2), None, config,
                    TrainConfig(optimizer="lazy-adam", epochs=2, batch_size=16, learning_rate=0.02),
                    film=FilmSettings(words=20, min_count=3))
    film = trained.film
    assert all(frame.shape == (20, FILM_MAX_DIM) for frame in film.frames)
    rows = embedding_weights(trained.model)[trained.vocabulary.encode_tokens(film.words)]
    assert rows.shape == (20, 360)

    def distances(x):
        return np.linalg.norm(x[:, None] - x[None], axis=-1)[np.triu_indices(len(x), 1)]

    ratio = distances(film.frames[-1]) / distances(rows)
    assert 0.8 < ratio.min() and ratio.max() < 1.2, (ratio.min(), ratio.max())


def test_a_worker_that_serves_model_after_model_does_not_warn_of_retracing(capfd, caplog):
    """A long-lived worker builds model after model and predicts batches of several lengths with each
    (bucketed predictions compile the step once per padded length): TensorFlow warns that the step
    "triggered tf.function retracing", which is the design here, not a fault to report."""
    import keras

    from sentiment_core.quiet import RETRACING, import_keras_quietly

    import_keras_quietly()
    for _ in range(7):  # TensorFlow warns from the fifth new trace of its step function
        inputs = keras.Input(shape=(None,), dtype="int32")
        outputs = keras.layers.GlobalMaxPooling1D()(keras.layers.Embedding(50, 4)(inputs))
        model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(outputs))
        for length in (3, 5):
            assert model.predict_on_batch(np.ones((2, length), dtype="int32")).shape == (2, 2)
    shown = capfd.readouterr().err + caplog.text
    assert RETRACING not in shown
