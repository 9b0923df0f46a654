"""The job engine: Dask workers that train and serve models, so the web server never imports Keras.

One :class:`Engine` per server process (:func:`get_engine`), started on first use and kept for
the life of the process: it outlives page reruns and Streamlit's "Clear cache". By default it
embeds a ``LocalCluster`` of two worker processes on this machine:

- a **training** worker (resource ``train``), one job at a time, at a lower OS priority so a
  running training never slows the pages down;
- a **serving** worker (resources ``serve`` and ``maps``) that keeps loaded models warm and
  answers predictions, explanations, embedding look-ups and maps.

``SENTIMENT_SCHEDULER=tcp://host:8786`` sends the same work to an existing Dask cluster instead;
its workers must share the models folder and declare the resources (see the README).

The queue itself lives in SQLite in the models folder (:mod:`sentiment_core.jobqueue`). A small
dispatcher thread hands waiting jobs to the cluster as training slots free up, in the order they
were submitted, and marks a job "failed: worker lost" when its worker dies.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .access import Who
from .jobqueue import Job, JobQueue, QueueLimits

log = logging.getLogger(__name__)

SCHEDULER_ENV = "SENTIMENT_SCHEDULER"
SERVE_OP_THREADS_ENV = "SENTIMENT_SERVE_OP_THREADS"
TRAIN_OP_THREADS_ENV = "SENTIMENT_TRAIN_OP_THREADS"
TRAIN, SERVE, MAPS = "train", "serve", "maps"
DISPATCH_EVERY_S = 0.5
# How often folders without active jobs are looked at again, for jobs another process (the CLI,
# a benchmark, a second server) put in their queue.
RESCAN_EVERY_S = 5.0
RETRY_AFTER_S = 15.0

# Dask settings for the embedded cluster, read when its scheduler and workers are made. On a
# 2-core machine every share of a core that Dask's own housekeeping takes is taken from the
# training job, so the housekeeping that a classroom server does not need is turned off or slowed
# down (measured idle, two workers: 79 -> 29 ms of CPU a second in the workers, 44-61 -> 30 in
# the server).
LOCAL_CLUSTER_SETTINGS = {
    # No retries: a job whose worker dies (killed, out of memory) fails with a reason
    # instead of running again from the start behind everyone's back.
    "distributed.scheduler.allowed-failures": 0,
    # The statistical profiler walks every running task's Python stack every 10 ms, the training
    # loop's included; its only reader is the dashboard, which the embedded cluster does not run.
    "distributed.worker.profile.enabled": False,
    # CPU and memory figures for the dashboard, every 0.5 s in every process.
    "distributed.admin.system-monitor.interval": "2s",
    # How often a nanny checks its worker's memory against the limit (0.1 s by default): a worker
    # that runs out of memory is still stopped within a second.
    "distributed.worker.memory.monitor-interval": "1s",
}


def _task(name: str, module: str = "worker_tasks"):
    """A worker function, looked up in the module as it is now: Dask sends functions by reference,
    which fails for a function whose module was loaded again since (a code reload)."""
    return getattr(importlib.import_module(f"sentiment_core.{module}"), name)


class EngineError(ValueError):
    """The workers cannot be reached or started: the message says what to check."""


@dataclass(frozen=True)
class EngineConfig:
    """How the engine finds or starts its workers.

    ``scheduler``: the address of an existing Dask scheduler, or None to start one here.
    ``train_nice``: how much lower the training worker's OS priority is (0-19).
    ``serve_op_threads``: TensorFlow's threads for the serving worker's operations (None: sized for
    the machine, :func:`serving_op_threads`).
    ``train_op_threads``: TensorFlow's threads for each operation of a training job (None: the cores
    the serving worker leaves, :func:`training_op_threads`).
    """

    scheduler: str | None = None
    serve_threads: int = 2
    serve_op_threads: int | None = None
    train_op_threads: int | None = None
    train_nice: int = 10
    start_timeout_s: float = 120.0
    connect_timeout_s: float = 10.0
    call_timeout_s: float = 60.0
    limits: QueueLimits = QueueLimits()

    @classmethod
    def from_env(cls) -> "EngineConfig":
        return cls(scheduler=os.environ.get(SCHEDULER_ENV) or None, serve_op_threads=_threads_from_env(SERVE_OP_THREADS_ENV),
                   train_op_threads=_threads_from_env(TRAIN_OP_THREADS_ENV))


def _threads_from_env(name: str) -> int | None:
    threads = (os.environ.get(name) or "").strip()
    if threads and not (threads.isdigit() and 1 <= int(threads) <= 256):
        raise EngineError(f"{name} must be a whole number of threads from 1 to 256 (or unset, "
                          f"to size it for the machine); got {threads!r}.")
    return int(threads) if threads else None


def serving_op_threads(cores: int | None) -> int:
    """TensorFlow's threads for the serving worker on a machine with ``cores`` cores.

    A sentence's prediction is a few small operations: on one thread it answers as fast as on two
    (9-11 ms for three models either way), while TensorFlow's idle threads spin; and the serving
    worker, at the higher priority, could take both cores from a training job at once, where on one
    thread it leaves the job a core. Measured on 2 cores:
    the worker's CPU per keystroke 12-23 -> 9 ms, a job beside a typing room 1.15-1.19x -> 1.09-1.13x
    its time alone (benchmarks/classroom_load.py). Bigger machines keep half their cores for long
    batches.
    """
    return 1 if not cores or cores <= 4 else cores // 2


def training_op_threads(cores: int | None) -> int:
    """TensorFlow's threads for each operation of a training job: the cores that the serving
    worker's operations leave (:func:`serving_op_threads`), at least one.

    TensorFlow still runs independent operations side by side (its inter-op threads, every core),
    so a job alone keeps both cores of a 2-core machine busy. In the app, the one-hot multicnn on
    5,000 reviews, three triples each (benchmarks/classroom_load.py, SENTIMENT_TRAIN_OP_THREADS):
    191 s alone and 231 s beside a typing room on one thread, 202 s and 239 s on two (0.95x and
    1.07x its time outside the app). Outside the app, beside a synthetic room, two threads did
    better (benchmarks/training_threads.py): the choice is close.
    """
    return max(1, (cores or 1) - serving_op_threads(cores))


class Engine:
    """Workers for training and serving, and the dispatcher that feeds the training queue."""

    def __init__(self, config: EngineConfig = EngineConfig()):
        self.config = config
        self._lock = threading.RLock()
        self._client = None
        self._cluster = None
        self._inflight: dict[str, tuple[str, object]] = {}  # job id -> (models dir, future)
        self._watched: set[str] = set()
        self._seen: set[str] = set()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._dispatcher: threading.Thread | None = None
        self._device: dict | None = None
        self._slots = (0.0, 0)
        self._rescanned = 0.0
        self._failure: tuple[float, EngineError | None] = (0.0, None)

    # -- starting -----------------------------------------------------------------------------

    @property
    def client(self):
        with self._lock:
            if self._client is None:
                # After a failure, the same message for a while: a page must not wait for the
                # connection timeout on every rerun of every visitor.
                failed_at, failure = self._failure
                if failure is not None and time.monotonic() - failed_at < RETRY_AFTER_S:
                    raise failure
                try:
                    self._client = self._connect() if self.config.scheduler else self._start_local()
                except EngineError as error:
                    self._failure = (time.monotonic(), error)
                    raise
                self._dispatcher = threading.Thread(target=self._dispatch_loop, name="job-dispatcher", daemon=True)
                self._dispatcher.start()
                # Import TensorFlow on every worker now, so the first prediction and the first job do not wait for it.
                # (Kept: Dask cancels a task whose future is dropped.)
                self._warm_up = [self._client.submit(_task("warm_up"), resources={resource: 1}, pure=False)
                                 for resource in (TRAIN, SERVE)]
                # Then the training worker reads what a first job would wait for (IMDB, GloVe).
                self._warm_up.append(self._client.submit(_task("read_ahead"), str(paths.data_dir()),
                                                         resources={TRAIN: 1}, pure=False))
            return self._client

    def start(self) -> "Engine":
        self.client  # noqa: B018 - starts the workers
        return self

    def _connect(self):
        from distributed import Client

        try:
            return Client(self.config.scheduler, timeout=self.config.connect_timeout_s, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise EngineError(
                f"The Dask scheduler at {self.config.scheduler} does not answer ({type(error).__name__}): start it with "
                f"`dask scheduler`, or unset {SCHEDULER_ENV} to train on this machine."
            ) from None

    def _start_local(self):
        import dask
        import psutil
        from distributed import Client, LocalCluster, Nanny

        memory = psutil.virtual_memory().total
        op_threads = str(self.config.serve_op_threads or serving_op_threads(os.cpu_count()))
        train_threads = str(self.config.train_op_threads or training_op_threads(os.cpu_count()))
        # Worker processes read Dask's logging level from the environment when they start.
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
        with dask.config.set(LOCAL_CLUSTER_SETTINGS):
            # A nanny hands its config to every worker it starts, a restarted one too. It merges this
            # over Dask's own one level deep, so it gets a whole private copy (else it shares Dask's
            # sections, and leaving a `dask.config.set` block undoes the settings for later workers).
            worker_config = dask.config.merge(dask.config.config)
        common = {"preload": ["sentiment_core.worker_setup"], "host": "127.0.0.1", "dashboard": False,
                  "config": worker_config}
        quiet = {"DASK_LOGGING__DISTRIBUTED": "warning", "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
        workers = {
            "train": {"cls": Nanny, "options": {**common, "nthreads": 1, "resources": {TRAIN: 1},
                                                 "memory_limit": int(memory * 0.45),
                                                 "env": {**quiet, "SENTIMENT_WORKER_NICE": str(self.config.train_nice),
                                                         "TF_NUM_INTRAOP_THREADS": train_threads}}},
            "serve": {"cls": Nanny, "options": {**common, "nthreads": self.config.serve_threads,
                                                 "resources": {SERVE: self.config.serve_threads, MAPS: 1},
                                                 "memory_limit": int(memory * 0.3),
                                                 "env": {**quiet, "TF_NUM_INTRAOP_THREADS": op_threads,
                                                         "TF_NUM_INTEROP_THREADS": op_threads}}},
        }
        with dask.config.set(LOCAL_CLUSTER_SETTINGS):
            try:
                cluster = LocalCluster(n_workers=0, processes=True, host="127.0.0.1", scheduler_port=0,
                                       dashboard_address=None, silence_logs=logging.ERROR)
                cluster.worker_spec.update(workers)
                cluster.scale(len(workers))
                client = Client(cluster, set_as_default=False)
                client.wait_for_workers(len(workers), timeout=self.config.start_timeout_s)
            except (OSError, TimeoutError) as error:
                raise EngineError(f"The workers did not start ({type(error).__name__}: {error}): see the server's log.") from None
        self._cluster = cluster
        # Closed before the interpreter's own exit handlers: the workers are told to stop while their
        # scheduler still answers (else each logs a heartbeat traceback when the server is stopped).
        atexit.register(self.close)
        return client

    def close(self) -> None:
        atexit.unregister(self.close)
        self._closed.set()
        self._wake.set()
        with self._lock:
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
            self._client = self._cluster = None

    # -- serving ------------------------------------------------------------------------------

    def _call(self, function, *args, resource: str = SERVE, timeout: float | None = None):
        from distributed import KilledWorker

        future = self.client.submit(function, *args, resources={resource: 1}, pure=False)
        try:
            return future.result(timeout=timeout or self.config.call_timeout_s)
        except KilledWorker:
            raise EngineError("The model server restarted (a worker was lost): try again in a few seconds.") from None
        except TimeoutError:
            future.cancel()
            raise EngineError("The model server did not answer in time: the machine is very busy, try again.") from None

    def compare(self, models_dir, models: list[tuple[str, str]], text: str, explain: bool = True,
                method: str = "occlusion", target: str | None = None) -> list[dict]:
        """Each model's prediction and explanation for ``text`` (a ValueError when the text itself is unusable)."""
        return self._call(_task("compare"), str(models_dir), models, text, explain, method, target)

    def counterfactuals(self, models_dir, models: list[tuple[str, str]], text: str, target: str | None = None) -> dict:
        """One-edit variants of ``text`` (negations, antonyms, neighbours, drops) judged by every model."""
        return self._call(_task("counterfactuals"), str(models_dir), models, text, target)

    def filter_catalogue(self, models_dir, name: str, saved_at: str, data_dir: str = "") -> list:
        """Each filter of a CNN with its strongest n-grams over IMDB test reviews (computed once per model)."""
        return self._call(_task("filter_catalogue"), str(models_dir), name, saved_at, str(data_dir or ""))

    def fired_filters(self, models_dir, models: list[tuple[str, str]], text: str) -> dict:
        return self._call(_task("fired_filters"), str(models_dir), models, text)

    def predict_table(self, models_dir, models: list[tuple[str, str]], texts: list[str], top_words: int = 0,
                      method: str = "exact") -> list[dict]:
        return self._call(_task("predict_table"), str(models_dir), models, texts, top_words, method)

    def check(self, models_dir, models: list[tuple[str, str]], suite: dict) -> list:
        """Behavioural test reports, one per model (a SuiteError when the suite cannot run)."""
        return self._call(_task("check"), str(models_dir), models, suite)

    def embedding_table(self, models_dir, name: str, saved_at: str):
        """``(vocabulary, embedding rows)`` of a saved model."""
        return self._call(_task("embedding_table"), str(models_dir), name, saved_at)

    def embedding_maps(self, models_dir, name: str | None, saved_at: str, n_words: int, method: str, perplexity: float,
                       iterations: int, data_dir: str = ""):
        """A future for the maps (slow: the page polls it and draws progress)."""
        return self.client.submit(_task("embedding_maps"), str(models_dir), name, saved_at, n_words, method, perplexity,
                                  iterations, str(data_dir or ""), resources={MAPS: 1}, pure=False)

    def device_info(self, wait_s: float = 60.0) -> dict | None:
        """The training worker's device (GPU or CPU), as its warm-up reported it (waiting up to
        ``wait_s`` for a worker still importing Keras); None if it has not started by then. Never a
        task of its own: on the one training slot it would wait behind a running job, and so would
        the page that asked. The warm-up is the slot's first task, so it never waits for a job."""
        if self._device is None:
            self.start()
            warm = self._warm_up[0]  # the training worker's
            try:
                self._device = warm.result(timeout=wait_s)
            except TimeoutError:
                return None
            except Exception as error:  # noqa: BLE001 - the worker died while starting
                raise EngineError(f"The training worker did not start: {error}") from error
        return self._device

    # -- training queue -----------------------------------------------------------------------

    def queue(self, models_dir) -> JobQueue:
        """The queue of a models folder; the first time, jobs a previous server left are settled."""
        models_dir = str(Path(models_dir))
        queue = JobQueue(models_dir, self.config.limits)
        if models_dir not in self._seen:
            self._seen.add(models_dir)
            self.start()
            # A job still marked running whose worker process on this machine is gone belonged to a
            # server that stopped: nothing will finish it. (Others fail when their heartbeat stops.)
            for job in queue.active():
                if job.running and job.id not in self._inflight and _worker_gone(job.worker):
                    queue.fail_lost(job.id, "worker lost (the app was restarted while it trained)")
            self._watch(models_dir)
        return queue

    def submit(self, models_dir, who: Who, name: str, model_config, train_config, data, estimate: dict | None = None) -> Job:
        job = self.queue(models_dir).submit(who, name, model_config, train_config, data, estimate)
        self._watch(str(Path(models_dir)))
        return job

    def _watch(self, models_dir: str) -> None:
        with self._lock:
            self._watched.add(models_dir)
        self._wake.set()

    def training_slots(self) -> int:
        """How many training workers the cluster has (checked every few seconds)."""
        checked, slots = self._slots
        if time.monotonic() - checked > 5:
            info = self.client.scheduler_info()
            slots = sum(int((w.get("resources") or {}).get(TRAIN, 0)) for w in info.get("workers", {}).values())
            self._slots = (time.monotonic(), slots)
        return slots

    def _dispatch_loop(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(DISPATCH_EVERY_S)
            self._wake.clear()
            try:
                self.dispatch()
            except Exception:  # noqa: BLE001 - the dispatcher must outlive one bad round
                log.exception("The job dispatcher failed a round; trying again.")

    def dispatch(self) -> None:
        """One round: settle finished futures, fail lost jobs, start waiting ones on free slots."""
        with self._lock:
            if self._client is None or self._closed.is_set():
                return
            self._settle()
            if time.monotonic() - self._rescanned > RESCAN_EVERY_S:
                self._rescanned = time.monotonic()
                self._seen = {d for d in self._seen if JobQueue(d).path.exists()}  # folders removed since are forgotten
                self._watched |= {d for d in self._seen if JobQueue(d, self.config.limits).active()}
            free = self.training_slots() - len(self._inflight)
            for models_dir in sorted(self._watched):
                queue = JobQueue(models_dir, self.config.limits)
                if not queue.path.exists():
                    self._watched.discard(models_dir)
                    continue
                for job in queue.stale_running():
                    if job.id not in self._inflight:
                        queue.fail_lost(job.id, "worker lost (no word from it for two minutes)")
                active = queue.active()
                for job in active:
                    if free <= 0:
                        break
                    if job.waiting and job.id not in self._inflight:
                        future = self.client.submit(_task("run_training", "training_jobs"), models_dir, job.id, resources={TRAIN: 1},
                                                    pure=False, key=f"training-{job.id}")
                        self._inflight[job.id] = (models_dir, future)
                        free -= 1
                if not active and not any(d == models_dir for d, _ in self._inflight.values()):
                    self._watched.discard(models_dir)

    def _settle(self) -> None:
        from distributed import KilledWorker

        for job_id, (models_dir, future) in list(self._inflight.items()):
            if not future.done():
                continue
            del self._inflight[job_id]
            queue = JobQueue(models_dir, self.config.limits)
            if future.status == "error":
                error = future.exception()
                if isinstance(error, KilledWorker):
                    reason = "worker lost (it was killed or ran out of memory)"
                else:
                    reason = f"{type(error).__name__}: {error}"
                queue.fail_lost(job_id, reason)
            elif future.status == "cancelled":
                queue.fail_lost(job_id, "worker lost (the cluster cancelled the job)")
            elif future.result() != "skipped":  # "skipped": another dispatcher's worker claimed it first
                queue.fail_lost(job_id, "the worker ended without finishing the job")  # no-op when it did finish

    def wait_for(self, models_dir, job_id: str, timeout: float) -> Job:
        """Block until a job has finished (tests and the CLI); the job as it ended, or as it is at the timeout."""
        queue = self.queue(models_dir)
        deadline = time.monotonic() + timeout
        while True:
            job = queue.get(job_id)
            if not job.active or time.monotonic() > deadline:
                return job
            time.sleep(0.2)


def _worker_gone(worker: str) -> bool:
    """True when ``worker`` ("host:pid") names a process on this machine that no longer runs."""
    import socket

    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine() -> Engine:
    """This process's engine (configured from the environment), created on first use; never started twice."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine(EngineConfig.from_env())
        return _engine
