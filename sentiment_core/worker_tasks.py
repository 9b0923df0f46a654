"""What runs on the Dask workers: training jobs, predictions, explanations and embedding look-ups.

These functions are sent by reference to worker processes (see :mod:`sentiment_core.engine`);
Keras is imported there, never in the web server. A worker keeps what is slow to get warm in
its own memory: the loaded models (least recently used dropped first), the IMDB copy it read,
and GloVe. Every function takes the models folder explicitly, so one worker serves any folder.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections import OrderedDict

from .jobqueue import JobQueue, thin
from .quiet import import_keras_quietly

log = logging.getLogger(__name__)

MAX_LOADED_MODELS = 12
REPORT_EVERY_S = 0.5

_lock = threading.Lock()
_models: OrderedDict = OrderedDict()  # (models_dir, name, saved_at) -> Predictor or the ValueError it raised
_imdb: dict = {}  # data_dir -> ImdbData (one entry)
_glove: list = []
_catalogues: OrderedDict = OrderedDict()  # (models_dir, name, saved_at, texts) -> filter catalogue
MAX_CATALOGUES = 8
_polarity: dict = {}  # data_dir -> (ClassCounts, Snippets)
_token_caches: dict = {}  # models_dir -> TokenCache: a second run on the same texts skips the tokenizer


# -- models kept warm -------------------------------------------------------------------------


def _predictor(models_dir: str, name: str, saved_at: str):
    import_keras_quietly()
    key = (models_dir, name, saved_at)
    with _lock:
        if key in _models:
            _models.move_to_end(key)
            found = _models[key]
        else:
            found = None
    if found is None:
        from .store import ModelStore

        try:
            found = ModelStore(models_dir).load(name)
        except ValueError as error:  # kept too, so a broken model is not rebuilt on every keystroke
            found = type(error)(str(error))
        with _lock:
            _models[key] = found
            while len(_models) > MAX_LOADED_MODELS:
                _models.popitem(last=False)
    if isinstance(found, ValueError):
        raise found
    return found


def _predictors(models_dir: str, models: list[tuple[str, str]]):
    loaded, failures = [], {}
    for name, saved_at in models:
        try:
            loaded.append(_predictor(models_dir, name, saved_at))
        except ValueError as error:
            failures[name] = str(error)
    return loaded, failures


def compare(models_dir: str, models: list[tuple[str, str]], text: str, explain: bool = True,
            method: str = "occlusion", target: str | None = None) -> list[dict]:
    """Each model's prediction (and explanation) for one text; a model that cannot load gets its message."""
    from .inference import compare as compare_loaded

    loaded, failures = _predictors(models_dir, models)
    rows = compare_loaded(loaded, text, explain=explain, method=method, target=target)
    rows += [{"model": name, "prediction": None, "words": [], "explanation": None, "error": message}
             for name, message in failures.items()]
    order = [name for name, _ in models]
    rows.sort(key=lambda row: order.index(row["model"]) if row["model"] in order else len(order))
    return rows


def predict_table(models_dir: str, models: list[tuple[str, str]], texts: list[str], top_words: int = 0,
                  method: str = "exact") -> list[dict]:
    from .inference import predict_table as table

    loaded, failures = _predictors(models_dir, models)
    if failures and not loaded:
        raise ValueError(" ".join(failures.values()))
    return table(loaded, texts, top_words, method)


def check(models_dir: str, models: list[tuple[str, str]], suite: dict) -> list:
    """Behavioural test reports (one per model) for a suite in its JSON form."""
    from .checks import ModelReport, run_suite, suite_from_dict

    loaded, failures = _predictors(models_dir, models)
    reports = run_suite(suite_from_dict(suite), loaded)
    reports += [ModelReport(name, (), [], error=message) for name, message in failures.items()]
    order = [name for name, _ in models]
    reports.sort(key=lambda r: order.index(r.model) if r.model in order else len(order))
    return reports


