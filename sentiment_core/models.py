"""Keras 3 functional builders, one per variant, each from a ModelConfig to a keras.Model.

Only ``keras``, ``keras.layers`` and ``keras.ops`` are used, so every model trains under the
TensorFlow backend (the default) and under ``KERAS_BACKEND=jax`` alike. Every model maps a
``(batch, seq_len)`` int32 array of word ids to ``(batch, num_classes)`` softmax probabilities.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from .config import ModelConfig
from .layers import (  # noqa: F401 (AppendBigrams and MaskedAverage: kept importable from here)
    START_LIMIT,
    AppendBigrams,
    HashedNgrams,
    MaskedAverage,
    NaiveBayesEvidence,
    NegationPartners,
    WindowSum,
    WindowWeights,
)


def build_model(config: ModelConfig, embedding_matrix=None) -> keras.Model:
    """The variant named by ``config.variant``; GloVe variants need ``embedding_matrix``, and
    nb-ngrams its Naive Bayes ratios (``naive_bayes.ngram_ratios``) in its place; nb-cnn takes
    both, as ``(glove_matrix, ratios)`` (``config.matrix_shapes`` gives the shapes in that order).

    The config has been validated (its lengths, sizes and weight count are within bounds).
    """
    if config.is_linear:
        raise ValueError(f"{config.variant} is fitted by scikit-learn, not built in Keras: use training.train "
                         "(or sentiment_core.linear.TfidfLogreg).")
    shapes = config.matrix_shapes
    given = () if embedding_matrix is None else (
        tuple(embedding_matrix) if isinstance(embedding_matrix, (tuple, list)) else (embedding_matrix,))
    if len(given) != len(shapes) or any(np.shape(m) != shape for m, shape in zip(given, shapes)):
        if config.uses_glove and given and np.ndim(given[0]) == 2 and np.shape(given[0]) != shapes[0]:
            raise ValueError(
                f"The GloVe matrix is {np.shape(given[0])[0]} x {np.shape(given[0])[1]} but the model needs "
                f"{shapes[0][0]} x {shapes[0][1]}: set embedding_dim to the GloVe file's dimension."
            )
        sizes = " and ".join(f"a {rows} x {columns} matrix" for rows, columns in shapes)
        if config.uses_glove and config.counts_ngrams:
            what = f"GloVe and Naive Bayes ratios: pass ({sizes}) as a pair"
        elif config.uses_glove:
            what = f"GloVe: pass its embedding matrix ({sizes})"
        else:
            what = f"Naive Bayes ratios: pass {sizes}"
        raise ValueError(f"The {config.variant} model starts from {what}"
                         + (" (sentiment_core.naive_bayes.ngram_ratios)." if config.counts_ngrams else "."))
    return BUILDERS[config.variant](config, given[0] if len(given) == 1 else (given or None))


def blank_start(config: ModelConfig, rng: np.random.Generator | None = None):
    """Placeholder starting matrices of the right shapes (zeros, or normal noise from ``rng``) for
    building a model whose weights come from elsewhere (a weights file); None if it needs none."""
    make = (lambda shape: np.zeros(shape, "float32")) if rng is None else (
        lambda shape: rng.normal(size=shape).astype("float32"))
    matrices = tuple(make(shape) for shape in config.matrix_shapes)
    return None if not matrices else matrices[0] if len(matrices) == 1 else matrices


def _inputs(config: ModelConfig) -> keras.KerasTensor:
    # Models that mask padding, or pool over time, accept any length, so prediction can pad a
    # sentence to a few ids instead of seq_len (Predictor.encode); training pads to seq_len.
    length = None if config.ignores_padding or config.pools_over_time else config.seq_len
    return keras.Input(shape=(length,), dtype="int32", name="word_ids")


def _embed(word_ids, config: ModelConfig, name: str = "embedding", trainable: bool = True, mask_zero: bool = False):
    """Word ids -> vectors, with optional dropout on the vectors (regularises the largest layer)."""
    embedded = layers.Embedding(
        config.vocab_size, config.embedding_dim, mask_zero=mask_zero, trainable=trainable, name=name
    )(word_ids)  # (batch, seq_len, embedding_dim)
    if config.embedding_dropout:
        # Drop whole word vectors' channels, not single numbers: neighbours are strongly correlated.
        embedded = layers.SpatialDropout1D(config.embedding_dropout, name=f"{name}_dropout")(embedded)
    return embedded


def _softmax_head(features, config: ModelConfig):
    if config.dropout:
        features = layers.Dropout(config.dropout, name="dropout")(features)
    return layers.Dense(config.num_classes, activation="softmax", name="classifier")(features)


def _kim_features(embedded, config: ModelConfig):
    """One convolution per kernel width, ReLU, max over time, concatenated (Kim 2014)."""
    pooled = []
    for width in config.kernel_sizes:
        conv = layers.Conv1D(config.filters, width, activation="relu", name=f"conv_{width}gram")(embedded)
        # (batch, seq_len - width + 1, filters) -> (batch, filters): the strongest match anywhere.
        pooled.append(layers.GlobalMaxPooling1D(name=f"max_over_time_{width}")(conv))
    if len(pooled) == 1:
        return pooled[0]
    return layers.Concatenate(name="concat")(pooled)  # (batch, filters * len(kernel_sizes))


def _one_hot_kim_features(word_ids, config: ModelConfig, pooled_name=None):
    """Kim's convolutions, ReLU and max over time, over one-hot words (:class:`WindowWeights`)."""
    widths = config.window_widths
    places = WindowWeights(config.vocab_size, widths, config.filters, word_dropout=config.embedding_dropout,
                           name="embedding")(word_ids)  # sum(widths) x (batch, length - width + 1, filters)
    pooled, first = [], 0
    for width in widths:
        conv = WindowSum(config.filters, name=f"conv_{width}gram")(places[first : first + width])
        first += width
        # (batch, length - width + 1, filters) -> (batch, filters): the strongest match anywhere.
        pooled.append(layers.GlobalMaxPooling1D(name=pooled_name or f"max_over_time_{width}")(conv))
    if len(pooled) == 1:
        return pooled[0]
    return layers.Concatenate(name="concat")(pooled)  # (batch, filters * len(kernel_sizes))


