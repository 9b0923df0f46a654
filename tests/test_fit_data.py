"""Own data gets settings fitted to it (issue 13, part 3): sequence length and vocabulary from the texts."""

import pytest

from sentiment_core.config import TrainConfig, default_configs
from sentiment_core.fit_data import MAX_VOCABULARY, fit_to_texts
from sentiment_core.paths import token_cache_dir
from tests.conftest import make_dataset


def write_table(path, data, numbered=False):
    """``data`` as a text,label CSV; ``numbered`` makes every text distinct (so splits can be compared by text)."""
    rows = (f"{t} {i}" if numbered else t for i, t in enumerate(data.texts))
    path.write_text("text,label\n" + "".join(f"{t},{data.class_names[y]}\n" for t, y in zip(rows, data.labels)))
    return path


def test_short_sentences_get_a_short_sequence_and_their_own_vocabulary():
    texts = [f"word{i % 7} a b c d e" for i in range(95)] + ["x " * 40] * 5  # 95 % have 6 tokens
    model_config, _ = default_configs("multicnn")
    fit = fit_to_texts(texts, model_config)
    # p95 is 6 words, but the widest kernel (5) and the floor of 8 apply, rounded to a multiple of 8.
    assert fit.length_p95 <= 40 and fit.model_config.seq_len == 8 and fit.longest == 40
    assert fit.words_seen == 7 + 5 + 1 and fit.words_kept == 7 + 5 + 1
    assert fit.model_config.vocab_size == 100  # the floor: 13 words + padding + unknown is tiny
    assert "Sequence length 8" in fit.notes[0] and "widest kernel needs 5" in fit.notes[0]
    assert "seen at least 2 times" in fit.notes[1]
    assert fit.model_config.filters == model_config.filters  # nothing else changes


def test_the_95th_percentile_and_the_words_seen_twice_and_the_cap():
    texts = [" ".join(f"w{j}" for j in range(n)) for n in range(1, 101)]  # 1 to 100 words
    fit = fit_to_texts(texts, default_configs("fasttext")[0])
    assert fit.length_p95 == 96 and fit.model_config.seq_len == 96
    # w0..w98 appear in at least 2 texts; w99 only in the longest one.
    assert fit.words_kept == 99 and fit.model_config.vocab_size == 101
    many = [f"u{i} u{i} v{i} v{i}" for i in range(25_000)]
    assert fit_to_texts(many, default_configs("fasttext")[0]).model_config.vocab_size == MAX_VOCABULARY


def test_the_baseline_keeps_its_settings_and_nothing_to_fit_is_a_clear_error():
    config = default_configs("tfidf-logreg")[0]
    assert fit_to_texts(["a b c"] * 5, config).model_config == config
    with pytest.raises(ValueError, match="no training texts"):
        fit_to_texts([], config)


