"""The same builders, training loop and explanations under KERAS_BACKEND=jax (the GPU machine's backend)."""

import os
import subprocess
import sys

from sentiment_core.config import VARIANTS
from tests.conftest import ROOT

SCRIPT = r"""
import sys, tempfile
import numpy as np
from tests.conftest import make_dataset
from sentiment_core.config import ModelConfig, TrainConfig, VARIANTS
from sentiment_core.explanations import explain
from sentiment_core.glove import Glove
from sentiment_core.runtime import device_info
from sentiment_core.store import ModelStore
from sentiment_core.training import train

assert device_info()["backend"] == "jax", device_info()
glove = Glove(["great", "awful", "the"], np.random.default_rng(0).normal(size=(3, 16)).astype("float32"))
store = ModelStore(tempfile.mkdtemp())
# Every variant, nb-ngrams under the negation-flip prior (its tied training model and int tables), and
# multicnn and glove-tuned on one-hot words with LazyAdam (whose sparse path is TensorFlow's: JAX takes Adam's).
EXTRA = {"nb-ngrams-flip": {"negation": True, "negation_flip": 1.0}, "multicnn-one-hot": {"word_input": "one-hot"},
         "glove-tuned-one-hot": {"word_input": "one-hot"}}
for variant in [*VARIANTS, *EXTRA]:
    config = ModelConfig(variant=variant.removesuffix("-flip").removesuffix("-one-hot"), vocab_size=60, seq_len=24,
                         embedding_dim=16, filters=8, hidden_units=16, lstm_units=8, bigram_buckets=211,
                         **EXTRA.get(variant, {}))
    optimizer = "lazy-adam" if variant.endswith("-one-hot") else "adam"
    trained = train(make_dataset(320, 1), make_dataset(80, 2), make_dataset(80, 3), config,
                    TrainConfig(optimizer=optimizer, epochs=2, batch_size=16, learning_rate=0.01), glove=glove)
    store.save(variant, trained)
    loaded = store.load(variant)
    probabilities = loaded.predict_proba(["the great film", "awful"])
    assert np.isfinite(probabilities).all()
    # Explanations need gradients from JAX (integrated gradients) and exact shares from the weights.
    for method in ("integrated-gradients", "exact", "occlusion"):
        result = explain(loaded, "the great film was awful", method)
        total = sum(w["weight"] for w in result["words"]) + (result["base"] or 0.0)
        if result["method"] == "exact":
            assert abs(total - result["margin"]) < 1e-4, (variant, total, result["margin"])
        elif result["method"] == "integrated-gradients":
            assert abs(result["completeness_gap"]) <= 0.05 * abs(result["margin"] - result["base"]) + 1e-3, (variant, result)
    print(variant, trained.metrics["test_accuracy"])
"""


def test_every_variant_trains_saves_and_loads_under_jax():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    accuracies = dict(line.split() for line in result.stdout.strip().splitlines())
    # the ten networks, the TF-IDF baseline, nb-ngrams with the flip, multicnn and glove-tuned on one-hot words
    assert len(accuracies) == len(VARIANTS) + 3 == 14
    # The polar words make this data easy: every variant should learn it.
    assert all(float(a) > 0.7 for a in accuracies.values()), accuracies
