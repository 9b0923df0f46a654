"""The Train page's hyperparameter widgets, one function per kind of model.

Each reads its widgets (every value kept per variant and preset under the key suffix ``k``) and
returns ``(model changes, training changes)`` for the page to apply to the defaults.
"""

from __future__ import annotations

import streamlit as st

from sentiment_core.config import KIM_VARIANTS, LR_SCHEDULES, MAX_FASTTEXT_VOCAB, ONE_HOT_VARIANTS, WORD_INPUTS
from sentiment_core.text import KEEP_CHOICES

KEEP = "session"  # form values survive a visit to another page


def neural_settings(variant: str, model_config, train_config, k: str) -> tuple[dict, dict]:
    """The network's and the optimiser's settings, each keeping its value per variant and preset."""
    word_input = model_config.word_input
    if variant in ONE_HOT_VARIANTS and model_config.pooling == "max":  # the seed's flattened cnn reads positions
        word_input = st.radio(
            "Words enter the convolution as", list(WORD_INPUTS), index=WORD_INPUTS.index(model_config.word_input),
            format_func=lambda w: "vectors (an embedding: Kim 2014)" if w == "vectors" else "one-hot (Johnson & Zhang 2015)",
            horizontal=True, key=f"train_words-{k}", persist_state=KEEP,
            help="vectors: each word becomes its embedding (the size below), and every filter reads those few numbers. "
                 "one-hot: every filter has its own weight for each word at each place of its window, a table of "
                 "vocabulary x (sum of kernel widths) x filters weights: no squeeze through a few numbers, more to store."
                 + (" glove-tuned starts each word's weights as its GloVe vector times the filters: Kim's CNN on "
                    "GloVe, unfolded." if model_config.uses_glove else ""))
    a, b, c = st.columns(3)
    most_words = MAX_FASTTEXT_VOCAB if model_config.hashes_ngrams else 40_000  # n-gram hashing stays in int32
    vocab_size = a.number_input("Vocabulary size", 100, most_words, model_config.vocab_size, 1000, key=f"train_vocab-{k}", persist_state=KEEP)
    longest = 2000 if model_config.hashes_ngrams else 1000  # a bag of n-grams reads whole reviews cheaply
    seq_len = b.number_input("Sequence length (words)", 8, longest, model_config.seq_len, 8, key=f"train_len-{k}", persist_state=KEEP)
    embedding_dim = c.number_input(
        "Embedding size", 8, 300, model_config.embedding_dim, 2, key=f"train_emb-{k}", persist_state=KEEP,
        disabled=model_config.uses_glove or word_input == "one-hot",
        help="GloVe variants use GloVe's 50 dimensions." if model_config.uses_glove else
             "One-hot words have no embedding: each word's row holds its weights for every filter." if word_input == "one-hot" else None,
    )
    changes = {"vocab_size": int(vocab_size), "seq_len": int(seq_len), "embedding_dim": int(embedding_dim),
               "word_input": word_input}
    if variant in KIM_VARIANTS:
        changes["filters"] = int(a.number_input("Filters per kernel", 10, 300, model_config.filters, 10, key=f"train_filters-{k}", persist_state=KEEP))
        kernels = b.multiselect("Kernel sizes", list(range(1, 8)), list(model_config.kernel_sizes), key=f"train_kernels-{k}", persist_state=KEEP)
        changes["kernel_sizes"] = tuple(sorted(kernels)) or model_config.kernel_sizes
    if model_config.hashes_ngrams:  # fastText's n-grams, nb-cnn's n-gram side
        changes.update(_ngram_widgets(model_config, k, c, a))
    if variant == "dense":
        changes["hidden_units"] = int(a.number_input("Hidden units", 16, 1000, model_config.hidden_units, 16, key=f"train_hidden-{k}", persist_state=KEEP))
    if variant == "bilstm":
        changes["lstm_units"] = int(a.number_input("LSTM units", 8, 256, model_config.lstm_units, 8, key=f"train_lstm-{k}", persist_state=KEEP))
    changes["dropout"] = float(c.slider("Dropout", 0.0, 0.8, float(model_config.dropout), 0.05, key=f"train_drop-{k}", persist_state=KEEP))
    changes["embedding_dropout"] = float(
        c.slider("Embedding dropout", 0.0, 0.8, float(model_config.embedding_dropout), 0.05, key=f"train_edrop-{k}", persist_state=KEEP,
                 help="fastText drops this share of a text's n-grams in training." if variant == "fasttext" else
                      "One-hot words: this share of a text's words is left out in training." if word_input == "one-hot" else None)
    )
    changes["negation"] = bool(a.checkbox(
        "Mark negation (NOT_)", model_config.negation, key=f"train_neg-{k}", persist_state=KEEP,
        help="Words after not, n't, no, never ... up to the end of the clause are read as NOT_word, so 'not good' "
             "is not 'good'. The lesson page shows it step by step."))
    changes["keep"] = b.radio("Long texts: read the", list(KEEP_CHOICES), index=KEEP_CHOICES.index(model_config.keep),
                              format_func=lambda keep: "start + end" if keep == "both" else keep,
                              horizontal=True, key=f"train_keep-{k}", persist_state=KEEP)
    a, b, c = st.columns(3)
    epochs = a.number_input("Epochs (most)", 1, 40, train_config.epochs, 1, key=f"train_epochs-{k}", persist_state=KEEP)
    batch_size = b.select_slider("Batch size", [16, 32, 64, 128, 256], train_config.batch_size, key=f"train_batch-{k}", persist_state=KEEP)
    rates = sorted({1e-4, 3e-4, 1e-3, 3e-3, 5e-3, 1e-2, train_config.learning_rate})
    optimizer = {"adam": "Adam", "lazy-adam": "LazyAdam", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad"}.get(
        train_config.optimizer, train_config.optimizer)
    learning_rate = c.select_slider(f"Learning rate ({optimizer})", rates, train_config.learning_rate, key=f"train_lr-{k}",
                                    persist_state=KEEP,
                                    help="LazyAdam is Adam that moves only the table rows a batch read (one-hot words)."
                                    if train_config.optimizer == "lazy-adam" else None)
    patience = a.number_input("Early stopping patience (0 = off)", 0, 5, train_config.early_stopping_patience, 1, key=f"train_pat-{k}", persist_state=KEEP)
    seed = b.number_input("Random seed", 0, 10_000, train_config.seed, 1, key=f"train_seed-{k}", persist_state=KEEP)
    averaging = c.select_slider(
        "Weight averaging", sorted({0.0, 0.9, 0.99, 0.995, 0.999, train_config.weight_averaging}),
        train_config.weight_averaging, key=f"train_ema-{k}", persist_state=KEEP,
        help="Momentum of a moving average of the weights, copied into the model after every epoch (0 = off). "
             "Averaged weights are less noisy than the last step's.",
    )
    schedule = a.radio(
        "Learning rate over training", list(LR_SCHEDULES), index=LR_SCHEDULES.index(train_config.lr_schedule),
        horizontal=True, key=f"train_sched-{k}", persist_state=KEEP,
        help="cosine: the rate falls from the value above to 0 at the last epoch, so the last epochs take small steps.")
    return changes, {"epochs": int(epochs), "batch_size": int(batch_size), "learning_rate": float(learning_rate),
                     "lr_schedule": schedule, "early_stopping_patience": int(patience),
                     "weight_averaging": float(averaging), "seed": int(seed)}


