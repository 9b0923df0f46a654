"""The training queue: every job's request, state, live progress and result, in SQLite in the models folder.

The web server adds jobs and reads them; the worker that trains a job writes its progress; a
server restart, Streamlit's "Clear cache" or a second server on the same folder loses nothing.
Jobs run in the order they were submitted. Each owner (a browser session's id) may have one job
waiting at a time and the queue holds at most ``QueueLimits.max_waiting`` waiting jobs, so one
eager student cannot fill it. Only a job's owner or the teacher may stop or cancel it.

No Keras and no Dask here: this module is what the pages and the workers share.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .access import NotAllowed, Who  # noqa: F401 - NotAllowed is raised here too
from .config import ModelConfig, TrainConfig

# In its own folder: SQLite creates and removes journal files beside the database, and the models
# folder's modification time is what tells pages that the list of models changed.
DB_PATH = (".queue", "jobs.sqlite")
WAITING, LOADING, TRAINING, SAVING = "queued", "loading", "training", "saving"
RUNNING_STATES = (LOADING, TRAINING, SAVING)
ACTIVE_STATES = (WAITING, *RUNNING_STATES)
FINISHED_STATES = ("done", "stopped", "failed", "cancelled")
# Most batch points a job keeps for its live curve; older ones are thinned (every other one).
MAX_BATCH_POINTS = 1000
# A running job whose worker has not written for this long is taken for lost.
HEARTBEAT_TIMEOUT_S = 120.0


class QueueError(ValueError):
    """A request the queue refuses (full, a second waiting job, a name taken): the message says what to do."""


@dataclass(frozen=True)
class QueueLimits:
    max_waiting: int = 40
    per_owner: int = 1


@dataclass(frozen=True)
class DataSpec:
    """Where a job's data comes from, in a form a worker process can act on.

    ``kind="imdb"``: the IMDB copy in ``data_dir``, cut to seeded subsets. ``kind="file"``: the
    splits a page wrote for the job (an upload), in ``path``.
    """

    kind: str
    label: str
    data_dir: str = ""
    train_size: int | None = None
    test_size: int | None = None
    seed: int = 42
    path: str = ""
    sizes: tuple[int, int, int] = (0, 0, 0)  # train, validation, test texts (for estimates)
    download: bool = True  # fetch IMDB into data_dir when it is not there

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict) -> "DataSpec":
        return cls(**{**raw, "sizes": tuple(raw.get("sizes") or (0, 0, 0))})


@dataclass
class Job:
    """One row of the queue, as a page draws it."""

    id: str
    seq: int
    owner: str
    nickname: str
    name: str
    variant: str
    data_label: str
    spec: dict
    state: str
    message: str
    submitted_at: float
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None
    stop_requested: bool
    estimate: dict
    progress: dict
    batch_points: list
    epoch_history: dict
    metrics: dict | None
    saved_as: str | None
    error: str | None
    worker: str
    position: int = 0  # 1 = next to start; 0 once running or finished
    starts_in_s: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def waiting(self) -> bool:
        return self.state == WAITING

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def elapsed_s(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.finished_at or time.time()) - self.started_at

    @property
    def fraction(self) -> float:
        if self.state in FINISHED_STATES:
            return 1.0
        p = self.progress
        epochs, epoch = max(p.get("epochs") or 1, 1), p.get("epoch") or 0
        if p.get("stage") == "batch":
            done = (epoch - 1) + (p.get("batch") or 0) / max(p.get("batches") or 1, 1)
        else:
            done = epoch
        return min(max(done / epochs, 0.0), 1.0)

    @property
    def planned_s(self) -> float | None:
        return self.estimate.get("total_s")

    @property
    def left_s(self) -> float | None:
        """Time left: the worker's live figure while training, else the plan minus what has passed."""
        if self.state in FINISHED_STATES:
            return 0.0
        if self.progress.get("left_s") is not None:
            return float(self.progress["left_s"])
        if self.planned_s is None:
            return None
        return max(self.planned_s - self.elapsed_s, 0.0)

    @property
    def model_config(self) -> ModelConfig:
        return ModelConfig.from_dict(self.spec["model_config"])

    @property
    def train_config(self) -> TrainConfig:
        return TrainConfig.from_dict(self.spec["train_config"])

    @property
    def data(self) -> DataSpec:
        return DataSpec.from_dict(self.spec["data"])


_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    nickname TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    variant TEXT NOT NULL,
    data_label TEXT NOT NULL DEFAULT '',
    spec TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    submitted_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    heartbeat_at REAL,
    stop_requested INTEGER NOT NULL DEFAULT 0,
    estimate TEXT NOT NULL DEFAULT '{}',
    progress TEXT NOT NULL DEFAULT '{}',
    batch_points TEXT NOT NULL DEFAULT '[]',
    epoch_history TEXT NOT NULL DEFAULT '{}',
    metrics TEXT,
    saved_as TEXT,
    error TEXT,
    worker TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
