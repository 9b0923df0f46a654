"""How long a training job will take, before it starts and while it runs (no Keras: the web page uses it).

An estimate has three parts: getting ready (reading the data, building, compiling and tracing the
model on the worker), the epochs, and the final test. Before the run they come from measured rates;
while it runs, the live rate of the batches so far replaces the guessed one, so a run on a busy
or faster machine corrects its own estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import ModelConfig, TrainConfig

# Training throughput in reviews per second at length 500, 100 filters, embedding 50 on a 2-core CPU, from
# benchmarks/imdb_quality.py (rounded). Only used to tell a user roughly how long to wait.
CPU_REVIEWS_PER_S = {
    "dense": 590, "cnn": 870, "multicnn": 470, "glove-static": 560, "glove-tuned": 490,
    "multichannel": 310, "bilstm": 180,
    # fastText: the reviews' own cost, without its n-gram table's (TABLE_S_PER_WEIGHT_STEP); bucketed
    # batches read only the words there are, so the length cap hardly matters. With the table: 792/s
    # measured at its defaults on 22,500 reviews.
    "fasttext": 2000,
    # nb-ngrams: measured at its default length 2,000 (bucketed: it reads only the words there are).
    "nb-ngrams": 3300,
    # nb-cnn: 667/s measured at its default length 1,000 with Lazy Adam (2026-12-08; as 1,300 at length 500).
    "nb-cnn": 1300,
    # tfidf-logreg: one fit, ~30 s for 22,500 reviews (words and pairs); it ignores length and width.
    "tfidf-logreg": 750,
}
# Kim's CNN on one-hot words (word_input "one-hot") with LazyAdam, its defaults (30,000 words, 100
# filters per width 3/4/5, length 500): 785-857 reviews/s on 1,800 IMDB reviews (validation and each
# epoch's set-up weigh more there), 1,150 on 22,502 (benchmarks/imdb_quality.py). The smaller rate:
# a class trains on subsets, and the estimate is an upper bound.
ONE_HOT_REVIEWS_PER_S = 800
# fastText's hashed n-gram table (2 million rows of 10 by default) gets a dense Adam update every
# step, whatever the batch holds: about 2.4 ns per weight. Measured on 2,000 reviews: 88 ms a step
# with 2,046,340 x 10 weights, 45 ms with 246,340 x 10 (the Home page's quick model).
TABLE_S_PER_WEIGHT_STEP = 2.4e-9
# Getting ready on a warm worker, measured by benchmarks/classroom_load.py's job runs: reading
# cached IMDB, encoding, building and compiling (the first batch traces the model).
READY_S = 4.0
# The rest of the first epoch traces the model again for each new batch length (length buckets) and
# for validation: on a warm worker, 2,000 reviews (2026-12-08), the first epoch took 2.8-5.1 s longer
# than the later ones for multicnn, glove-tuned and nb-cnn, 1.5 s for fastText. Jobs read 1.2-1.4x
# their estimate without it. The linear n-gram models trace less; tfidf-logreg is no Keras model.
TRACE_S = 3.5
LIGHT_TRACE_S = 1.5
# Evaluation runs about this much faster than training (no gradients).
EVAL_SPEEDUP = 3.0


@dataclass(frozen=True)
class Estimate:
    ready_s: float
    train_s: float
    test_s: float

    @property
    def total_s(self) -> float:
        return self.ready_s + self.train_s + self.test_s

    def to_dict(self) -> dict:
        """As a job keeps it (see :class:`~sentiment_core.jobqueue.Job`'s ``estimate``)."""
        return {"ready_s": self.ready_s, "train_s": self.train_s, "test_s": self.test_s, "total_s": self.total_s}


def reviews_per_s(model_config: ModelConfig) -> float:
    """Training throughput on 2 CPU cores, scaled from the measured rate by length, filters and width."""
    if model_config.is_linear:
        return CPU_REVIEWS_PER_S[model_config.variant] * (1.0 if model_config.ngram_max <= 2 else 0.6)
    if model_config.variant == "fasttext":
        return CPU_REVIEWS_PER_S["fasttext"]
    if model_config.one_hot:  # table look-ups and sums: the cost grows with the filters and places read
        places = sum(model_config.window_widths)
        read = 1200 / max(places * model_config.filters, 1)  # 1 at the defaults (12 places x 100 filters)
        return ONE_HOT_REVIEWS_PER_S * 500 / max(model_config.seq_len, 1) * (read * 0.7 + 0.3)
    rate = CPU_REVIEWS_PER_S[model_config.variant] * 500 / max(model_config.seq_len, 1)
    if model_config.variant == "nb-ngrams":
        return rate
    if model_config.variant not in ("dense", "bilstm"):
        rate *= 100 / max(model_config.filters, 1) * 0.7 + 0.3
    return rate * (50 / max(model_config.embedding_dim, 1) * 0.5 + 0.5)


def table_seconds_per_step(model_config: ModelConfig) -> float:
    """What updating fastText's whole n-gram table costs per optimiser step (0 for the other variants)."""
    if model_config.variant != "fasttext":
        return 0.0
    return TABLE_S_PER_WEIGHT_STEP * (model_config.vocab_size + model_config.bigram_buckets) * model_config.embedding_dim


def estimate(model_config: ModelConfig, train_config: TrainConfig, n_train: int, n_val: int, n_test: int) -> Estimate:
    """The most a run should take on 2 CPU cores (early stopping only shortens it; a GPU is faster)."""
    rate = reviews_per_s(model_config)
    steps = -(-n_train // train_config.batch_size)
    per_epoch = n_train / rate + steps * table_seconds_per_step(model_config) + n_val / (EVAL_SPEEDUP * rate)
    return Estimate(READY_S + trace_seconds(model_config), train_config.epochs * per_epoch, n_test / (EVAL_SPEEDUP * rate))


def trace_seconds(model_config: ModelConfig) -> float:
    """What tracing the model for the first epoch's batch lengths and its validation adds to a job."""
    if model_config.is_linear:
        return 0.0
    return LIGHT_TRACE_S if model_config.variant in ("fasttext", "nb-ngrams") else TRACE_S


def estimate_seconds(model_config: ModelConfig, train_config: TrainConfig, n_train: int, n_val: int, n_test: int) -> float:
    """:func:`estimate`'s total for a warm worker."""
    return estimate(model_config, train_config, n_train, n_val, n_test).total_s


def remaining_seconds(planned: Estimate, epochs: int, epoch: int, batch: int, batches: int, live_rate: float,
                      batch_size: int, n_val: int, n_test: int) -> float:
    """Time left in a running job, from the live training rate (reviews per second) when there is one."""
    if live_rate <= 0 or batches <= 0:
        return planned.train_s + planned.test_s
    left_batches = (epochs - epoch) * batches + (batches - batch)
    left_train = left_batches * batch_size / live_rate
    left_validation = (epochs - epoch + (0 if batch >= batches else 1)) * n_val / (EVAL_SPEEDUP * live_rate)
    return left_train + left_validation + n_test / (EVAL_SPEEDUP * live_rate)
