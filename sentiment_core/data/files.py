"""The user's own files that are not tables: one line file per class, or one sub-folder per class.

Every file is read through :mod:`.reading` (regular files only, a size limit checked first, text
decoded line by line); a folder is never left (links are not followed), and what is skipped on
the way is said in the data set's notes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

from ..text import strip_html
from .dataset import DataError, Dataset, labelled_dataset
from .reading import decode_text, human_size, read_bounded
from .tables import MAX_TABLE_BYTES, load_table

# One file of a class folder is one example: 1 MB is already far more than any review.
MAX_FILE_BYTES = 1 << 20
MAX_FOLDER_FILES = 200_000
MAX_FOLDER_BYTES = 200 << 20


# --------------------------------------------------------------------------------------------
# Line files and folders
# --------------------------------------------------------------------------------------------


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
        raw = read_bounded(path, MAX_TABLE_BYTES, "split it into smaller files, or keep a sample of it.")
        content, file_notes = decode_text(raw, path.name)
        notes += file_notes
        lines = [line.strip() for line in content.split("\n")[:-1]]
        empty = sum(1 for line in lines if not line)
        if empty:
            notes.append(f"{path.name}: {empty} empty lines were skipped.")
        kept = [line for line in lines if line]
        if not kept:
            raise DataError(f"{path.name} has no texts (every line is empty).")
        texts += kept
        labels += [class_name] * len(kept)
    return labelled_dataset(texts, labels, source=", ".join(Path(p).name for p in files.values()), notes=notes)


def load_folder(folder: str | os.PathLike) -> Dataset:
    """One sub-folder per class, one text file per example (the aclImdb train/ layout).

    Nothing outside the folder is read: links are not followed. Files that are not text
    (``Thumbs.db``, images), larger than one text can be, or not regular files are skipped
    with a note; only more files or bytes than the limits allow stop the loading.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder.")
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    classes = [e for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
    skipped: dict[str, list[str]] = {"links": [e.name for e in entries if e.is_symlink()]}
    if len(classes) < 2:
        raise DataError(f"{folder} needs one sub-folder per class (at least two); found {len(classes)}.")
    texts, labels, notes, files, total = [], [], [], 0, 0
    for class_dir in classes:
        for entry in sorted(os.scandir(class_dir.path), key=lambda e: e.name):
            where = f"{class_dir.name}/{entry.name}"
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                skipped["links"].append(where)
                continue
            if not entry.is_file(follow_symlinks=False):
                skipped.setdefault("not files", []).append(where)
                continue
            size = entry.stat(follow_symlinks=False).st_size
            if size > MAX_FILE_BYTES:
                skipped.setdefault("too large", []).append(where)
                continue
            files, total = files + 1, total + size
            if files > MAX_FOLDER_FILES or total > MAX_FOLDER_BYTES:
                raise DataError(
                    f"{folder} holds more than {MAX_FOLDER_FILES:,} files or {human_size(MAX_FOLDER_BYTES)} of text: "
                    "train on a sample of it."
                )
            try:
                raw = read_bounded(entry.path, MAX_FILE_BYTES, "", follow_symlinks=False)
                content, file_notes = decode_text(raw, where)
            except DataError:
                skipped.setdefault("not text", []).append(where)
                continue
            notes += file_notes
            content = " ".join(strip_html(content).split())
            if not content:
                skipped.setdefault("empty", []).append(where)
                continue
            texts.append(content)
            labels.append(class_dir.name)
    notes = _summarise_encoding_notes(notes) + [_skipped_note(why, names) for why, names in skipped.items() if names]
    if not texts:
        raise DataError(f"{folder} holds no text files in its class folders.")
    return labelled_dataset(texts, labels, source=folder.name, notes=notes)


_SKIP_REASONS = {  # (one, several)
    "links": ("symbolic link", "symbolic links", "not followed: only files inside the folder are read"),
    "not files": ("entry that is not a regular file", "entries that are not regular files", "a folder, pipe or device"),
    "too large": ("file larger than one example", "files larger than one example", f"over {human_size(MAX_FILE_BYTES)}"),
    "not text": ("file that is not text", "files that are not text", "binary or compressed"),
    "empty": ("empty file", "empty files", "no words"),
}


def _skipped_note(why: str, names: list[str]) -> str:
    one, several, detail = _SKIP_REASONS[why]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")
    return f"Skipped {len(names):,} {one if len(names) == 1 else several} ({detail}): {shown}."


def _summarise_encoding_notes(notes: list[str]) -> list[str]:
    return [f"{len(notes):,} files were not (wholly) UTF-8 and were read as Latin-1 where needed."] if notes else []


def load_user_data(path: str | os.PathLike, **kwargs) -> Dataset:
    """Any of the supported layouts, chosen by what ``path`` is."""
    path = Path(path)
    if path.is_dir():
        return load_folder(path)
    if path.suffix.lower() in (".csv", ".tsv", ".tab", ".txt"):
        return load_table(path, **kwargs)
    raise DataError(f"{path.name}: give a .csv/.tsv file, a folder with one sub-folder per class, or line files per class.")


def _class_from_filename(path: Path) -> str:
    suffix = path.suffix.lstrip(".")
    return path.stem if suffix.lower() in ("", "txt", "text") else suffix


