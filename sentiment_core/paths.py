"""Where data and saved models live: environment variables first, then a per-user cache."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "SENTIMENT_DATA_DIR"
MODELS_ENV = "SENTIMENT_MODELS_DIR"


def data_dir() -> Path:
    """``$SENTIMENT_DATA_DIR``, else ``$XDG_CACHE_HOME/sentiment-lab`` (``~/.cache/sentiment-lab``)."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(cache) / "sentiment-lab"


def models_dir() -> Path:
    """``$SENTIMENT_MODELS_DIR``, else ``models/`` inside the per-user cache directory.

    The default deliberately does not follow ``SENTIMENT_DATA_DIR``: that directory may be a
    read-only shared copy of the data (as in CI), and models are the user's own.
    """
    configured = os.environ.get(MODELS_ENV)
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(cache) / "sentiment-lab" / "models"


def token_cache_dir(models: str | Path) -> Path:
    """Where tokenized training texts are kept between runs (:mod:`.token_cache`): inside the models directory."""
    return Path(models) / ".cache" / "tokens"