def ngram_settings(model_config, train_config, k: str) -> tuple[dict, dict]:
    """nb-ngrams: which n-grams it counts and how its one weight per n-gram is trained."""
    a, b, c = st.columns(3)
    vocab_size = a.number_input("Vocabulary size", 100, MAX_FASTTEXT_VOCAB, model_config.vocab_size, 1000,
                                key=f"train_vocab-{k}", persist_state=KEEP)
    seq_len = b.number_input("Sequence length (words)", 8, 2000, model_config.seq_len, 8, key=f"train_len-{k}", persist_state=KEEP)
    grams = _ngram_widgets(model_config, k, c, a)
    keep = b.radio("Long texts: read the", list(KEEP_CHOICES), index=KEEP_CHOICES.index(model_config.keep),
                   format_func=lambda keep: "start + end" if keep == "both" else keep,
                   horizontal=True, key=f"train_keep-{k}", persist_state=KEEP)
    negation = c.checkbox("Mark negation (NOT_)", model_config.negation, key=f"train_neg-{k}", persist_state=KEEP,
                          help="Words after not, n't, no, never ... up to the end of the clause are read as NOT_word.")
    a, b, c = st.columns(3)
    epochs = a.number_input("Epochs (most)", 1, 40, train_config.epochs, 1, key=f"train_epochs-{k}", persist_state=KEEP)
    batch_size = b.select_slider("Batch size", [16, 32, 64, 128, 256], train_config.batch_size, key=f"train_batch-{k}", persist_state=KEEP)
    rates = sorted({0.01, 0.03, 0.1, 0.3, train_config.learning_rate})
    learning_rate = c.select_slider(f"Learning rate ({train_config.optimizer.capitalize()})", rates, train_config.learning_rate,
                                    key=f"train_lr-{k}", persist_state=KEEP)
    patience = a.number_input("Early stopping patience (0 = off)", 0, 5, train_config.early_stopping_patience, 1, key=f"train_pat-{k}", persist_state=KEEP)
    seed = b.number_input("Random seed", 0, 10_000, train_config.seed, 1, key=f"train_seed-{k}", persist_state=KEEP)
    flip = _flip_widget(c, model_config, k, negation)
    return ({"vocab_size": int(vocab_size), "seq_len": int(seq_len), **grams, "keep": keep, "negation": bool(negation),
             "negation_flip": float(flip) if negation else 0.0},
            {"epochs": int(epochs), "batch_size": int(batch_size), "learning_rate": float(learning_rate),
             "early_stopping_patience": int(patience), "seed": int(seed)})


