"""Configuration dataclasses: what to build (ModelConfig) and how to train it (TrainConfig).

Both are frozen, passed explicitly, and round-trip through plain dicts so the model store can
save them as JSON. Defaults are the ones chosen on IMDB's validation split (see benchmarks/);
``seed_preset`` gives the exact settings of the first seed tutorial for comparison.
"""

from __future__ import annotations

import math
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
    "nb-ngrams",
    "nb-cnn",
    "tfidf-logreg",
)

VARIANT_DESCRIPTIONS = {
    "dense": "Embedding -> Flatten -> Dense(500, relu) -> softmax (the first seed's dense model)",
    "cnn": "One convolution over 5-grams (kernel 5, 100 filters) with max-over-time pooling",
    "multicnn": "Kim (2014): kernels 3, 4, 5 with ReLU, max-over-time pooling, concatenated, dropout; by default over "
                "one-hot words, each with its own weights for every filter (Johnson & Zhang 2015)",
    "glove-static": "Kim's CNN on frozen GloVe vectors (the seed's transfer learning)",
    "glove-tuned": "Kim's CNN started from GloVe, then trained further: by default over one-hot words whose "
                   "weights start as GloVe's vectors times the filters",
    "multichannel": "Kim's two channels: one frozen GloVe copy, one trainable copy",
    "fasttext": "Averaged embeddings of words and hashed word pairs and triples (Joulin et al. 2016)",
    "bilstm": "Bidirectional LSTM over the embedded words, padding masked (the 'upgraded' RNN)",
    "nb-ngrams": "Naive Bayes-weighted words, pairs and triples, one learned weight each (NBSVM as a network: "
                 "Wang & Manning 2012)",
    "nb-cnn": "nb-ngrams and Kim's CNN on GloVe-initialised vectors side by side, their logits added: the n-grams "
              "and the word vectors make different mistakes",
    "tfidf-logreg": "The baseline to beat: TF-IDF of words and word pairs, logistic regression (scikit-learn)",
}
# Not a neural network: no embedding, no epochs; scikit-learn fits it in one go (sentiment_core.linear).
LINEAR_VARIANTS = ("tfidf-logreg",)
# The variants with one weight per word, which the negation-flip prior (ModelConfig.negation_flip) can tie.
FLIP_VARIANTS = ("tfidf-logreg", "nb-ngrams")

GLOVE_VARIANTS = ("glove-static", "glove-tuned", "multichannel", "nb-cnn")
# The variants that count hashed n-grams and start from their Naive Bayes ratios (naive_bayes.py).
NB_VARIANTS = ("nb-ngrams", "nb-cnn")
# The variants built on Kim's CNN: convolutions of several widths over the word vectors.
KIM_VARIANTS = ("cnn", "multicnn", "glove-static", "glove-tuned", "multichannel", "nb-cnn")
# The most weights a model may have: 200 MB of float32, several times the largest useful model
# here (the dense default has 12.8 million), so one visitor cannot fill the server's memory.
MAX_PARAMETERS = 50_000_000
# fastText hashes a word pair as a * vocab_size + b, which must fit in int32 (JAX's default integer).
MAX_FASTTEXT_VOCAB = 46_340
# fastText and nb-ngrams hash a triple from its pair's bucket as bucket * 1009 + c, which must fit in int32 too.
MAX_NGRAM_BUCKETS = 2_000_000
# "lazy-adam": Adam that moves only the table rows of the words in the batch (optimizers.LazyAdam):
# the one-hot CNN's 30,000-word table made Adam's epoch 51 s against 22 s (IMDB, same layers).
OPTIMIZERS = ("adam", "lazy-adam", "sgd", "rmsprop", "adagrad")
# How Kim's CNN (cnn, multicnn, glove-tuned) reads a word: "vectors", its embedding (Kim 2014:
# embedding_dim numbers shared by every filter); "one-hot", the word itself (Johnson & Zhang
# 2015), so every filter has its own weights for each word at each place of its window
# (glove-tuned's start from GloVe's vectors times the filters: models.glove_window_start).
WORD_INPUTS = ("vectors", "one-hot")
ONE_HOT_VARIANTS = ("cnn", "multicnn", "glove-tuned")
# "constant": the learning rate throughout; "cosine": from the learning rate down to 0 along half a
# cosine over the epoch cap, so the last epochs take small steps (Loshchilov & Hutter 2017, no restarts).
LR_SCHEDULES = ("constant", "cosine")