def build_dense(config: ModelConfig, embedding_matrix=None) -> keras.Model:
    """The first seed's dense model: Embedding -> Flatten -> Dense(500, relu) -> softmax."""
    word_ids = _inputs(config)
    embedded = _embed(word_ids, config)
    flat = layers.Flatten(name="flatten")(embedded)  # (batch, seq_len * embedding_dim)
    if config.dropout:
        flat = layers.Dropout(config.dropout, name="flatten_dropout")(flat)
    hidden = layers.Dense(config.hidden_units, activation="relu", name="hidden")(flat)
    return keras.Model(word_ids, _softmax_head(hidden, config), name="dense")


def build_cnn(config: ModelConfig, embedding_matrix=None) -> keras.Model:
    """One convolution over n-grams (kernel 5, 100 filters in the seed)."""
    word_ids = _inputs(config)
    if config.one_hot:
        return keras.Model(word_ids, _softmax_head(_one_hot_kim_features(word_ids, config, "max_over_time"), config),
                           name="cnn")
    embedded = _embed(word_ids, config)
    width = config.kernel_sizes[0]
    conv = layers.Conv1D(config.filters, width, activation="relu", name=f"conv_{width}gram")(embedded)
    if config.pooling == "flatten":
        # The seed keeps every position: (batch, (seq_len - width + 1) * filters). It overfits fast.
        features = layers.Flatten(name="flatten")(conv)
    else:
        features = layers.GlobalMaxPooling1D(name="max_over_time")(conv)  # (batch, filters)
    return keras.Model(word_ids, _softmax_head(features, config), name="cnn")


def build_multicnn(config: ModelConfig, embedding_matrix=None) -> keras.Model:
    """Kim (2014): kernels 3, 4 and 5 side by side over learned embeddings, or over one-hot words
    (Johnson & Zhang 2015: no embedding_dim-number squeeze of each word before the filters)."""
    word_ids = _inputs(config)
    if config.one_hot:
        features = _one_hot_kim_features(word_ids, config)
    else:
        features = _kim_features(_embed(word_ids, config), config)
    return keras.Model(word_ids, _softmax_head(features, config), name="multicnn")


