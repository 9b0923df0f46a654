"""Own data gets settings fitted to it (issue 13, part 3): sequence length and vocabulary from the texts."""

import pytest

from sentiment_core.config import default_configs
from sentiment_core.fit_data import MAX_VOCABULARY, fit_to_texts
from tests.conftest import make_dataset


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
    table = tmp_path / "short.csv"
    table.write_text("text,label\n" + "".join(f"{t},{data.class_names[y]}\n" for t, y in zip(data.texts, data.labels)))
    assert main(["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--data", str(table), "--epochs", "1",
                 "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "fitted to the data: Sequence length 24:" in out and "fitted to the data: Vocabulary 100:" in out
    assert main(["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--data", str(table), "--epochs", "1",
                 "--no-save", "--seq-len", "50"]) == 0
    assert "are kept" in capsys.readouterr().out


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
    table = tmp_path / "own.csv"
    table.write_text("text,label\n" + "".join(f"{t} {i},{data.class_names[y]}\n"
                                              for i, (t, y) in enumerate(zip(data.texts, data.labels))))
    base = ["--models-dir", str(tmp_path / "m"), "train", "--model", "fasttext", "--data", str(table), "--no-save"]
    for extra in (["--seed", "1"], ["--seed", "2"], ["--seed", "1", "--split-seed", "7"]):
        assert main(base + extra) == 2  # the captured "error"
    (first, seed_1), (second, seed_2), (third, _) = seen
    assert (seed_1, seed_2) == (1, 2) and first == second and len(first) == 40
    assert set(third) != set(first)
