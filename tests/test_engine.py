"""The engine: training jobs and predictions on Dask workers, in queue order, surviving a killed worker."""

import os
import signal
import time

import pytest

from sentiment_core.access import NotAllowed, Who
from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.engine import serving_op_threads, training_op_threads
from sentiment_core.jobdata import save_splits
from sentiment_core.jobqueue import DataSpec
from sentiment_core.paths import token_cache_dir
from sentiment_core.manage import delete_model, rename_model
from sentiment_core.store import ModelStore
from tests.conftest import make_dataset

SMALL = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=8, bigram_buckets=50, dropout=0.0)
ROOM = dict(open_room=False)


def file_data(models_dir, n=200, label="synthetic"):
    splits = (make_dataset(n, seed=1), make_dataset(60, seed=2), make_dataset(60, seed=3))
    return DataSpec("file", label, path=save_splits(models_dir, splits), sizes=(n, 60, 60))


def submit(engine, models_dir, owner, name, train_config=TrainConfig(epochs=3, batch_size=16, learning_rate=0.01), n=200):
    return engine.submit(models_dir, Who(owner, owner[:4], **ROOM), name, SMALL, train_config, file_data(models_dir, n),
                         {"ready_s": 2.0, "train_s": 3.0, "test_s": 1.0, "total_s": 6.0})


def test_a_job_trains_on_the_worker_saves_with_its_owner_and_reports(engine, tmp_path):
    job = submit(engine, tmp_path, "anna0001", "bg")
    done = engine.wait_for(tmp_path, job.id, 180)
    assert done.state == "done", done.message
    assert done.saved_as == "bg" and done.epoch_history["epoch"] == [1, 2, 3]
    assert done.metrics["test_accuracy"] > 0.8 and done.fraction == 1.0
    assert [p["x"] for p in done.batch_points] == sorted(p["x"] for p in done.batch_points)
    assert done.worker and done.worker != f"{os.uname().nodename}:{os.getpid()}"  # not this process
    store = ModelStore(tmp_path)
    assert store.info("bg").about == {"owner": "anna0001", "nickname": "anna", "job_id": job.id, "data_label": "synthetic"}
    assert not os.path.exists(done.data.path)  # the upload's copy is removed once trained
    assert not list(token_cache_dir(tmp_path).glob("*"))  # and no tokenized copy is kept
    # Saved with its film: the start, then 3 snapshots inside each epoch and one at its end.
    from sentiment_core.film import FILM_FILE, job_film_path, load_film

    film = load_film(store.path("bg") / FILM_FILE)
    assert film.labels[0] == "start" and film.labels[-1] == "epoch 3 end" and len(film.frames) == 1 + 3 * 4
    assert load_film(job_film_path(tmp_path, job.id)).labels == film.labels  # what the Train page drew live

    queue = engine.queue(tmp_path)
    with pytest.raises(NotAllowed, match="Only anna, who made it, or the teacher can rename 'bg'"):
        rename_model(store, queue, Who("bert0001", **ROOM), "bg", "stolen")
    rename_model(store, queue, Who("anna0001", **ROOM), "bg", "renamed")
    assert store.exists("renamed") and queue.get(job.id).saved_as == "renamed"
    with pytest.raises(NotAllowed):
        delete_model(store, Who("bert0001", **ROOM), "renamed")
    delete_model(store, Who("t0000001", teacher=True, **ROOM), "renamed")
    assert not store.exists("renamed")


