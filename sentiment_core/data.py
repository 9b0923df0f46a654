"""Data sets: IMDB (Maas et al. 2011) from its archive or folder, the user's own files, splits.

Every loader returns a :class:`Dataset`: texts, integer labels, class names, and notes that say
what was repaired on the way (undecodable bytes, dropped rows). Problems a user can fix raise
:class:`DataError` (a ``ValueError``) with a message that says what to do.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from . import paths
from .text import strip_html

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_MD5 = "7c2ac02c03563afcf9b574c7e56c153a"
IMDB_ARCHIVE_NAME = "aclImdb_v1.tar.gz"
IMDB_CLASSES = ("negative", "positive")

_IMDB_MEMBER = re.compile(r"(?:^|/)aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
# Line i of urls_pos.txt is the IMDB page of the movie that review i_*.txt is about.
_IMDB_URLS = re.compile(r"(?:^|/)aclImdb/(train|test)/urls_(pos|neg)\.txt$")
_MOVIE_ID = re.compile(r"tt\d+")
_TEXT_COLUMNS = ("text", "review", "sentence", "content", "body", "comment", "document", "tweet")
_LABEL_COLUMNS = ("label", "sentiment", "class", "target", "polarity", "category", "y")

Progress = Callable[[int, int], None]


class DataError(ValueError):
    """A data problem the user can fix; the message says how."""


@dataclass
class Dataset:
    """Texts with integer labels ``0..len(class_names)-1``."""

    texts: list[str]
    labels: np.ndarray
    class_names: tuple[str, ...]
    source: str = ""
    ids: np.ndarray | None = None
    ratings: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    # What a text is about (IMDB: the movie). Splits keep a group on one side, so a validation
    # score is not inflated by reviews of movies the model trained on.
    groups: np.ndarray | None = None

    def __post_init__(self):
        self.labels = np.asarray(self.labels, dtype=np.int32)
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels.")

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, indices: Sequence[int], source: str | None = None) -> "Dataset":
        idx = np.asarray(indices, dtype=np.int64)
        return Dataset(
            texts=[self.texts[i] for i in idx],
            labels=self.labels[idx],
            class_names=self.class_names,
            source=source or self.source,
            ids=None if self.ids is None else self.ids[idx],
            ratings=None if self.ratings is None else self.ratings[idx],
            notes=list(self.notes),
            groups=None if self.groups is None else self.groups[idx],
        )

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return {name: int(c) for name, c in zip(self.class_names, counts)}

    def describe(self) -> dict:
        return {"source": self.source, "size": len(self), "classes": self.class_counts(), "notes": list(self.notes)}


@dataclass
class ImdbData:
    train: Dataset
    test: Dataset
    path: Path


# --------------------------------------------------------------------------------------------
# IMDB: finding, downloading, reading
# --------------------------------------------------------------------------------------------


def find_imdb(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The IMDB copy in ``data_dir``: an ``aclImdb/`` folder or any ``aclImdb*.tar.gz``."""
    root = Path(data_dir) if data_dir is not None else paths.data_dir()
    if not root.is_dir():
        return None
    for folder in (root / "aclImdb", root):
        if (folder / "train").is_dir() and (folder / "test").is_dir() and folder.name == "aclImdb":
            return folder
    archives = sorted(root.glob("aclImdb*.tar.gz"), key=lambda p: (p.name != IMDB_ARCHIVE_NAME, p.name))
    return archives[0] if archives else None


def imdb_status(data_dir: str | os.PathLike | None = None) -> dict:
    """Where IMDB is, or what to do about it; cheap (no reading, no network)."""
    root = Path(data_dir) if data_dir is not None else paths.data_dir()
    found = find_imdb(root)
    if found is not None:
        return {"found": True, "path": str(found), "data_dir": str(root), "message": f"IMDB found at {found}."}
    return {
        "found": False,
        "path": None,
        "data_dir": str(root),
        "message": (
            f"No IMDB copy in {root}. It will be downloaded from {IMDB_URL} (84 MB) on first use; "
            f"offline, put {IMDB_ARCHIVE_NAME} (or an unpacked aclImdb/ folder) into {root}, "
            f"or set {paths.DATA_ENV} to a folder that holds one."
        ),
    }


