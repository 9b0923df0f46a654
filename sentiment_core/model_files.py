"""A saved model's files, checked before anything is built from them.

A model folder holds ``manifest.json`` (configs, class names, metrics), ``vocabulary.json`` and
the weights (``model.weights.h5``; ``model.keras`` in folders saved before format 2). Loading
never deserialises an architecture from the files: the model is built by :mod:`.models` from
the manifest's validated :class:`~sentiment_core.config.ModelConfig` (so its size is bounded),
and only weights are read into it, after their sizes and shapes were checked against that
config without Keras. A damaged, tampered or foreign file is a :class:`ModelFileError` naming
the file and why, in bounded memory and time.
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import zipfile
from pathlib import Path

from .config import ModelConfig, TrainConfig, is_finite_number, is_whole_number
from .data.reading import read_bounded
from .text import PAD_TOKEN, UNK_TOKEN, Vocabulary

MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.json"
WEIGHTS = "model.weights.h5"
LEGACY_MODEL = "model.keras"  # format 1: Keras' own zip of config.json + model.weights.h5
FORMAT_VERSION = 2

MAX_MANIFEST_BYTES = 8 << 20
# A vocabulary's JSON: at most ModelConfig's 2 million words with their counts.
MAX_VOCABULARY_BYTES = 128 << 20
MAX_WORD_CHARS = 200
MAX_CLASS_NAME_CHARS = 100
# The weights file may hold the optimizer's state beside the weights (Adam keeps two copies).
WEIGHT_COPIES = 3
WEIGHTS_SLACK_BYTES = 4 << 20
MAX_ZIP_MEMBERS = 16
MAX_H5_OBJECTS = 10_000
MAX_ATTRIBUTE_BYTES = 64 << 10

FIX = "delete it (Models page, or `python -m sentiment_core delete NAME`) and train it again"


class ModelFileError(ValueError):
    """A saved model's files are damaged, tampered with or not a model's; the message says which and why."""


def is_model_folder(folder: Path) -> bool:
    """True for a folder that holds a model's files (readable or not); False for anything else."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    return any(_is_regular(folder / name) for name in (MANIFEST, WEIGHTS, LEGACY_MODEL))


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def read_bytes(path: Path, limit: int) -> bytes:
    """A model file's bytes: a regular file (no link, FIFO or device) of at most ``limit`` bytes."""
    return read_bounded(path, limit, "it is not this model's file.", follow_symlinks=False, error=ModelFileError)


def read_json(path: Path, limit: int):
    raw = read_bytes(path, limit)
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ModelFileError(f"{path.name} is nested too deeply to be a model's file.") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise ModelFileError(f"{path.name} is not valid JSON ({err}).") from None


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number a model's file holds")


# -- the manifest ----------------------------------------------------------------------------------


def check_manifest(manifest) -> ModelConfig:
    """The manifest's model config, after every field the app reads was checked; else ModelFileError."""
    if not isinstance(manifest, dict):
        raise ModelFileError(f"{MANIFEST} holds {_kind(manifest)}, not a model's description.")
    version = manifest.get("format", 1)
    if not is_whole_number(version) or version < 1:
        raise ModelFileError(f"{MANIFEST}: 'format' must be a whole number; got {version!r}.")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{MANIFEST} is format {version}, from a newer Sentiment Lab: update the app to load it.")
    raw_config = manifest.get("model_config")
    if not isinstance(raw_config, dict) or "variant" not in raw_config:
        raise ModelFileError(f"{MANIFEST} has no model_config with a variant.")
    config = _checked(lambda: ModelConfig.from_dict(raw_config), "model_config")
    if "train_config" in manifest:
        _checked(lambda: TrainConfig.from_dict(manifest["train_config"]), "train_config")
    names = manifest.get("class_names")
    if (
        not isinstance(names, list)
        or not all(isinstance(n, str) and 0 < len(n) <= MAX_CLASS_NAME_CHARS for n in names)
        or len(set(names)) != len(names)
    ):
        raise ModelFileError(f"{MANIFEST}: class_names must be a list of distinct, short class names.")
    if len(names) != config.num_classes:
        raise ModelFileError(
            f"{MANIFEST} names {len(names)} classes but the model has {config.num_classes} outputs: it does not fit its model."
        )
    for key, length in (("saved_at", 40), ("name", 200)):
        if key in manifest and not (isinstance(manifest[key], str) and len(manifest[key]) <= length):
            raise ModelFileError(f"{MANIFEST}: {key} must be a short text; got {_kind(manifest[key])}.")
    _check_metrics(manifest.get("metrics", {}), config.num_classes)
    _check_history(manifest.get("history", {}))
    about = manifest.get("about") or {}
    if not isinstance(about, dict) or not all(isinstance(k, str) and isinstance(v, str) and len(v) <= 200 for k, v in about.items()):
        raise ModelFileError(f"{MANIFEST}: about must map names to short texts.")
    for key in ("data", "device"):
        if not isinstance(manifest.get(key, {}), (dict, type(None))):
            raise ModelFileError(f"{MANIFEST}: {key} must be an object; got {_kind(manifest[key])}.")
    data = manifest.get("data") or {}
    for part in ("train", "test"):
        described = data.get(part) or {}
        if not isinstance(described, dict) or not isinstance(described.get("source", ""), str):
            raise ModelFileError(f"{MANIFEST}: data.{part} must describe a data set.")
    if not isinstance((manifest.get("device") or {}).get("name", ""), str):
        raise ModelFileError(f"{MANIFEST}: device.name must be a text.")
    return config