def test_the_cli_fits_own_data_and_keeps_what_the_user_gave(tmp_path, capsys):
    from sentiment_core.cli import main

    data = make_dataset(200, seed=1)
    table = write_table(tmp_path / "short.csv", data)
    assert main(["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--data", str(table), "--epochs", "1",
                 "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "fitted to the data: Sequence length 24:" in out and "fitted to the data: Vocabulary 100:" in out
    assert " texts (loss" in out  # own data are texts, not reviews
    cached = sorted(token_cache_dir(tmp_path / "m").glob("*.npz"))
    assert len(cached) == 3  # the training, validation and test texts, tokenized once
    assert main(["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--data", str(table), "--epochs", "1",
                 "--no-save", "--seq-len", "50"]) == 0
    assert "are kept" in capsys.readouterr().out
    assert sorted(token_cache_dir(tmp_path / "m").glob("*.npz")) == cached  # the second run read them


def test_the_cli_passes_the_learning_rate_schedule_to_the_saved_model(tmp_path):
    from sentiment_core.cli import main
    from sentiment_core.store import ModelStore

    data = make_dataset(200, seed=1)
    table = write_table(tmp_path / "short.csv", data)
    assert main(["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--data", str(table), "--epochs", "2",
                 "--lr-schedule", "cosine", "--name", "cosine-run"]) == 0
    (saved,) = ModelStore(tmp_path / "m").list()
    assert saved.name == "cosine-run" and saved.manifest["train_config"]["lr_schedule"] == "cosine"


def test_the_split_seed_not_the_model_seed_decides_the_test_set(tmp_path, monkeypatch):
    """Issue 13, part 3: two model seeds must be scored on the same test texts."""
    import sentiment_core.training as training
    from sentiment_core.cli import main

    seen = []

    def capture(train_set, val_set, test_set, model_config, train_config, **kwargs):
        seen.append((tuple(test_set.texts), train_config.seed))
        raise ValueError("captured")  # stop here: only the split matters

    monkeypatch.setattr(training, "train", capture)
    data = make_dataset(200, seed=1)
    table = write_table(tmp_path / "own.csv", data, numbered=True)
    base = ["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--data", str(table), "--no-save"]
    for extra in (["--seed", "1"], ["--seed", "2"], ["--seed", "1", "--split-seed", "7"]):
        assert main(base + extra) == 2  # the captured "error"
    (first, seed_1), (second, seed_2), (third, _) = seen
    assert (seed_1, seed_2) == (1, 2) and first == second and len(first) == 40
    assert set(third) != set(first)


def test_epoch_cap_and_patience_fit_the_data_size():
    from sentiment_core.fit_data import MAX_EPOCHS, fit_training

    train_config = TrainConfig(epochs=6, early_stopping_patience=1)  # as if tuned on 22,500 IMDB reviews
    fitted, notes = fit_training(train_config, 9_000, 1_000, "sentences")
    # 6 x 22,500 / 9,000 = 15 epochs take the same optimiser steps; 1,000 validation texts are noisy.
    assert (fitted.epochs, fitted.early_stopping_patience) == (15, 3)
    assert "At most 15 epochs" in notes[0] and "±1.6 points" in notes[1]
    big, notes = fit_training(train_config, 45_000, 5_000)
    assert (big.epochs, big.early_stopping_patience) == (6, 1) and notes == []  # never fewer epochs than tuned
    assert fit_training(train_config, 3_000, 3_000)[0].early_stopping_patience == 2
    assert fit_training(train_config, 50, 10)[0].epochs == MAX_EPOCHS
    # Early stopping the user turned off stays off.
    assert fit_training(train_config.replace(early_stopping_patience=0), 900, 100)[0].early_stopping_patience == 0
    fit = fit_to_texts(["a b c"] * 50, default_configs("fasttext")[0], train_config=train_config, validation_size=10)
    assert fit.train_config.epochs == MAX_EPOCHS and any("At most" in note for note in fit.notes)
    assert fit_to_texts(["a b c"] * 50, default_configs("fasttext")[0]).train_config is None


def test_folds_partition_the_data_the_same_way_for_every_model():
    from sentiment_core.crossval import fold_splits

    data = make_dataset(200, seed=4)
    folds = fold_splits(data, 5, seed=3)
    tests = [t for _, _, t in folds]
    assert sorted(text for t in tests for text in t.texts) == sorted(data.texts)  # every text tested once
    for train_set, val_set, test_set in folds:
        assert not set(test_set.texts) & (set(train_set.texts) | set(val_set.texts))
        assert len(val_set) == 16 and len(train_set) == 144
        assert abs(test_set.labels.mean() - data.labels.mean()) < 0.05  # stratified
    assert [t.texts for _, _, t in fold_splits(data, 5, seed=3)] == [t.texts for t in tests]
    with pytest.raises(ValueError, match="from 2 to 20"):
        fold_splits(data, 1)
    small = make_dataset(12, seed=1)
    smallest = min(small.class_counts().values())
    with pytest.raises(ValueError, match=f"at least {smallest + 1} texts of every class"):
        fold_splits(small, smallest + 1)


def test_cli_folds_prints_a_table_with_mean_and_std(tmp_path, capsys):
    from sentiment_core.cli import main

    data = make_dataset(300, seed=2)
    table = write_table(tmp_path / "own.csv", data, numbered=True)
    assert main(["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--data", str(table), "--folds", "3",
                 "--epochs", "5"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["1"], ["2"], ["3"])]
    assert len(rows) == 3 and "test accuracy" in out and "± " in out and "over 3 folds, split seed 42" in out
    accuracies = [float(row[-2]) for row in rows]
    mean = float(out.split("test accuracy ")[-1].split(" ±")[0])
    assert mean == pytest.approx(sum(accuracies) / 3, abs=1e-4) and mean > 0.75  # the words carry the labels
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").iterdir())  # nothing saved
    assert main(["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--folds", "3"]) == 2
    assert "--folds cross-validates your own --data" in capsys.readouterr().err
