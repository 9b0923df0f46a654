"""Reading files safely: regular files only, a size limit checked before reading, text decoded line by line.

Every loader reads through here, so a FIFO or device under a data file's name cannot hang it, a
file larger than its limit is refused before a byte is read, and a file that is not text gets
one clear message instead of a decoder's traceback.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Iterator

from .dataset import DataError

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFLNK: "a symbolic link",
}

# Leading bytes of formats people mistake for text files, with what to do about them.
_MAGIC = [
    (b"PK\x03\x04", "a zip archive (or an Excel/Word file, which are zips): unpack it, or save the sheet as CSV"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"%PDF", "a PDF document: export its text first"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls/.doc, or Windows' Thumbs.db): save it as CSV or text"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
]
# Control bytes no text file contains (tab, newlines, form feed and escape aside).
_CONTROL = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def human_size(size: int) -> str:
    if size >= 1 << 20:
        return f"{size / (1 << 20):,.1f} MB"
    if size >= 1 << 10:
        return f"{size / (1 << 10):,.0f} KB"
    return f"{size:,} bytes"


def file_kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def open_regular(path: str | os.PathLike, follow_symlinks: bool = True, error: type[ValueError] = DataError):
    """``(file, size)`` for the regular file ``path``, opened for binary reading; ``error`` otherwise.

    Opened non-blocking and checked before anything is read, so a FIFO or a device under a data
    file's name cannot hang the reader or feed it forever.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder, not a file.") from None
    except OSError as err:
        if not follow_symlinks and path.is_symlink():
            raise error(f"{path} is a symbolic link; links are not followed.") from None
        raise error(f"Cannot read {path} ({err.strerror}).") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise error(f"{path} is {file_kind(info.st_mode)}, not a file: replace it with the real file.")
    return os.fdopen(fd, "rb"), info.st_size


def read_bounded(
    path: str | os.PathLike, limit: int, fix: str, follow_symlinks: bool = True, error: type[ValueError] = DataError
) -> bytes:
    """The bytes of the regular file ``path``, refused with ``fix`` in the message if over ``limit``.

    The size is checked before reading and the read stops one byte past the limit, so a file
    that grows meanwhile is caught too. Problems raise ``error`` (a ValueError; DataError for data).
    """
    path = Path(path)
    file, size = open_regular(path, follow_symlinks, error)
    with file:
        if size > limit:
            raise error(f"{path.name} is {human_size(size)}; the limit is {human_size(limit)}: {fix}")
        raw = file.read(limit + 1)
    if len(raw) > limit:
        raise error(f"{path.name} is larger than {human_size(limit)} (it grew while being read): {fix}")
    return raw


def check_text(raw: bytes, name: str) -> bytes:
    """``raw`` as UTF-8-compatible bytes, or a DataError if it is not a text file.

    UTF-16 files (Excel's "Unicode text") are re-encoded as UTF-8; a known binary format is
    named; any other file whose first 64 KB hold NUL or more than 1 % control bytes is binary.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{name} starts like UTF-16 text but is not: save it as UTF-8 text or CSV.") from None
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise DataError(f"{name} is {what}; it is not a text file.")
    sample = raw[:65536]
    control = len(sample.translate(None, _NOT_CONTROL))
    if b"\x00" in sample or control > 0.01 * len(sample):
        raise DataError(
            f"{name} is a binary file, not text ({control:,} control bytes in its first {len(sample):,}): "
            "check that it is what its name says."
        )
    return raw


class LineDecoder:
    """A text file's lines, decoded one by one: UTF-8 where a line is UTF-8, else Latin-1.

    Iterating yields each line with a single ``"\\n"`` (``\\r\\n`` and a lone ``\\r`` end lines
    too), so a CSV reader can stream it; a file mixing UTF-8 and Latin-1 lines keeps both
    right. Only ``\\r`` and ``\\n`` end lines: Latin-1's byte 0x85 (U+0085) does not.
    """

    def __init__(self, raw: bytes, name: str):
        self.raw = check_text(raw, name)
        self.name = name
        self.latin1_lines = 0
        self.lines = 0

    def __iter__(self) -> Iterator[str]:
        first = True
        for match in _LINE.finditer(self.raw):
            line = match.group().rstrip(b"\r\n")
            if first and line.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark
                line = line[3:]
            first = False
            self.lines += 1
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                text = line.decode("latin-1")  # every byte is a Latin-1 character: never fails
                self.latin1_lines += 1
            yield text + "\n"

    def notes(self) -> list[str]:
        if not self.latin1_lines:
            return []
        if self.latin1_lines == self.lines:
            return [f"{self.name} is not UTF-8; it was read as Latin-1."]
        return [f"{self.latin1_lines:,} of {self.lines:,} lines of {self.name} are not UTF-8; they were read as Latin-1."]


def decode_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    """The whole text of a file (lines decoded as :class:`LineDecoder` does) and notes on its encoding."""
    decoder = LineDecoder(raw, name)
    text = "".join(decoder)
    return text, decoder.notes()


def load_npz_bounded(path: str | os.PathLike, limit: int) -> dict:
    """The arrays of an ``.npz`` this app wrote: a regular file (no link) whose members unpack to at most
    ``limit`` bytes in all, without pickles. Raises ValueError (or OSError) for anything else."""
    import zipfile

    import numpy as np

    path = Path(path)
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        raise ValueError(f"{path.name} is a link, not a regular file, or over {human_size(limit)}.")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > 64 or sum(m.file_size for m in members) > limit:
                raise ValueError(f"{path.name} unpacks to more than {human_size(limit)}.")
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except zipfile.BadZipFile as err:
        raise ValueError(f"{path.name} is not an archive of arrays ({err}).") from None