def test_a_saved_models_default_maps_are_drawn_on_the_maps_worker(engine, tmp_path):
    """So its Embeddings page opens at once, while the training worker is free for the next job."""
    import numpy as np

    from sentiment_core.data import Dataset
    from sentiment_core.map_files import DEFAULT_REQUEST, load_maps

    from sentiment_core.glove import load_glove

    # 300 real words (the maps show words GloVe knows): enough for a t-SNE map at perplexity 30.
    words = [w for w in load_glove().words[200:600] if w.isalpha()][:300]

    def dataset(n, seed):
        r = np.random.default_rng(seed)
        labels = np.arange(n) % 2
        texts = [" ".join(r.choice(words, 12)) + (" great" if y else " awful") for y in labels]
        return Dataset(texts, labels, ("negative", "positive"), source=f"words-{seed}")

    config = SMALL.replace(vocab_size=400)
    spec = DataSpec("file", "words", path=save_splits(tmp_path, (dataset(300, 1), dataset(60, 2), dataset(60, 3))),
                    sizes=(300, 60, 60))
    job = engine.submit(tmp_path, Who("anna0001", "anna", **ROOM), "mapped", config, TrainConfig(epochs=1, batch_size=32),
                        spec, {"ready_s": 2.0, "train_s": 3.0, "test_s": 1.0, "total_s": 6.0})
    assert engine.wait_for(tmp_path, job.id, 180).state == "done"
    folder = ModelStore(tmp_path).path("mapped") / "maps"
    deadline = time.time() + 180
    while time.time() < deadline and not list(folder.glob(f"{DEFAULT_REQUEST.n_words}-tsne-*.npz")):
        time.sleep(0.5)
    maps = load_maps(next(folder.glob(f"{DEFAULT_REQUEST.n_words}-tsne-*.npz")))
    assert maps is not None and maps.method == "tsne" and len(maps.words) > 200 and maps.learned.shape[1] == 2


def test_jobs_run_one_at_a_time_in_submission_order_and_stop_keeps_the_best_epoch(engine, tmp_path):
    long_config = TrainConfig(epochs=200, batch_size=8, early_stopping_patience=0)
    first = submit(engine, tmp_path, "anna0001", "long", long_config, n=400)
    second = submit(engine, tmp_path, "bert0001", "next")
    third = submit(engine, tmp_path, "cara0001", "last")
    queue = engine.queue(tmp_path)
    deadline = time.time() + 120
    while not queue.get(first.id).epoch_history.get("epoch") and time.time() < deadline:
        time.sleep(0.2)
    assert [j.position for j in queue.active()] == [0, 1, 2]
    # A page asking for the training worker's device while it trains gets its answer at once (it
    # was asked as a task on the one training slot, so the first Train page waited for the job).
    engine._device = None  # as on a server that has not shown it yet
    started = time.perf_counter()
    assert engine.device_info()["device"] in ("CPU", "GPU") and time.perf_counter() - started < 2
    with pytest.raises(NotAllowed):
        queue.request_stop(first.id, Who("bert0001", **ROOM))
    queue.request_stop(first.id, Who("anna0001", **ROOM))
    ends = [engine.wait_for(tmp_path, job.id, 180) for job in (first, second, third)]
    assert [j.state for j in ends] == ["stopped", "done", "done"], [j.message for j in ends]
    assert ends[0].metrics["best_epoch"] >= 1 and ends[0].metrics["cancelled"] and ends[0].saved_as == "long"
    # One training slot: each job started after the one before it had finished.
    assert ends[0].finished_at <= ends[1].started_at and ends[1].finished_at <= ends[2].started_at


def test_missing_imdb_fails_the_job_with_the_message(engine, tmp_path):
    data = DataSpec("imdb", "IMDB", data_dir=str(tmp_path / "no-data"), train_size=200, test_size=200, sizes=(180, 20, 200),
                    download=False)
    job = engine.submit(tmp_path, Who("anna0001"), "x", SMALL, TrainConfig(epochs=1), data)
    ended = engine.wait_for(tmp_path, job.id, 120)
    assert ended.state == "failed" and "IMDB" in ended.message
    assert ModelStore(tmp_path).list() == []


