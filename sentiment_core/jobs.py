"""Training as a background job: it outlives the page that started it, one at a time per server.

A web page's script is rerun on every click, so training cannot live inside it. A
:class:`TrainingRunner` (one per server process) starts a :class:`TrainingJob` on a thread; the
job loads its data, trains through :func:`sentiment_core.training.train`, saves the model to the
store and records everything a page needs to draw it (state, last batch, per-epoch history,
result) behind a lock. Any session can look at the job and stop it; starting a second one while
one runs raises ``ValueError`` saying what is running.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Callable

from .config import ModelConfig, TrainConfig
from .data import Dataset
from .store import ModelStore, validate_name

log = logging.getLogger(__name__)

RUNNING_STATES = ("loading", "training", "saving")
# Most batch points a job keeps for its live curve; older ones are thinned (every other one).
MAX_BATCH_POINTS = 2000

DataLoader = Callable[[], tuple[Dataset, Dataset, Dataset]]


@dataclass
class TrainingRequest:
    """What to train: a name to save under, the configs, and how to get the data."""

    name: str
    model_config: ModelConfig
    train_config: TrainConfig
    load_data: DataLoader  # called on the job's thread: loading IMDB takes seconds
    data_label: str = ""
    glove: object = None


@dataclass
class JobSnapshot:
    """A consistent copy of a job's state for drawing (never shared with the running thread)."""

    id: str
    name: str
    variant: str
    data_label: str
    state: str  # loading, training, saving, done, stopped, failed
    message: str
    started_at: float
    finished_at: float | None
    epoch: int
    epochs: int
    batch: int
    batches: int
    fraction: float
    samples_per_s: float
    eta_s: float | None
    elapsed_s: float
    batch_points: list[dict]
    epoch_history: dict
    metrics: dict | None
    saved_as: str | None
    error: str | None
    stop_requested: bool

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES


@dataclass
class TrainingJob:
    request: TrainingRequest
    store: ModelStore
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def __post_init__(self):
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state, self.message = "loading", "Loading the data ..."
        self.started_at, self.finished_at = time.time(), None
        self._last = None  # the latest ProgressEvent
        self._batch_points: list[dict] = []
        self._batch_step = 1
        self._epochs: dict[str, list] = {"epoch": [], "loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
        self.metrics: dict | None = None
        self.saved_as: str | None = None
        self.error: str | None = None

    # -- control ------------------------------------------------------------------------------

    def start(self) -> "TrainingJob":
        self._thread = threading.Thread(target=self._run, name=f"training-{self.id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the job to stop after the current batch; it keeps its best complete epoch."""
        self._stop.set()

    def rename_saved(self, new_name: str) -> str:
        """Rename the model this job saved (the page's "saved as" field)."""
        if self.saved_as is None:
            raise ValueError("This training saved no model to rename.")
        self.store.rename(self.saved_as, new_name)
        with self._lock:
            self.saved_as = new_name
        return new_name

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the job to finish; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES

    # -- the thread ---------------------------------------------------------------------------

    def _set(self, state: str, message: str) -> None:
        with self._lock:
            self.state, self.message = state, message

    def _run(self) -> None:
        from .training import train

        request = self.request
        try:
            train_set, val_set, test_set = request.load_data()
            if self._stop.is_set():
                self._finish("stopped", "Stopped before training started: nothing was saved.")
                return
            self._set("training", f"Training on {len(train_set):,} texts, validating on {len(val_set):,} ...")
            trained = train(
                train_set, val_set, test_set, request.model_config, request.train_config,
                glove=request.glove, progress=self._on_progress, should_stop=self._stop.is_set,
            )
            if not trained.metrics.get("best_epoch"):
                self._finish("stopped", "Stopped before the first epoch finished: nothing to save.", trained.metrics)
                return
            self._set("saving", "Saving the model ...")
            name = self.store.free_name(request.name)
            self.store.save(name, trained)
            with self._lock:
                self.saved_as = name
            stopped = trained.metrics.get("cancelled")
            how = "Stopped; kept" if stopped else "Done; best"
            renamed = f" (the name {request.name!r} was taken meanwhile)" if name != request.name else ""
            self._finish(
                "stopped" if stopped else "done",
                f"{how} epoch {trained.metrics['best_epoch']}, saved as {name!r}{renamed}.",
                trained.metrics,
            )
        except ValueError as error:  # DataError is a ValueError: a message for the user
            self._finish("failed", str(error), error=str(error))
        except Exception as error:  # noqa: BLE001 - a thread must report, not die silently
            log.error("Training job %s failed:\n%s", self.id, traceback.format_exc())
            self._finish("failed", f"Training failed: {type(error).__name__}: {error}", error=traceback.format_exc(limit=3))

    def _finish(self, state: str, message: str, metrics: dict | None = None, error: str | None = None) -> None:
        with self._lock:
            self.state, self.message = state, message
            self.metrics, self.error = metrics, error
            self.finished_at = time.time()

    def _on_progress(self, event) -> None:
        with self._lock:
            self._last = event
            if event.stage == "batch":
                if event.batch % self._batch_step == 0:
                    x = event.epoch - 1 + event.batch / max(event.batches, 1)
                    self._batch_points.append({"x": x, **event.logs})
                if len(self._batch_points) > MAX_BATCH_POINTS:
                    # Thin to every other point and sample half as often from now on.
                    self._batch_points = self._batch_points[::2]
                    self._batch_step *= 2
            elif event.stage == "epoch":
                self._epochs["epoch"].append(event.epoch)
                for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
                    self._epochs[key].append(event.logs.get(key))
                self.message = event.message

    # -- reading ------------------------------------------------------------------------------

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            event = self._last
            epochs = event.epochs if event else self.request.train_config.epochs
            epoch = event.epoch if event else 0
            batch = event.batch if event and event.stage == "batch" else 0
            batches = event.batches if event else 0
            if event is None:
                fraction = 0.0
            elif event.stage == "batch":
                fraction = ((epoch - 1) + batch / max(batches, 1)) / max(epochs, 1)
            else:
                fraction = epoch / max(epochs, 1)
            if not self.running:
                fraction = 1.0
            end = self.finished_at or time.time()
            return JobSnapshot(
                id=self.id,
                name=self.saved_as or self.request.name,
                variant=self.request.model_config.variant,
                data_label=self.request.data_label,
                state=self.state,
                message=self.message,
                started_at=self.started_at,
                finished_at=self.finished_at,
                epoch=epoch,
                epochs=epochs,
                batch=batch,
                batches=batches,
                fraction=min(max(fraction, 0.0), 1.0),
                samples_per_s=event.samples_per_s if event else 0.0,
                eta_s=event.eta_s if event and self.running else None,
                elapsed_s=end - self.started_at,
                batch_points=list(self._batch_points),
                epoch_history={k: list(v) for k, v in self._epochs.items()},
                metrics=dict(self.metrics) if self.metrics else None,
                saved_as=self.saved_as,
                error=self.error,
                stop_requested=self._stop.is_set(),
            )


class TrainingRunner:
    """One per server: runs at most one training job and remembers the latest."""

    def __init__(self, store: ModelStore | None = None):
        self.store = store if store is not None else ModelStore()
        self._lock = threading.Lock()
        self._job: TrainingJob | None = None
        self._imdb_lock = threading.Lock()
        self._imdb = None  # (data directory, ImdbData): read once, reused by later jobs

    def imdb_loader(self, train_size: int | None, test_size: int | None, seed: int = 42) -> DataLoader:
        """A loader for a job: IMDB (downloaded if missing and possible), cut to seeded subsets."""

        def load():
            from . import paths
            from .data import imdb_splits, load_imdb

            job = self._job
            with self._imdb_lock:
                key = str(paths.data_dir())
                if self._imdb is None or self._imdb[0] != key:

                    def downloading(done: int, total: int) -> None:
                        if job is not None:
                            job._set("loading", f"Downloading IMDB: {done / 1e6:.1f} of {total / 1e6:.0f} MB ...")

                    self._imdb = (key, load_imdb(download=True, progress=downloading))
                imdb = self._imdb[1]
            return imdb_splits(imdb, train_size, test_size, seed=seed)

        return load

    @property
    def job(self) -> TrainingJob | None:
        """The running job, or the last one that finished (None before the first)."""
        return self._job

    def start(self, request: TrainingRequest) -> TrainingJob:
        validate_name(request.name)
        with self._lock:
            current = self._job
            if current is not None and current.running:
                snap = current.snapshot()
                raise ValueError(
                    f"A model is already training ({snap.name!r}, {snap.variant}, {snap.fraction:.0%} done). "
                    "Only one training runs at a time on this server: wait for it or stop it."
                )
            if self.store.exists(request.name):
                raise ValueError(f"A model named {request.name!r} already exists: choose another name or delete it first.")
            self._job = TrainingJob(request, self.store).start()
            return self._job
