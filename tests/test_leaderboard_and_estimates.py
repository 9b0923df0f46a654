"""Ranking by validation accuracy, the leaderboard's rows, and estimates that correct themselves."""

import pytest

from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.estimates import estimate, remaining_seconds
from sentiment_core.leaderboard import best_first, leaderboard
from sentiment_core.store import ModelInfo


def info(name, val, saved_at, nickname="", **train_config):
    manifest = {"metrics": {"val_accuracy": val, "test_accuracy": 0.5, "train_seconds": 12.345, "best_epoch": 2},
                "saved_at": saved_at, "about": {"nickname": nickname, "data_label": "IMDB 2,000"},
                "train_config": {"learning_rate": 0.001, "batch_size": 32, **train_config}}
    return ModelInfo(name, None, manifest, ModelConfig(variant="cnn"))


def test_best_validation_accuracy_first_then_newest_and_unrated_last():
    models = [info("old-good", 0.85, "2026-01-01T00:00:00"), info("new", None, "2026-03-01T00:00:00"),
              info("newer-good", 0.85, "2026-02-01T00:00:00"), info("best", 0.9, "2025-01-01T00:00:00")]
    assert [m.name for m in best_first(models)] == ["best", "newer-good", "old-good", "new"]


def test_leaderboard_rows_keep_numbers_for_sorting():
    rows = leaderboard([info("a", 0.8, "2026-01-01T00:00:00", "Ada"), info("b", 0.9, "2026-01-02T00:00:00")])
    assert [r["model"] for r in rows] == ["b", "a"] and [r["rank"] for r in rows] == [1, 2]
    assert rows[1]["by"] == "Ada" and rows[0]["validation accuracy"] == 0.9 and rows[0]["training time (s)"] == 12.3
    assert rows[0]["data"] == "IMDB 2,000" and "100×3/4/5" in rows[0]["settings"] and "lr 0.001," in rows[0]["settings"]
    # A schedule other than the constant rate is named, so two runs at the same rate tell apart.
    cosine = leaderboard([info("c", 0.8, "2026-01-01T00:00:00", lr_schedule="cosine")])[0]
    assert "lr 0.001 (cosine)," in cosine["settings"]
    # The scores come right after the variant (a projected table shows them without scrolling).
    assert list(rows[0])[4:6] == ["validation accuracy", "test accuracy"]
    # A model saved by the CLI (no job label): its data described from the manifest, sizes readable.
    cli_made = info("d", 0.8, "2026-01-01T00:00:00")
    cli_made.manifest["about"].pop("data_label")
    cli_made.manifest["data"] = {"train": {"source": "IMDB train", "size": 22502}, "test": {"size": 25000}}
    assert leaderboard([cli_made])[0]["data"] == "IMDB train: 22,502 train / 25,000 test"


def test_a_fasttext_estimate_counts_its_n_gram_table_updated_every_step():
    from sentiment_core.config import default_configs

    full, training = default_configs("fasttext")
    small = full.replace(bigram_buckets=200_000)
    # The 2-million-row table's dense update costs per step, so a tenth of the rows trains much faster ...
    assert estimate(small, training, 1800, 200, 1000).train_s < 0.6 * estimate(full, training, 1800, 200, 1000).train_s
    # ... and at the defaults the plan still reads the 792 reviews/s measured on 22,500 reviews.
    one_epoch = estimate(full, training.replace(epochs=1), 22_500, 0, 0)
    assert 22_500 / one_epoch.train_s == pytest.approx(792, rel=0.05)
    # Larger batches: fewer steps, so fewer table updates per review.
    assert estimate(full, training.replace(batch_size=256), 1800, 200, 1000).train_s < estimate(full, training, 1800, 200, 1000).train_s


def test_an_estimate_counts_getting_ready_and_corrects_itself_from_the_live_rate():
    planned = estimate(ModelConfig(variant="cnn"), TrainConfig(epochs=2, batch_size=32), 1800, 200, 1000)
    assert planned.ready_s > 0 and planned.total_s == pytest.approx(planned.ready_s + planned.train_s + planned.test_s)
    # Half way through, at the planned rate: about half the training plus the test is left.
    rate = 1800 * 2 / (planned.train_s * 0.95)
    half = remaining_seconds(planned, 2, 1, 57, 57, rate, 32, 200, 1000)
    slow = remaining_seconds(planned, 2, 1, 57, 57, rate / 4, 32, 200, 1000)
    assert 0.3 * planned.train_s < half < 0.8 * (planned.train_s + planned.test_s)
    assert slow == pytest.approx(4 * half)  # a machine four times slower: four times as long
    assert remaining_seconds(planned, 2, 0, 0, 0, 0.0, 32, 200, 1000) == planned.train_s + planned.test_s


def test_a_one_hot_cnn_says_so_instead_of_an_embedding_size():
    model = info("onehot", 0.9, "2026-01-01T00:00:00")
    model.config = ModelConfig(variant="multicnn", vocab_size=30_000, word_input="one-hot")
    settings = leaderboard([model])[0]["settings"]
    assert "one-hot words" in settings and "emb" not in settings and "vocab 30,000" in settings


def test_getting_ready_counts_tracing_the_model_where_there_is_one():
    from sentiment_core.config import default_configs
    from sentiment_core.estimates import READY_S

    ready = {variant: estimate(default_configs(variant)[0], default_configs(variant)[1], 1800, 200, 1000).ready_s
             for variant in ("multicnn", "nb-cnn", "fasttext", "tfidf-logreg")}
    # A CNN's first epoch traces it for every batch length: more than fastText's, and no Keras model, no tracing.
    assert ready["multicnn"] == ready["nb-cnn"] > ready["fasttext"] > ready["tfidf-logreg"] == READY_S