class _DictConfig:
    """JSON round trips and copies with changes, shared by both configs."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict):
        """Build from a saved dict; keys from other versions are ignored, wrong types are a ValueError."""
        if not isinstance(data, dict):
            raise ValueError(f"A {cls.__name__} must be a JSON object; got {type(data).__name__}.")
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
    # Mark a negation's scope: the words after "not", "n't", "never", "no" ... up to the end of the
    # clause are read as NOT_word, a different word from word (text.mark_negation).
    negation: bool = False
    # tfidf-logreg and nb-ngrams with negation: how strongly NOT_word is pulled towards the opposite
    # of word (Kennedy & Inkpen 2006's polarity shift, as a prior the data can overrule). 0: NOT_word
    # is learned on its own; s > 0: its weight is (its own weight) / s - word's weight; the
    # regulariser (tfidf-logreg; linear.flip_matrix) or the zero start (nb-ngrams, whose own part
    # also moves 1/s as fast; naive_bayes.flip_ratios) keeps its own weight near 0.
    negation_flip: float = 0.0
    lstm_units: int = 64
    # cnn and multicnn (WORD_INPUTS): "one-hot" gives each word vocab x (sum of kernel widths) x
    # filters weights of its own instead of an embedding_dim-number vector read by every filter.
    word_input: str = "vectors"
    # Hashed n-gram buckets: fastText's word pairs, nb-ngrams' pairs and triples.
    bigram_buckets: int = 100_000
    num_classes: int = 2
    # tfidf-logreg, fasttext and the NB variants: n-grams of 1..ngram_max words; tfidf-logreg's inverse regularisation strength C.
    ngram_max: int = 2
    regularization: float = 4.0

    def __post_init__(self):
        if not isinstance(self.kernel_sizes, (list, tuple)):
            raise ValueError(f"kernel_sizes must be a list of kernel widths, e.g. (3, 4, 5); got {self.kernel_sizes!r}.")
        for k in self.kernel_sizes:
            _check_int("kernel size", k, 1, 50)
        # JSON gives lists back; keep the dataclass hashable and comparable.
        object.__setattr__(self, "kernel_sizes", tuple(self.kernel_sizes))
        self.validate()

    def validate(self) -> None:
        if not isinstance(self.variant, str) or self.variant not in VARIANTS:
            raise ValueError(f"Unknown variant {self.variant!r}; choose one of: {', '.join(VARIANTS)}.")
        _check_int("vocab_size", self.vocab_size, 3, 2_000_000)
        _check_int("seq_len", self.seq_len, 1, 10_000)
        _check_int("embedding_dim", self.embedding_dim, 1, 2048)
        _check_int("filters", self.filters, 1, 4096)
        _check_int("hidden_units", self.hidden_units, 1, 16_384)
        _check_int("lstm_units", self.lstm_units, 1, 4096)
        _check_int("bigram_buckets", self.bigram_buckets, 1, 10_000_000)
        _check_int("num_classes", self.num_classes, 2, 1000)
        _check_int("ngram_max", self.ngram_max, 1, 3)
        if not is_finite_number(self.regularization) or not 1e-4 <= self.regularization <= 1e4:
            raise ValueError(f"regularization (C) must be a number from 0.0001 to 10000; got {self.regularization!r}.")
        if not self.kernel_sizes or len(self.kernel_sizes) > 10:
            raise ValueError("kernel_sizes needs one to ten kernel widths, e.g. (3, 4, 5).")
        for name in ("dropout", "embedding_dropout"):
            _check_fraction(name, getattr(self, name))
        if self.pooling not in ("max", "flatten"):
            raise ValueError(f"pooling must be 'max' or 'flatten'; got {self.pooling!r}.")
        if not isinstance(self.negation, bool):
            raise ValueError(f"negation must be true or false (mark the words after a negation NOT_); got {self.negation!r}.")
        if not is_finite_number(self.negation_flip) or not (self.negation_flip == 0 or 0.25 <= self.negation_flip <= 100):
            # Below 0.25 the NOT_ words are all but unregularised and over-fit (flip 0.01: 70.6 % on validation).
            raise ValueError(f"negation_flip must be 0 (off) or a number from 0.25 to 100; got {self.negation_flip!r}.")
        if self.negation_flip and not (self.negation and self.variant in FLIP_VARIANTS):
            raise ValueError("negation_flip needs negation marking (negation=True) and the tfidf-logreg or nb-ngrams "
                             "variant: it ties each NOT_word's weight to word's.")
        if self.word_input not in WORD_INPUTS:
            raise ValueError(f"word_input must be one of {', '.join(WORD_INPUTS)}; got {self.word_input!r}.")
        if self.one_hot and (self.variant not in ONE_HOT_VARIANTS or self.pooling != "max"):
            raise ValueError("word_input 'one-hot' is for the cnn, multicnn and glove-tuned variants with max-over-time "
                             "pooling (glove-static, multichannel and nb-cnn read GloVe's vectors).")
        if self.keep not in KEEP_CHOICES:
            raise ValueError(
                f"keep must be one of {', '.join(KEEP_CHOICES)} (which words of a long text are read); got {self.keep!r}."
            )
        if self.seq_len < self.min_length:
            raise ValueError(
                f"seq_len {self.seq_len} is shorter than the widest convolution ({self.min_length}); "
                f"use seq_len >= {self.min_length}."
            )
        if self.hashes_ngrams and self.vocab_size > MAX_FASTTEXT_VOCAB:
            raise ValueError(f"{self.variant} hashes word pairs in int32: vocab_size must be at most {MAX_FASTTEXT_VOCAB:,}.")
        if self.hashes_ngrams and self.bigram_buckets > MAX_NGRAM_BUCKETS:
            raise ValueError(f"{self.variant} hashes word triples in int32: bigram_buckets must be at most {MAX_NGRAM_BUCKETS:,}.")
        parameters = self.parameter_count()
        if parameters > MAX_PARAMETERS:
            raise ValueError(
                f"This {self.variant} model would have {parameters:,} weights ({parameters * 4 / 1e9:.1f} GB); the limit is "
                f"{MAX_PARAMETERS:,}: use a smaller vocabulary, embedding or layer"
                + (" (the dense model's hidden layer reads sequence length x embedding size numbers)." if self.variant == "dense" else ".")
            )

    def weight_shapes(self) -> list[tuple[int, ...]]:
        """The shape of every weight the variant's Keras model has (models.py builds them), known
        without Keras: a saved model's weights file is checked against them before it is read."""
        dim, classes = self.embedding_dim, self.num_classes

        def dense(inputs: int, units: int) -> list[tuple[int, ...]]:
            return [(inputs, units), (units,)]

        def convolutions(channels: int) -> list[tuple[int, ...]]:
            return [shape for k in self.kernel_sizes for shape in [(k, channels, self.filters), (self.filters,)]]

        def kim(channels: int) -> list[tuple[int, ...]]:
            return convolutions(channels) + dense(self.filters * len(self.kernel_sizes), classes)

        def one_conv_flattened() -> list[tuple[int, ...]]:
            width = self.kernel_sizes[0]
            return [(width, dim, self.filters), (self.filters,)] + dense((self.seq_len - width + 1) * self.filters, classes)

        if self.variant == "tfidf-logreg":  # idf per n-gram, then one weight per n-gram and class
            return [(self.vocab_size,), (self.vocab_size, classes), (classes,)]
        rows = self.vocab_size + self.bigram_buckets
        if self.variant == "nb-ngrams":  # frozen NB ratios per n-gram and class, a weight per n-gram, a scale
            # (under the flip prior, first the word each word stands for in pairs: layers.HashedNgrams)
            pair_words = [(self.vocab_size,)] if self.negation_flip else []
            return pair_words + [(rows, classes), (rows, 1)] + dense(classes, classes)
        if self.one_hot:  # every word's weights for every place of every window, a bias per width, the classifier
            widths = self.window_widths
            return ([(self.vocab_size, sum(widths) * self.filters)] + [(self.filters,)] * len(widths)
                    + dense(self.filters * len(widths), classes))
        embedding = [(self.vocab_size, dim)]
        if self.variant == "nb-cnn":  # (Keras' order) GloVe, the convolutions, the n-grams' ratios and weights,
            # the CNN's logits, the fixed identity classifier
            return (embedding + convolutions(dim) + [(rows, classes), (rows, 1)]
                    + dense(self.filters * len(self.kernel_sizes), classes) + dense(classes, classes))
        if self.variant == "dense":
            return embedding + dense(self.seq_len * dim, self.hidden_units) + dense(self.hidden_units, classes)
        if self.variant == "cnn":
            if self.pooling == "flatten":
                return embedding + one_conv_flattened()
            return embedding + [(self.kernel_sizes[0], dim, self.filters), (self.filters,)] + dense(self.filters, classes)
        if self.variant in ("glove-static", "glove-tuned"):
            return embedding + (one_conv_flattened() if self.pooling == "flatten" else kim(dim))
        if self.variant == "multicnn":
            return embedding + kim(dim)
        if self.variant == "multichannel":
            return 2 * embedding + kim(2 * dim)
        if self.variant == "fasttext":
            return [(self.vocab_size + self.bigram_buckets, dim)] + dense(dim, classes)
        units = self.lstm_units  # bilstm: kernel, recurrent kernel and bias per direction
        direction = [(dim, 4 * units), (units, 4 * units), (4 * units,)]
        return embedding + 2 * direction + dense(2 * units, classes)

    def parameter_count(self) -> int:
        return sum(math.prod(shape) for shape in self.weight_shapes())

    @property
    def one_hot(self) -> bool:
        """True when the convolutions read one-hot words (word_input "one-hot"), not embedded vectors."""
        return self.word_input == "one-hot"

    @property
    def window_widths(self) -> tuple[int, ...]:
        """The kernel widths the model convolves with (the cnn variant uses only the first)."""
        return self.kernel_sizes[:1] if self.variant == "cnn" else self.kernel_sizes

    @property
    def uses_glove(self) -> bool:
        return self.variant in GLOVE_VARIANTS

    @property
    def is_linear(self) -> bool:
        return self.variant in LINEAR_VARIANTS

    @property
    def counts_ngrams(self) -> bool:
        """True for the variants with Naive Bayes-weighted hashed n-grams (nb-ngrams, nb-cnn)."""
        return self.variant in NB_VARIANTS

    @property
    def matrix_shapes(self) -> tuple[tuple[int, int], ...]:
        """The shapes of the matrices ``models.build_model`` starts from, in order: GloVe's vectors
        for the GloVe variants, the Naive Bayes ratios for the n-gram variants (nb-cnn: both)."""
        shapes = []
        if self.uses_glove:
            shapes.append((self.vocab_size, self.embedding_dim))
        if self.counts_ngrams:
            shapes.append((self.vocab_size + self.bigram_buckets, self.num_classes))
        return tuple(shapes)

    @property
    def hashes_ngrams(self) -> bool:
        """True for the variants that hash word pairs and triples into ``bigram_buckets`` (fasttext,
        nb-ngrams, nb-cnn): their vocabulary and buckets are capped so the hashes fit in int32."""
        return self.variant in ("fasttext",) + NB_VARIANTS

    @property
    def learns_word_vectors(self) -> bool:
        """True for the networks with an embedding of words (what the maps and neighbours read);
        the TF-IDF baseline and nb-ngrams learn one number per n-gram instead."""
        return not self.is_linear and self.variant != "nb-ngrams"  # nb-cnn has GloVe-started vectors

    @property
    def ignores_padding(self) -> bool:
        """True when padding never changes an answer (the model masks it), so any length will do."""
        return self.variant in ("fasttext", "bilstm", "nb-ngrams")

    @property
    def pools_over_time(self) -> bool:
        """True for convolutions with max-over-time pooling: padding past the text only adds windows
        that all see the same padding ids, so any length with one such window left gives the same
        answer as seq_len (Predictor.encode uses that for short texts)."""
        kim = self.variant in ("multicnn", "multichannel", "nb-cnn")
        return kim or (self.variant in KIM_VARIANTS and self.pooling == "max")

    @property
    def min_length(self) -> int:
        """The shortest input every layer accepts (a convolution needs at least its width)."""
        if self.variant in KIM_VARIANTS:
            return max(self.kernel_sizes)
        return 1


