"""Configuration dataclasses: what to build (ModelConfig) and how to train it (TrainConfig).

Both are frozen, passed explicitly, and round-trip through plain dicts so the model store can
save them as JSON. Defaults are the ones chosen on IMDB's validation split (see benchmarks/);
``seed_preset`` gives the exact settings of the first seed tutorial for comparison.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from .text import KEEP_CHOICES

VARIANTS = (
    "dense",
    "cnn",
    "multicnn",
    "glove-static",
    "glove-tuned",
    "multichannel",
    "fasttext",
    "bilstm",
)

VARIANT_DESCRIPTIONS = {
    "dense": "Embedding -> Flatten -> Dense(500, relu) -> softmax (the first seed's dense model)",
    "cnn": "One convolution over 5-grams (kernel 5, 100 filters) with max-over-time pooling",
    "multicnn": "Kim (2014): kernels 3, 4, 5 with ReLU, max-over-time pooling, concatenated, dropout",
    "glove-static": "Kim's CNN on frozen GloVe vectors (the seed's transfer learning)",
    "glove-tuned": "Kim's CNN on GloVe-initialised vectors that keep training",
    "multichannel": "Kim's two channels: one frozen GloVe copy, one trainable copy",
    "fasttext": "Averaged embeddings of words and hashed bigrams (Joulin et al. 2016)",
    "bilstm": "Bidirectional LSTM over the embedded words, padding masked (the 'upgraded' RNN)",
}

GLOVE_VARIANTS = ("glove-static", "glove-tuned", "multichannel")
OPTIMIZERS = ("adam", "sgd", "rmsprop", "adagrad")


class _DictConfig:
    """JSON round trips and copies with changes, shared by both configs."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict):
        """Build from a saved dict; keys from other versions are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def replace(self, **changes):
        return replace(self, **changes)


@dataclass(frozen=True)
class ModelConfig(_DictConfig):
    """Architecture of one model. ``vocab_size`` counts the padding (0) and unknown (1) rows."""

    variant: str = "multicnn"
    vocab_size: int = 5000
    seq_len: int = 500
    embedding_dim: int = 50
    kernel_sizes: tuple[int, ...] = (3, 4, 5)
    filters: int = 100
    hidden_units: int = 500
    dropout: float = 0.5
    embedding_dropout: float = 0.0
    # "max": max-over-time pooling (Kim); "flatten": the seed's cnn, which keeps every position.
    pooling: str = "max"
    # Which words of a review longer than seq_len are read: "start" (the seed), "end", where
    # reviews often give their verdict, or "both" (the first quarter and the last three quarters).
    keep: str = "start"
    lstm_units: int = 64
    bigram_buckets: int = 100_000
    num_classes: int = 2

    def __post_init__(self):
        # JSON gives lists back; keep the dataclass hashable and comparable.
        object.__setattr__(self, "kernel_sizes", tuple(int(k) for k in self.kernel_sizes))
        self.validate()

    def validate(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"Unknown variant {self.variant!r}; choose one of: {', '.join(VARIANTS)}.")
        _check_int("vocab_size", self.vocab_size, 3, 2_000_000)
        _check_int("seq_len", self.seq_len, 1, 10_000)
        _check_int("embedding_dim", self.embedding_dim, 1, 2048)
        _check_int("filters", self.filters, 1, 4096)
        _check_int("hidden_units", self.hidden_units, 1, 16_384)
        _check_int("lstm_units", self.lstm_units, 1, 4096)
        _check_int("bigram_buckets", self.bigram_buckets, 1, 10_000_000)
        _check_int("num_classes", self.num_classes, 2, 1000)
        if not self.kernel_sizes:
            raise ValueError("kernel_sizes needs at least one kernel width, e.g. (3, 4, 5).")
        for k in self.kernel_sizes:
            _check_int("kernel size", k, 1, 50)
        for name in ("dropout", "embedding_dropout"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1); got {value}.")
        if self.pooling not in ("max", "flatten"):
            raise ValueError(f"pooling must be 'max' or 'flatten'; got {self.pooling!r}.")
        if self.keep not in KEEP_CHOICES:
            raise ValueError(
                f"keep must be one of {', '.join(KEEP_CHOICES)} (which words of a long text are read); got {self.keep!r}."
            )

    @property
    def uses_glove(self) -> bool:
        return self.variant in GLOVE_VARIANTS

    @property
    def ignores_padding(self) -> bool:
        """True when padding never changes an answer (the model masks it), so any length will do."""
        return self.variant in ("fasttext", "bilstm")

    @property
    def min_length(self) -> int:
        """The shortest input every layer accepts (a convolution needs at least its width)."""
        if self.variant in ("cnn", "multicnn") + GLOVE_VARIANTS:
            return max(self.kernel_sizes)
        return 1


@dataclass(frozen=True)
class TrainConfig(_DictConfig):
    """How to train: optimiser, schedule, stopping and the seed that makes a run repeatable."""

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 64
    epochs: int = 3
    # Stop after this many epochs without a better validation loss (0 = never stop early).
    early_stopping_patience: int = 1
    # Momentum of an exponential moving average of the weights (0 = off, e.g. 0.99): the average
    # is copied into the model at the end of every epoch, so validation and the saved model use
    # the mean of the epoch's last few hundred steps rather than the last step's noisy weights.
    weight_averaging: float = 0.0
    seed: int = 42

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.optimizer!r}.")
        if not 0.0 < self.learning_rate <= 1.0:
            raise ValueError(f"learning_rate must be in (0, 1]; got {self.learning_rate}.")
        _check_int("batch_size", self.batch_size, 1, 8192)
        _check_int("epochs", self.epochs, 1, 1000)
        _check_int("early_stopping_patience", self.early_stopping_patience, 0, 1000)
        if not 0.0 <= self.weight_averaging < 1.0:
            raise ValueError(f"weight_averaging must be in [0, 1) (0 = off, e.g. 0.99); got {self.weight_averaging}.")


# Per-variant defaults chosen on IMDB's validation split only (benchmarks/tune.py logs the candidates).
_DEFAULTS: dict[str, tuple[dict, dict]] = {
    "dense": ({"embedding_dropout": 0.5, "dropout": 0.5}, {"epochs": 6}),
    "cnn": ({"kernel_sizes": (5,), "embedding_dropout": 0.2}, {"epochs": 4}),
    "multicnn": ({"embedding_dropout": 0.2, "filters": 200}, {"epochs": 6}),
    "glove-static": ({}, {"epochs": 15}),
    "glove-tuned": ({"embedding_dropout": 0.2, "keep": "end"}, {"epochs": 8}),
    "multichannel": ({"embedding_dropout": 0.2}, {"epochs": 8}),
    "fasttext": ({"dropout": 0.0}, {"learning_rate": 5e-3, "epochs": 6}),
    "bilstm": ({"dropout": 0.5}, {"epochs": 3}),
}

# The first seed's exact settings (batch 64, 3 epochs, Adam, no regularisation).
_SEED_PRESETS: dict[str, tuple[dict, dict]] = {
    "dense": ({"dropout": 0.0}, {}),
    "cnn": ({"kernel_sizes": (5,), "pooling": "flatten", "dropout": 0.0}, {}),
    "multicnn": ({"dropout": 0.0}, {}),
    "glove-static": ({"kernel_sizes": (5,), "pooling": "flatten", "dropout": 0.0}, {"epochs": 5}),
}


def default_configs(variant: str, **model_changes) -> tuple[ModelConfig, TrainConfig]:
    """The tuned defaults for ``variant`` (vocabulary 5,000, length 500, embedding 50)."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}; choose one of: {', '.join(VARIANTS)}.")
    model_extra, train_extra = _DEFAULTS[variant]
    model = ModelConfig(variant=variant, **{**model_extra, **model_changes})
    return model, TrainConfig(**train_extra, early_stopping_patience=1)


def seed_preset(variant: str) -> tuple[ModelConfig, TrainConfig]:
    """The seed tutorial's settings for ``variant`` (no dropout, 3 epochs, no early stopping)."""
    model_extra, train_extra = _SEED_PRESETS.get(variant, ({}, {}))
    model = ModelConfig(variant=variant, **model_extra)
    return model, TrainConfig(**{"epochs": 3, "batch_size": 64, **train_extra}, early_stopping_patience=0)


def _check_int(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}; got {value!r}.")
