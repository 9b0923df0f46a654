"""The training queue in SQLite, without workers: order, positions, limits, ownership, the worker's side."""

import time

import pytest

from sentiment_core.access import NotAllowed, Who, is_teacher_password, teacher_password
from sentiment_core.config import ModelConfig, TrainConfig
from sentiment_core.jobqueue import DataSpec, JobQueue, QueueError, QueueLimits

SMALL = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=8, bigram_buckets=50)
DATA = DataSpec("imdb", "IMDB 200", data_dir="/nowhere", train_size=200, test_size=200, sizes=(180, 20, 200))
ROOM = dict(open_room=False)  # a teacher password is set: owners matter


def submit(queue, owner, name, planned=10.0, teacher=False):
    return queue.submit(Who(owner, owner.upper(), teacher=teacher, **ROOM), name, SMALL, TrainConfig(epochs=1), DATA,
                        {"ready_s": 1.0, "train_s": planned - 2, "test_s": 1.0, "total_s": planned})


def test_jobs_wait_in_order_with_positions_and_start_estimates(tmp_path):
    queue = JobQueue(tmp_path)
    first, second, third = (submit(queue, f"owner{i:04d}", f"m{i}", planned=10.0 * (i + 1)) for i in range(3))
    assert [j.position for j in queue.active()] == [1, 2, 3]
    assert [j.starts_in_s for j in queue.active()] == [0.0, 10.0, 30.0]
    assert queue.claim(first.id, "worker-1").state == "loading"
    assert queue.claim(first.id, "worker-2") is None  # claimed once only
    active = queue.active()
    assert [(j.name, j.position) for j in active] == [("m0", 0), ("m1", 1), ("m2", 2)]
    # The running job's plan (10 s) is what is left ahead of the next one.
    assert active[1].starts_in_s == pytest.approx(10.0, abs=1.0)
    assert queue.get(third.id).position == 2 and queue.get(second.id).position == 1


def test_one_waiting_job_per_owner_and_a_bounded_queue(tmp_path):
    queue = JobQueue(tmp_path, QueueLimits(max_waiting=3, per_owner=1))
    submit(queue, "anna0001", "a1")
    with pytest.raises(QueueError, match="already have a job waiting"):
        submit(queue, "anna0001", "a2")
    submit(queue, "bert0001", "b1")
    with pytest.raises(QueueError, match="will save a model named 'b1'"):
        submit(queue, "cara0001", "b1")
    submit(queue, "cara0001", "c1")
    with pytest.raises(QueueError, match="queue is full"):
        submit(queue, "dave0001", "d1")
    with pytest.raises(QueueError, match="queue is full"):  # the bound holds for the teacher too
        submit(queue, "teach001", "t1", teacher=True)
    # The teacher is over no per-owner limit: two waiting jobs once there is room.
    queue.request_stop(queue.active()[0].id, Who("anna0001", **ROOM))
    submit(queue, "teach001", "t1", teacher=True)
    with pytest.raises(QueueError, match="queue is full"):
        submit(queue, "teach001", "t2", teacher=True)
    assert [j.position for j in queue.active()] == [1, 2, 3]


def test_only_the_owner_or_the_teacher_stops_a_job(tmp_path):
    queue = JobQueue(tmp_path)
    job = submit(queue, "anna0001", "a1")
    queue.claim(job.id, "w")
    with pytest.raises(NotAllowed, match="Only ANNA0001, who made it, or the teacher can stop 'a1'"):
        queue.request_stop(job.id, Who("bert0001", **ROOM))
    assert not queue.get(job.id).stop_requested
    assert queue.request_stop(job.id, Who("anna0001", **ROOM)).stop_requested
    assert queue.report(job.id, progress={"epoch": 1}) is True  # the worker learns it on its next report
    other = submit(queue, "bert0001", "b1")
    assert queue.request_stop(other.id, Who("zzzz0001", teacher=True, **ROOM)).state == "cancelled"
    with pytest.raises(NotAllowed):
        queue.clear_waiting(Who("bert0001", **ROOM))
    # An open room (no teacher password): everyone may.
    third = submit(queue, "cara0001", "c1")
    assert queue.request_stop(third.id, Who("dave0001")).state == "cancelled"