"""
_JSON_COLUMNS = ("spec", "estimate", "progress", "batch_points", "epoch_history", "metrics")
# What a list shows: everything but the heavy live curves.
_LIGHT = ("seq, id, owner, nickname, name, variant, data_label, spec, state, message, submitted_at, started_at, finished_at, "
          "heartbeat_at, stop_requested, estimate, progress, '[]' AS batch_points, '{}' AS epoch_history, metrics, saved_as, "
          "error, worker")


class JobQueue:
    """The queue of one models folder. Cheap to create: every call opens its own connection."""

    def __init__(self, models_dir: str | os.PathLike, limits: QueueLimits = QueueLimits()):
        self.models_dir = Path(models_dir)
        self.limits = limits
        self.path = self.models_dir.joinpath(*DB_PATH)

    # -- plumbing -----------------------------------------------------------------------------

    @contextmanager
    def _db(self, write: bool = False):
        """A connection (a write transaction when ``write``); a QueueError a user can act on if the file cannot be used."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise QueueError(f"Cannot open the job queue {self.path} ({error}): check that the models folder is writable.") from None
        try:
            if write:
                connection.execute("BEGIN IMMEDIATE")
            yield connection
            if write:
                connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise QueueError(f"The job queue {self.path} cannot be used ({error}).") from None
        finally:
            connection.close()  # an open transaction is rolled back

    def _read(self, sql: str, args=()) -> list[Job]:
        with self._db() as db:
            rows = db.execute(sql, args).fetchall()
        return [_job(row) for row in rows]

    # -- submitting ---------------------------------------------------------------------------

    def submit(self, who: Who, name: str, model_config: ModelConfig, train_config: TrainConfig, data: DataSpec,
               estimate: dict | None = None) -> Job:
        """Add a job at the end of the queue; a :class:`QueueError` when it is full or this owner already waits."""
        spec = {"model_config": model_config.to_dict(), "train_config": train_config.to_dict(), "data": data.to_dict()}
        job_id = uuid.uuid4().hex[:12]
        with self._db(write=True) as db:
            waiting = db.execute("SELECT owner, name FROM jobs WHERE state = ?", (WAITING,)).fetchall()
            taken = {r["name"] for r in db.execute("SELECT name FROM jobs WHERE state IN (?, ?, ?, ?)", ACTIVE_STATES)}
            if name in taken:
                raise QueueError(f"A job in the queue will save a model named {name!r}: choose another name.")
            mine = sum(1 for r in waiting if r["owner"] == who.owner)
            if not who.teacher and mine >= self.limits.per_owner:
                raise QueueError(
                    "You already have a job waiting in the queue: wait until it starts, or cancel it, before adding another."
                )
            if len(waiting) >= self.limits.max_waiting:
                raise QueueError(
                    f"The queue is full ({len(waiting)} jobs waiting): try again when some have started, or ask the teacher."
                )
            db.execute(
                "INSERT INTO jobs (id, owner, nickname, name, variant, data_label, spec, state, message, submitted_at, estimate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job_id, who.owner, who.nickname[:40], name, model_config.variant, data.label, json.dumps(spec), WAITING,
                 "Waiting in the queue ...", time.time(), json.dumps(estimate or {})),
            )
        return self.get(job_id)

    # -- reading ------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        jobs = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if not jobs:
            raise QueueError(f"No job {job_id!r} in the queue {self.path}.")
        return self._with_positions(jobs)[0]

    def active(self) -> list[Job]:
        """Running jobs first, then the waiting ones in the order they will start (with positions)."""
        jobs = self._read(f"SELECT {_LIGHT} FROM jobs WHERE state IN (?, ?, ?, ?) ORDER BY seq", ACTIVE_STATES)
        return self._with_positions(jobs)

    def recent(self, limit: int = 50) -> list[Job]:
        """The latest jobs of any state, newest first (without their curves)."""
        return self._read(f"SELECT {_LIGHT} FROM jobs ORDER BY seq DESC LIMIT ?", (int(limit),))

    def latest_of(self, owner: str) -> Job | None:
        """This owner's running or waiting job, else its latest finished one; with curves."""
        jobs = self._read(
            "SELECT * FROM jobs WHERE owner = ? ORDER BY (state IN ('loading', 'training', 'saving')) DESC, seq DESC LIMIT 1",
            (owner,),
        )
        return self._with_positions(jobs)[0] if jobs else None

    def reserved_names(self) -> set[str]:
        return {job.name for job in self.active()}

    def _with_positions(self, jobs: list[Job]) -> list[Job]:
        """Fill ``position`` and ``starts_in_s`` of waiting jobs from the whole queue."""
        if not any(job.waiting for job in jobs):
            return jobs
        queue = self._read(f"SELECT {_LIGHT} FROM jobs WHERE state IN (?, ?, ?, ?) ORDER BY seq", ACTIVE_STATES)
        # Jobs run one after another per training slot; with one slot, a job starts when the
        # running one and all ahead of it are done.
        ahead = sum((job.left_s or 0.0) for job in queue if job.running)
        order = {}
        for position, job in enumerate((j for j in queue if j.waiting), start=1):
            order[job.id] = (position, ahead)
            ahead += job.planned_s or 0.0
        for job in jobs:
            if job.id in order:
                job.position, job.starts_in_s = order[job.id]
        return jobs

    # -- changes by people --------------------------------------------------------------------

    def request_stop(self, job_id: str, who: Who) -> Job:
        """Stop a running job after its current batch (it keeps its best epoch), or take a waiting one off the queue."""
        job = self.get(job_id)
        who.check(job.owner, f"stop {job.name!r}", job.nickname)
        with self._db(write=True) as db:
            db.execute("UPDATE jobs SET stop_requested = 1 WHERE id = ? AND state IN (?, ?, ?)", (job_id, *RUNNING_STATES))
            db.execute(
                "UPDATE jobs SET state = 'cancelled', message = ?, finished_at = ? WHERE id = ? AND state = ?",
                ("Taken off the queue before it started.", time.time(), job_id, WAITING),
            )
        return self.get(job_id)

    def clear_waiting(self, who: Who) -> int:
        """The teacher empties the queue (running jobs go on); returns how many were taken off."""
        if not (who.teacher or who.open_room):
            raise NotAllowed("Only the teacher can clear the queue.")
        with self._db(write=True) as db:
            cursor = db.execute(
                "UPDATE jobs SET state = 'cancelled', message = 'Taken off the queue by the teacher.', finished_at = ? "
                "WHERE state = ?", (time.time(), WAITING),
            )
            return cursor.rowcount

    def note_renamed(self, old: str, new: str) -> None:
        """Keep a job's "saved as" right after its model is renamed."""
        with self._db(write=True) as db:
            db.execute("UPDATE jobs SET saved_as = ? WHERE saved_as = ?", (new, old))

    # -- changes by the worker ----------------------------------------------------------------

    def claim(self, job_id: str, worker: str) -> Job | None:
        """Mark a waiting job as started by ``worker``; None when it is no longer waiting (cancelled, taken)."""
        now = time.time()
        with self._db(write=True) as db:
            cursor = db.execute(
                "UPDATE jobs SET state = ?, message = 'Loading the data ...', started_at = ?, heartbeat_at = ?, worker = ? "
                "WHERE id = ? AND state = ?", (LOADING, now, now, worker, job_id, WAITING),
            )
            if cursor.rowcount != 1:
                return None
        return self.get(job_id)

    def report(self, job_id: str, state: str | None = None, message: str | None = None, progress: dict | None = None,
               batch_points: list | None = None, epoch_history: dict | None = None) -> bool:
        """The worker's progress (also its heartbeat); returns whether a stop was requested."""
        sets, args = ["heartbeat_at = ?"], [time.time()]
        for column, value in (("state", state), ("message", message)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(value)
        for column, value in (("progress", progress), ("batch_points", batch_points), ("epoch_history", epoch_history)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(json.dumps(value))
        with self._db(write=True) as db:
            db.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ? AND state IN (?, ?, ?)", (*args, job_id, *RUNNING_STATES))
            row = db.execute("SELECT stop_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row and row["stop_requested"])

    def finish(self, job_id: str, state: str, message: str, metrics: dict | None = None, saved_as: str | None = None,
               error: str | None = None) -> None:
        if state not in FINISHED_STATES:
            raise ValueError(f"A job finishes as one of {FINISHED_STATES}; got {state!r}.")
        with self._db(write=True) as db:
            db.execute(
                "UPDATE jobs SET state = ?, message = ?, metrics = ?, saved_as = COALESCE(?, saved_as), error = ?, "
                "finished_at = ?, heartbeat_at = ? WHERE id = ? AND state NOT IN ('done', 'stopped', 'failed', 'cancelled')",
                (state, message, json.dumps(metrics) if metrics is not None else None, saved_as, error, time.time(),
                 time.time(), job_id),
            )

    def fail_lost(self, job_id: str, reason: str) -> bool:
        """Mark a job that was running (or handed to a worker) as failed because its worker went away."""
        with self._db(write=True) as db:
            cursor = db.execute(
                "UPDATE jobs SET state = 'failed', message = ?, error = ?, finished_at = ? WHERE id = ? AND state IN (?, ?, ?)",
                (f"Failed: {reason}", reason, time.time(), job_id, *RUNNING_STATES),
            )
            return cursor.rowcount == 1

    def stale_running(self, timeout_s: float = HEARTBEAT_TIMEOUT_S) -> list[Job]:
        """Running jobs whose worker has not reported for ``timeout_s`` seconds."""
        cutoff = time.time() - timeout_s
        return [job for job in self.active() if job.running and (job.heartbeat_at or 0) < cutoff]


def _job(row: sqlite3.Row) -> Job:
    values = dict(row)
    for column in _JSON_COLUMNS:
        raw = values.get(column)
        values[column] = json.loads(raw) if raw else ({} if column != "metrics" else None)
    values["batch_points"] = values["batch_points"] or []
    values["stop_requested"] = bool(values["stop_requested"])
    return Job(**values)


def thin(points: list, limit: int = MAX_BATCH_POINTS) -> list:
    """Every other point once there are more than ``limit``: a long run's curve stays small to store and draw."""
    while len(points) > limit:
        points = points[::2]
    return points
