"""IMDB (Maas et al. 2011): found in the data folder as its archive or unpacked folder, and read with bounds.

The archive is streamed, never unpacked. Every member is checked against a size limit from its
header before a byte of it is read, and so are the member count, the bytes kept in memory and
the bytes decompressed in all: a crafted archive (a 2 GiB "review", millions of members, a
gzip stream that never ends) is refused with a message naming the member, in bounded memory
and time. The real archive is far inside every limit (below).
"""

from __future__ import annotations

import gzip
import os
import re
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import leftovers, paths
from ..text import strip_html
from .dataset import BINARY_CLASSES, DataError, Dataset
from .reading import file_kind, human_size, open_regular, read_bounded

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_MD5 = "7c2ac02c03563afcf9b574c7e56c153a"
IMDB_ARCHIVE_NAME = "aclImdb_v1.tar.gz"
IMDB_CLASSES = BINARY_CLASSES
# The hidden partial file of a download in progress (see download.py); swept when abandoned.
PARTIAL_PREFIX = ".aclImdb-"

# Limits, each far above the real data set: 50,000 labeled reviews of at most 14 KB (70 MB), url
# lists of 0.6 MB, a 108 MB tar stream for the labeled copy and about 300 MB for the official
# archive with its 50,000 unlabeled reviews and bag-of-words files (about 100,000 members).
MAX_REVIEW_BYTES = 1 << 20  # a review of megabytes is not a review
MAX_URLS_BYTES = 4 << 20
MAX_OTHER_MEMBER_BYTES = 256 << 20  # members that are skipped, not read (imdb.vocab, *.feat ...)
MAX_MEMBERS = 120_000  # the official archive has about 100,000
MAX_KEPT_BYTES = 200 << 20  # reviews and url lists held in memory, in all
# Everything the gzip stream yields, skipped members included. tarfile holds a pax or GNU long-name
# header in memory whole, so this also bounds the memory a crafted header can take.
MAX_UNPACKED_BYTES = 512 << 20

_IMDB_MEMBER = re.compile(r"(?:^|/)aclImdb/(train|test)/(pos|neg)/(\d{1,9})_(\d{1,2})\.txt$")
# Line i of urls_pos.txt is the IMDB page of the movie that review i_*.txt is about.
_IMDB_URLS = re.compile(r"(?:^|/)aclImdb/(train|test)/urls_(pos|neg)\.txt$")
_MOVIE_ID = re.compile(r"tt\d+")
_SPACES = re.compile(r"\s+")


@dataclass
class ImdbData:
    train: Dataset
    test: Dataset
    path: Path


def _root(data_dir) -> Path:
    return Path(data_dir) if data_dir is not None else paths.data_dir()


