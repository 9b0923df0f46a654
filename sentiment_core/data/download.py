"""Downloading IMDB: into a hidden ``.part`` file, MD5-checked, renamed into place only when complete."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from .. import leftovers, paths
from .dataset import DataError
from .imdb import IMDB_ARCHIVE_NAME, IMDB_MD5, IMDB_URL, PARTIAL_PREFIX, _root

Progress = Callable[[int, int], None]
# The official archive is 84,125,825 bytes; anything much larger is not it.
MAX_DOWNLOAD_BYTES = 128 << 20


def download_imdb(
    data_dir: str | os.PathLike | None = None,
    url: str = IMDB_URL,
    md5: str = IMDB_MD5,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the archive into ``data_dir``, verify its MD5, and rename it into place.

    The download goes to a hidden file in the same folder, locked while it is written (see
    :mod:`sentiment_core.leftovers`), so an interrupted or corrupt download never looks like a
    usable archive and one that a killed process left behind is swept away later.
    """
    root = _root(data_dir)
    target = root / IMDB_ARCHIVE_NAME
    where = f"put {IMDB_ARCHIVE_NAME} (or an unpacked aclImdb/ folder) into {root}, or set {paths.DATA_ENV}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=PARTIAL_PREFIX, suffix=".part", dir=root)
    except OSError as err:
        raise DataError(
            f"Cannot write into the data folder {root} ({err.strerror}): {where} to a folder you can write to."
        ) from err
    digest = hashlib.md5()
    try:
        with os.fdopen(fd, "wb") as out, leftovers.in_progress(tmp_name):
            with urllib.request.urlopen(url, timeout=timeout) as response:
                total = int(response.headers.get("Content-Length") or 0)
                if total > MAX_DOWNLOAD_BYTES:
                    raise DataError(f"{url} offers {total:,} bytes, not the 84 MB IMDB archive; {where}.")
                done = 0
                while chunk := response.read(1 << 20):
                    done += len(chunk)
                    if done > MAX_DOWNLOAD_BYTES:
                        raise DataError(f"{url} sent more than {MAX_DOWNLOAD_BYTES:,} bytes, not the IMDB archive; {where}.")
                    out.write(chunk)
                    digest.update(chunk)
                    if progress:
                        progress(done, total)
            if total and done != total:
                raise DataError(f"The download from {url} stopped after {done:,} of {total:,} bytes; try again, or {where}.")
            if digest.hexdigest() != md5:
                raise DataError(
                    f"The file downloaded from {url} is damaged (MD5 {digest.hexdigest()}, expected {md5}); "
                    f"try again, or {where}."
                )
            out.flush()
            os.fsync(out.fileno())
            os.replace(tmp_name, target)
    except urllib.error.URLError as err:
        raise DataError(f"Could not download IMDB from {url} ({err.reason}). Offline? Then {where}.") from err
    except (TimeoutError, ConnectionError) as err:
        raise DataError(f"Could not download IMDB from {url} ({err}). Offline? Then {where}.") from err
    except OSError as err:
        raise DataError(f"Could not save the download into {root} ({err.strerror or err}): free some space, or {where}.") from err
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target
