"""Training jobs on a Dask worker: claim a queued job, train it, save the model, report as it goes.

The engine (:mod:`sentiment_core.engine`) submits :func:`run_training` by reference to the
training worker; Keras is imported there, never in the web server. Progress goes to the job's
row in the queue (at most every ``REPORT_EVERY_S`` seconds), where the pages read it, and the
queue's answer tells the job whether its owner asked it to stop.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback

from .jobqueue import JobQueue, thin
from .quiet import import_keras_quietly
from .worker_cache import glove_or_none, imdb, token_cache
from .worker_tasks import draw_default_maps_logged

log = logging.getLogger(__name__)

REPORT_EVERY_S = 0.5


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_training(models_dir: str, job_id: str) -> str:
    """Train one queued job to the end: "done", "stopped", "failed" or "skipped" (no longer waiting)."""
    import_keras_quietly()
    queue = JobQueue(models_dir)
    job = queue.claim(job_id, worker_name())
    if job is None:
        return "skipped"
    reporter = _Reporter(queue, job)
    try:
        return _train(queue, job, reporter)
    except ValueError as error:  # DataError and bad settings: a message for the user
        queue.finish(job_id, "failed", str(error), error=str(error))
        return "failed"
    except MemoryError:
        message = "The worker ran out of memory: train on fewer reviews or a smaller model."
        queue.finish(job_id, "failed", message, error=message)
        return "failed"
    except Exception as error:  # noqa: BLE001 - the job must end with a reason, never "running" forever
        log.error("Training job %s failed:\n%s", job_id, traceback.format_exc())
        queue.finish(job_id, "failed", f"Training failed: {type(error).__name__}: {error}", error=traceback.format_exc(limit=3))
        return "failed"


def _train(queue: JobQueue, job, reporter: "_Reporter") -> str:
    from .film import FilmSettings
    from .jobdata import load_splits, remove
    from .store import ModelStore
    from .training import train

    spec = job.data
    if spec.kind == "imdb":
        train_set, val_set, test_set = _imdb_splits(spec, reporter)
    else:
        train_set, val_set, test_set = load_splits(spec.path)
    if reporter.should_stop():
        queue.finish(job.id, "stopped", "Stopped before training started: nothing was saved.")
        return "stopped"
    reporter.sizes = (len(train_set), len(val_set), len(test_set))
    queue.report(job.id, state="training", message=f"Training on {len(train_set):,} texts, validating on {len(val_set):,} ...")
    model_config, train_config = job.model_config, job.train_config
    trained = train(train_set, val_set, test_set, model_config, train_config,
                    glove=glove_or_none() if model_config.uses_glove else None,
                    progress=reporter, should_stop=reporter.should_stop, film=FilmSettings(), on_frame=reporter.film,
                    # IMDB's tokens are kept on disk for the next job; an upload's are not kept past
                    # this job (its texts are deleted below).
                    tokens=token_cache(queue.models_dir) if spec.kind == "imdb" else None)
    if spec.kind == "file":
        remove(spec.path)
    if not trained.metrics.get("best_epoch"):
        queue.finish(job.id, "stopped", "Stopped before the first epoch finished: nothing to save.", _light(trained.metrics))
        return "stopped"
    queue.report(job.id, state="saving", message="Saving the model ...")
    store = ModelStore(queue.models_dir)
    name = store.free_name(job.name)
    about = {"owner": job.owner, "nickname": job.nickname, "job_id": job.id, "data_label": job.data_label}
    store.save(name, trained, about=about)
    stopped = trained.metrics.get("cancelled")
    renamed = f" (the name {job.name!r} was taken meanwhile)" if name != job.name else ""
    how = "Stopped; kept" if stopped else "Done; best"
    state = "stopped" if stopped else "done"
    queue.finish(job.id, state, f"{how} epoch {trained.metrics['best_epoch']}, saved as {name!r}{renamed}.",
                 _light(trained.metrics), saved_as=name)
    # After the job's end, so its time is the training's.
    _draw_maps_after_save(queue, store, name)
    return state


def _draw_maps_after_save(queue: JobQueue, store, name: str) -> None:
    """Have the saved model's default maps drawn, so its Embeddings page opens at once: on the maps worker
    when this runs on Dask (the training worker moves on to the next job at once), else here."""
    from . import paths

    args = (queue.models_dir, name, store.info(name).saved_at, str(paths.data_dir()))
    try:
        from distributed import fire_and_forget, get_client

        client = get_client()
    except (ImportError, ValueError):  # not inside a Dask task (a direct call)
        client = None
    if client is None:
        draw_default_maps_logged(*args)
        return
    from .engine import MAPS

    # By reference to worker_tasks, where the maps worker finds it.
    fire_and_forget(client.submit(draw_default_maps_logged, *args, resources={MAPS: 1}, pure=False))


def _light(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k != "glove_coverage" or v is None or isinstance(v, dict)}


def _imdb_splits(spec, reporter):
    from .data import imdb_splits

    def downloading(done: int, total: int) -> None:
        reporter.message(f"Downloading IMDB: {done / 1e6:.1f} of {total / 1e6:.0f} MB ...")

    data = imdb(spec.data_dir, download=spec.download, progress=downloading,
                reading=lambda: reporter.message("Reading the IMDB reviews (once per worker) ..."))
    return imdb_splits(data, spec.train_size, spec.test_size, seed=spec.seed)


class _Reporter:
    """Turns training progress events into queue rows, at most every ``REPORT_EVERY_S`` seconds
    (every epoch's end always); the queue's answer says whether someone asked to stop."""

    def __init__(self, queue: JobQueue, job):
        from .estimates import Estimate

        self.queue, self.job = queue, job
        self.planned = Estimate(**{k: job.estimate[k] for k in ("ready_s", "train_s", "test_s")}) if job.estimate else None
        self.sizes = job.data.sizes
        self.batch_size = job.train_config.batch_size
        self.points: list[dict] = []
        self.epochs: dict[str, list] = {"epoch": [], "loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
        self.last_write = 0.0
        self.last_film = 0.0
        self.stop = False

    def film(self, film, epoch_ended: bool) -> None:
        """Write the film where the Train page reads it: every epoch's end, else at most every 2 s."""
        from .film import job_film_path, prune_job_films

        now = time.monotonic()
        if not epoch_ended and len(film.frames) > 1 and now - self.last_film < 4 * REPORT_EVERY_S:
            return
        self.last_film = now
        try:
            film.save(job_film_path(self.queue.models_dir, self.job.id))
            if len(film.frames) == 1:
                prune_job_films(self.queue.models_dir)
        except OSError as error:  # a full disk must not end the training; the film is a view
            log.warning("Could not write the film of job %s: %s", self.job.id, error)

    def message(self, text: str) -> None:
        self.stop = self.queue.report(self.job.id, message=text) or self.stop

    def should_stop(self) -> bool:
        if time.monotonic() - self.last_write > 2 * REPORT_EVERY_S:  # between sparse reports (loading, evaluating)
            self.last_write = time.monotonic()
            self.stop = self.queue.report(self.job.id) or self.stop
        return self.stop

    def __call__(self, event) -> None:
        from .estimates import remaining_seconds

        if event.stage == "batch":
            x = event.epoch - 1 + event.batch / max(event.batches, 1)
            self.points.append({"x": round(x, 4), **{k: float(v) for k, v in event.logs.items()}})
            self.points = thin(self.points)
        elif event.stage == "epoch":
            self.epochs["epoch"].append(event.epoch)
            for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
                value = event.logs.get(key)
                self.epochs[key].append(None if value is None else float(value))
        now = time.monotonic()
        if event.stage == "batch" and now - self.last_write < REPORT_EVERY_S:
            return
        self.last_write = now
        left = None
        if self.planned is not None and event.stage in ("batch", "epoch"):
            batch = event.batch if event.stage == "batch" else event.batches
            left = remaining_seconds(self.planned, event.epochs, event.epoch, batch, event.batches, event.samples_per_s,
                                     self.batch_size, self.sizes[1], self.sizes[2])
        progress = {"stage": event.stage, "epoch": event.epoch, "epochs": event.epochs, "batch": event.batch,
                    "batches": event.batches, "samples_per_s": float(event.samples_per_s or 0.0), "left_s": left}
        message = event.message if event.stage in ("epoch", "end") and event.message else None
        self.stop = self.queue.report(self.job.id, message=message, progress=progress, batch_points=self.points,
                                      epoch_history=self.epochs) or self.stop
