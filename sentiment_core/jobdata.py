"""A job's own data (an uploaded file's splits), written by the page and read by the worker that trains it.

Workers are other processes, possibly on other machines that share the models folder, so an
upload travels as a file: gzip'd JSON (texts, labels, class names), never pickle.
"""

from __future__ import annotations

import gzip
import json
import os
import uuid
from pathlib import Path

import numpy as np

from .data import DataError, Dataset

FOLDER = ".job-data"
MAX_BYTES = 400 << 20  # a 100 MB table as JSON, with room to spare


def save_splits(models_dir: str | os.PathLike, splits: tuple[Dataset, Dataset, Dataset]) -> str:
    """Write ``(train, validation, test)`` for a worker; returns the file's path."""
    folder = Path(models_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.json.gz"
    parts = {
        part: {"texts": list(data.texts), "labels": [int(x) for x in data.labels], "class_names": list(data.class_names),
               "source": data.source, "notes": list(data.notes)}
        for part, data in zip(("train", "validation", "test"), splits)
    }
    staging = path.with_suffix(".tmp")
    with gzip.open(staging, "wt", encoding="utf-8") as file:
        json.dump(parts, file)
    os.replace(staging, path)
    return str(path)


def load_splits(path: str | os.PathLike) -> tuple[Dataset, Dataset, Dataset]:
    try:
        with gzip.open(path, "rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise DataError(f"The job's data file {path} cannot be read ({error}): submit the job again.") from None
    if len(raw) > MAX_BYTES:
        raise DataError(f"The job's data file {path} is larger than {MAX_BYTES >> 20} MB unpacked: submit a smaller file.")
    parts = json.loads(raw)
    return tuple(
        Dataset(p["texts"], np.asarray(p["labels"], dtype=np.int64), tuple(p["class_names"]), source=p["source"],
                notes=p.get("notes", []))
        for p in (parts["train"], parts["validation"], parts["test"])
    )


def remove(path: str | os.PathLike) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