def _build_glove_cnn(config: ModelConfig, embedding_matrix, trainable: bool, name: str) -> keras.Model:
    word_ids = _inputs(config)
    embedded = _embed(word_ids, config, name="glove_embedding", trainable=trainable)
    if config.pooling == "flatten":
        width = config.kernel_sizes[0]
        conv = layers.Conv1D(config.filters, width, name=f"conv_{width}gram")(embedded)
        features = layers.Flatten(name="flatten")(conv)
    else:
        features = _kim_features(embedded, config)
    model = keras.Model(word_ids, _softmax_head(features, config), name=name)
    model.get_layer("glove_embedding").set_weights([embedding_matrix])
    return model


def build_glove_static(config: ModelConfig, embedding_matrix) -> keras.Model:
    """The seed's transfer learning: GloVe vectors, frozen, under Kim's CNN."""
    return _build_glove_cnn(config, embedding_matrix, trainable=False, name="glove_static")


def build_glove_tuned(config: ModelConfig, embedding_matrix) -> keras.Model:
    """GloVe-initialised vectors that keep learning (Kim's CNN-non-static); over one-hot words,
    Kim's CNN on GloVe unfolded into every word's own weights, which then keep learning."""
    if not config.one_hot:
        return _build_glove_cnn(config, embedding_matrix, trainable=True, name="glove_tuned")
    word_ids = _inputs(config)
    model = keras.Model(word_ids, _softmax_head(_one_hot_kim_features(word_ids, config), config), name="glove_tuned")
    # A blank start (all zeros: blank_start, when the weights come from a saved model) is not
    # unfolded: that would cost a loading serving worker 0.3 s for a table about to be replaced.
    if np.any(embedding_matrix):
        model.get_layer("embedding").set_weights([glove_window_start(embedding_matrix, config)])
    return model


# The spread of WindowWeights' random start (uniform on +-START_LIMIT): a GloVe start is scaled to it.
RANDOM_START_STD = START_LIMIT / np.sqrt(3.0)


def glove_window_start(embedding_matrix, config: ModelConfig) -> np.ndarray:
    """A one-hot table (``layers.WindowWeights``) at which the model computes Kim's CNN over GloVe.

    A convolution over embedded words adds, over a window's places j, ``vector(word) @ kernel[j]``;
    over one-hot words it adds ``table[word, place j]``. So the table whose rows are each word's
    GloVe vector times freshly drawn kernels (uniform on +-sqrt(6 / (width * dim + filters)); the
    scaling below sets the overall size, this only the widths' sizes relative to each other) starts
    the model as the GloVe CNN: words GloVe puts close together start with close weights, and from
    there every word's weights train on their own.

    The table is scaled to the random start's spread (``RANDOM_START_STD``): at GloVe's own scale
    (about 14 times larger) training swung between 51 and 84 % on validation (benchmarks/results/tune.jsonl).
    """
    matrix = np.asarray(embedding_matrix, dtype=np.float32)  # (vocab, dim)
    dim, blocks = matrix.shape[1], []
    for width in config.window_widths:
        limit = float(np.sqrt(6.0 / (width * dim + config.filters)))
        # Drawn from Keras' seeded generator, so the training seed decides them as it does every other start.
        kernel = keras.ops.convert_to_numpy(
            keras.random.uniform((width, dim, config.filters), minval=-limit, maxval=limit))  # (width, dim, filters)
        blocks += [matrix @ kernel[place] for place in range(width)]  # width x (vocab, filters)
    table = np.concatenate(blocks, axis=1)  # (vocab, sum(widths) * filters)
    spread = float(table[2:].std())  # the words' rows: padding's is zero, the unknown word's random
    return (table * (RANDOM_START_STD / spread) if spread > 0 else table).astype(np.float32)


