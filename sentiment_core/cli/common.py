"""What the commands share: the models folder, the user's data files, notes and the download bar."""

from __future__ import annotations

import sys


def store_of(args):
    """The model store of ``--models-dir`` (default: $SENTIMENT_MODELS_DIR or the cache)."""
    from ..store import ModelStore

    return ModelStore(args.models_dir)


def load_own_data(paths: list[str], text_column=None, label_column=None):
    from ..data import load_line_files, load_table, load_user_data

    if len(paths) > 1:
        return load_line_files(paths)
    if text_column or label_column:
        return load_table(paths[0], text_column=text_column, label_column=label_column)
    return load_user_data(paths[0])


def print_notes(dataset) -> None:
    for note in dataset.notes:
        print(f"note: {note}")


def download_bar(done: int, total: int) -> None:
    if total:
        print(f"\rdownloading IMDB: {done / 1e6:.1f} / {total / 1e6:.1f} MB", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)
