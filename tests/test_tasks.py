import threading

import pytest

from sentiment_core.tasks import BackgroundTask, ResultCache


def test_a_task_reports_progress_and_its_result():
    release = threading.Event()

    def compute(progress):
        progress("Half way", 0.5)
        release.wait(5)
        return 42

    task = BackgroundTask(compute, estimate_s=1000).start()
    assert not task.wait(0.05)
    now = task.snapshot()
    assert now.step == "Half way" and 0.5 <= now.fraction < 1.0 and now.estimate_s == 1000
    release.set()
    assert task.result() == 42 and task.done and task.snapshot().fraction == 1.0


def test_the_estimate_moves_the_bar_but_never_finishes_it():
    release = threading.Event()
    task = BackgroundTask(lambda progress: release.wait(5), estimate_s=0.01).start()
    task.wait(0.1)
    assert task.snapshot().fraction == pytest.approx(0.95)
    release.set()
    task.wait()


def test_a_failure_is_raised_by_result():
    def compute(progress):
        raise ValueError("perplexity too large")

    task = BackgroundTask(compute).start()
    task.wait()
    with pytest.raises(ValueError, match="perplexity"):
        task.result()


def test_the_cache_keeps_the_most_recently_used_entries():
    cache = ResultCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent, so "b" goes first
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2
    assert cache.get("missing", "default") == "default"
    with pytest.raises(ValueError, match="at least 1"):
        ResultCache(max_entries=0)
