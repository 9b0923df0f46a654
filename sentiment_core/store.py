"""The model store: one folder per saved model under the models directory.

A saved model is ``<models_dir>/<name>/`` with ``model.keras``, ``vocabulary.json`` and
``manifest.json`` (configs, class names, metrics, history, data description, device). A model
is written into a hidden temporary folder and renamed into place only when complete, so a
crash or kill mid-save never leaves something that lists as a usable model. Loading uses Keras
safe mode (no arbitrary code from the file).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .config import ModelConfig
from .text import Vocabulary

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MANIFEST = "manifest.json"
FORMAT_VERSION = 1


@dataclass
class ModelInfo:
    """What ``list`` shows about a saved model, without loading its weights."""

    name: str
    path: Path
    manifest: dict

    @property
    def variant(self) -> str:
        return self.manifest["model_config"]["variant"]

    @property
    def test_accuracy(self) -> float | None:
        return self.manifest.get("metrics", {}).get("test_accuracy")


def validate_name(name: str) -> str:
    """A model name: letters, digits, ``_ . -``, at most 64 characters, no path tricks."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or ".." in name:
        raise ValueError(
            f"{name!r} is not a valid model name: use 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit (no slashes or spaces)."
        )
    return name


class ModelStore:
    """Save, list, load and delete trained models under one directory."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else paths.models_dir()

    def path(self, name: str) -> Path:
        return self.root / validate_name(name)

    def exists(self, name: str) -> bool:
        return (self.path(name) / MANIFEST).is_file()

    def free_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3`` ... : the first one no saved model uses."""
        candidate, n = validate_name(name), 2
        while self.exists(candidate):
            candidate = validate_name(f"{name[:60]}-{n}")
            n += 1
        return candidate

    def save(self, name: str, trained, overwrite: bool = False) -> Path:
        """Write ``trained`` (a TrainedModel) under ``name``; atomic, never half-written."""
        target = self.path(name)
        if target.exists() and not overwrite:
            raise ValueError(f"A model named {name!r} already exists: choose another name or delete it first.")
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".saving-{name}-", dir=self.root))
        try:
            trained.model.save(staging / "model.keras")
            _write_json(staging / "vocabulary.json", {"words": trained.vocabulary.words_, "counts": trained.vocabulary.counts_})
            manifest = {
                "format": FORMAT_VERSION,
                "name": name,
                "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "model_config": trained.model_config.to_dict(),
                "train_config": trained.train_config.to_dict(),
                "class_names": list(trained.class_names),
                "metrics": trained.metrics,
                "history": trained.history,
                "data": trained.data,
                "device": trained.device,
            }
            # The manifest is written last: a folder without one is never listed.
            _write_json(staging / MANIFEST, manifest)
            if target.exists():
                trash = self.root / f".deleting-{name}-{uuid.uuid4().hex[:8]}"
                os.replace(target, trash)
                os.replace(staging, target)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(staging, target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return target

    def list(self) -> list[ModelInfo]:
        """Complete saved models, newest first; half-written or foreign folders are skipped."""
        if not self.root.is_dir():
            return []
        found = []
        for folder in self.root.iterdir():
            if not folder.is_dir() or not NAME_PATTERN.fullmatch(folder.name):
                continue
            try:
                manifest = json.loads((folder / MANIFEST).read_text())
            except (OSError, ValueError):
                continue
            if (folder / "model.keras").is_file() and (folder / "vocabulary.json").is_file():
                found.append(ModelInfo(folder.name, folder, manifest))
        return sorted(found, key=lambda info: info.manifest.get("saved_at", ""), reverse=True)

    def info(self, name: str) -> ModelInfo:
        validate_name(name)
        for info in self.list():
            if info.name == name:
                return info
        raise ValueError(self._missing(name))

    def load(self, name: str):
        """A :class:`~sentiment_core.inference.Predictor` for the saved model."""
        info = self.info(name)  # checks the name before the (slow) Keras import

        import keras

        from . import models  # noqa: F401  (registers the custom layers for deserialisation)
        from .inference import Predictor

        words = json.loads((info.path / "vocabulary.json").read_text())
        vocabulary = Vocabulary.from_words(words["words"], words.get("counts"))
        model = keras.saving.load_model(info.path / "model.keras", safe_mode=True)
        config = ModelConfig.from_dict(info.manifest["model_config"])
        return Predictor(model, vocabulary, config, info.manifest["class_names"], name=name, manifest=info.manifest)

    def rename(self, name: str, new_name: str) -> Path:
        """Give a saved model a new name (one atomic folder rename, then its manifest)."""
        source = self.path(name)
        target = self.path(new_name)
        if not (source / MANIFEST).is_file():
            raise ValueError(self._missing(name))
        if new_name == name:
            return source
        if target.exists():
            raise ValueError(f"A model named {new_name!r} already exists: choose another name.")
        os.replace(source, target)
        manifest = json.loads((target / MANIFEST).read_text())
        manifest["name"] = new_name
        staging = target / f".{MANIFEST}.tmp"
        _write_json(staging, manifest)
        os.replace(staging, target / MANIFEST)
        return target

    def delete(self, name: str) -> None:
        target = self.path(name)
        if not target.is_dir():
            raise ValueError(self._missing(name))
        # Rename first so a half-deleted folder never lists as a model.
        trash = self.root / f".deleting-{name}-{uuid.uuid4().hex[:8]}"
        os.replace(target, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def _missing(self, name: str) -> str:
        names = [i.name for i in self.list()]
        known = f" Saved models: {', '.join(names)}." if names else " No models are saved yet."
        return f"No saved model named {name!r} in {self.root}.{known}"


def _write_json(path: Path, data) -> None:
    with open(path, "w") as f:
        json.dump(data, f, indent=1, default=_jsonable)
        f.flush()
        os.fsync(f.fileno())


def _jsonable(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"Cannot save {type(value).__name__} as JSON")