def _checked(build, field: str):
    try:
        return build()
    except (ValueError, TypeError) as err:
        raise ModelFileError(f"{MANIFEST}: {field} is not valid ({err}).") from None


_FRACTIONS = ("test_accuracy", "val_accuracy")
# The per-epoch curves pages draw (history also keeps per-batch records).
_CURVES = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")
_COUNTS = ("best_epoch", "epochs_run", "test_size")
_AMOUNTS = ("test_loss", "reviews_per_s", "train_seconds")


def _check_metrics(metrics, classes: int) -> None:
    if not isinstance(metrics, dict):
        raise ModelFileError(f"{MANIFEST}: metrics must be an object; got {_kind(metrics)}.")
    for key in _FRACTIONS:
        value = metrics.get(key)
        if value is not None and not (is_finite_number(value) and 0.0 <= value <= 1.0):
            raise ModelFileError(f"{MANIFEST}: metrics.{key} must be a fraction from 0 to 1; got {value!r}.")
    for key in _COUNTS:
        value = metrics.get(key)
        if value is not None and not (is_whole_number(value) and value >= 0):
            raise ModelFileError(f"{MANIFEST}: metrics.{key} must be a whole number; got {value!r}.")
    for key in _AMOUNTS:
        value = metrics.get(key)
        if value is not None and not (is_finite_number(value) and value >= 0):
            raise ModelFileError(f"{MANIFEST}: metrics.{key} must be a number; got {value!r}.")
    matrix = metrics.get("confusion_matrix")
    if matrix is not None and not (
        isinstance(matrix, list) and len(matrix) == classes
        and all(isinstance(row, list) and len(row) == classes and all(is_whole_number(c) for c in row) for row in matrix)
    ):
        raise ModelFileError(f"{MANIFEST}: metrics.confusion_matrix must be {classes} x {classes} counts.")
    for key in ("per_class", "glove_coverage"):
        if not isinstance(metrics.get(key) or {}, dict):
            raise ModelFileError(f"{MANIFEST}: metrics.{key} must be an object.")
    mistakes = metrics.get("misclassified") or []
    if not isinstance(mistakes, list) or not all(isinstance(m, dict) and isinstance(m.get("text", ""), str) for m in mistakes):
        raise ModelFileError(f"{MANIFEST}: metrics.misclassified must be a list of examples.")


def _check_history(history) -> None:
    if not isinstance(history, dict):
        raise ModelFileError(f"{MANIFEST}: history must be an object; got {_kind(history)}.")
    for key, values in history.items():
        if not isinstance(values, list):
            raise ModelFileError(f"{MANIFEST}: history.{key} must be a list.")
        if key in _CURVES and not all(v is None or is_finite_number(v) for v in values):
            raise ModelFileError(f"{MANIFEST}: history.{key} must be a list of numbers.")


# -- the vocabulary --------------------------------------------------------------------------------


def read_vocabulary(folder: Path, config: ModelConfig) -> Vocabulary:
    """The saved vocabulary, checked to fit the model's embedding."""
    raw = read_json(folder / VOCABULARY, MAX_VOCABULARY_BYTES)
    words = raw.get("words") if isinstance(raw, dict) else None
    if not isinstance(words, list) or not all(isinstance(w, str) and 0 < len(w) <= MAX_WORD_CHARS for w in words):
        raise ModelFileError(f"{VOCABULARY} must hold a list of words.")
    if words[:2] != [PAD_TOKEN, UNK_TOKEN] or len(set(words)) != len(words):
        raise ModelFileError(f"{VOCABULARY} must start with {PAD_TOKEN!r} and {UNK_TOKEN!r} and list each word once.")
    if len(words) > config.vocab_size:
        raise ModelFileError(
            f"{VOCABULARY} has {len(words):,} words but the model's embedding has {config.vocab_size:,} rows: it does not fit."
        )
    counts = raw.get("counts") or {}
    if not isinstance(counts, dict) or not all(is_whole_number(c) and c >= 0 for c in counts.values()):
        raise ModelFileError(f"{VOCABULARY}: counts must map words to whole numbers.")
    return Vocabulary.from_words(words, counts, negation=config.negation)


