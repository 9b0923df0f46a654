"""Watch embeddings learn: snapshots of chosen words' vectors while a model trains, as aligned 2-D frames.

While a model trains, :class:`FilmRecorder` (driven by a Keras callback in :mod:`.training`)
copies the embedding rows of a few hundred words at the start, a few times per epoch and at
every epoch's end. The words are the most frequent ones plus the most polar ones by the data
(the log-count ratio of positive against negative training texts, counted from the encoded
training rows), so the class can watch positive and negative words pull apart.

:func:`aligned_frames` turns the snapshots into 2-D frames: each frame's PCA, scaled to unit
spread and rotated (orthogonal Procrustes) onto the previous frame, so a word moves only when
its vector moves relative to the others, never because PCA flipped an axis.

No Keras here: the web process reads films (numpy only) to draw them.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FILM_FILE = "film.npz"
JOB_FILMS = (".queue", "films")
MAX_FILM_BYTES = 64 << 20
MAX_FRAMES = 200
KEEP_JOB_FILMS = 30


@dataclass(frozen=True)
class FilmSettings:
    """What to record: ``words`` rows (half the most frequent, half the most polar), ``per_epoch`` times an epoch."""

    words: int = 300
    per_epoch: int = 4
    # The polar words are the most polar among this many most frequent words (rare words and names
    # have extreme ratios by chance) that occur at least ``min_count`` times.
    pool: int = 2000
    min_count: int = 20

    def __post_init__(self):
        if not isinstance(self.words, int) or not 20 <= self.words <= 2000:
            raise ValueError(f"A film follows 20 to 2,000 words; got {self.words!r}.")
        if not isinstance(self.per_epoch, int) or not 1 <= self.per_epoch <= 20:
            raise ValueError(f"Take 1 to 20 snapshots per epoch; got {self.per_epoch!r}.")
        if not isinstance(self.pool, int) or self.pool < self.words:
            raise ValueError(f"The pool of polar words must hold at least the {self.words} words filmed; got {self.pool!r}.")
        if not isinstance(self.min_count, int) or self.min_count < 1:
            raise ValueError(f"min_count must be a positive whole number; got {self.min_count!r}.")


@dataclass
class Film:
    """Snapshots of the same words' vectors, oldest first."""

    words: list[str]
    polarity: np.ndarray  # (n,) the data's log-count ratio, positive = more frequent in the positive class
    frames: list[np.ndarray] = field(default_factory=list)  # each (n, dim)
    labels: list[str] = field(default_factory=list)  # "start", "epoch 1 · 25 %", "epoch 1 end", ...
    positions: list[float] = field(default_factory=list)  # in epochs: 0, 0.25, ..., 1.0

    def add(self, vectors: np.ndarray, label: str, position: float) -> None:
        if len(self.frames) >= MAX_FRAMES:  # keep the start, thin the rest: every other frame
            keep = [0, *range(2, len(self.frames), 2)]
            self.frames = [self.frames[i] for i in keep]
            self.labels = [self.labels[i] for i in keep]
            self.positions = [self.positions[i] for i in keep]
        self.frames.append(np.asarray(vectors, dtype=np.float32))
        self.labels.append(label)
        self.positions.append(float(position))

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically (a reader never sees half a film)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".film-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, words=np.array(self.words, dtype=str), polarity=self.polarity.astype(np.float32),
                         # Half precision: ample for drawing, and a long film of wide vectors stays small.
                         frames=np.stack(self.frames).astype(np.float16), labels=np.array(self.labels, dtype=str),
                         positions=np.array(self.positions, dtype=np.float32))
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)


class FilmError(ValueError):
    """A film file that cannot be read: the message says which and why."""