def build_multichannel(config: ModelConfig, embedding_matrix) -> keras.Model:
    """Kim's CNN-multichannel: a frozen and a trainable copy of GloVe, read by the same filters."""
    word_ids = _inputs(config)
    static = _embed(word_ids, config, name="glove_static_channel", trainable=False)
    tuned = _embed(word_ids, config, name="glove_tuned_channel", trainable=True)
    # Side by side on the feature axis, a filter has its own weights for each channel and
    # sums them: Kim's "applied to both channels and the results added".
    both = layers.Concatenate(axis=-1, name="channels")([static, tuned])  # (batch, seq_len, 2 * dim)
    features = _kim_features(both, config)
    model = keras.Model(word_ids, _softmax_head(features, config), name="multichannel")
    model.get_layer("glove_static_channel").set_weights([embedding_matrix])
    model.get_layer("glove_tuned_channel").set_weights([embedding_matrix])
    return model


def build_fasttext(config: ModelConfig, embedding_matrix=None) -> keras.Model:
    """Joulin et al. (2016): the average of a text's word and n-gram vectors, then a linear softmax.

    Each distinct word, pair and (``ngram_max`` = 3) triple counts once, as NBSVM's features do:
    on IMDB's validation split that read 90.5 % where counting repeats read 89.8 %.
    """
    word_ids = _inputs(config)
    ngram_ids = HashedNgrams(config.vocab_size, config.bigram_buckets, config.ngram_max, name="ngrams")(word_ids)
    embedded = layers.Embedding(
        config.vocab_size + config.bigram_buckets, config.embedding_dim, name="embedding"
    )(ngram_ids)  # (batch, about ngram_max * seq_len, embedding_dim)
    if config.embedding_dropout:
        # Drop whole n-grams (all of a vector's numbers at once): the average must do without
        # them, so no single phrase can carry a review (90.8 % on validation with 0.5 vs 90.5).
        embedded = layers.Dropout(config.embedding_dropout, noise_shape=(None, None, 1), name="ngram_dropout")(embedded)
    average = MaskedAverage(name="average")(embedded, ngram_ids)  # mean over real n-grams: (batch, dim)
    return keras.Model(word_ids, _softmax_head(average, config), name="fasttext")


def build_bilstm(config: ModelConfig, embedding_matrix=None) -> keras.Model:
    """The second seed's upgraded RNN: a bidirectional LSTM that skips the padding."""
    word_ids = _inputs(config)
    embedded = _embed(word_ids, config, mask_zero=True)
    # The mask from mask_zero travels with the tensor, so both directions stop at the real words.
    encoded = layers.Bidirectional(layers.LSTM(config.lstm_units), name="bilstm")(embedded)  # (batch, 2 * units)
    return keras.Model(word_ids, _softmax_head(encoded, config), name="bilstm")


def _nb_evidence(word_ids, config: ModelConfig, partners=None):
    """Per class, the sum of a text's distinct n-grams' Naive Bayes ratios times one learned weight
    each: (batch, classes). The ratios layer is filled in by the builder.

    With ``partners`` (training under the negation-flip prior), each NOT_word's evidence is its own
    minus its word's: "not good" starts as the opposite of "good" and the data moves it from there.
    """
    # Under the flip prior pairs and triples read the unmarked words (naive_bayes.pair_words); the
    # table is filled in from ``partners`` when training, from the saved weights when loading.
    pair_words = None
    if config.negation_flip:
        from .naive_bayes import pair_words as unmarked

        pair_words = True if partners is None else unmarked(partners)
    ngram_ids = HashedNgrams(config.vocab_size, config.bigram_buckets, config.ngram_max, pair_words=pair_words,
                             name="ngrams")(word_ids)
    rows = config.vocab_size + config.bigram_buckets
    # log P(n-gram | class) / P(n-gram | other classes), counted on the training texts: fixed.
    ratios_table = layers.Embedding(rows, config.num_classes, trainable=False, name="nb_ratios")
    # One weight per n-gram, from 0: the model starts undecided and moves each n-gram's say.
    weights_table = layers.Embedding(rows, 1, embeddings_initializer="zeros", name="ngram_weights")
    evidence = NaiveBayesEvidence(name="evidence")(ratios_table(ngram_ids), weights_table(ngram_ids), ngram_ids)
    if partners is None:
        return evidence  # (batch, classes)
    partner_ids = NegationPartners(partners, name="negation_partners")(ngram_ids)  # 0 where no NOT_word
    # The same two tables, read at the tied words: the word's evidence, to be taken away.
    flipped = NaiveBayesEvidence(name="partner_evidence")(ratios_table(partner_ids), weights_table(partner_ids),
                                                          partner_ids)
    return layers.Subtract(name="flipped_evidence")([evidence, flipped])  # (batch, classes)


