"""One ``train`` for the app and the CLI: fit, report progress, keep the best epoch, evaluate.

Progress goes to a callback as :class:`ProgressEvent` objects (per batch and per epoch), so a
page can draw live curves and a terminal can print a line; ``should_stop`` is polled between
batches so a run can be cancelled cleanly and still keep its best epoch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import keras
import numpy as np

from .buckets import LengthBuckets, can_bucket, predict_bucketed, window_sequences
from .config import ModelConfig, TrainConfig
from .data import Dataset
from .text import Vocabulary, pad_sequences
from .token_cache import TokenCache


@dataclass
class ProgressEvent:
    stage: str  # "start", "batch", "epoch" or "end"
    epoch: int  # 1-based; 0 before the first epoch
    epochs: int
    batch: int = 0  # 1-based within the epoch
    batches: int = 0
    logs: dict = field(default_factory=dict)
    elapsed_s: float = 0.0
    samples_per_s: float = 0.0
    eta_s: float | None = None
    message: str = ""


@dataclass
class TrainedModel:
    """A trained model with everything needed to predict, save and report on it."""

    model: object
    vocabulary: Vocabulary
    model_config: ModelConfig
    train_config: TrainConfig
    class_names: tuple[str, ...]
    history: dict
    metrics: dict
    data: dict
    device: dict
    film: object = None  # a sentiment_core.film.Film: the embeddings' snapshots while training, or None


class TrainingCallback(keras.callbacks.Callback):
    """Bridges Keras to a progress function and a stop flag; keeps the best epoch's weights.

    Training stops after ``patience`` epochs without a lower validation loss (0 = never); the
    epoch with the best validation accuracy is the one whose weights are put back at the end.
    """

    def __init__(self, progress, should_stop, epochs, batches, batch_size, patience, train_size):
        super().__init__()
        self.progress = progress or (lambda event: None)
        self.should_stop = should_stop or (lambda: False)
        self.epochs, self.batches, self.batch_size = epochs, batches, batch_size
        self.patience = patience
        self.train_size = train_size
        self.best_accuracy, self.best_loss, self.best_epoch, self.best_weights = -1.0, np.inf, 0, None
        self.lowest_loss, self.lowest_loss_epoch = np.inf, 0
        self.cancelled = False
        self.stopped_early = False
        self.history: dict[str, list] = {"epoch": [], "loss": [], "accuracy": [], "val_loss": [], "val_accuracy": [], "seconds": []}
        self.batch_history: list[dict] = []
        self.train_seconds = 0.0
        self.samples = 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        self.progress(ProgressEvent("start", 0, self.epochs, 0, self.batches, message="Training started"))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1
        self.epoch_start = self.batch_clock = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        self.train_seconds += now - self.batch_clock
        self.batch_clock = now
        # The last batch of an epoch is usually smaller than batch_size.
        self.samples += min(self.batch_size, self.train_size - batch * self.batch_size)
        rate = self.samples / self.train_seconds if self.train_seconds else 0.0
        done = (self.epoch - 1) * self.batches + batch + 1
        remaining = self.epochs * self.batches - done
        eta = remaining * self.batch_size / rate if rate else None
        logs = {k: float(v) for k, v in (logs or {}).items()}
        self.batch_history.append({"epoch": self.epoch, "batch": batch + 1, **logs})
        self.progress(
            ProgressEvent("batch", self.epoch, self.epochs, batch + 1, self.batches, logs, now - self.start, rate, eta)
        )
        if self.should_stop():
            self.cancelled = True
            self.model.stop_training = True

    def on_test_begin(self, logs=None):
        # Validation runs inside the epoch; keep it out of the training throughput.
        self.batch_clock = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if self.cancelled or "val_accuracy" not in logs:
            # Keras still validates an epoch cut short by a stop request; only complete
            # epochs compete for "best", so the kept model is one that saw whole epochs.
            return
        seconds = time.perf_counter() - self.epoch_start
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            self.history[key].append(logs.get(key))
        self.history["epoch"].append(epoch + 1)
        self.history["seconds"].append(seconds)
        # Two questions, two signals. When to stop: patience counts epochs since the lowest
        # validation loss, the smooth signal (accuracy on a small validation set moves in steps of
        # 1/n and stopped runs while the loss still fell). Which epoch to keep: the one with the
        # best validation accuracy (ties: the lower loss), the measure the model is judged on;
        # it often comes an epoch or two after the lowest loss, once the model is surer but no
        # more often wrong.
        loss = logs["val_loss"] if np.isfinite(logs["val_loss"]) else np.inf
        if loss < self.lowest_loss:
            self.lowest_loss, self.lowest_loss_epoch = loss, epoch + 1
        improved = logs["val_accuracy"] > self.best_accuracy or (
            logs["val_accuracy"] == self.best_accuracy and loss < self.best_loss
        )
        if improved:
            self.best_accuracy, self.best_loss, self.best_epoch = logs["val_accuracy"], loss, epoch + 1
            self.best_weights = self.model.get_weights()
        if self.patience and epoch + 1 - self.lowest_loss_epoch >= self.patience:
            self.stopped_early = True
            self.model.stop_training = True
        rate = self.samples / self.train_seconds if self.train_seconds else 0.0
        self.progress(
            ProgressEvent(
                "epoch", epoch + 1, self.epochs, self.batches, self.batches, logs, time.perf_counter() - self.start, rate,
                message=f"Epoch {epoch + 1}: val accuracy {logs['val_accuracy']:.4f}" + (" (best)" if improved else ""),
            )
        )


# Wider rows than this are filmed through a fixed random projection to this many numbers: a one-hot
# CNN's word rows hold 1,200 (every filter at every place), 300 words x 200 frames of which would be
# 144 MB a film. A Gaussian projection keeps the distances between the words' rows to within a few
# per cent (Johnson & Lindenstrauss), which is all the film's 2-D frames (PCA) are drawn from.
FILM_MAX_DIM = 256


class FilmCallback(keras.callbacks.Callback):
    """Copies the chosen words' embedding rows into a :class:`~sentiment_core.film.FilmRecorder`."""

    def __init__(self, recorder, layer, ids: np.ndarray):
        super().__init__()
        self.recorder, self.layer, self.ids = recorder, layer, np.asarray(ids, dtype="int32")
        width = int(layer.embeddings.shape[1])
        self.projection = None
        if width > FILM_MAX_DIM:  # the same projection for every frame, so only the rows' own moves show
            rng = np.random.default_rng(0)
            self.projection = (rng.normal(size=(width, FILM_MAX_DIM)) / np.sqrt(FILM_MAX_DIM)).astype(np.float32)

    def rows(self) -> np.ndarray:
        rows = keras.ops.convert_to_numpy(keras.ops.take(self.layer.embeddings, self.ids, axis=0))
        return rows if self.projection is None else rows @ self.projection

    def on_train_begin(self, logs=None):
        self.recorder.start(self.rows())

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        if self.recorder.wants(batch + 1):
            self.recorder.batch(self.rows(), self.epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self.recorder.epoch_end(self.rows(), epoch + 1)


def film_callback(model, vocabulary: Vocabulary, x_train: np.ndarray, labels: np.ndarray, class_names, settings,
                  batches: int, on_frame=None) -> FilmCallback | None:
    """A callback that films the embeddings of ``settings.words`` words, or None for a model without a trainable one."""
    from .explanations.target import default_target
    from .film import Film, FilmRecorder, pick_words
    from .models import embedding_layer
    from .projection import is_wordlike

    try:
        layer = embedding_layer(model)
    except ValueError:
        return None
    if not layer.trainable:
        return None  # frozen vectors (glove-static) do not move: nothing to watch
    positive = default_target(class_names)
    positive = positive if positive >= 0 else len(class_names) - 1
    ids, polarity = pick_words(vocabulary.words_, x_train, labels, positive, settings, is_wordlike)
    film = Film([vocabulary.words_[i] for i in ids], polarity)
    return FilmCallback(FilmRecorder(film, settings.per_epoch, batches, on_frame), layer, ids)


def train(
    train_data: Dataset,
    val_data: Dataset,
    test_data: Dataset | None,
    model_config: ModelConfig,
    train_config: TrainConfig,
    *,
    glove=None,
    progress: Callable[[ProgressEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    film=None,
    on_frame: Callable | None = None,
    tokens: TokenCache | None = None,
) -> TrainedModel:
    """Train on ``train_data``, pick the best epoch on ``val_data``, report on ``test_data``.

    The test set is only used after training, for the final report (no peeking). ``glove``
    is needed by the GloVe variants; when it is None the packaged glove.6B.50d is loaded.
    ``film`` (a :class:`~sentiment_core.film.FilmSettings`) records snapshots of the embeddings
    while training, handed to ``on_frame(film, epoch_ended)`` as they come and kept in the result.
    ``tokens`` keeps the tokenized texts for the next run on the same texts (by default nothing
    is kept past this call).
    """
    from . import runtime
    from .models import build_model

    if model_config.is_linear:
        from .linear import train_linear

        return train_linear(train_data, val_data, test_data, model_config, train_config, progress, should_stop)
    check_data(train_data, val_data, test_data)
    if model_config.num_classes != len(train_data.class_names):
        model_config = model_config.replace(num_classes=len(train_data.class_names))
    runtime.set_seed(train_config.seed)
    started = time.perf_counter()

    tokens = tokens if tokens is not None else TokenCache()
    train_tokens = tokens.tokenized(train_data.texts, model_config.negation)
    vocabulary = Vocabulary(size=model_config.vocab_size, negation=model_config.negation).fit_tokenized(train_tokens)
    train_sequences = window_sequences(train_tokens.sequences(vocabulary.index_), model_config)
    val_sequences = window_sequences(tokens.tokenized(val_data.texts, model_config.negation).sequences(vocabulary.index_),
                                     model_config)
    bucketing = can_bucket(model_config)
    if bucketing:
        # Batches of similar length, each padded only as far as it needs (buckets.py): the same
        # answers as padding to seq_len, without convolving the padding.
        x_train = pad_sequences(train_sequences, model_config.seq_len) if film is not None else None
        train_inputs = LengthBuckets(train_sequences, train_data.labels, train_config.batch_size, model_config,
                                     seed=train_config.seed)
        val_inputs = LengthBuckets(val_sequences, val_data.labels, 256, model_config)
    else:
        x_train = pad_sequences(train_sequences, model_config.seq_len)
        x_val = pad_sequences(val_sequences, model_config.seq_len)

    matrix, coverage = None, None
    if model_config.uses_glove:
        from .glove import load_glove

        glove = glove if glove is not None else load_glove()
        if glove.dim != model_config.embedding_dim:
            raise ValueError(f"GloVe vectors have {glove.dim} dimensions: set embedding_dim to {glove.dim}.")
        matrix, coverage = glove.embedding_matrix(vocabulary, seed=train_config.seed)
        matrix = _pad_rows(matrix, model_config.vocab_size)
    if model_config.counts_ngrams:
        from .naive_bayes import ngram_ratios

        partners = None
        if model_config.negation_flip:  # nb-ngrams (config.FLIP_VARIANTS): trained tied, folded plain below
            from .naive_bayes import negation_partners, pair_words

            partners = negation_partners(vocabulary.words_, model_config.vocab_size)
        # Counted on the training texts only; the n-gram side masks padding (and nb-cnn's CNN
        # pools over time), so these models are always bucketed.
        ratios = ngram_ratios(train_sequences, train_data.labels, model_config,
                              pair_words=None if partners is None else pair_words(partners))
        matrix = ratios if matrix is None else (matrix, ratios)

    batches = len(train_inputs) if bucketing else int(np.ceil(len(train_data) / train_config.batch_size))
    if model_config.negation_flip:
        from .models import build_nb_ngrams
        from .naive_bayes import flip_ratios

        model = build_nb_ngrams(model_config, flip_ratios(matrix, partners, model_config.negation_flip), partners)
    else:
        model = build_model(model_config, matrix)
    model.compile(
        optimizer=_optimizer(train_config, batches),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    callback = TrainingCallback(
        progress, should_stop, train_config.epochs, batches, train_config.batch_size, train_config.early_stopping_patience,
        len(train_data),
    )
    callbacks = [callback]
    filming = None
    if film is not None:
        filming = film_callback(model, vocabulary, x_train, train_data.labels, train_data.class_names, film, batches,
                                on_frame)
        callbacks += [filming] if filming is not None else []
    if bucketing:
        model.fit(train_inputs, epochs=train_config.epochs, validation_data=val_inputs, callbacks=callbacks, verbose=0)
    else:
        model.fit(
            x_train,
            train_data.labels,
            batch_size=train_config.batch_size,
            epochs=train_config.epochs,
            validation_data=(x_val, val_data.labels),
            callbacks=callbacks,
            shuffle=True,
            verbose=0,
        )
    if callback.best_weights is not None:
        model.set_weights(callback.best_weights)
    if model_config.negation_flip:
        model = _fold_negation_flip(model, model_config, partners)
    train_seconds = time.perf_counter() - started

    metrics = {
        "best_epoch": callback.best_epoch,
        "epochs_run": len(callback.history["epoch"]),
        "val_accuracy": callback.best_accuracy if callback.best_epoch else None,
        "val_loss": callback.best_loss if callback.best_epoch else None,
        "cancelled": callback.cancelled,
        "stopped_early": callback.stopped_early,
        "train_seconds": train_seconds,
        "reviews_per_s": callback.samples / callback.train_seconds if callback.train_seconds else 0.0,
        "seconds_per_epoch": float(np.mean(callback.history["seconds"])) if callback.history["seconds"] else None,
        # The share of the training batches' grid that was padding (None: every batch padded to seq_len).
        "padding_fraction": train_inputs.padded_fraction() if bucketing else None,
        "glove_coverage": coverage,
    }
    if test_data is not None:
        metrics.update(evaluate(model, vocabulary, model_config, test_data, tokens=tokens))
    if progress:
        progress(
            ProgressEvent(
                "end", metrics["epochs_run"], train_config.epochs, elapsed_s=time.perf_counter() - started,
                samples_per_s=metrics["reviews_per_s"], message=_summary(metrics),
            )
        )
    data = {
        "train": train_data.describe(),
        "validation": val_data.describe(),
        "test": test_data.describe() if test_data is not None else None,
    }
    history = {**callback.history, "batches": callback.batch_history}
    return TrainedModel(model, vocabulary, model_config, train_config, tuple(train_data.class_names), history, metrics, data, runtime.device_info(),
                        filming.recorder.film if filming is not None else None)


def _fold_negation_flip(model, model_config: ModelConfig, partners: np.ndarray):
    """The plain nb-ngrams model that computes what ``model`` (trained under the flip prior) does:
    saved, explained and served like any other."""
    from .models import build_model
    from .naive_bayes import fold_negation_flip

    ratios, weights = fold_negation_flip(model.get_layer("nb_ratios").get_weights()[0],
                                         model.get_layer("ngram_weights").get_weights()[0], partners)
    plain = build_model(model_config, ratios)
    plain.get_layer("ngram_weights").set_weights([weights])
    plain.get_layer("ngrams").set_weights(model.get_layer("ngrams").get_weights())  # the words pairs read
    return plain


def evaluate(model, vocabulary: Vocabulary, model_config: ModelConfig, data: Dataset, batch_size: int = 256,
             tokens: TokenCache | None = None) -> dict:
    """Accuracy, loss, confusion matrix, per-class precision/recall and a few mistakes."""
    from .metrics import evaluate_probabilities

    tokenized = (tokens if tokens is not None else TokenCache()).tokenized(data.texts, vocabulary.negation)
    sequences = window_sequences(tokenized.sequences(vocabulary.index_), model_config)
    if can_bucket(model_config) and model.input_shape[-1] is None:
        probabilities = predict_bucketed(model, sequences, model_config, batch_size)
    else:
        probabilities = predict_in_batches(model, pad_sequences(sequences, model_config.seq_len), batch_size)
    return evaluate_probabilities(probabilities, data)


def predict_in_batches(model, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Probabilities for many rows through the compiled step, one batch at a time."""
    if len(x) == 0:
        return np.zeros((0, model.output_shape[-1]), dtype=np.float32)
    chunks = [np.asarray(model.predict_on_batch(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
    return np.concatenate(chunks).astype(np.float32)


def _optimizer(config: TrainConfig, steps_per_epoch: int):
    from .optimizers import LazyAdam

    classes = {
        "adam": keras.optimizers.Adam,
        "lazy-adam": LazyAdam,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adagrad": keras.optimizers.Adagrad,
    }
    options = {"learning_rate": config.learning_rate}
    if config.lr_schedule == "cosine":
        # Down to 0 at the epoch cap; early stopping may end training before the rate gets there.
        options["learning_rate"] = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=max(1, steps_per_epoch * config.epochs))
    if config.weight_averaging:
        # Keras keeps the moving average; overwriting the model with it on the last step of each
        # epoch means validation scores (and the best epoch keeps) the averaged weights.
        options.update(use_ema=True, ema_momentum=config.weight_averaging, ema_overwrite_frequency=steps_per_epoch)
    return classes[config.optimizer](**options)


def _pad_rows(matrix: np.ndarray, rows: int) -> np.ndarray:
    # A small corpus may have fewer words than vocab_size; the unused rows stay zero.
    if len(matrix) >= rows:
        return matrix[:rows]
    return np.vstack([matrix, np.zeros((rows - len(matrix), matrix.shape[1]), matrix.dtype)])


def check_data(train_data: Dataset, val_data: Dataset, test_data: Dataset | None) -> None:
    if len(train_data) == 0 or len(val_data) == 0:
        raise ValueError("Training needs at least one training and one validation example.")
    sets = [val_data] + ([test_data] if test_data is not None else [])
    for other in sets:
        if tuple(other.class_names) != tuple(train_data.class_names):
            raise ValueError(f"Class names differ between splits: {train_data.class_names} vs {other.class_names}.")
    if len(np.unique(train_data.labels)) < 2:
        raise ValueError("The training split has only one class; a classifier needs at least two.")


def _summary(metrics: dict) -> str:
    parts = []
    if metrics.get("val_accuracy") is not None:
        parts.append(f"best epoch {metrics['best_epoch']} (val accuracy {metrics['val_accuracy']:.4f})")
    if "test_accuracy" in metrics:
        parts.append(f"test accuracy {metrics['test_accuracy']:.4f}")
    if metrics["cancelled"]:
        parts.append("stopped by request")
    return ", ".join(parts) or "finished"
