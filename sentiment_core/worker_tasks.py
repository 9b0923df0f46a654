"""What the Dask workers serve: predictions, explanations, behavioural tests and embedding maps.

These functions are sent by reference to worker processes (see :mod:`sentiment_core.engine`);
Keras is imported there, never in the web server. A worker keeps the loaded models in its own
memory (least recently used dropped first), beside what :mod:`sentiment_core.worker_cache`
keeps (IMDB, GloVe). Every function takes the models folder explicitly, so one worker serves
any folder. Training jobs run in :mod:`sentiment_core.training_jobs`.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections import OrderedDict

from .quiet import import_keras_quietly
from .worker_cache import glove_or_none, imdb
from .worker_cache import lock as _lock

log = logging.getLogger(__name__)

MAX_LOADED_MODELS = 12

_models: OrderedDict = OrderedDict()  # (models_dir, name, saved_at) -> Predictor or the ValueError it raised
_catalogues: OrderedDict = OrderedDict()  # (models_dir, name, saved_at, texts) -> filter catalogue
MAX_CATALOGUES = 8
_polarity: dict = {}  # data_dir -> (ClassCounts, Snippets)


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
    glove = glove_or_none()

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

    try:
        texts = imdb(data_dir).test.texts
    except ValueError as error:
        raise ValueError(f"Describing filters needs the IMDB test reviews: {error}") from None
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
        drawn = maps(predictor, glove_or_none(), n_words, method, perplexity, iterations, counts=counts,
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


def draw_default_maps_logged(models_dir: str, name: str, saved_at: str, data_dir: str) -> None:
    """:func:`draw_default_maps`, with a failure logged, not raised: the page draws them on demand instead."""
    started = time.monotonic()
    try:
        draw_default_maps(models_dir, name, saved_at, data_dir)
    except Exception:  # noqa: BLE001 - e.g. a tiny model with fewer words than the perplexity needs
        log.warning("Could not draw the maps of %s:\n%s", name, traceback.format_exc(limit=3))
    else:
        log.info("Drew the default maps of %s in %.1f s", name, time.monotonic() - started)


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
        train = imdb(data_dir).train  # read by _review_sample
    except ValueError:
        return None, None
    found = (ClassCounts(train.texts, train.labels, train.class_names), Snippets(texts))
    with _lock:
        _polarity.clear()
        _polarity[data_dir] = found
    return found


def warm_up() -> dict:
    """Import Keras (seconds, once per worker process) before anyone waits for it; returns the
    worker's device, so a page can show it without queueing behind a running job."""
    import_keras_quietly()
    return device_info()


def read_ahead(data_dir: str) -> dict:
    """What the first training job would read first, read now (the training worker's second task,
    at its low priority): IMDB from ``data_dir`` when a copy is there (nothing is downloaded) and
    GloVe when installed: 3.9-4.2 s and 0.5 s on 2 cores that a fresh server's first job no longer
    waits for. (That job is still 5-8 s slower than the next, mostly tokenizing reviews that the
    models folder's token cache has not seen yet.) Returns ``{"data_dir", "read"}``: the folder
    looked in and what was read; a copy that cannot be read is left for the job, which reports it."""
    from .data import find_imdb

    read = []
    try:
        if find_imdb(data_dir or None) is not None:
            imdb(data_dir)
            read.append("imdb")
        if glove_or_none() is not None:
            read.append("glove")
    except Exception:  # noqa: BLE001 - a job that needs the data says what is wrong with it
        log.warning("Reading ahead failed; the first job will read its data itself:\n%s", traceback.format_exc())
    return {"data_dir": data_dir, "read": read}


def device_info() -> dict:
    from .runtime import device_info as info

    return info()
