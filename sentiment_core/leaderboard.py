"""The class leaderboard: every saved model as one comparable row, and models ranked by validation accuracy.

Ranking uses validation accuracy (chosen on validation data, as the models were); the test
accuracy is shown beside it and only reports.
"""

from __future__ import annotations

from typing import Sequence

from .config import KIM_VARIANTS
from .store import ModelInfo


def validation_accuracy(model: ModelInfo) -> float | None:
    value = model.metrics.get("val_accuracy")
    return float(value) if isinstance(value, (int, float)) else None


def best_first(models: Sequence[ModelInfo]) -> list[ModelInfo]:
    """Highest validation accuracy first; models without one last; ties newest first."""
    newest = sorted(models, key=lambda m: m.saved_at, reverse=True)
    return sorted(newest, key=lambda m: -(validation_accuracy(m) if validation_accuracy(m) is not None else -1.0))


def settings_text(model: ModelInfo) -> str:
    """The settings that matter most for a variant, in a few words."""
    c = model.config
    train = model.manifest.get("train_config") or {}
    negation = (", NOT_-marked" + (f" (flip {c.negation_flip:g})" if c.negation_flip else "")) if c.negation else ""
    if c.is_linear:
        return f"{c.vocab_size - 2:,} n-grams (1-{c.ngram_max} words), C {c.regularization:g}{negation}"
    parts = [f"vocab {c.vocab_size:,}", f"len {c.seq_len}", "one-hot words" if c.one_hot else f"emb {c.embedding_dim}"]
    if c.counts_ngrams:
        parts[2 if c.variant == "nb-ngrams" else 3:3] = [f"1-{c.ngram_max}-grams in {c.bigram_buckets:,} buckets"]
    if c.variant in KIM_VARIANTS:
        parts.append(f"{c.filters}×{'/'.join(str(k) for k in c.kernel_sizes)}")
    if train:
        schedule = train.get("lr_schedule", "constant")
        parts.append(f"lr {train.get('learning_rate')}" + ("" if schedule == "constant" else f" ({schedule})"))
        parts.append(f"batch {train.get('batch_size')}")
    return ", ".join(parts) + negation


def data_text(model: ModelInfo) -> str:
    label = model.about.get("data_label")
    if label:
        return label
    data = model.manifest.get("data") or {}
    train, test = data.get("train") or {}, data.get("test") or {}

    def size(part: dict, missing: str) -> str:
        value = part.get("size")
        return f"{value:,}" if isinstance(value, int) else missing

    return f"{train.get('source', '?')}: {size(train, '?')} train / {size(test, '—')} test"


def leaderboard(models: Sequence[ModelInfo]) -> list[dict]:
    """One row per model, best validation accuracy first; numbers stay numbers so a table can sort them."""
    rows = []
    for rank, model in enumerate(best_first(models), start=1):
        m = model.metrics
        rows.append({
            "rank": rank,
            "model": model.name,
            "by": model.about.get("nickname", ""),
            "variant": model.variant,
            # The scores before the long descriptions, so a projected table shows them without scrolling.
            "validation accuracy": validation_accuracy(model),
            "test accuracy": m.get("test_accuracy"),
            "best epoch": m.get("best_epoch"),
            "training time (s)": round(float(m["train_seconds"]), 1) if isinstance(m.get("train_seconds"), (int, float)) else None,
            "data": data_text(model),
            "settings": settings_text(model),
            "saved": model.saved_at.replace("T", " "),
        })
    return rows