def _ngram_widgets(model_config, k: str, order_column, buckets_column) -> dict:
    """Which n-grams an n-gram model counts and how many hash buckets pairs and triples share."""
    ngram_max = order_column.radio("n-grams up to", [1, 2, 3], index=model_config.ngram_max - 1, horizontal=True,
                                   format_func=lambda n: {1: "words", 2: "pairs", 3: "triples"}[n], key=f"train_ngram-{k}",
                                   persist_state=KEEP)
    buckets = buckets_column.select_slider(
        "Hash buckets for pairs and triples", sorted({100_000, 500_000, 1_000_000, 2_000_000, model_config.bigram_buckets}),
        model_config.bigram_buckets, key=f"train_buckets-{k}", persist_state=KEEP,
        help="More buckets, fewer n-grams sharing one weight (at most 2,000,000).")
    return {"ngram_max": int(ngram_max), "bigram_buckets": int(buckets)}


def _flip_widget(column, model_config, k: str, negation: bool) -> float:
    """The negation-flip prior's strength (tfidf-logreg, nb-ngrams); only with negation marked."""
    return column.select_slider(
        "NOT_word = opposite of word (prior)", sorted({0.0, 0.5, 1.0, 2.0, 4.0, model_config.negation_flip}),
        model_config.negation_flip, key=f"train_flip-{k}", persist_state=KEEP, disabled=not negation,
        help="0: NOT_word is learned on its own, like any word. Above 0: its weight starts as minus the word's, so "
             "'not bad' reads as praise unless the data says otherwise; the larger, the harder the pull. Its effect "
             "on IMDB and on the negation tests: README, 'Marking negation'.")


def linear_settings(model_config, train_config, k: str) -> tuple[dict, dict]:
    """The TF-IDF baseline's few settings: how many n-grams, how long, how much regularisation."""
    a, b, c = st.columns(3)
    vocab_size = a.number_input("Most n-grams kept", 10_000, 2_000_000, model_config.vocab_size, 10_000,
                                key=f"train_vocab-{k}", persist_state=KEEP,
                                help="Words and word pairs seen in at least 2 texts, the most frequent first.")
    ngram_max = b.radio("n-grams up to", [1, 2, 3], index=model_config.ngram_max - 1, horizontal=True,
                        format_func=lambda n: {1: "words", 2: "pairs", 3: "triples"}[n], key=f"train_ngram-{k}",
                        persist_state=KEEP)
    regularization = c.select_slider("C (less regularisation →)", [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
                                     model_config.regularization, key=f"train_c-{k}", persist_state=KEEP,
                                     help="Logistic regression's inverse regularisation strength.")
    seed = a.number_input("Random seed", 0, 10_000, train_config.seed, 1, key=f"train_seed-{k}", persist_state=KEEP)
    negation = b.checkbox("Mark negation (NOT_)", model_config.negation, key=f"train_neg-{k}", persist_state=KEEP,
                          help="Words after not, n't, no, never ... up to the end of the clause are read as NOT_word.")
    flip = _flip_widget(c, model_config, k, negation)
    st.caption("One fit, no epochs: about 30 s on the full IMDB training set.")
    return ({"vocab_size": int(vocab_size), "ngram_max": int(ngram_max), "regularization": float(regularization),
             "negation": bool(negation), "negation_flip": float(flip) if negation else 0.0},
            {"seed": int(seed)})