def load_film(path: str | os.PathLike) -> Film | None:
    """The film in ``path``; None when there is none. A damaged or foreign file is a :class:`FilmError`."""
    from .data.reading import load_npz_bounded

    path = Path(path)
    if not os.path.lexists(path):
        return None
    if path.is_symlink() or not path.is_file():
        raise FilmError(f"{path.name} is not a film this app wrote (a link or a folder).")
    try:
        data = load_npz_bounded(path, MAX_FILM_BYTES)
        words = [str(w) for w in data["words"]]
        polarity = np.asarray(data["polarity"], dtype=np.float32)
        frames = np.asarray(data["frames"], dtype=np.float32)
        labels = [str(x) for x in data["labels"]]
        positions = [float(x) for x in data["positions"]]
    except (OSError, KeyError, ValueError, TypeError, EOFError) as err:
        raise FilmError(f"{path.name} cannot be read as a film ({err}).") from None
    n = len(words)
    if frames.ndim != 3 or frames.shape[1] != n or polarity.shape != (n,) or not len(labels) == len(positions) == len(frames):
        raise FilmError(f"{path.name} does not hold matching words, polarity and frames.")
    if len(frames) > MAX_FRAMES or not np.isfinite(frames).all():
        raise FilmError(f"{path.name} holds more than {MAX_FRAMES} frames or non-finite vectors.")
    return Film(words, polarity, list(frames), labels, positions)


def job_film_path(models_dir: str | os.PathLike, job_id: str) -> Path:
    """Where a running job's worker keeps its film (the Train page draws it live)."""
    safe = "".join(c for c in job_id if c.isalnum() or c in "-_")[:64]
    return Path(models_dir).joinpath(*JOB_FILMS, f"{safe}.npz")


def prune_job_films(models_dir: str | os.PathLike, keep: int = KEEP_JOB_FILMS) -> None:
    """Keep only the newest ``keep`` job films (a saved model keeps its own copy)."""
    from .leftovers import keep_newest

    keep_newest(Path(models_dir).joinpath(*JOB_FILMS), "*.npz", keep)


