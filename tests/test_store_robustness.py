"""One bad folder never breaks the store; only models are deleted; leftovers go, live work stays;
weights are checked before they are read and code in a model file never runs."""

import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from sentiment_core import leftovers
from sentiment_core.cli import main
from sentiment_core.config import MAX_PARAMETERS, ModelConfig, TrainConfig
from sentiment_core.inference import Predictor
from sentiment_core.model_files import ModelFileError
from sentiment_core.store import ModelStore, StoreError
from sentiment_core.training import train
from tests.conftest import ROOT, make_dataset
from tests.hostile_cases import legacy_model

TEXTS = ["the movie was great and superb", "awful boring plot"]
LONG_AGO = (1_600_000_000, 1_600_000_000)


@pytest.fixture(scope="module")
def trained():
    config = ModelConfig(variant="cnn", vocab_size=60, seq_len=24, embedding_dim=8, filters=8)
    return train(make_dataset(160, 1), make_dataset(40, 2), None, config, TrainConfig(epochs=2, batch_size=16))


@pytest.fixture
def store(tmp_path, trained):
    store = ModelStore(tmp_path)
    store.save("good", trained)
    return store


BROKEN_MANIFESTS = {
    "list": ([], "holds a list"),
    "null": (None, "holds null"),
    "no model_config": ({"class_names": ["negative", "positive"]}, "no model_config"),
    "saved_at number": ("saved_at", "saved_at must be a short text"),
}


@pytest.mark.parametrize("case", BROKEN_MANIFESTS)
def test_a_broken_manifest_is_listed_as_unreadable_and_the_rest_works(store, case, capsys):
    shutil.copytree(store.path("good"), store.path("broken"))
    manifest, reason = BROKEN_MANIFESTS[case]
    if manifest == "saved_at":
        manifest = {**json.loads((store.path("good") / "manifest.json").read_text()), "saved_at": 5}
    (store.path("broken") / "manifest.json").write_text(json.dumps(manifest))
    models, unreadable = store.scan()
    assert [m.name for m in models] == ["good"]
    assert [u.name for u in unreadable] == ["broken"] and reason in unreadable[0].reason
    assert store.load("good").predict_proba(TEXTS).shape == (2, 2)
    with pytest.raises(ModelFileError, match=f"'broken' cannot be used: .*{reason}.*delete it"):
        store.load("broken")
    # The command line: list shows both, predict with the good one works.
    assert main(["--models-dir", str(store.root), "list"]) == 0
    listed = capsys.readouterr().out
    assert "good" in listed and f"broken{' ' * 26} unreadable: " in listed
    assert main(["--models-dir", str(store.root), "predict", "good", "a great film"]) == 0
    answer = capsys.readouterr().out
    assert "| a great film" in answer and ("positive" in answer or "negative" in answer)
    assert main(["--models-dir", str(store.root), "delete", "broken"]) == 0
    assert store.scan()[1] == []


def test_delete_refuses_what_is_not_a_model(store, tmp_path, capsys):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"jpeg")
    os.symlink(store.path("good"), tmp_path / "link")
    for name in ("photos", "link"):
        with pytest.raises(ValueError, match="is not a saved model"):
            store.delete(name)
    assert (tmp_path / "photos" / "holiday.jpg").exists() and store.path("good").is_dir()
    assert main(["--models-dir", str(tmp_path), "delete", "photos"]) == 2
    assert "not a saved model" in capsys.readouterr().err
    with pytest.raises(ValueError, match="No saved model named 'nothing'"):
        store.delete("nothing")
    # A name held by a foreign folder is not overwritten by a save either.
    with pytest.raises(ValueError, match="A folder that is not a model named 'photos'"):
        store.save("photos", None)


def test_abandoned_leftovers_are_swept_and_live_work_is_not(tmp_path):
    root = tmp_path / "models"
    stale = [root / ".saving-a-1", root / ".deleting-b-2"]
    for folder in stale:
        (folder / "sub").mkdir(parents=True)
        os.utime(folder, LONG_AGO)
    live = root / ".saving-live-3"
    live.mkdir()
    os.utime(live, LONG_AGO)
    young = root / ".saving-young-4"
    young.mkdir()  # created just now: its lock may not be taken yet
    with leftovers.in_progress(live):  # a save running in this process (flock is per open file)
        ModelStore(root)
        assert sorted(p.name for p in root.iterdir()) == [".saving-live-3", ".saving-young-4"]
    ModelStore(root)
    assert sorted(p.name for p in root.iterdir()) == [".saving-young-4"]


