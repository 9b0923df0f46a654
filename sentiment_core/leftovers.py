"""Work in progress a crash can leave behind, and sweeping it away without touching live work.

A save writes into a hidden staging folder, a delete renames the model to a hidden trash folder
first, and a download writes a hidden ``.part`` file. Whoever does such work holds an exclusive
``flock`` on that folder or file for as long as it runs. The kernel drops the lock when the
process ends, however it ends (``kill -9`` included), so an abandoned leftover is exactly one
that nobody holds a lock on, and a sweep can tell it from a save or download still running in
another process. A leftover younger than ``GRACE_S`` is left alone: its lock is taken a moment
after it is created.
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows: no flock; leftovers are swept by age alone
    fcntl = None

GRACE_S = 30.0
# Without flock, work is taken for abandoned only after this long.
UNLOCKED_AGE_S = 24 * 3600.0


@contextmanager
def in_progress(path: str | os.PathLike) -> Iterator[None]:
    """Marks the folder or file ``path`` as live work (an exclusive lock) while the block runs."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


def is_abandoned(path: str | os.PathLike, grace_s: float = GRACE_S) -> bool:
    """True when ``path`` is older than ``grace_s`` and no process holds its lock."""
    try:
        age = time.time() - os.lstat(path).st_mtime
    except OSError:
        return False
    if age < grace_s:
        return False
    if fcntl is None:
        return age > UNLOCKED_AGE_S
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # someone is still working on it
    finally:
        os.close(fd)
    return True


def sweep(root: str | os.PathLike, prefixes: tuple[str, ...], grace_s: float = GRACE_S) -> list[Path]:
    """Removes the abandoned entries of ``root`` whose names start with ``prefixes``; returns them.

    Quiet by design: a missing or read-only folder (a shared data copy) is simply left as it is.
    """
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefixes) or not is_abandoned(entry.path, grace_s):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def keep_newest(folder: str | os.PathLike, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` newest files matching ``pattern`` in ``folder`` (bounded caches)."""
    try:
        files = sorted(Path(folder).glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in files[keep:]:
        try:
            old.unlink()
        except OSError:
            pass  # gone already, or another server pruned it
