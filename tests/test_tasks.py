import pytest

from sentiment_core.tasks import ResultCache


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