def test_a_killed_worker_fails_its_job_and_the_queue_and_serving_go_on(engine, tmp_path):
    victim = submit(engine, tmp_path, "anna0001", "victim", TrainConfig(epochs=200, batch_size=8), n=400)
    after = submit(engine, tmp_path, "bert0001", "after")
    queue = engine.queue(tmp_path)
    deadline = time.time() + 120
    while queue.get(victim.id).state != "training" and time.time() < deadline:
        time.sleep(0.2)
    workers = engine.client.scheduler_info()["workers"]
    trainer = next(address for address, w in workers.items() if w.get("resources", {}).get("train"))
    pid = engine.client.run(os.getpid, workers=[trainer])[trainer]
    os.kill(pid, signal.SIGKILL)

    lost = engine.wait_for(tmp_path, victim.id, 60)
    assert lost.state == "failed" and "worker lost" in lost.message, lost.message
    finished = engine.wait_for(tmp_path, after.id, 240)  # the nanny restarts the worker; the queue moves on
    assert finished.state == "done", finished.message
    rows = engine.compare(tmp_path, [("after", ModelStore(tmp_path).info("after").saved_at)], "wonderful superb film")
    assert rows[0]["prediction"].label == "positive"
    # Every worker, the restarted one too, runs without Dask's stack-sampling profiler: on two
    # cores its sampling would be taken from the training job.
    profiling = engine.client.run(_profiler_enabled)
    assert len(profiling) == 2 and set(profiling.values()) == {False}, profiling
    # The serving worker runs each TensorFlow operation on one thread (EngineConfig.serve_op_threads);
    # the training worker, restarted, runs each operation on the cores that leaves (and independent
    # operations side by side on TensorFlow's default of every core).
    op_threads = engine.client.run(_tf_op_threads)
    trainer = next(address for address, w in engine.client.scheduler_info()["workers"].items()
                   if w.get("resources", {}).get("train"))
    assert op_threads.pop(trainer) == (str(training_op_threads(os.cpu_count())), None)
    expected = str(serving_op_threads(os.cpu_count()))
    assert list(op_threads.values()) == [(expected, expected)], op_threads
    assert serving_op_threads(2) == 1 and serving_op_threads(16) == 8
    assert training_op_threads(2) == 1 and training_op_threads(4) == 3 and training_op_threads(16) == 8


def _profiler_enabled():
    import dask

    return dask.config.get("distributed.worker.profile.enabled")


def _tf_op_threads():
    return os.environ.get("TF_NUM_INTRAOP_THREADS"), os.environ.get("TF_NUM_INTEROP_THREADS")


def test_the_worker_loads_each_model_once_and_keeps_a_broken_one_as_its_message(tmp_path, monkeypatch):
    """What the serving worker does, called in this process: loads are cached, failures included."""
    from sentiment_core import worker_tasks
    from sentiment_core.training import train

    store = ModelStore(tmp_path)
    for name in ("good", "broken"):
        store.save(name, train(make_dataset(120, seed=1), make_dataset(40, seed=2), None, SMALL, TrainConfig(epochs=1)))
    (tmp_path / "broken" / "model.weights.h5").write_bytes(b"not weights")
    loads, load = [], ModelStore.load
    monkeypatch.setattr(ModelStore, "load", lambda self, name: loads.append(name) or load(self, name))
    refs = [(m.name, m.saved_at) for m in store.list()]
    for text in ("a great film", "an awful film", "great"):
        rows = worker_tasks.compare(str(tmp_path), refs, text)
        assert {r["model"]: bool(r["error"]) for r in rows} == {"good": False, "broken": True}
    assert sorted(loads) == ["broken", "good"]
    with pytest.raises(ValueError, match="empty"):
        worker_tasks.compare(str(tmp_path), refs, "   ")