def download_imdb(
    data_dir: str | os.PathLike | None = None,
    url: str = IMDB_URL,
    md5: str = IMDB_MD5,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the archive into ``data_dir``, verify its MD5, and rename it into place.

    The download goes to a temporary file in the same folder, so an interrupted or corrupt
    download never looks like a usable archive.
    """
    root = Path(data_dir) if data_dir is not None else paths.data_dir()
    target = root / IMDB_ARCHIVE_NAME
    where = f"put {IMDB_ARCHIVE_NAME} (or an unpacked aclImdb/ folder) into {root}, or set {paths.DATA_ENV}"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"Cannot create the data folder {root} ({err.strerror}); {where} to a writable folder.") from err
    digest = hashlib.md5()
    fd, tmp_name = tempfile.mkstemp(prefix=".aclImdb-", suffix=".part", dir=root)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        if total and done != total:
            raise DataError(f"The download from {url} stopped after {done:,} of {total:,} bytes; try again, or {where}.")
        if digest.hexdigest() != md5:
            raise DataError(
                f"The file downloaded from {url} is damaged (MD5 {digest.hexdigest()}, expected {md5}); "
                f"try again, or {where}."
            )
        os.replace(tmp_name, target)
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", None) or err
        raise DataError(f"Could not download IMDB from {url} ({reason}). Offline? Then {where}.") from err
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def load_imdb(
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    progress: Progress | None = None,
) -> ImdbData:
    """The official train and test sets (25,000 reviews each), with ids and star ratings."""
    root = Path(data_dir) if data_dir is not None else paths.data_dir()
    location = find_imdb(root)
    if location is None:
        if not download:
            raise DataError(imdb_status(root)["message"])
        location = download_imdb(root, progress=progress)
    if location.is_dir():
        records, urls = _read_imdb_folder(location)
    else:
        records, urls = _read_imdb_archive(location)
    return ImdbData(
        train=_imdb_split(records, urls, "train", location), test=_imdb_split(records, urls, "test", location), path=location
    )


def _read_imdb_archive(path: Path) -> tuple[list[tuple], dict]:
    """``(records, urls)``: one ``(split, polarity, id, rating, bytes)`` per review, and the
    lines of each ``urls_*.txt`` keyed by ``(split, polarity)``."""
    records, urls = [], {}
    try:
        with gzip.open(path, "rb") as stream:
            with tarfile.open(fileobj=stream, mode="r|") as archive:  # "r|": stream, never seek or unpack
                for member in archive:
                    match = _IMDB_MEMBER.search(member.name)
                    if match and member.isfile():
                        raw = archive.extractfile(member).read()
                        records.append((*match.groups(), raw))
                    elif member.isfile() and (match := _IMDB_URLS.search(member.name)):
                        urls[match.groups()] = archive.extractfile(member).read().decode("ascii", "replace").splitlines()
            # tarfile stops at its end marker; reading the gzip stream to its end checks the
            # length and CRC, so a truncated download is caught instead of silently read short.
            while stream.read(1 << 20):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as err:
        raise DataError(
            f"{path} is not a complete IMDB archive ({type(err).__name__}: {err}). Delete it and download "
            f"{IMDB_ARCHIVE_NAME} again, or put an unpacked aclImdb/ folder in its place."
        ) from err
    return records, urls


def _read_imdb_folder(folder: Path) -> tuple[list[tuple], dict]:
    records, urls = [], {}
    for split in ("train", "test"):
        for polarity in ("pos", "neg"):
            for file in (folder / split / polarity).glob("*.txt"):
                match = _IMDB_MEMBER.search(f"aclImdb/{split}/{polarity}/{file.name}")
                if match:
                    records.append((*match.groups(), file.read_bytes()))
            url_file = folder / split / f"urls_{polarity}.txt"
            if url_file.is_file():
                urls[(split, polarity)] = url_file.read_text("ascii", "replace").splitlines()
    return records, urls


def _movie_ids(rows: list[tuple], urls: dict, split: str) -> np.ndarray | None:
    """The IMDB movie id (``tt0453418``) of each review, or None when the url lists are missing
    or do not cover every review (then splits fall back to plain stratified ones)."""
    movies = []
    for label, review_id, _, _ in rows:
        lines = urls.get((split, "pos" if label else "neg"))
        if lines is None or review_id >= len(lines):
            return None
        match = _MOVIE_ID.search(lines[review_id])
        movies.append(match.group(0) if match else lines[review_id].strip())
    return np.array(movies)


def _imdb_split(records: list[tuple], urls: dict, split: str, location: Path) -> Dataset:
    rows = sorted((int(p == "pos"), int(i), int(r), raw) for s, p, i, r, raw in records if s == split)
    counts = np.bincount([row[0] for row in rows], minlength=2)
    if counts.min() == 0:
        raise DataError(
            f"{location} has no {split}/{'pos' if counts[1] == 0 else 'neg'} reviews: it is not the IMDB data set "
            f"(aclImdb/{{train,test}}/{{pos,neg}}/<id>_<rating>.txt). Replace it with {IMDB_ARCHIVE_NAME}."
        )
    notes, texts = [], []
    bad = 0
    for row in rows:
        text, lossy = _decode(row[3])
        bad += lossy
        texts.append(_SPACES.sub(" ", strip_html(text)).strip())
    if bad:
        notes.append(f"{bad} reviews had bytes that are not UTF-8; they were replaced.")
    return Dataset(
        texts=texts,
        labels=np.array([row[0] for row in rows]),
        class_names=IMDB_CLASSES,
        source=f"IMDB {split} ({location.name})",
        ids=np.array([row[1] for row in rows]),
        ratings=np.array([row[2] for row in rows]),
        notes=notes,
        groups=_movie_ids(rows, urls, split),
    )


_SPACES = re.compile(r"\s+")


def _decode(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), True


# --------------------------------------------------------------------------------------------
# The user's own data
# --------------------------------------------------------------------------------------------


def read_text_file(raw: bytes, name: str) -> tuple[str, list[str]]:
    """Decode a text file: UTF-8 if it is, else Latin-1 (which always decodes), with a note."""
    if b"\x00" in raw[:65536]:
        raise DataError(f"{name} is a binary file (it contains NUL bytes), not text: check that it is what its name says.")
    if raw[:2] in (b"PK", b"\x1f\x8b"):
        raise DataError(f"{name} is a compressed archive (zip or gzip), not a text file: unpack it first.")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return raw.decode("latin-1"), [f"{name} is not UTF-8; it was read as Latin-1."]


def load_table(
    source: str | os.PathLike | bytes,
    name: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> Dataset:
    """A CSV or TSV with a text column and a label column (found by name when not given).

    Labels may be 0/1, neg/pos, or any class names (two or more classes).
    """
    import csv

    raw, name = _read_source(source, name)
    content, notes = read_text_file(raw, name)
    if not content.strip():
        raise DataError(f"{name} is empty.")
    delimiter = "\t" if name.lower().endswith((".tsv", ".tab")) else None
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(content[:20000], delimiters=",\t;|").delimiter
        except csv.Error:
            delimiter = ","
    rows = list(csv.reader(io.StringIO(content), delimiter=delimiter))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise DataError(f"{name} has a header but no rows: it needs one row per text.")
    header = [h.strip() for h in rows[0]]
    text_col = _pick_column(header, text_column, _TEXT_COLUMNS, "text", name, rows)
    label_col = _pick_column(header, label_column, _LABEL_COLUMNS, "label", name, rows, exclude=text_col)
    texts, labels, skipped_text, skipped_label = [], [], 0, 0
    for row in rows[1:]:
        text = row[text_col].strip() if text_col < len(row) else ""
        label = row[label_col].strip() if label_col < len(row) else ""
        if not text:
            skipped_text += 1
        elif not label:
            skipped_label += 1
        else:
            texts.append(text)
            labels.append(label)
    if skipped_text:
        notes.append(f"{skipped_text} rows with an empty text were skipped.")
    if skipped_label:
        notes.append(f"{skipped_label} rows with no label were skipped.")
    if not texts:
        raise DataError(f"{name}: every row has an empty text or label in columns {header[text_col]!r}/{header[label_col]!r}.")
    return _labelled(texts, labels, source=name, notes=notes)


MAX_BATCH_TEXTS = 10_000


def read_texts(source: str | os.PathLike | bytes, name: str | None = None) -> tuple[list[str], list[str]]:
    """Texts to judge, one per line, or the text column of a CSV/TSV (no labels needed).

    Returns ``(texts, notes)``; blank lines are skipped; at most 10,000 texts.
    """
    import csv

    raw, name = _read_source(source, name)
    content, notes = read_text_file(raw, name)
    if name.lower().endswith((".csv", ".tsv", ".tab")):
        delimiter = "\t" if name.lower().endswith((".tsv", ".tab")) else ","
        rows = [r for r in csv.reader(io.StringIO(content), delimiter=delimiter) if any(c.strip() for c in r)]
        if len(rows) < 2:
            raise DataError(f"{name} has no rows under its header.")
        header = [h.strip() for h in rows[0]]
        column = _pick_column(header, None, _TEXT_COLUMNS, "text", name, rows) if len(header) > 1 else 0
        texts = [r[column].strip() for r in rows[1:] if column < len(r) and r[column].strip()]
        notes.append(f"Read the column {header[column]!r} of {name}.")
    else:
        texts = [line.strip() for line in content.splitlines() if line.strip()]
    if not texts:
        raise DataError(f"{name} holds no text: give one text per line, or a CSV with a text column.")
    if len(texts) > MAX_BATCH_TEXTS:
        notes.append(f"Only the first {MAX_BATCH_TEXTS:,} of {len(texts):,} texts are judged.")
        texts = texts[:MAX_BATCH_TEXTS]
    return texts, notes


def load_line_files(files: Mapping[str, str | os.PathLike] | Sequence[str | os.PathLike]) -> Dataset:
    """One text per line, one file per class: ``{"neg": "rt-polarity.neg", "pos": "rt-polarity.pos"}``.

    Given a plain list of files, a file's class is its extension (``.pos``) or, for ``.txt``, its stem.
    """
    if not isinstance(files, Mapping):
        files = {_class_from_filename(Path(f)): f for f in files}
    if len(files) < 2:
        raise DataError("Give at least two files, one per class, each with one text per line.")
    texts, labels, notes = [], [], []
    for class_name, path in files.items():
        path = Path(path)
        content, file_notes = read_text_file(_read_bytes(path), path.name)
        notes += file_notes
        # Split on newlines only: splitlines() also breaks on U+0085, a Latin-1 byte (0x85).
        lines = [line.strip() for line in content.rstrip("\r\n").split("\n")]
        empty = sum(1 for line in lines if not line)
        if empty:
            notes.append(f"{path.name}: {empty} empty lines were skipped.")
        kept = [line for line in lines if line]
        if not kept:
            raise DataError(f"{path.name} has no texts (every line is empty).")
        texts += kept
        labels += [class_name] * len(kept)
    return _labelled(texts, labels, source=", ".join(Path(p).name for p in files.values()), notes=notes)


def load_folder(folder: str | os.PathLike) -> Dataset:
    """One sub-folder per class, one text file per example (the aclImdb train/ layout)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder.")
    classes = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise DataError(f"{folder} needs one sub-folder per class (at least two); found {len(classes)}.")
    texts, labels, notes, empty, lossy = [], [], [], 0, 0
    for class_dir in classes:
        for file in sorted(p for p in class_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
            content, file_notes = read_text_file(file.read_bytes(), file.name)
            lossy += bool(file_notes)
            content = _SPACES.sub(" ", strip_html(content)).strip()
            if not content:
                empty += 1
                continue
            texts.append(content)
            labels.append(class_dir.name)
    if lossy:
        notes.append(f"{lossy} files were not UTF-8 and were read as Latin-1.")
    if empty:
        notes.append(f"{empty} empty files were skipped.")
    return _labelled(texts, labels, source=folder.name, notes=notes)


def load_user_data(path: str | os.PathLike, **kwargs) -> Dataset:
    """Any of the supported layouts, chosen by what ``path`` is."""
    path = Path(path)
    if path.is_dir():
        return load_folder(path)
    if path.suffix.lower() in (".csv", ".tsv", ".tab", ".txt"):
        return load_table(path, **kwargs)
    raise DataError(f"{path.name}: give a .csv/.tsv file, a folder with one sub-folder per class, or line files per class.")


def _read_source(source, name):
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), name or "uploaded file"
    path = Path(source)
    return _read_bytes(path), name or path.name


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not a file.") from None


def _class_from_filename(path: Path) -> str:
    suffix = path.suffix.lstrip(".")
    return path.stem if suffix.lower() in ("", "txt", "text") else suffix


def _pick_column(header, wanted, candidates, what, name, rows, exclude=None) -> int:
    lowered = [h.lower() for h in header]
    if wanted is not None:
        if wanted in header:
            return header.index(wanted)
        if wanted.lower() in lowered:
            return lowered.index(wanted.lower())
        raise DataError(f"{name} has no column {wanted!r}; its columns are: {', '.join(header)}.")
    for candidate in candidates:
        if candidate in lowered and lowered.index(candidate) != exclude:
            return lowered.index(candidate)
    others = [i for i in range(len(header)) if i != exclude]
    if len(header) == 2 and exclude is not None:
        return others[0]
    if what == "text" and len(header) >= 2:
        # The column with the longest cells is almost always the text.
        lengths = [np.mean([len(r[i]) if i < len(r) else 0 for r in rows[1:]]) for i in range(len(header))]
        return int(np.argmax(lengths))
    raise DataError(
        f"{name}: cannot tell which column holds the {what}s; its columns are: {', '.join(header)}. "
        f"Name one of them {candidates[0]!r} or choose it explicitly."
    )


_BINARY_NAMES = {"0": 0, "1": 1, "neg": 0, "pos": 1, "negative": 0, "positive": 1}


def _labelled(texts: list[str], raw_labels: list[str], source: str, notes: list[str]) -> Dataset:
    values = sorted(set(raw_labels))
    if len(values) < 2:
        raise DataError(
            f"{source}: every example has the label {values[0]!r}; a classifier needs at least two classes."
        )
    lowered = {v: v.lower() for v in values}
    if len(values) == 2 and all(lowered[v] in _BINARY_NAMES for v in values) and len({_BINARY_NAMES[lowered[v]] for v in values}) == 2:
        mapping = {v: _BINARY_NAMES[lowered[v]] for v in values}
        class_names = IMDB_CLASSES
    else:
        mapping = {v: i for i, v in enumerate(values)}
        class_names = tuple(values)
    return Dataset(texts=texts, labels=np.array([mapping[v] for v in raw_labels]), class_names=class_names, source=source, notes=notes)


# --------------------------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------------------------


def stratified_split(data: Dataset, fraction: float, seed: int = 42, by_group: bool = True) -> tuple[Dataset, Dataset]:
    """Split off about ``fraction`` of ``data`` with the class balance kept: ``(rest, split_off)``.

    When the data knows its groups (IMDB: the movie each review is about) and ``by_group`` is
    on, every group lands wholly on one side, as IMDB's own train and test share no movie, so
    a validation score cannot come from remembering a film's cast and title words.
    """
    from sklearn.model_selection import StratifiedGroupKFold, train_test_split

    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be between 0 and 1; got {fraction}.")
    counts = np.bincount(data.labels, minlength=len(data.class_names))
    if counts.min() < 2:
        raise DataError(f"{data.source}: every class needs at least 2 examples to split; counts are {data.class_counts()}.")
    indices = np.arange(len(data))
    folds = max(2, round(1.0 / min(fraction, 1.0 - fraction)))
    if by_group and data.groups is not None and len(np.unique(data.groups)) >= 2 * folds and counts.min() >= folds:
        # One of k stratified folds of whole groups is ~1/k of the data: k = 10 for 10 %.
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        rest, held = next(splitter.split(indices, data.labels, data.groups))
        if fraction > 0.5:
            rest, held = held, rest
    else:
        rest, held = train_test_split(indices, test_size=fraction, random_state=seed, stratify=data.labels)
    return data.take(np.sort(rest)), data.take(np.sort(held))


def stratified_subset(data: Dataset, size: int, seed: int = 42) -> Dataset:
    """``size`` examples drawn with the class balance kept (all of them if ``size >= len``)."""
    if size >= len(data):
        return data
    if size < len(data.class_names):
        raise ValueError(f"A subset needs at least one example per class: size >= {len(data.class_names)}.")
    # Exactly ``size``, so not by group: a subset is a smaller data set, not a held-out one.
    _, subset = stratified_split(data, size / len(data), seed, by_group=False)
    return subset


def imdb_splits(
    imdb: ImdbData, train_size: int | None = None, test_size: int | None = None, val_fraction: float = 0.1, seed: int = 42
) -> tuple[Dataset, Dataset, Dataset]:
    """``(train, validation, test)`` from IMDB: seeded stratified subsets of the official sets,
    with the validation split taken from train (the test set only ever reports)."""
    train_full = stratified_subset(imdb.train, train_size, seed) if train_size else imdb.train
    train, val = stratified_split(train_full, val_fraction, seed)
    test = stratified_subset(imdb.test, test_size, seed) if test_size else imdb.test
    return train, val, test


def train_val_test_split(data: Dataset, val_fraction: float = 0.1, test_fraction: float = 0.2, seed: int = 42):
    """Seeded, stratified ``(train, validation, test)`` for a data set that has no official split."""
    rest, test = stratified_split(data, test_fraction, seed)
    train, val = stratified_split(rest, val_fraction / (1.0 - test_fraction), seed)
    return train, val, test