def pick_words(words: list[str], rows: np.ndarray, labels: np.ndarray, positive: int, settings: FilmSettings,
               wordlike=None) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, polarity)``: half the most frequent words, then the most polar of both signs in turn.

    ``rows`` are the encoded training texts (ids into ``words``, 0 padding, 1 unknown) and
    ``labels`` their classes; the polarity is the data's log-count ratio with add-one smoothing.
    """
    size = len(words)
    counts = np.zeros((2, size), dtype=np.float64)
    is_positive = np.asarray(labels) == positive
    for side, mask in ((1, is_positive), (0, ~is_positive)):
        ids = np.asarray(rows)[mask].ravel()
        counts[side] = np.bincount(ids[ids < size], minlength=size)[:size]
    counts[:, :2] = 0  # padding and unknown are not words
    totals = counts.sum(axis=1)
    polarity = np.log((1 + counts[1]) / (size + totals[1])) - np.log((1 + counts[0]) / (size + totals[0]))
    usable = np.array([wordlike(w) if wordlike else True for w in words]) & (counts.sum(axis=0) > 0)
    frequent = [i for i in np.argsort(-counts.sum(axis=0), kind="stable") if usable[i]]
    chosen = list(frequent[: settings.words // 2])
    taken = set(chosen)
    common = np.zeros(size, dtype=bool)
    common[frequent[: settings.pool]] = True
    common &= counts.sum(axis=0) >= settings.min_count
    by_polarity = [i for i in np.argsort(polarity, kind="stable") if common[i] and i not in taken]
    negatives = [i for i in by_polarity if polarity[i] < 0]
    positives = [i for i in reversed(by_polarity) if polarity[i] > 0]
    for pair in zip(positives, negatives):  # the most positive and the most negative, in turn
        chosen.extend(pair[: settings.words - len(chosen)])
        if len(chosen) >= settings.words:
            break
    ids = np.array(chosen, dtype=np.int64)
    return ids, polarity[ids].astype(np.float32)


class FilmRecorder:
    """Collects snapshots and hands the film to ``on_frame`` (e.g. to write it where a page reads it)."""

    def __init__(self, film: Film, per_epoch: int, batches: int, on_frame=None):
        self.film = film
        self.batches = max(int(batches), 1)
        # Snapshot after these batch numbers (1-based) inside an epoch; the epoch's end is taken separately.
        step = self.batches / per_epoch
        self.marks = {int(round(step * k)) for k in range(1, per_epoch)} - {0, self.batches}
        self.on_frame = on_frame or (lambda film, final: None)

    def start(self, vectors: np.ndarray) -> None:
        self.film.add(vectors, "start", 0.0)
        self.on_frame(self.film, False)

    def wants(self, batch: int) -> bool:
        return batch in self.marks

    def batch(self, vectors: np.ndarray, epoch: int, batch: int) -> None:
        self.film.add(vectors, f"epoch {epoch} · {round(100 * batch / self.batches)} %", epoch - 1 + batch / self.batches)
        self.on_frame(self.film, False)

    def epoch_end(self, vectors: np.ndarray, epoch: int) -> None:
        self.film.add(vectors, f"epoch {epoch} end", float(epoch))
        self.on_frame(self.film, True)


def aligned_frames(frames: list[np.ndarray], after: np.ndarray | None = None) -> tuple[np.ndarray, list[float]]:
    """``(coords, first_axis_shares)``: each frame's first two principal components, each scaled to unit
    standard deviation and the pair rotated onto the previous frame; and the share of each frame's
    variance that its first component holds.

    Scaling each axis keeps every frame readable, even when training has stretched the space
    along one direction (a fastText model's vectors move almost only along its sentiment
    direction); the share says how much it did. Orthogonal Procrustes (a rotation or reflection)
    takes only the arbitrary orientation from the frame before. ``after``: the aligned 2-D frame these
    frames follow (when a growing film is extended), so the first is rotated onto it.
    """
    out, shares = [], []
    previous = None if after is None else np.asarray(after, dtype=np.float64)
    for vectors in frames:
        centred = np.asarray(vectors, dtype=np.float64) - np.mean(vectors, axis=0)
        if centred.shape[1] >= 2:
            _, singular, vt = np.linalg.svd(centred, full_matrices=False)
            coords = centred @ vt[:2].T
            total = float(np.sum(singular**2))
            shares.append(float(singular[0] ** 2 / total) if total > 0 else 0.0)
        else:
            coords = np.column_stack([centred[:, 0], np.zeros(len(centred))])
            shares.append(1.0)
        spread = coords.std(axis=0)
        coords = coords / np.where(spread > 0, spread, 1.0)
        if previous is not None:
            u, _, wt = np.linalg.svd(coords.T @ previous)
            coords = coords @ (u @ wt)
        out.append(coords)
        previous = coords
    return (np.stack(out).astype(np.float32) if out else np.zeros((0, 0, 2), dtype=np.float32)), shares


def separation(coords: np.ndarray, polarity: np.ndarray) -> float:
    """How far apart the positive and negative words sit in a frame: the distance between the means of the
    most positive and the most negative third, in units of the frame's standard deviation (which is 1)."""
    order = np.argsort(polarity)
    third = max(len(order) // 3, 1)
    return float(np.linalg.norm(coords[order[-third:]].mean(axis=0) - coords[order[:third]].mean(axis=0)))


@dataclass
class FilmView:
    """What a page draws: aligned 2-D frames, the words' polarity, and how far apart the sides are per frame."""

    words: list[str]
    polarity: np.ndarray
    coords: np.ndarray  # (frames, n, 2)
    labels: list[str]
    positions: list[float]
    separations: list[float]
    first_axis: list[float]  # the share of each frame's variance along its first axis
    labelled: list[list[int]]  # per frame, the words printed: the most polar of each side whose labels fit
    # The last raw snapshot drawn, so a view of a film that has since grown can be extended.
    last_snapshot: np.ndarray | None = field(default=None, repr=False)

    def continued_by(self, film: Film) -> bool:
        """Whether ``film`` is this view's film with frames added at the end (nothing before them changed)."""
        k = len(self.coords)
        return (0 < k <= len(film.frames) and self.words == film.words and self.positions == film.positions[:k]
                and self.last_snapshot is not None and np.array_equal(self.last_snapshot, film.frames[k - 1]))


def film_view(film: Film, candidates_per_side: int = 10, max_labels: int = 12, previous: FilmView | None = None) -> FilmView:
    """The film ready to draw. With ``previous`` (a view of the same film when it was shorter), only the
    new frames are aligned and labelled: a page refreshing a growing film every second does not redo
    every frame's PCA each time."""
    from threadpoolctl import threadpool_limits

    if previous is not None and not previous.continued_by(film):
        previous = None  # thinned, or another film: drawn whole
    if previous is not None and len(previous.coords) == len(film.frames):
        return previous
    order = np.argsort(film.polarity)
    # The most negative and the most positive in turn, then the first that fit on each frame.
    candidates = [int(i) for pair in zip(order[:candidates_per_side], order[::-1][:candidates_per_side]) for i in pair]
    # Small SVDs on one BLAS thread: a second costs more than it saves at this size, and on a
    # server whose cores train a model it waits for one (measured: 1.1 vs 2-3.4 ms a frame).
    with threadpool_limits(1, user_api="blas"):
        return _film_view(film, candidates, max_labels, previous)


def _film_view(film: Film, candidates: list[int], max_labels: int, previous: FilmView | None) -> FilmView:
    """``previous``: a view that ``film`` continues, or None."""
    from .map_labels import place_labels

    done = 0 if previous is None else len(previous.coords)
    coords, shares = aligned_frames(film.frames[done:], after=None if previous is None else previous.coords[-1])
    labelled = [place_labels(c, film.words, candidates, max_labels, 560.0, 400.0) for c in coords]
    separations = [separation(c, film.polarity) for c in coords]
    if previous is not None:  # the new frames after the ones already drawn
        coords, shares = np.concatenate([previous.coords, coords]), previous.first_axis + shares
        labelled, separations = previous.labelled + labelled, previous.separations + separations
    return FilmView(film.words, film.polarity, coords, film.labels, film.positions, separations, shares, labelled,
                    np.array(film.frames[-1]) if film.frames else None)


def read_film_view(path: str | os.PathLike, previous: FilmView | None = None) -> FilmView | None:
    """The film at ``path`` ready to draw; None when there is none (yet). ``previous``: see :func:`film_view`."""
    film = load_film(path)
    return film_view(film, previous=previous) if film is not None and film.frames else None


class FilmViews:
    """The latest view of each of a few film files, read again only when the file changes and then
    extended by the new frames alone. Shared by every page that draws films (it is thread-safe).
    A missing or damaged file gives None, remembered until the file changes (a page refreshing
    every second does not read a bad 64 MB file every second)."""

    def __init__(self, max_films: int = 8):
        self.max_films = max_films
        self._views: dict[str, tuple[tuple[int, int], FilmView | None]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._views)

    def get(self, path: str | os.PathLike) -> FilmView | None:
        path = str(path)
        try:
            info = os.stat(path)
        except OSError:
            return None
        stamp = (info.st_mtime_ns, info.st_size)
        with self._lock:
            known = self._views.pop(path, None)
            if known is not None and known[0] == stamp:
                self._views[path] = known  # to the back: the least recently read goes first
                return known[1]
        try:
            view = read_film_view(path, previous=known[1] if known is not None else None)
        except FilmError:
            view = None  # a damaged film is not drawn; the model itself is fine
        with self._lock:
            self._views.pop(path, None)
            self._views[path] = (stamp, view)
            while len(self._views) > self.max_films:
                self._views.pop(next(iter(self._views)))
        return view