def _fixed_softmax(logits, config: ModelConfig):
    # The logits go to the softmax as they are: a fixed identity layer (no learned scale or bias),
    # kept so every model ends in a "classifier" whose input explanations read as the logits.
    classifier = layers.Dense(config.num_classes, activation="softmax", kernel_initializer="identity", trainable=False,
                              name="classifier")
    return classifier(logits)


def build_nb_ngrams(config: ModelConfig, ratios, negation_partners=None) -> keras.Model:
    """NBSVM as a network (Wang & Manning 2012): a linear model over the text's distinct n-grams,
    each scaled by its Naive Bayes log-count ratio, so training starts from what Naive Bayes knows
    and learns how far to trust each n-gram.

    ``negation_partners`` (naive_bayes.negation_partners) builds the training-time model of the
    negation-flip prior; naive_bayes.fold_negation_flip turns its weights into a plain model's."""
    word_ids = _inputs(config)
    evidence = _nb_evidence(word_ids, config, negation_partners)
    if config.dropout:
        evidence = layers.Dropout(config.dropout, name="dropout")(evidence)
    # No learned scale on the evidence either: one let the logits grow until validation loss rose
    # after one epoch (validation 90.8 % vs 91.4 % with the identity).
    model = keras.Model(word_ids, _fixed_softmax(evidence, config), name="nb_ngrams")
    model.get_layer("nb_ratios").set_weights([np.asarray(ratios, dtype="float32")])
    return model


def build_nb_cnn(config: ModelConfig, matrices) -> keras.Model:
    """nb-ngrams and Kim's CNN on GloVe-initialised vectors, trained together, their logits added.

    The n-grams know exact phrases seen in training; the word vectors carry what GloVe learned
    about words never seen with a label. On MR's validation folds either alone was about a point
    below the two together (benchmarks/tune.py). One optimiser (Lazy Adam: the tables move only in
    the rows a batch read) trains both sides: the n-gram weights start at 0, so the CNN is not
    drowned out in the first epochs.
    """
    glove_matrix, ratios = matrices
    word_ids = _inputs(config)
    evidence = _nb_evidence(word_ids, config)  # (batch, classes)
    features = _kim_features(_embed(word_ids, config, name="glove_embedding"), config)  # (batch, filters * widths)
    if config.dropout:
        features = layers.Dropout(config.dropout, name="dropout")(features)
    cnn_logits = layers.Dense(config.num_classes, name="cnn_logits")(features)  # (batch, classes)
    logits = layers.Add(name="logits")([evidence, cnn_logits])
    model = keras.Model(word_ids, _fixed_softmax(logits, config), name="nb_cnn")
    model.get_layer("nb_ratios").set_weights([np.asarray(ratios, dtype="float32")])
    model.get_layer("glove_embedding").set_weights([np.asarray(glove_matrix, dtype="float32")])
    return model


BUILDERS = {
    "dense": build_dense,
    "cnn": build_cnn,
    "multicnn": build_multicnn,
    "glove-static": build_glove_static,
    "glove-tuned": build_glove_tuned,
    "multichannel": build_multichannel,
    "fasttext": build_fasttext,
    "bilstm": build_bilstm,
    "nb-ngrams": build_nb_ngrams,
    "nb-cnn": build_nb_cnn,
}


def embedding_layer(model: keras.Model) -> keras.layers.Embedding:
    """The layer holding the learned word vectors (the trainable copy for multichannel)."""
    for name in ("embedding", "glove_embedding", "glove_tuned_channel"):
        try:
            return model.get_layer(name)
        except ValueError:
            continue
    raise ValueError(f"Model {model.name!r} has no embedding layer.")


def embedding_weights(model: keras.Model) -> np.ndarray:
    """The learned word vectors (the trainable copy for multichannel; words and n-gram buckets for fasttext)."""
    return np.asarray(embedding_layer(model).get_weights()[0])
