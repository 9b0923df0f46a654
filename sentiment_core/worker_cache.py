"""What a Dask worker keeps warm between tasks: the IMDB copy it read, GloVe, and the token caches.

Serving tasks (:mod:`sentiment_core.worker_tasks`) and training jobs
(:mod:`sentiment_core.training_jobs`) share one copy of each, so a worker reads IMDB and GloVe
once however many tasks it runs. Everything here is guarded by one lock: Dask runs tasks on
several threads of a worker.
"""

from __future__ import annotations

import threading

lock = threading.Lock()
_imdb: dict = {}  # data_dir -> ImdbData (one entry: a second folder replaces the first)
_glove: list = []
_token_caches: dict = {}  # models_dir -> TokenCache: a second run on the same texts skips the tokenizer


def imdb(data_dir: str, download: bool = False, progress=None, reading=None):
    """IMDB from ``data_dir`` ("" = the default folder), read once per worker.

    ``reading()`` is called before a first read (seconds); ``progress(done, total)`` while downloading.
    """
    from .data import load_imdb

    with lock:
        cached = _imdb.get(data_dir)
    if cached is None:
        if reading is not None:
            reading()
        cached = load_imdb(data_dir or None, download=download, progress=progress)
        with lock:
            _imdb.clear()
            _imdb[data_dir] = cached
    return cached


def glove_or_none():
    """The GloVe vectors when their package is installed, else None (read once per worker)."""
    from .glove import glove_available, load_glove

    with lock:
        if not _glove:
            _glove.append(load_glove() if glove_available() else None)
        return _glove[0]


def token_cache(models_dir: str):
    """The on-disk token cache of a models folder (one object per folder and worker)."""
    from . import paths
    from .token_cache import TokenCache

    with lock:
        if models_dir not in _token_caches:
            _token_caches[models_dir] = TokenCache(paths.token_cache_dir(models_dir))
        return _token_caches[models_dir]
