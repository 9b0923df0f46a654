import io
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """The real data: $SENTIMENT_DATA_DIR (scripts/run_tests.sh sets it), else ../shared/data, else the
    app's own data folder."""
    configured = os.environ.get("SENTIMENT_DATA_DIR")
    if configured:
        return Path(configured)
    beside = ROOT.parent / "shared" / "data"
    if beside.is_dir():
        return beside
    from sentiment_core import paths

    return paths.data_dir()


@pytest.fixture(autouse=True)
def isolated_models_dir(tmp_path, monkeypatch):
    # No test may write into the user's real model store.
    monkeypatch.setenv("SENTIMENT_MODELS_DIR", str(tmp_path / "models"))


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    from sentiment_core.data import find_imdb

    path = shared_data_dir()
    assert find_imdb(path) is not None, f"no IMDB copy in {path}: run scripts/run_tests.sh, which fetches it"
    return path


GOOD = ["great", "wonderful", "loved", "superb", "excellent", "brilliant"]
BAD = ["awful", "boring", "hated", "terrible", "dull", "worst"]
FILLER = ["the", "movie", "was", "plot", "actor", "scene", "and", "it", "film", "story"]


def synthetic_reviews(n: int, seed: int = 0, classes=("negative", "positive")):
    """Reviews whose label is carried by a few polar words among filler (learnable, not trivial)."""
    rng = np.random.default_rng(seed)
    words = {0: BAD, 1: GOOD, 2: ["okay", "average", "fine", "mixed"]}
    texts, labels = [], []
    for i in range(n):
        label = i % len(classes)
        body = list(rng.choice(FILLER, size=rng.integers(8, 20)))
        for _ in range(2):
            body.insert(rng.integers(0, len(body)), str(rng.choice(words[label])))
        texts.append(" ".join(body))
        labels.append(label)
    return texts, np.array(labels)


def make_dataset(n: int, seed: int = 0, classes=("negative", "positive")):
    from sentiment_core.data import Dataset

    texts, labels = synthetic_reviews(n, seed, classes)
    return Dataset(texts, labels, tuple(classes), source=f"synthetic-{seed}")


def write_imdb_archive(path: Path, per_class: int = 3, extra_members=(), truncate: bool = False) -> Path:
    """A miniature aclImdb_v1.tar.gz in the original layout."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        def add(name, data: bytes):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        add("aclImdb/README", b"readme")
        for split in ("train", "test"):
            for polarity, rating in (("pos", 9), ("neg", 2)):
                for i in range(per_class):
                    word = "great" if polarity == "pos" else "awful"
                    add(f"aclImdb/{split}/{polarity}/{i}_{rating}.txt", f"A {word} film {i}.<br /><br />Really {word}.".encode())
        for name, data in extra_members:
            add(name, data)
    data = buffer.getvalue()
    if truncate:
        data = data[: len(data) // 2]
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def engine():
    """The process's engine (the pages' too): an embedded cluster started once for the whole run."""
    from sentiment_core.engine import get_engine

    started = get_engine().start()
    yield started
    started.close()