def find_imdb(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The IMDB copy in ``data_dir``: an ``aclImdb/`` folder or any ``aclImdb*.tar.gz``.

    Opening the folder also sweeps away downloads that a killed process left half done.
    """
    root = _root(data_dir)
    if not root.is_dir():
        return None
    leftovers.sweep(root, (PARTIAL_PREFIX,))
    folder = root / "aclImdb"
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        return folder
    archives = sorted(root.glob("aclImdb*.tar.gz"), key=lambda p: (p.name != IMDB_ARCHIVE_NAME, p.name))
    return archives[0] if archives else None


def imdb_status(data_dir: str | os.PathLike | None = None) -> dict:
    """Where IMDB is, or what to do about it; cheap (no reading, no network)."""
    root = _root(data_dir)
    found = find_imdb(root)
    if found is not None and not found.is_dir() and not found.is_file():
        kind = file_kind(os.stat(found).st_mode) if found.exists() else "a broken link"
        return {
            "found": False, "path": None, "data_dir": str(root),
            "message": f"{found} is {kind}, not the IMDB archive: delete it, then put {IMDB_ARCHIVE_NAME} there.",
        }
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


def load_imdb(
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    progress=None,
) -> ImdbData:
    """The official train and test sets (25,000 reviews each), with ids and star ratings."""
    root = _root(data_dir)
    location = find_imdb(root)
    if location is None:
        if not download:
            raise DataError(imdb_status(root)["message"])
        from .download import download_imdb

        location = download_imdb(root, progress=progress)
    if location.is_dir():
        records, urls = _read_imdb_folder(location)
    else:
        records, urls = _read_imdb_archive(location)
    return ImdbData(
        train=_imdb_split(records, urls, "train", location), test=_imdb_split(records, urls, "test", location), path=location
    )


class _Budget:
    """Counts what an IMDB copy costs and refuses it, naming the culprit, once past a limit."""

    def __init__(self, path: Path):
        self.path, self.members, self.kept = path, 0, 0

    def refuse(self, what: str) -> DataError:
        return DataError(
            f"{self.path} is not the IMDB data set: {what}. Delete it and download {IMDB_ARCHIVE_NAME} again, "
            "or put an unpacked aclImdb/ folder in its place."
        )

    def member(self, name: str, size: int, limit: int, what: str) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise self.refuse(f"it holds more than {MAX_MEMBERS:,} files")
        if size > limit:
            raise self.refuse(f"{name} is {human_size(size)}, more than {human_size(limit)} for {what}")

    def keep(self, size: int) -> None:
        self.kept += size
        if self.kept > MAX_KEPT_BYTES:
            raise self.refuse(f"its reviews come to more than {human_size(MAX_KEPT_BYTES)}")


class _CountingReader:
    """A read-only stream that refuses to yield more than ``limit`` bytes in all."""

    def __init__(self, stream, limit: int, budget: _Budget):
        self.stream, self.limit, self.budget, self.count = stream, limit, budget, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size is not None and size >= 0 else 1 << 20)
        self.count += len(chunk)
        if self.count > self.limit:
            raise self.budget.refuse(f"it unpacks to more than {human_size(self.limit)}")
        return chunk


def _read_imdb_archive(path: Path) -> tuple[list[tuple], dict]:
    """``(records, urls)``: one ``(split, polarity, id, rating, bytes)`` per review, and the
    lines of each ``urls_*.txt`` keyed by ``(split, polarity)``."""
    records, urls = [], {}
    budget = _Budget(path)
    raw_file, _ = open_regular(path)
    try:
        with raw_file, gzip.GzipFile(fileobj=raw_file, mode="rb") as gz:
            stream = _CountingReader(gz, MAX_UNPACKED_BYTES, budget)
            with tarfile.open(fileobj=stream, mode="r|") as archive:  # "r|": stream, never seek or unpack
                for member in archive:
                    review = _IMDB_MEMBER.search(member.name)
                    url_list = None if review else _IMDB_URLS.search(member.name)
                    if review and member.isfile():
                        budget.member(member.name, member.size, MAX_REVIEW_BYTES, "one review")
                        budget.keep(member.size)
                        records.append((*review.groups(), archive.extractfile(member).read()))
                    elif url_list and member.isfile():
                        budget.member(member.name, member.size, MAX_URLS_BYTES, "a list of movie links")
                        budget.keep(member.size)
                        urls[url_list.groups()] = archive.extractfile(member).read().decode("ascii", "replace").splitlines()
                    else:
                        budget.member(member.name, member.size, MAX_OTHER_MEMBER_BYTES, "a file that is not read")
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
    """The same records from an unpacked ``aclImdb/``: regular files only (links are not
    followed), each within the archive's limits."""
    records, urls = [], {}
    budget = _Budget(folder)
    fix = "this is not an IMDB review; put the original aclImdb/ folder in its place"
    for split in ("train", "test"):
        for polarity in ("pos", "neg"):
            class_dir = folder / split / polarity
            entries = sorted(os.scandir(class_dir), key=lambda e: e.name) if class_dir.is_dir() else []
            for entry in entries:
                match = _IMDB_MEMBER.search(f"aclImdb/{split}/{polarity}/{entry.name}")
                if not match or not entry.is_file(follow_symlinks=False):
                    continue
                size = entry.stat(follow_symlinks=False).st_size
                budget.member(f"{split}/{polarity}/{entry.name}", size, MAX_REVIEW_BYTES, "one review")
                budget.keep(size)
                raw = read_bounded(entry.path, MAX_REVIEW_BYTES, fix, follow_symlinks=False)
                records.append((*match.groups(), raw))
            url_file = folder / split / f"urls_{polarity}.txt"
            if url_file.is_file() and not url_file.is_symlink():
                raw = read_bounded(url_file, MAX_URLS_BYTES, "put the original urls file in its place", follow_symlinks=False)
                budget.keep(len(raw))
                urls[(split, polarity)] = raw.decode("ascii", "replace").splitlines()
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
        try:
            text = row[3].decode("utf-8")
        except UnicodeDecodeError:
            text = row[3].decode("utf-8", errors="replace")
            bad += 1
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