# -- the weights -----------------------------------------------------------------------------------


def weights_bound(config: ModelConfig) -> int:
    """The most bytes a weights file of this model can honestly take (float32, optimizer state included)."""
    return WEIGHT_COPIES * 4 * config.parameter_count() + WEIGHTS_SLACK_BYTES


def check_weights(folder: Path, config: ModelConfig) -> Path:
    """The weights file to load, after its size and every array in it were checked against ``config``.

    Only sizes, shapes and types are read here, no array data: an array the model has no
    place for, one larger than any of its weights, or more of them than the model and its
    optimizer hold is refused before Keras reads a byte of it.
    """
    bound = weights_bound(config)
    path = folder / WEIGHTS
    if _is_regular(path):
        size = os.lstat(path).st_size
        if size > bound:
            raise ModelFileError(f"{WEIGHTS} is {size:,} bytes, more than this model's {bound:,} at most.")
        _check_h5(path.name, str(path), config)
        return path
    legacy = folder / LEGACY_MODEL
    raw = read_bytes(legacy, bound)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise ModelFileError(f"{LEGACY_MODEL} holds {len(members):,} files, not a model's few.")
            inner = next((m for m in members if m.filename == WEIGHTS), None)
            if inner is None:
                raise ModelFileError(f"{LEGACY_MODEL} holds no {WEIGHTS}.")
            if inner.file_size > bound:
                raise ModelFileError(
                    f"{LEGACY_MODEL}: its weights unpack to {inner.file_size:,} bytes, more than this model's "
                    f"{bound:,} at most."
                )
            weights = archive.read(inner)  # zipfile stops at the declared size and checks the CRC
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as err:
        raise ModelFileError(f"{LEGACY_MODEL} is not a readable Keras file ({err}).") from None
    _check_h5(f"{LEGACY_MODEL}/{WEIGHTS}", io.BytesIO(weights), config)
    return legacy


def _check_h5(name: str, file: str | io.BytesIO, config: ModelConfig) -> None:
    import h5py
    import numpy as np

    shapes = config.weight_shapes()
    allowed = set(shapes) | {()}  # scalars: the optimizer's step counter and learning rate
    largest = WEIGHT_COPIES * config.parameter_count() + 64
    problems: list[str] = []
    seen = {"objects": 0, "elements": 0, "weights": 0}

    def visit(path: str, item) -> None:
        seen["objects"] += 1
        if seen["objects"] > MAX_H5_OBJECTS:
            raise ModelFileError(f"{name} holds more than {MAX_H5_OBJECTS:,} entries, not a model's weights.")
        for attribute in item.attrs:
            if item.attrs.get_id(attribute).get_storage_size() > MAX_ATTRIBUTE_BYTES:
                problems.append(f"{path} has an attribute of more than {MAX_ATTRIBUTE_BYTES:,} bytes")
        if not isinstance(item, h5py.Dataset):
            return
        shape = tuple(int(d) for d in item.shape)
        if shape not in allowed:
            problems.append(f"{path} has shape {shape}, which no weight of this {config.variant} model has")
        elif np.dtype(item.dtype).kind not in "fiu" or np.dtype(item.dtype).itemsize > 8:
            problems.append(f"{path} holds {item.dtype}, not numbers")
        seen["elements"] += math.prod(shape)
        seen["weights"] += path.startswith("layers/") and shape != ()

    try:
        with h5py.File(file, "r") as h5:
            h5.visititems(visit)
    except ModelFileError:
        raise
    except Exception as err:  # noqa: BLE001 - h5py raises OSError, KeyError, ValueError ... for a bad file
        raise ModelFileError(f"{name} is not a readable weights file ({type(err).__name__}: {err}).") from None
    if problems:
        raise ModelFileError(f"{name} does not hold this model's weights: {'; '.join(problems[:3])}.")
    if seen["elements"] > largest:
        raise ModelFileError(f"{name} holds {seen['elements']:,} numbers, more than this model and its optimizer can.")
    if seen["weights"] < len(shapes):
        raise ModelFileError(f"{name} holds {seen['weights']} of the model's {len(shapes)} weights.")


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a text", type(None): "null"}.get(type(value), type(value).__name__)