def test_a_save_killed_in_another_process_is_swept_once_that_process_is_gone(tmp_path):
    staging = tmp_path / ".saving-killed-5"
    staging.mkdir()
    code = (
        "import sys, time\nfrom sentiment_core import leftovers\n"
        "with leftovers.in_progress(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(staging)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        os.utime(staging, LONG_AGO)
        ModelStore(tmp_path)
        assert staging.exists()  # its owner is alive: a save in progress
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        ModelStore(tmp_path)
        assert not staging.exists()
    finally:
        child.kill()


def test_a_download_left_half_done_is_swept_when_the_data_folder_is_opened(tmp_path):
    from sentiment_core.data import find_imdb

    part = tmp_path / ".aclImdb-x1.part"
    part.write_bytes(b"half")
    live = tmp_path / ".aclImdb-x2.part"
    live.write_bytes(b"downloading")
    for path in (part, live):
        os.utime(path, LONG_AGO)
    with leftovers.in_progress(live):
        assert find_imdb(tmp_path) is None
        assert not part.exists() and live.exists()


def test_new_saves_hold_only_the_weights_and_old_saves_still_load(tmp_path, trained, monkeypatch):
    import tempfile

    import h5py

    # Keras' model.save makes a folder in the system's temporary directory (left there if the
    # process is killed); saving weights makes none: the only folder is the store's own staging.
    made, make = [], tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda *args, **kwargs: made.append(kwargs.get("dir")) or make(*args, **kwargs))
    store = ModelStore(tmp_path)
    path = store.save("new", trained)
    assert made == [tmp_path]
    assert sorted(p.name for p in path.iterdir()) == ["manifest.json", "model.weights.h5", "vocabulary.json"]
    with h5py.File(path / "model.weights.h5") as h5:
        arrays = []
        h5.visititems(lambda name, item: arrays.append(name) if isinstance(item, h5py.Dataset) else None)
    assert len(arrays) == len(trained.model_config.weight_shapes())  # no optimizer state
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    np.testing.assert_allclose(store.load("new").predict_proba(TEXTS), Predictor.from_trained(trained).predict_proba(TEXTS))
    # Format 1 (model.keras, optimizer state included) loads the same way.
    old = legacy_model(tmp_path / "old", "fasttext")
    assert store.info("old").manifest["format"] == 1 and (old / "model.keras").is_file()
    assert np.isfinite(store.load("old").predict_proba(TEXTS)).all()


def test_weights_that_do_not_fit_the_model_are_refused_before_keras_reads_them(store):
    import h5py

    weights = store.path("good") / "model.weights.h5"
    with h5py.File(weights, "a") as h5:
        name = next(n for n in _datasets(h5) if h5[n].ndim == 2)
        del h5[name]
        h5.create_dataset(name, data=np.zeros((61, 8), "float32"))
    with pytest.raises(ModelFileError, match=r"has shape \(61, 8\), which no weight of this cnn model has"):
        store.load("good")
    weights.write_bytes(b"\x89HDF not really")
    with pytest.raises(ModelFileError, match="model.weights.h5 is not a readable weights file"):
        store.load("good")
    weights.unlink()
    with pytest.raises(ModelFileError, match="model.keras does not exist"):
        store.load("good")


def _datasets(h5):
    import h5py

    found = []
    h5.visititems(lambda name, item: found.append(name) if isinstance(item, h5py.Dataset) else None)
    return found


def test_an_edited_architecture_in_a_keras_file_is_never_deserialised(tmp_path):
    """config.json inside model.keras is ignored: the model is built from the checked manifest."""
    folder = legacy_model(tmp_path / "edited", "multicnn")
    store = ModelStore(tmp_path)
    before = store.load("edited").predict_proba(TEXTS)
    marker = tmp_path / "code-ran"
    archive = folder / "model.keras"
    with zipfile.ZipFile(archive) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"].append({"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__", "config": {
        "code": f"__import__('pathlib').Path({str(marker)!r}).write_text('!')", "defaults": None, "closure": None}}}})
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    np.testing.assert_allclose(store.load("edited").predict_proba(TEXTS), before)
    assert not marker.exists()


def test_a_model_too_large_for_the_server_is_refused_with_the_weight_count():
    with pytest.raises(ValueError, match=r"would have 306,003,002 weights \(1.2 GB\); the limit is 50,000,000"):
        ModelConfig(variant="dense", vocab_size=20_000, seq_len=1000, embedding_dim=300, hidden_units=1000)
    assert ModelConfig(variant="dense").parameter_count() < MAX_PARAMETERS


def test_a_models_folder_that_cannot_be_written_gives_a_message(tmp_path, trained):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="Cannot write in the models folder .*a-file.*SENTIMENT_MODELS_DIR"):
        ModelStore(blocker / "models").save("m", trained)
