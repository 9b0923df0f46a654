"""Texts tokenized once: a second training run on the same texts skips the tokenizer.

Preparing IMDB for training is mostly Python-level text work: cleaning and splitting 50,000
reviews (training, validation and test) into 12 million tokens, counting them for the
vocabulary and looking every token up. None of it depends on the model, so it is done once per
collection of texts and kept as arrays (:class:`TokenizedTexts`): every distinct token, ranked the
way :class:`~sentiment_core.text.Vocabulary` ranks words, and each text as indices into that list.
A vocabulary of any size is then a prefix of the ranking, and encoding is one array lookup.

A :class:`TokenCache` keeps the last few collections in memory and, given a folder, on disk
(``<models dir>/.cache/tokens``), so neither a second model nor a restarted worker re-tokenises.
A collection is known by a SHA-256 of its texts, the negation option and :data:`TOKENIZER_VERSION`.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import zipfile
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .text import UNK, tokenize

# Bump when text.tokenize changes what it returns: files written by an older tokenizer are then
# not found (their key differs) and age out of the folder.
TOKENIZER_VERSION = 1


@dataclass(frozen=True)
class TokenizedTexts:
    """Texts as tokens: ``words`` ranked by count (most frequent first, ties alphabetical), their
    ``counts``, and text i's tokens as indices into ``words`` at ``flat[offsets[i]:offsets[i + 1]]``."""

    words: tuple[str, ...]
    counts: np.ndarray  # int64, (len(words),)
    flat: np.ndarray  # int32, (number of tokens,)
    offsets: np.ndarray  # int64, (number of texts + 1,)
    negation: bool

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def total_tokens(self) -> int:
        return int(self.counts.sum())

    def sequences(self, index: dict[str, int]) -> list[np.ndarray]:
        """Every text's tokens as ids under a vocabulary's ``index`` (``UNK`` for the words it lacks)."""
        lookup = np.fromiter((index.get(word, UNK) for word in self.words), dtype=np.int32, count=len(self.words))
        ids = lookup[self.flat]
        return np.split(ids, self.offsets[1:-1]) if len(self) else []


def tokenize_texts(texts: Sequence[str], negation: bool = False) -> TokenizedTexts:
    """Tokenize every text once (:func:`~sentiment_core.text.tokenize`) and rank the tokens."""
    index: dict[str, int] = {}
    flat = array("i")
    offsets = [0]
    for text in texts:
        flat.extend([index.setdefault(token, len(index)) for token in tokenize(text, negation)])
        offsets.append(len(flat))
    seen = np.frombuffer(flat, dtype=np.int32) if len(flat) else np.zeros(0, dtype=np.int32)
    words = list(index)
    counts = np.bincount(seen, minlength=len(words)).astype(np.int64)
    # The Vocabulary's order: most frequent first, ties broken alphabetically.
    order = sorted(range(len(words)), key=lambda i: (-counts[i], words[i]))
    rank = np.empty(len(words), dtype=np.int32)
    rank[order] = np.arange(len(words), dtype=np.int32)
    return TokenizedTexts(tuple(words[i] for i in order), counts[order], rank[seen] if len(words) else seen,
                          np.asarray(offsets, dtype=np.int64), bool(negation))


def fingerprint(texts: Sequence[str], negation: bool) -> str:
    """A key for ``texts`` read with or without negation marking, by this tokenizer version."""
    digest = hashlib.sha256(f"tokens v{TOKENIZER_VERSION} negation={bool(negation)} n={len(texts)}\n".encode())
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:32]


class TokenCache:
    """The last ``in_memory`` tokenized collections in memory, the last ``on_disk`` in ``folder``.

    Without a folder nothing outlives the process. A file that cannot be read (cut short, written
    by another version) is tokenized again and replaced; a folder that cannot be written only
    costs the saving. Safe to share between threads; processes share the folder (files are
    written whole, under a temporary name, then renamed).
    """

    def __init__(self, folder: str | Path | None = None, in_memory: int = 4, on_disk: int = 8):
        self.folder = Path(folder) if folder is not None else None
        self.in_memory = in_memory
        self.on_disk = on_disk
        self._memory: OrderedDict[str, TokenizedTexts] = OrderedDict()
        self._lock = threading.Lock()
        self.hits_ = {"memory": 0, "disk": 0, "tokenized": 0}

    def tokenized(self, texts: Sequence[str], negation: bool = False) -> TokenizedTexts:
        key = fingerprint(texts, negation)
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                self.hits_["memory"] += 1
                return found
        found = self._read(key)
        if found is not None and len(found) == len(texts) and found.negation == bool(negation):
            self.hits_["disk"] += 1
        else:
            found = tokenize_texts(texts, negation)
            self.hits_["tokenized"] += 1
            self._write(key, found)
        with self._lock:
            self._memory[key] = found
            self._memory.move_to_end(key)
            while len(self._memory) > self.in_memory:
                self._memory.popitem(last=False)
        return found

    def _path(self, key: str) -> Path | None:
        return self.folder / f"{key}.npz" if self.folder is not None else None

    def _read(self, key: str) -> TokenizedTexts | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                about = json.loads(bytes(stored["about"]).decode("utf-8"))
                words = bytes(stored["words"]).decode("utf-8")
                found = TokenizedTexts(tuple(words.split("\n")) if words else (), stored["counts"], stored["flat"],
                                       stored["offsets"], bool(about["negation"]))
            if about.get("version") != TOKENIZER_VERSION or len(found.words) != len(found.counts):
                return None
            os.utime(path)  # the folder keeps the most recently used files
            return found
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
            return None

    def _write(self, key: str, tokens: TokenizedTexts) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.npz")
            about = json.dumps({"version": TOKENIZER_VERSION, "negation": tokens.negation}).encode("utf-8")
            np.savez(partial, about=np.frombuffer(about, dtype=np.uint8),
                     words=np.frombuffer("\n".join(tokens.words).encode("utf-8"), dtype=np.uint8),
                     counts=tokens.counts, flat=tokens.flat, offsets=tokens.offsets)
            os.replace(partial, path)
            self._prune()
        except OSError:
            pass  # a read-only or full disk: the collection is still kept in memory

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[self.on_disk :]:
            old.unlink(missing_ok=True)