def counterfactuals(models_dir: str, models: list[tuple[str, str]], text: str, target: str | None = None) -> dict:
    """One-edit variants of ``text`` judged by every model; neighbours from GloVe and the first model's embedding."""
    from .counterfactuals import edits_of, judge_edits
    from .explanations import explain
    from .text import tokenize

    loaded, failures = _predictors(models_dir, models)
    if not loaded:
        raise ValueError(" ".join(failures.values()) or "Choose at least one model.")
    first = loaded[0]
    words = explain(first, text, "occlusion", target)["words"]
    influential = sorted(range(len(words)), key=lambda i: -abs(words[i]["weight"]))[:2]
    learned = next((p for p in loaded if p.model_config.learns_word_vectors), None)
    glove = _glove_or_none()

    def neighbours(word: str) -> dict[str, list[str]]:
        found = {}
        if glove is not None and word in glove.index:
            found["GloVe"] = [w for w, _ in glove.nearest(word, 6) if w.isalpha()][:2]
        if learned is not None:
            found[f"{learned.name}'s"] = _learned_neighbours(learned, word)
        return found

    edits = edits_of(text, influential, neighbours)
    return {"tokens": " ".join(tokenize(text)), "rows": judge_edits(loaded, text, edits, target),
            "failures": failures}


def _learned_neighbours(predictor, word: str, k: int = 2) -> list[str]:
    """The ``k`` words nearest ``word`` in a model's learned embedding (its 5,000 most frequent words)."""
    import numpy as np

    from .models import embedding_weights

    index = predictor.vocabulary.encode_tokens([word])[0]
    if index < 2:
        return []
    table = np.asarray(embedding_weights(predictor.model)[: min(5000, len(predictor.vocabulary))], np.float32)
    if index >= len(table):
        return []
    unit = table / np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-8)
    scores = unit @ unit[index]
    scores[:2] = -np.inf
    scores[index] = -np.inf
    words = predictor.vocabulary.words_
    return [words[j] for j in np.argsort(-scores)[: k * 3] if words[j].isalpha()][:k]


def filter_catalogue(models_dir: str, name: str, saved_at: str, data_dir: str = "", texts: int = 2000):
    """What each filter of a CNN detects: its strongest n-grams over ``texts`` IMDB test reviews (seeded
    sample), computed once per saved model and kept (a few seconds for a Kim CNN on two cores)."""
    from .filters import filter_catalogue as catalogue

    key = (models_dir, name, saved_at, data_dir, texts)
    with _lock:
        if key in _catalogues:
            _catalogues.move_to_end(key)
            return _catalogues[key]
    predictor = _predictor(models_dir, name, saved_at)
    found = catalogue(predictor, _review_sample(data_dir, texts))
    with _lock:
        _catalogues[key] = found
        while len(_catalogues) > MAX_CATALOGUES:
            _catalogues.popitem(last=False)
    return found


def fired_filters(models_dir: str, models: list[tuple[str, str]], text: str) -> dict:
    """For each chosen CNN: the filters that fired most on ``text``, and on which n-gram."""
    from .filters import fired_filters as fired, has_filters

    loaded, _ = _predictors(models_dir, models)
    return {p.name: fired(p, text) for p in loaded if has_filters(p.model_config)}


def _review_sample(data_dir: str, count: int) -> list[str]:
    import numpy as np

    from .data import load_imdb

    with _lock:
        cached = _imdb.get(data_dir)
    if cached is None:
        try:
            cached = load_imdb(data_dir or None, download=False)
        except ValueError as error:
            raise ValueError(f"Describing filters needs the IMDB test reviews: {error}") from None
        with _lock:
            _imdb.clear()
            _imdb[data_dir] = cached
    texts = cached.test.texts
    chosen = np.random.default_rng(0).choice(len(texts), size=min(count, len(texts)), replace=False)
    return [texts[i] for i in sorted(chosen)]


def embedding_table(models_dir: str, name: str, saved_at: str):
    """``(vocabulary, embedding rows)`` of a saved model: what the lesson page draws."""
    from .models import embedding_weights

    predictor = _predictor(models_dir, name, saved_at)
    return predictor.vocabulary, embedding_weights(predictor.model)


def embedding_maps(models_dir: str, name: str | None, saved_at: str, n_words: int, method: str, perplexity: float,
                   iterations: int, data_dir: str = ""):
    """The maps, from disk when any server drew them before; else drawn here (with a progress file) and kept."""
    from .map_files import MapRequest, clear_progress, load_maps, maps_path, save_maps, write_progress
    from .projection import embedding_maps as maps

    request = MapRequest(n_words, method, perplexity, iterations)
    path = maps_path(models_dir, name, request, data_dir)
    found = load_maps(path)
    if found is not None:
        return found
    predictor = _predictor(models_dir, name, saved_at) if name else None
    write_progress(path, "Reading IMDB's word counts (once per worker) ...", 0.0)
    counts, snippets = _polarity_sources(data_dir)
    try:
        drawn = maps(predictor, _glove_or_none(), n_words, method, perplexity, iterations, counts=counts,
                     snippets=snippets if predictor is not None else None,
                     progress=lambda step, fraction: write_progress(path, step, fraction))
        try:
            save_maps(drawn, path)
        except OSError as error:  # a read-only folder: the maps are still shown, only not kept
            log.warning("Could not keep the maps in %s: %s", path, error)
    finally:
        clear_progress(path)
    return drawn


