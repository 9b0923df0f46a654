"""Finished embedding maps on disk, shared by every session and every server on a models folder.

A model's maps live in its own folder (``maps/``), so renaming or deleting the model takes
them along; GloVe's maps (no model) live in ``.cache/glove-maps``. A file's name says what was
drawn (words, method, perplexity, iterations) and from which data, so a changed setting is a
different file. The worker writes them (atomically) and, while drawing, a small progress file
beside them that a page polls for an honest bar; the page reads finished maps with numpy only.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .projection import DEFAULT_ITERATIONS, EmbeddingMaps

MAPS_FOLDER = "maps"
GLOVE_MAPS = (".cache", "glove-maps")
MAX_MAP_BYTES = 64 << 20
KEEP_PER_FOLDER = 24
_ARRAYS = ("polarity", "learned", "glove", "learned_vectors", "glove_vectors")


@dataclass(frozen=True)
class MapRequest:
    """What to draw: the same request always names the same file."""

    n_words: int = 500
    method: str = "tsne"
    perplexity: float = 30.0
    iterations: int = DEFAULT_ITERATIONS

    def file_name(self, data_dir: str) -> str:
        # Perplexity and iterations only matter for t-SNE: other methods share one file.
        tsne = self.method == "tsne"
        data = hashlib.sha1(str(data_dir).encode()).hexdigest()[:8]
        return f"{self.n_words}-{self.method}-p{self.perplexity:g}-i{self.iterations}-{data}.npz" if tsne else \
            f"{self.n_words}-{self.method}-{data}.npz"


DEFAULT_REQUEST = MapRequest()


def maps_path(models_dir: str | os.PathLike, model_name: str | None, request: MapRequest, data_dir: str) -> Path:
    folder = Path(models_dir) / model_name / MAPS_FOLDER if model_name else Path(models_dir).joinpath(*GLOVE_MAPS)
    return folder / request.file_name(data_dir)


def progress_path(path: Path) -> Path:
    return path.with_suffix(".progress.json")


def save_maps(maps: EmbeddingMaps, path: Path) -> None:
    """Write atomically, then keep at most ``KEEP_PER_FOLDER`` maps in the folder (oldest go)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {k: np.asarray(getattr(maps, k), dtype=np.float32) for k in _ARRAYS if getattr(maps, k) is not None}
    for key, measure in maps.measures.items():
        arrays[f"measure_{key}"] = np.asarray(measure["values"], dtype=np.float32)
    about = {"polarity_source": maps.polarity_source, "method": maps.method, "notes": list(maps.notes),
             "fit": {k: float(v) for k, v in maps.fit.items()},
             "measures": {k: {"label": m["label"], "unit": m["unit"]} for k, m in maps.measures.items()}}
    handle, temporary = tempfile.mkstemp(prefix=".maps-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, words=np.array(maps.words, dtype=str), about=np.array(json.dumps(about)), **arrays)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    _prune(path.parent)


def load_maps(path: Path) -> EmbeddingMaps | None:
    """The maps in ``path``, or None when there are none yet or the file is not one this app wrote."""
    from .data.reading import load_npz_bounded

    try:
        data = load_npz_bounded(path, MAX_MAP_BYTES)
        words = [str(w) for w in data["words"]]
        about = json.loads(str(data["about"]))
        arrays = {k: np.array(data[k]) if k in data else None for k in _ARRAYS}
        measures = {k: {**meta, "values": np.array(data[f"measure_{k}"])} for k, meta in about["measures"].items()}
    except (OSError, KeyError, ValueError, TypeError, EOFError):
        return None  # a damaged or foreign file is drawn again, not trusted
    n = len(words)
    if any(a is not None and len(a) != n for a in arrays.values()) or any(len(m["values"]) != n for m in measures.values()):
        return None
    return EmbeddingMaps(words, arrays["polarity"], about["polarity_source"], arrays["learned"], arrays["glove"],
                         arrays["learned_vectors"], arrays["glove_vectors"], about["method"], about["notes"], measures,
                         about.get("fit", {}))


def write_progress(path: Path, step: str, fraction: float) -> None:
    try:
        progress_path(path).parent.mkdir(parents=True, exist_ok=True)
        progress_path(path).write_text(json.dumps({"step": step, "fraction": float(fraction), "at": time.time()}))
    except OSError:
        pass  # progress is a courtesy; the maps still come


def read_progress(path: Path) -> tuple[str, float] | None:
    """The worker's last step and fraction for the maps at ``path``, or None before it starts."""
    try:
        raw = json.loads(progress_path(path).read_text())
        return str(raw["step"]), float(raw["fraction"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_progress(path: Path) -> None:
    try:
        progress_path(path).unlink()
    except OSError:
        pass


def _prune(folder: Path) -> None:
    from .leftovers import keep_newest

    keep_newest(folder, "*.npz", KEEP_PER_FOLDER)