@dataclass(frozen=True)
class TrainConfig(_DictConfig):
    """How to train: optimiser, schedule, stopping and the seed that makes a run repeatable."""

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    # How the learning rate changes over training (LR_SCHEDULES): "cosine" reaches 0 at the epoch cap.
    lr_schedule: str = "constant"
    batch_size: int = 64
    epochs: int = 3
    # Stop after this many epochs without a lower validation loss (0 = never stop early); either
    # way the epoch with the best validation accuracy is the one kept.
    early_stopping_patience: int = 1
    # Momentum of an exponential moving average of the weights (0 = off, e.g. 0.99): the average
    # is copied into the model at the end of every epoch, so validation and the saved model use
    # the mean of the epoch's last few hundred steps rather than the last step's noisy weights.
    weight_averaging: float = 0.0
    seed: int = 42

    def __post_init__(self):
        if not isinstance(self.optimizer, str) or self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.optimizer!r}.")
        if not is_finite_number(self.learning_rate) or not 0.0 < self.learning_rate <= 1.0:
            raise ValueError(f"learning_rate must be in (0, 1]; got {self.learning_rate!r}.")
        if not isinstance(self.lr_schedule, str) or self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}; got {self.lr_schedule!r}.")
        _check_int("batch_size", self.batch_size, 1, 8192)
        _check_int("epochs", self.epochs, 1, 1000)
        _check_int("early_stopping_patience", self.early_stopping_patience, 0, 1000)
        if not is_finite_number(self.weight_averaging) or not 0.0 <= self.weight_averaging < 1.0:
            raise ValueError(f"weight_averaging must be in [0, 1) (0 = off, e.g. 0.99); got {self.weight_averaging!r}.")


