"""Integration tests on the real data in ../shared/data (CI sets SENTIMENT_DATA_DIR to it)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.data import load_imdb, load_line_files, stratified_split, stratified_subset
from sentiment_core.store import ModelStore
from sentiment_core.training import train
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def imdb(real_data_dir):
    return load_imdb(real_data_dir, download=False)


def test_all_50000_labeled_reviews_load(imdb):
    assert len(imdb.train) == 25_000 and len(imdb.test) == 25_000
    assert imdb.train.class_counts() == {"negative": 12_500, "positive": 12_500}
    assert imdb.test.class_counts() == {"negative": 12_500, "positive": 12_500}
    # Ratings follow the labels: negative <= 4, positive >= 7.
    assert imdb.train.ratings[imdb.train.labels == 0].max() <= 4 and imdb.train.ratings[imdb.train.labels == 1].min() >= 7
    assert not any("<br" in t for t in imdb.train.texts[:2000])


def test_small_model_on_a_subset_beats_chance_and_round_trips(imdb, tmp_path):
    train_set, val_set = stratified_split(stratified_subset(imdb.train, 3000, 0), 0.1, 0)
    test_set = stratified_subset(imdb.test, 1000, 0)
    config = ModelConfig(variant="fasttext", seq_len=300, dropout=0.0)
    trained = train(train_set, val_set, test_set, config, TrainConfig(epochs=3, learning_rate=5e-3, seed=0))
    assert trained.metrics["test_accuracy"] > 0.75
    store = ModelStore(tmp_path)
    store.save("imdb-fasttext", trained)
    sentences = ["the movie was awesome. Loved it", "The movie doesn't care about cleverness, wit, or any other kind of intelligence."]
    loaded = store.load("imdb-fasttext").predict_proba(sentences)
    np.testing.assert_array_equal(loaded, trained.model.predict_on_batch(store.load("imdb-fasttext").encode(sentences)))
    assert loaded[0].argmax() == 1  # "awesome. Loved it" is positive


def test_mr_sentence_polarity_files_load_as_own_data(real_data_dir):
    mr = load_line_files({"negative": real_data_dir / "rt-polarity.neg", "positive": real_data_dir / "rt-polarity.pos"})
    assert mr.class_counts() == {"negative": 5331, "positive": 5331}
    assert any("Latin-1" in note for note in mr.notes)


def run_cli(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "sentiment_core", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_cli_end_to_end(real_data_dir, tmp_path):
    env = {"SENTIMENT_DATA_DIR": str(real_data_dir), "SENTIMENT_MODELS_DIR": str(tmp_path / "models")}
    trained = run_cli("train", "--model", "cnn", "--subset", "1500", "--test-subset", "500", "--epochs", "2",
                      "--seq-len", "200", "--name", "cli-cnn", env_extra=env)
    assert trained.returncode == 0, trained.stderr
    assert "validation accuracy:" in trained.stdout and "test accuracy:" in trained.stdout and "saved as 'cli-cnn'" in trained.stdout
    assert "CPU" in trained.stdout or "GPU" in trained.stdout

    listed = run_cli("list", env_extra=env)
    assert "cli-cnn" in listed.stdout and "cnn" in listed.stdout

    predicted = run_cli("predict", "cli-cnn", "the movie was awesome. Loved it", env_extra=env)
    assert predicted.returncode == 0, predicted.stderr
    assert "positive" in predicted.stdout and "negative" in predicted.stdout

    evaluated = run_cli("evaluate", "cli-cnn", "--subset", "200", env_extra=env)
    assert evaluated.returncode == 0 and "accuracy" in evaluated.stdout and "confusion matrix" in evaluated.stdout

    for args in (["predict", "../etc", "hi"], ["predict", "missing", "hi"], ["train", "--model", "cnn", "--name", "a/b"]):
        failed = run_cli(*args, env_extra=env)
        last_line = failed.stderr.strip().splitlines()[-1]
        assert failed.returncode == 2 and last_line.startswith("error:") and "Traceback" not in failed.stderr

    offline = run_cli("train", "--model", "cnn", "--no-save", env_extra={**env, "SENTIMENT_DATA_DIR": str(tmp_path / "empty")},)
    # No copy and no internet: one clear message (the download fails fast on this closed network).
    assert offline.returncode == 2 and "aclImdb_v1.tar.gz" in offline.stderr and "Traceback" not in offline.stderr

    deleted = run_cli("delete", "cli-cnn", env_extra=env)
    assert deleted.returncode == 0 and "No saved models" in run_cli("list", env_extra=env).stdout
