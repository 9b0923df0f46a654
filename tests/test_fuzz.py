"""A bounded fuzz of predict and explain: 2,400 generated strings through every variant, saved and loaded.

The only exceptions allowed are the documented ValueErrors (empty text, more than MAX_CHARS
characters); every answer is finite probabilities that sum to 1, and every explanation a finite
weight per word read.
"""

import random

import numpy as np
import pytest

from sentiment_core.config import VARIANTS, ModelConfig, TrainConfig
from sentiment_core.glove import Glove
from sentiment_core.inference import MAX_CHARS
from sentiment_core.store import ModelStore
from sentiment_core.training import train
from tests.conftest import BAD, FILLER, GOOD, make_dataset

SEQ_LEN = 24
WORDS = GOOD + BAD + FILLER + ["not", "n't", "never", "but", "10/10", "1", "star", "!", "?", "(", ")", "'s"]
RTL = ["\u202e", "\u202b", "\u200f", "שלום", "مرحبا", "فيلم رائع"]
COMBINING = ["\u0301", "\u0308", "\u0336", "\u20dd", "\u0489"]
EMOJI = ["😀", "🎬", "🍿", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🏳️‍🌈"]
CONTROL = [chr(c) for c in [*range(0, 32), 127, *range(0x80, 0xA0)]]
HTML = ["<b>great</b>", "<br />", "<script>alert(1)</script>", "&lt;awful&gt;", "<img src=x onerror=1>", "<a href='x'>"]


def fuzz_strings(count: int = 2400, seed: int = 7) -> list[str]:
    """Seeded strings of every hostile kind; a few of about a megabyte, the rest short."""
    rng = random.Random(seed)

    def piece() -> str:
        kind = rng.randrange(12)
        if kind == 0:
            return rng.choice(WORDS)
        if kind == 1:
            return "".join(rng.choice(CONTROL) for _ in range(rng.randint(1, 5)))
        if kind == 2:
            return rng.choice(["\ud800", "\udfff", "\udbff\udbff", "a\udc80b"])  # lone surrogates
        if kind == 3:
            return rng.choice(RTL)
        if kind == 4:
            return rng.choice(WORDS) + "".join(rng.choice(COMBINING) for _ in range(rng.randint(1, 30)))
        if kind == 5:
            return rng.choice(EMOJI)
        if kind == 6:
            return rng.choice(HTML)
        if kind == 7:
            return str(rng.choice([0, -1, 10**30, 3.14159, float("inf"), 1e-300, "NaN", "0x1F", "1,000,000"]))
        if kind == 8:
            return "".join(rng.choice("zqxjkvbwy") for _ in range(rng.randint(3, 40)))  # unknown words
        if kind == 9:
            return chr(rng.choice([rng.randrange(0x20, 0xD800), rng.randrange(0xE000, 0x110000)]))
        if kind == 10:
            return rng.choice([" ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000", "\ufeff", "\u200b"])
        return rng.choice(["!!!", "...", "'", "`", "''", "n't", "(((", "?!"])

    strings = ["", " ", "\n\t ", "\u3000\u2028", "\x00", "\x00" * 50, "a", "!", "<br />" * 100, "\ud800"]
    for size in (MAX_CHARS, MAX_CHARS + 1, 1 << 20):  # exactly at the limit, one over, one megabyte
        strings.append(("great film " * (size // 11 + 1))[:size])
    strings.append("x" * MAX_CHARS)  # one token of a million characters
    while len(strings) < count:
        strings.append(rng.choice(["", " "]).join(piece() for _ in range(rng.randint(1, 25))))
    return strings


@pytest.fixture(scope="module")
def predictors(tmp_path_factory):
    glove = Glove(["great", "awful", "the", "film"], np.random.default_rng(0).normal(size=(4, 16)).astype("float32"))
    store = ModelStore(tmp_path_factory.mktemp("fuzz-models"))
    loaded = {}
    for variant in VARIANTS:
        config = ModelConfig(variant=variant, vocab_size=60, seq_len=SEQ_LEN, embedding_dim=16, filters=8,
                             hidden_units=16, lstm_units=8, bigram_buckets=211)
        trained = train(make_dataset(160, 1), make_dataset(40, 2), None, config, TrainConfig(epochs=1, batch_size=32),
                        glove=glove)
        store.save(variant, trained)
        loaded[variant] = store.load(variant)
    return loaded


def documented(error: ValueError, text) -> bool:
    if not isinstance(text, str):
        return "Expected a text" in str(error)
    if not text.strip():
        return "empty" in str(error)
    return len(text) > MAX_CHARS and "limit" in str(error)


def test_generated_strings_cover_every_kind():
    strings = fuzz_strings()
    assert len(strings) >= 2000 and len(set(strings)) > 1900
    assert any(len(s) >= 1 << 20 for s in strings) and any(not s.strip() for s in strings)
    assert any("\ud800" in s for s in strings) and any("\u202e" in s for s in strings)


@pytest.mark.parametrize("variant", VARIANTS)
def test_predict_and_explain_survive_fuzzed_strings(predictors, variant):
    predictor = predictors[variant]
    strings = fuzz_strings()
    answered, refused = [], 0
    for text in strings:
        try:
            (prediction,) = predictor.predict(text)
            words = predictor.explain(text)
        except ValueError as error:
            assert documented(error, text), f"{variant}: {error} for {text[:60]!r}"
            refused += 1
            continue
        probabilities = np.array(list(prediction.probabilities.values()))
        assert np.isfinite(probabilities).all() and np.all((probabilities >= 0) & (probabilities <= 1)), text[:60]
        assert abs(probabilities.sum() - 1) < 1e-5, text[:60]
        # Networks read at most SEQ_LEN words; the TF-IDF baseline reads every one.
        limit = len(text) if predictor.reads_everything else SEQ_LEN
        assert len(words) <= limit and all(np.isfinite(w["weight"]) for w in words), text[:60]
        answered.append(text)
    # The batch path gives the same answers as one text at a time.
    batch = predictor.predict_proba(answered[:300])
    assert np.isfinite(batch).all() and np.allclose(batch.sum(axis=1), 1, atol=1e-5)
    assert refused == sum(1 for s in strings if not s.strip() or len(s) > MAX_CHARS)
    for odd in (None, 123, 1.5, b"bytes", {"text": "x"}):
        with pytest.raises(ValueError, match="Expected a text"):
            predictor.predict(odd)