# Per-variant defaults chosen on IMDB's validation split only (benchmarks/tune.py logs the candidates).
_DEFAULTS: dict[str, tuple[dict, dict]] = {
    "dense": ({"embedding_dropout": 0.5, "dropout": 0.5}, {"epochs": 6}),
    "cnn": ({"kernel_sizes": (5,), "embedding_dropout": 0.2}, {"epochs": 4}),
    # Kim's three widths over one-hot words (Johnson & Zhang 2015) instead of 50-number vectors: 90.45 %
    # mean validation over splits 42 / 7 / 11 (91.23, 90.43, 89.68) against 88.00 for the vectors'
    # best (200 filters, embedding dropout 0.2: 88.43, 87.80, 87.76). 30,000 words x 12 places x 100
    # filters = 36 million weights, trained by LazyAdam (20-22 s an epoch; Adam's dense step: 51 s).
    "multicnn": ({"word_input": "one-hot", "vocab_size": 30_000, "filters": 100, "embedding_dropout": 0.0},
                 {"optimizer": "lazy-adam", "epochs": 10, "early_stopping_patience": 2}),
    "glove-static": ({}, {"epochs": 15}),
    # multicnn's one-hot words, the table started as Kim's CNN over GloVe (models.glove_window_start):
    # 92.11 / 90.79 / 90.08 % on validation splits 42 / 7 / 11 (mean 90.99; from a random start 90.45).
    # On GloVe's 50-number vectors trained on (word_input "vectors", embedding dropout 0.2, the
    # review's end, cap 12): 90.63 / 89.51 on splits 42 / 7.
    "glove-tuned": ({"word_input": "one-hot", "vocab_size": 30_000, "filters": 100, "embedding_dropout": 0.0},
                    {"optimizer": "lazy-adam", "epochs": 10, "early_stopping_patience": 2}),
    "multichannel": ({"embedding_dropout": 0.2}, {"epochs": 8}),
    # nb-ngrams' reading (every word of all but the longest reviews; words, pairs and triples in
    # 2 million buckets), 10-d vectors (20-d: no better, twice the time) and half of the n-grams
    # dropped in training; peaks at epoch 2-4 on validation: patience 2.
    "fasttext": ({"vocab_size": 46_340, "seq_len": 2000, "keep": "both", "ngram_max": 3, "bigram_buckets": 2_000_000,
                  "embedding_dim": 10, "embedding_dropout": 0.5, "dropout": 0.0},
                 {"learning_rate": 5e-3, "epochs": 5, "early_stopping_patience": 2}),
    "bilstm": ({"dropout": 0.5}, {"epochs": 3}),
    # As many words as int32 hashing allows and the whole of all but the longest reviews (NBSVM
    # reads everything), words, pairs and triples; Adagrad, whose steps shrink for frequent
    # n-grams; validation loss is flat for epochs while accuracy still creeps up: patience 3.
    "nb-ngrams": ({"vocab_size": 46_340, "seq_len": 2000, "keep": "both", "ngram_max": 3, "bigram_buckets": 2_000_000,
                   "dropout": 0.0}, {"optimizer": "adagrad", "learning_rate": 0.1, "epochs": 8, "early_stopping_patience": 3}),
    # nb-ngrams' n-grams beside glove-tuned's CNN, trained together by Adam at its usual rate. On
    # the validation parts of MR's first 5 folds: 79.8 % (nb-ngrams alone 78.8, glove-tuned 78.3);
    # n-gram weights moving 3x faster 79.3, 10x faster overfit in one or two epochs. Length 1,000
    # read from both ends: the CNN convolves every word. Lazy Adam (2026-12-08): a batch reads a
    # few thousand of the 2 million n-gram rows, and Adam's momentum kept moving all the others;
    # moving only the rows read, IMDB validation 91.91 / 91.39 / 91.07 % on splits 42 / 7 / 11
    # (Adam 91.19 / 91.19 / 90.71), best after 2-3 epochs instead of 5-7; on 5,000-review subsets
    # 89.62 % mean of the same three (Adam 88.89; a one-off script); MR's first 5 folds 79.85 % (Adam 79.92).
    "nb-cnn": ({"vocab_size": 46_340, "seq_len": 1000, "keep": "both", "ngram_max": 3, "bigram_buckets": 2_000_000,
                "embedding_dropout": 0.2}, {"optimizer": "lazy-adam", "epochs": 8, "early_stopping_patience": 2}),
    # benchmarks/imdb_quality.py's baseline: words and pairs seen in 2+ reviews, C = 4.
    "tfidf-logreg": ({"vocab_size": 500_000}, {"epochs": 1}),
}