def test_a_job_left_running_by_a_stopped_server_is_failed_when_the_folder_is_opened(engine, tmp_path):
    import socket

    from sentiment_core.jobqueue import JobQueue

    queue = JobQueue(tmp_path)
    orphan = queue.submit(Who("anna0001"), "orphan", SMALL, TrainConfig(epochs=1), file_data(tmp_path))
    queue.claim(orphan.id, f"{socket.gethostname()}:999999")  # a worker process that no longer exists
    elsewhere = queue.submit(Who("bert0001"), "elsewhere", SMALL, TrainConfig(epochs=1), file_data(tmp_path))
    queue.claim(elsewhere.id, "another-machine:123")  # may still be running there: left to its heartbeat
    engine.queue(tmp_path)
    assert queue.get(orphan.id).state == "failed" and "restarted" in queue.get(orphan.id).message
    assert queue.get(elsewhere.id).running
    queue.fail_lost(elsewhere.id, "test over")


def test_a_scheduler_that_does_not_answer_is_a_clear_message():
    import socket

    from sentiment_core.engine import Engine, EngineConfig, EngineError

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = Engine(EngineConfig(scheduler=f"tcp://127.0.0.1:{port}", connect_timeout_s=2))
    with pytest.raises(EngineError, match=f"scheduler at tcp://127.0.0.1:{port} does not answer.*SENTIMENT_SCHEDULER"):
        engine.start()
    started = time.monotonic()
    with pytest.raises(EngineError, match="does not answer"):  # at once, not after another timeout
        engine.compare("/nowhere", [], "text")
    assert time.monotonic() - started < 1.0


def test_clearing_streamlits_caches_loses_no_job_and_no_engine(engine, tmp_path):
    import streamlit as st

    from sentiment_core.engine import get_engine

    job = submit(engine, tmp_path, "anna0001", "kept", TrainConfig(epochs=1, batch_size=16))
    st.cache_resource.clear()  # what the "Clear cache" menu item does, with st.cache_data
    st.cache_data.clear()
    assert get_engine() is engine
    assert engine.wait_for(tmp_path, job.id, 120).state == "done"


def test_the_threads_settings_are_read_from_the_environment_and_checked(monkeypatch):
    from sentiment_core.engine import SERVE_OP_THREADS_ENV, TRAIN_OP_THREADS_ENV, EngineConfig, EngineError

    for name, field in ((SERVE_OP_THREADS_ENV, "serve_op_threads"), (TRAIN_OP_THREADS_ENV, "train_op_threads")):
        monkeypatch.delenv(SERVE_OP_THREADS_ENV, raising=False)
        monkeypatch.delenv(TRAIN_OP_THREADS_ENV, raising=False)
        assert getattr(EngineConfig.from_env(), field) is None  # sized for the machine
        monkeypatch.setenv(name, " 3 ")
        config = EngineConfig.from_env()
        assert getattr(config, field) == 3
        assert (config.serve_op_threads, config.train_op_threads).count(None) == 1  # the other one is untouched
        for wrong in ("two", "0", "-1", "1.5", "1000"):
            monkeypatch.setenv(name, wrong)
            with pytest.raises(EngineError, match=f"{name} must be a whole number"):
                EngineConfig.from_env()


def test_the_training_worker_reads_imdb_and_glove_ahead_of_the_first_job(engine, tmp_path):
    """A fresh server's first job must not wait for IMDB and GloVe to be read: the worker reads them on start."""
    from sentiment_core import worker_tasks
    from sentiment_core.data import find_imdb
    from sentiment_core.glove import glove_available

    ahead = engine._warm_up[-1].result(timeout=120)  # the folder the engine looked in when it started
    has_imdb = find_imdb(ahead["data_dir"] or None) is not None
    assert ahead["read"] == (["imdb"] if has_imdb else []) + (["glove"] if glove_available() else [])
    empty = worker_tasks.read_ahead(str(tmp_path))  # no IMDB there: nothing to read, nothing downloaded
    assert empty == {"data_dir": str(tmp_path), "read": ["glove"] if glove_available() else []}
    assert list(tmp_path.iterdir()) == []
