"""The model store: one folder per saved model under the models directory.

A saved model is ``<models_dir>/<name>/`` with ``model.weights.h5``, ``vocabulary.json`` and
``manifest.json`` (configs, class names, metrics, history, data description, device). A model
is written into a hidden staging folder and renamed into place only when complete, so a crash
or kill mid-save never leaves something that lists as a usable model; what a killed save or
delete leaves behind is swept away the next time the store is opened (:mod:`.leftovers`).

One bad folder never breaks the store: listing checks every manifest (:mod:`.model_files`) and
reports a folder that fails as unreadable, with the reason, beside the good models. Loading
builds the architecture from the checked config and reads only weights whose sizes and shapes
were checked first, so a crafted file cannot run code or exhaust memory.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import leftovers, paths
from .film import FILM_FILE
from .config import ModelConfig
from .model_files import (
    FIX,
    FORMAT_VERSION,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    VOCABULARY,
    WEIGHTS,
    ModelFileError,
    check_manifest,
    check_weights,
    is_model_folder,
    read_json,
    read_vocabulary,
)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
STAGING_PREFIX, TRASH_PREFIX = ".saving-", ".deleting-"


class StoreError(ValueError):
    """The models folder cannot be written or read (permissions, a full disk): the message says where."""


@dataclass
class ModelInfo:
    """What ``list`` shows about a saved model, without loading its weights (manifest checked)."""

    name: str
    path: Path
    manifest: dict
    config: ModelConfig

    @property
    def variant(self) -> str:
        return self.config.variant

    @property
    def metrics(self) -> dict:
        return self.manifest.get("metrics") or {}

    @property
    def test_accuracy(self) -> float | None:
        return self.metrics.get("test_accuracy")

    @property
    def saved_at(self) -> str:
        return self.manifest.get("saved_at", "")

    @property
    def history(self) -> dict:
        return self.manifest.get("history") or {}

    @property
    def about(self) -> dict:
        """Who made it: ``owner``, ``nickname``, ``job_id``, ``data_label`` (empty for CLI and older saves)."""
        return self.manifest.get("about") or {}

    @property
    def owner(self) -> str:
        return self.about.get("owner", "")

    @property
    def data_source(self) -> str:
        return ((self.manifest.get("data") or {}).get("train") or {}).get("source", "")


@dataclass
class UnreadableModel:
    """A folder that holds a model's files but cannot be used, and why (shown where models are listed)."""

    name: str
    path: Path
    reason: str


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
        # Opening the store sweeps away what killed saves and deletes left (never live work).
        leftovers.sweep(self.root, (STAGING_PREFIX, TRASH_PREFIX))

    def path(self, name: str) -> Path:
        return self.root / validate_name(name)

    def exists(self, name: str) -> bool:
        """True when the name is taken: by a model (readable or not) or by anything else in the folder."""
        path = self.path(name)
        return path.exists() or path.is_symlink()

    def free_name(self, name: str) -> str:
        """``name``, or ``name-2``, ``name-3`` ... : the first one not taken."""
        candidate, n = validate_name(name), 2
        while self.exists(candidate):
            candidate = validate_name(f"{name[:60]}-{n}")
            n += 1
        return candidate

    # -- writing -------------------------------------------------------------------------------

    def save(self, name: str, trained, overwrite: bool = False, about: dict | None = None) -> Path:
        """Write ``trained`` (a TrainedModel) under ``name``; atomic, never half-written.

        ``about`` says who made it (owner id, nickname, job id, data label: short texts); the
        Models page uses it for ownership and the class leaderboard.
        """
        target = self.path(name)
        if target.exists() and not (overwrite and is_model_folder(target)):
            what = "A model" if is_model_folder(target) else "A folder that is not a model"
            raise ValueError(f"{what} named {name!r} already exists in {self.root}: choose another name.")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}-", dir=self.root))
        except OSError as err:
            raise self._cannot_write(err) from err
        try:
            with leftovers.in_progress(staging):
                _save_weights(trained, staging / WEIGHTS)
                _write_json(staging / VOCABULARY, {"words": trained.vocabulary.words_, "counts": trained.vocabulary.counts_})
                if getattr(trained, "film", None) is not None and trained.film.frames:
                    trained.film.save(staging / FILM_FILE)
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
                    "about": {k: str(v)[:200] for k, v in (about or {}).items()},
                }
                # The manifest is written last: a folder without one is never listed.
                _write_json(staging / MANIFEST, manifest)
                if target.exists():
                    trash = self.root / f"{TRASH_PREFIX}{name}-{uuid.uuid4().hex[:8]}"
                    os.replace(target, trash)
                    os.replace(staging, target)
                    shutil.rmtree(trash, ignore_errors=True)
                else:
                    os.replace(staging, target)
        except OSError as err:
            raise self._cannot_write(err) from err
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return target

    def rename(self, name: str, new_name: str) -> Path:
        """Give a saved model a new name (one atomic folder rename, then its manifest)."""
        source = self.path(name)
        target = self.path(new_name)
        info = self.info(name)  # a readable model, or a message
        if new_name == name:
            return source
        if target.exists():
            raise ValueError(f"A model named {new_name!r} already exists: choose another name.")
        try:
            os.replace(source, target)
            staging = target / f".{MANIFEST}.tmp"
            _write_json(staging, {**info.manifest, "name": new_name})
            os.replace(staging, target / MANIFEST)
        except OSError as err:
            raise self._cannot_write(err) from err
        return target

    def delete(self, name: str) -> None:
        """Delete a saved model (readable or not); anything else in the folder is refused."""
        target = self.path(name)
        if not target.exists() and not target.is_symlink():
            raise ValueError(self._missing(name))
        if not is_model_folder(target):
            raise ValueError(
                f"{target} is not a saved model (it has no {MANIFEST} or weights), so it was left as it is: "
                "remove it yourself if you mean to."
            )
        # Rename first so a half-deleted folder never lists as a model; lock the trash while it goes.
        trash = self.root / f"{TRASH_PREFIX}{name}-{uuid.uuid4().hex[:8]}"
        try:
            os.replace(target, trash)
            with leftovers.in_progress(trash):
                shutil.rmtree(trash)
        except OSError as err:
            raise self._cannot_write(err) from err

    # -- reading -------------------------------------------------------------------------------

    def scan(self) -> tuple[list[ModelInfo], list[UnreadableModel]]:
        """``(models, unreadable)``: usable models newest first, and model folders that fail their checks.

        Hidden folders (saves in progress), foreign folders and files are not models and are skipped.
        """
        models, unreadable = [], []
        try:
            entries = sorted(os.scandir(self.root), key=lambda e: e.name)
        except OSError:
            return models, unreadable
        for entry in entries:
            folder = Path(entry.path)
            if not NAME_PATTERN.fullmatch(entry.name) or not is_model_folder(folder):
                continue
            try:
                models.append(_read_info(folder))
            except ModelFileError as err:
                unreadable.append(UnreadableModel(entry.name, folder, str(err)))
        models.sort(key=lambda info: info.saved_at, reverse=True)
        return models, unreadable

    def list(self) -> list[ModelInfo]:
        """Usable saved models, newest first (see :meth:`scan` for the ones that are not)."""
        return self.scan()[0]

    def unreadable(self) -> list[UnreadableModel]:
        return self.scan()[1]

    def info(self, name: str) -> ModelInfo:
        """One model's checked manifest; a ValueError saying why when it is missing or unreadable."""
        folder = self.path(name)
        if not is_model_folder(folder):
            raise ValueError(self._missing(name))
        try:
            return _read_info(folder)
        except ModelFileError as err:
            raise ModelFileError(f"The model {name!r} cannot be used: {err} To fix it, {FIX}.") from None

    def load(self, name: str):
        """A :class:`~sentiment_core.inference.Predictor` for the saved model.

        Every file is checked before Keras is imported; the model is built from the checked
        config and only its weights are read from disk.
        """
        info = self.info(name)
        try:
            vocabulary = read_vocabulary(info.path, info.config)
            weights = check_weights(info.path, info.config)
        except ModelFileError as err:
            raise ModelFileError(f"The model {name!r} cannot be used: {err} To fix it, {FIX}.") from None

        if info.config.is_linear:
            return _load_linear(name, info, vocabulary, weights)
        from .quiet import import_keras_quietly

        import_keras_quietly()
        from .inference import Predictor
        from .models import build_model

        try:
            model = build_model(info.config, _placeholder_glove(info.config))
            model.load_weights(weights)
        except Exception as err:  # noqa: BLE001 - Keras and h5py raise many kinds for a bad file
            raise ModelFileError(
                f"The model {name!r} cannot be used: its weights do not load ({type(err).__name__}: {err}). To fix it, {FIX}."
            ) from None
        problem = _bad_word_table(model, info.config)
        if problem:
            raise ModelFileError(f"The model {name!r} cannot be used: {problem} To fix it, {FIX}.")
        return Predictor(model, vocabulary, info.config, info.manifest["class_names"], name=name, manifest=info.manifest)

    def _missing(self, name: str) -> str:
        names = [i.name for i in self.list()]
        known = f" Saved models: {', '.join(names)}." if names else " No models are saved yet."
        return f"No saved model named {name!r} in {self.root}.{known}"

    def _cannot_write(self, err: OSError) -> StoreError:
        return StoreError(
            f"Cannot write in the models folder {self.root} ({err.strerror or err}): free some space, or set "
            f"{paths.MODELS_ENV} to a folder you can write to."
        )