def draw_default_maps(models_dir: str, name: str, saved_at: str, data_dir: str) -> None:
    """Draw a freshly saved model's default maps, so its Embeddings page opens at once."""
    from .map_files import DEFAULT_REQUEST as request

    if not _store_info_has_embedding(models_dir, name):
        return
    embedding_maps(models_dir, name, saved_at, request.n_words, request.method, request.perplexity,
                   request.iterations, data_dir)


def _store_info_has_embedding(models_dir: str, name: str) -> bool:
    from .store import ModelStore

    return ModelStore(models_dir).info(name).config.learns_word_vectors


def _polarity_sources(data_dir: str):
    """IMDB's training reviews counted per class, and 2,000 of its test reviews as snippets (once per worker);
    ``(None, None)`` without IMDB: the maps then colour by the model on each word alone."""
    from .polarity import ClassCounts, Snippets

    with _lock:
        if data_dir in _polarity:
            return _polarity[data_dir]
    try:
        texts = _review_sample(data_dir, 2000)
        with _lock:
            imdb = _imdb[data_dir]
    except (ValueError, KeyError):
        return None, None
    found = (ClassCounts(imdb.train.texts, imdb.train.labels, imdb.train.class_names), Snippets(texts))
    with _lock:
        _polarity.clear()
        _polarity[data_dir] = found
    return found


def warm_up() -> str:
    """Import Keras (seconds, once per worker process) before anyone waits for it."""
    import_keras_quietly()
    import keras

    return keras.backend.backend()


def device_info() -> dict:
    from .runtime import device_info as info

    return info()


def _glove_or_none():
    from .glove import glove_available, load_glove

    with _lock:
        if not _glove:
            _glove.append(load_glove() if glove_available() else None)
        return _glove[0]


# -- training ---------------------------------------------------------------------------------


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
                    glove=_glove_or_none() if model_config.uses_glove else None,
                    progress=reporter, should_stop=reporter.should_stop, film=FilmSettings(), on_frame=reporter.film,
                    # IMDB's tokens are kept on disk for the next job; an upload's are not kept past
                    # this job (its texts are deleted below).
                    tokens=_token_cache(queue.models_dir) if spec.kind == "imdb" else None)
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


def _token_cache(models_dir: str):
    from . import paths
    from .token_cache import TokenCache

    with _lock:
        if models_dir not in _token_caches:
            _token_caches[models_dir] = TokenCache(paths.token_cache_dir(models_dir))
        return _token_caches[models_dir]


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

    fire_and_forget(client.submit(draw_default_maps_logged, *args, resources={MAPS: 1}, pure=False))


def draw_default_maps_logged(models_dir: str, name: str, saved_at: str, data_dir: str) -> None:
    """:func:`draw_default_maps`, with a failure logged, not raised: the page draws them on demand instead."""
    started = time.monotonic()
    try:
        draw_default_maps(models_dir, name, saved_at, data_dir)
    except Exception:  # noqa: BLE001 - e.g. a tiny model with fewer words than the perplexity needs
        log.warning("Could not draw the maps of %s:\n%s", name, traceback.format_exc(limit=3))
    else:
        log.info("Drew the default maps of %s in %.1f s", name, time.monotonic() - started)


def _light(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k != "glove_coverage" or v is None or isinstance(v, dict)}


def _imdb_splits(spec, reporter):
    from .data import imdb_splits, load_imdb

    with _lock:
        cached = _imdb.get(spec.data_dir)
    if cached is None:
        def downloading(done: int, total: int) -> None:
            reporter.message(f"Downloading IMDB: {done / 1e6:.1f} of {total / 1e6:.0f} MB ...")

        reporter.message("Reading the IMDB reviews (once per worker) ...")
        cached = load_imdb(spec.data_dir or None, download=spec.download, progress=downloading)
        with _lock:
            _imdb.clear()
            _imdb[spec.data_dir] = cached
    return imdb_splits(cached, spec.train_size, spec.test_size, seed=spec.seed)


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