def test_the_teacher_clears_the_waiting_jobs_and_running_ones_go_on(tmp_path):
    queue = JobQueue(tmp_path)
    running = submit(queue, "anna0001", "a1")
    queue.claim(running.id, "w")
    submit(queue, "bert0001", "b1")
    submit(queue, "cara0001", "c1")
    assert queue.clear_waiting(Who("t0000001", teacher=True, **ROOM)) == 2
    assert [j.name for j in queue.active()] == ["a1"]


def test_the_worker_reports_finishes_and_a_lost_one_is_marked_failed(tmp_path):
    queue = JobQueue(tmp_path)
    job = submit(queue, "anna0001", "a1")
    queue.claim(job.id, "w")
    queue.report(job.id, state="training", progress={"stage": "batch", "epoch": 1, "epochs": 2, "batch": 5, "batches": 10,
                                                     "left_s": 12.0}, batch_points=[{"x": 0.5, "loss": 0.6}],
                 epoch_history={"epoch": []})
    now = queue.get(job.id)
    assert now.fraction == pytest.approx(0.25) and now.left_s == 12.0 and now.batch_points == [{"x": 0.5, "loss": 0.6}]
    assert queue.stale_running(timeout_s=60) == []
    time.sleep(0.05)
    assert [j.id for j in queue.stale_running(timeout_s=0.01)] == [job.id]
    assert queue.fail_lost(job.id, "worker lost (killed)")
    ended = queue.get(job.id)
    assert ended.state == "failed" and ended.message == "Failed: worker lost (killed)" and not ended.active
    assert not queue.fail_lost(job.id, "again")  # only running jobs
    queue.finish(job.id, "done", "late")  # a finished job stays as it ended
    assert queue.get(job.id).state == "failed"


def test_a_job_spec_round_trips_and_latest_of_prefers_the_running_job(tmp_path):
    queue = JobQueue(tmp_path)
    first = submit(queue, "anna0001", "a1")
    queue.claim(first.id, "w")
    queue.finish(first.id, "done", "ok", metrics={"test_accuracy": 0.9}, saved_as="a1")
    second = submit(queue, "anna0001", "a2")
    assert queue.latest_of("anna0001").id == second.id
    assert queue.get(first.id).metrics == {"test_accuracy": 0.9} and queue.get(first.id).saved_as == "a1"
    assert queue.get(second.id).model_config == SMALL and queue.get(second.id).data == DATA
    queue.note_renamed("a1", "a1-final")
    assert queue.get(first.id).saved_as == "a1-final"
    assert queue.latest_of("nobody01") is None


def test_an_unwritable_models_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(QueueError, match="Cannot open the job queue"):
        JobQueue(blocker).active()


def test_the_teacher_password_comes_from_the_environment_first(monkeypatch):
    monkeypatch.delenv("SENTIMENT_TEACHER_PASSWORD", raising=False)
    assert teacher_password() is None and teacher_password("from-secrets") == "from-secrets"
    monkeypatch.setenv("SENTIMENT_TEACHER_PASSWORD", "owl")
    assert teacher_password("from-secrets") == "owl"
    assert is_teacher_password("owl", "owl") and not is_teacher_password("OWL", "owl") and not is_teacher_password("", None)


def test_a_damaged_queue_file_is_a_clear_error(tmp_path):
    queue = JobQueue(tmp_path)
    queue.path.parent.mkdir(parents=True)
    queue.path.write_bytes(b"not a database" * 100)
    with pytest.raises(QueueError, match="cannot be used|Cannot open the job queue"):
        queue.active()