def _read_info(folder: Path) -> ModelInfo:
    if not (folder / VOCABULARY).is_file():
        raise ModelFileError(f"{VOCABULARY} is missing.")
    try:
        stat = os.stat(folder / MANIFEST, follow_symlinks=False)
    except OSError:
        raise ModelFileError(f"{MANIFEST} is missing.") from None
    manifest, config = _checked_manifest(str(folder / MANIFEST), stat.st_mtime_ns, stat.st_size)
    return ModelInfo(folder.name, folder, manifest, config)


@functools.lru_cache(maxsize=512)
def _checked_manifest(path: str, mtime_ns: int, size: int) -> tuple[dict, ModelConfig]:
    """A manifest read and checked once per version of the file (pages list the models on every
    rerun). Keyed by modification time and size, so a saved, renamed or tampered file is read anew."""
    manifest = read_json(Path(path), MAX_MANIFEST_BYTES)
    return manifest, check_manifest(manifest)


def _placeholder_glove(config: ModelConfig):
    """GloVe variants are built around an embedding matrix, the n-gram variants around their Naive
    Bayes ratios; their values come from the weights file."""
    from .models import blank_start

    return blank_start(config)


def _load_linear(name: str, info, vocabulary, weights: Path):
    from .linear import LinearPredictor, TfidfLogreg, load_arrays

    try:
        arrays = load_arrays(weights)
    except (OSError, KeyError, ValueError) as err:
        raise ModelFileError(f"The model {name!r} cannot be used: its weights do not load ({err}). To fix it, {FIX}.") from None
    model = TfidfLogreg.from_arrays(vocabulary.words_[2:], arrays["idf"], arrays["coef"], arrays["intercept"], info.config)
    return LinearPredictor(model, vocabulary, info.config, info.manifest["class_names"], name=name, manifest=info.manifest)


def _bad_word_table(model, config) -> str:
    """What is wrong with a loaded model's table of word ids (nb-ngrams' pair_words under the flip
    prior), or "": ids outside the vocabulary would index out of bounds at every prediction."""
    if not config.negation_flip or config.is_linear:
        return ""
    import numpy as np

    table = np.asarray(model.get_layer("ngrams").pair_words)
    if table.size and (table.min() < 0 or table.max() >= config.vocab_size):
        return (f"its table of the words pairs read holds ids from {int(table.min())} to {int(table.max())}, outside "
                f"its vocabulary of {config.vocab_size:,}.")
    return ""


def _save_weights(trained, path: Path) -> None:
    """The model's weights without the optimizer's state (a third of the size): copied into a fresh,
    uncompiled build of the same config, which is what loading builds too."""
    if trained.model_config.is_linear:
        from .linear import save_arrays

        return save_arrays(trained.model, path)
    from .models import build_model

    clean = build_model(trained.model_config, _placeholder_glove(trained.model_config))
    clean.set_weights(trained.model.get_weights())
    clean.save_weights(path)


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