# The first seed's exact settings (batch 64, 3 epochs, Adam, no regularisation).
_SEED_PRESETS: dict[str, tuple[dict, dict]] = {
    "dense": ({"dropout": 0.0}, {}),
    "cnn": ({"kernel_sizes": (5,), "pooling": "flatten", "dropout": 0.0}, {}),
    "multicnn": ({"dropout": 0.0}, {}),
    "glove-static": ({"kernel_sizes": (5,), "pooling": "flatten", "dropout": 0.0}, {"epochs": 5}),
}


def default_configs(variant: str, **model_changes) -> tuple[ModelConfig, TrainConfig]:
    """The tuned defaults for ``variant`` (vocabulary 5,000, length 500, embedding 50, unless the variant's own say otherwise)."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}; choose one of: {', '.join(VARIANTS)}.")
    model_extra, train_extra = _DEFAULTS[variant]
    model = ModelConfig(variant=variant, **{**model_extra, **model_changes})
    return model, TrainConfig(**{"early_stopping_patience": 1, **train_extra})


def seed_preset(variant: str) -> tuple[ModelConfig, TrainConfig]:
    """The seed tutorial's settings for ``variant`` (no dropout, 3 epochs, no early stopping).

    The seed has no linear model and no NB-weighted ones: their preset is their defaults."""
    if variant in LINEAR_VARIANTS or variant in NB_VARIANTS:
        return default_configs(variant)
    model_extra, train_extra = _SEED_PRESETS.get(variant, ({}, {}))
    model = ModelConfig(variant=variant, **model_extra)
    return model, TrainConfig(**{"epochs": 3, "batch_size": 64, **train_extra}, early_stopping_patience=0)


def is_whole_number(value) -> bool:
    """An int that is not a bool (JSON's true would otherwise pass as 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_finite_number(value) -> bool:
    """An int or float, not a bool, not inf or NaN."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_fraction(name: str, value) -> None:
    if not is_finite_number(value) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a number in [0, 1); got {value!r}.")


def _check_int(name: str, value, low: int, high: int) -> None:
    if not is_whole_number(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}; got {value!r}.")
