"""Fast predictions from a trained or loaded model, with per-word explanations.

``predict_proba`` encodes, pads and runs the model's compiled step directly on the batch
(``predict_on_batch``): about 1-3 ms for one sentence on two CPU cores, where ``model.predict``
pays ~45 ms of set-up on every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .config import ModelConfig
from .text import UNK, Vocabulary, head_length, pad_sequences

MAX_CHARS = 1_000_000
BATCH_SIZE = 256
# Masked models pad short texts to a power of two no shorter than this (see Predictor.encode).
SHORTEST_PADDING = 16


@dataclass
class Prediction:
    text: str
    probabilities: dict[str, float]
    label: str
    confidence: float
    tokens: int
    unknown: list[str]
    truncated: bool
    note: str = ""


class Predictor:
    """Wraps a Keras model with the vocabulary and config it was trained with.

    ``predict_proba``, ``predict`` and ``explain`` take any text: emoji, other scripts, control
    characters, HTML, a million characters. The only errors they raise are ``ValueError`` for
    input that is not a text (or list of texts), a text that is empty or only whitespace, one
    longer than ``MAX_CHARS`` characters, and an ``explain`` target that is not a class.
    """

    # False: the model reads at most seq_len words (the rest is cut, and predict says so).
    reads_everything = False

    def __init__(
        self,
        model,
        vocabulary: Vocabulary,
        model_config: ModelConfig,
        class_names: Sequence[str],
        name: str = "",
        manifest: dict | None = None,
    ):
        self.model = model
        self.vocabulary = vocabulary
        self.model_config = model_config
        self.class_names = tuple(class_names)
        self.name = name
        self.manifest = manifest or {}

    @classmethod
    def from_trained(cls, trained) -> "Predictor":
        if trained.model_config.is_linear:
            from .linear import LinearPredictor

            return LinearPredictor(trained.model, trained.vocabulary, trained.model_config, trained.class_names)
        return cls(trained.model, trained.vocabulary, trained.model_config, trained.class_names)

    # -- encoding -----------------------------------------------------------------------------

    def _check(self, texts) -> list[str]:
        """The texts as a list, or a ValueError naming what is wrong (documented for every public method)."""
        if isinstance(texts, str):
            texts = [texts]
        elif isinstance(texts, (bytes, bytearray, dict)) or not hasattr(texts, "__iter__"):
            raise ValueError(f"Expected a text or a list of texts, got {type(texts).__name__}.")
        texts = list(texts)
        for i, text in enumerate(texts):
            where = "" if len(texts) == 1 else f" (text {i + 1})"
            if not isinstance(text, str):
                raise ValueError(f"Expected text{where}, got {type(text).__name__}.")
            if not text.strip():
                raise ValueError(f"The text is empty{where}: type a sentence to judge.")
            if len(text) > MAX_CHARS:
                raise ValueError(f"The text is {len(text):,} characters{where}; the limit is {MAX_CHARS:,}.")
        return texts

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Word ids padded (or cut) to the model's length, never shorter than its widest kernel.

        Models that mask padding (bilstm, fasttext) answer the same at any length, and so do
        convolutions with max-over-time pooling given one all-padding window; their cost grows
        with the length, so short texts are padded only to the next power of two (at least 16):
        a sentence costs a few steps instead of 500, and only a handful of shapes compile.
        """
        ids = [self.vocabulary.encode(t) for t in texts]
        config = self.model_config
        length = max(config.seq_len, config.min_length)
        if self.model.input_shape[-1] is None:
            longest = max((len(row) for row in ids), default=0)
            if config.pools_over_time:
                # Max-over-time pooling: every window wholly in the padding sees the same ids, so
                # one such window left (the widest kernel's) gives exactly the answer at seq_len.
                longest += max(config.kernel_sizes)
            if config.ignores_padding or config.pools_over_time:
                length = min(length, max(SHORTEST_PADDING, 1 << max(longest - 1, 0).bit_length()))
        return pad_sequences(ids, length, keep=config.keep)

    def _run(self, x: np.ndarray) -> np.ndarray:
        from .training import predict_in_batches

        return predict_in_batches(self.model, x, BATCH_SIZE)

    # -- predictions --------------------------------------------------------------------------

    def predict_proba(self, texts: str | Sequence[str]) -> np.ndarray:
        """``(n, num_classes)`` class probabilities for one text or many."""
        texts = self._check(texts)
        if not texts:
            return np.zeros((0, len(self.class_names)), dtype=np.float32)
        return self._run(self.encode(texts))

    def predict(self, texts: str | Sequence[str]) -> list[Prediction]:
        """Probabilities plus what a reader needs to trust them: unknown words, truncation."""
        texts = self._check(texts)
        probabilities = self.predict_proba(texts) if texts else []
        results = []
        for text, probs in zip(texts, probabilities):
            tokens = self.vocabulary.tokenize(text)
            ids = self.vocabulary.encode_tokens(tokens)
            unknown = [t for t, i in zip(tokens, ids) if i == UNK]
            best = int(np.argmax(probs))
            note = ""
            if not tokens:
                note = "No words the model can read (only symbols, emoji or another script): this is its prior."
            elif len(unknown) == len(tokens):
                note = "None of these words is in the model's vocabulary: the prediction says little."
            elif len(tokens) > self.model_config.seq_len and not self.reads_everything:
                read = truncation_note(self.model_config.seq_len, self.model_config.keep)
                note = f"Only {read} of {len(tokens)} words were read."
            results.append(
                Prediction(
                    text=text,
                    probabilities={c: float(p) for c, p in zip(self.class_names, probs)},
                    label=self.class_names[best],
                    confidence=float(probs[best]),
                    tokens=len(tokens),
                    unknown=unknown,
                    truncated=len(tokens) > self.model_config.seq_len and not self.reads_everything,
                    note=note,
                )
            )
        return results

    def explain(self, text: str, target=None, method: str = "occlusion") -> list[dict]:
        """Each read word's weight towards ``target`` (default: positive), in log-odds.

        ``method`` is one of :data:`sentiment_core.explanations.METHODS`; the weights are on the
        margin of the target class (the log-odds for two classes), so they compare across
        models and methods. See :func:`sentiment_core.explanations.explain` for the whole answer.
        """
        from .explanations import explain

        return explain(self, text, method=method, target=target)["words"]


def compare(predictors: Sequence[Predictor], text: str, explain: bool = True, method: str = "occlusion",
            target: str | None = None) -> list[dict]:
    """One text judged by several models: each model's prediction and, optionally, its explanation.

    ``words`` are the explanation's word weights (on the log-odds of ``target``, default
    positive) and ``explanation`` the whole of it. A model that fails on this text (it should
    not) is reported in its row instead of stopping the others.
    """
    from .explanations import explain as explain_text

    rows = []
    for predictor in predictors:
        try:
            prediction = predictor.predict(text)[0]
            explanation = explain_text(predictor, text, method, target) if explain and prediction.tokens else None
            words = explanation["words"] if explanation else []
            rows.append({"model": predictor.name, "prediction": prediction, "words": words,
                         "explanation": explanation, "error": None})
        except ValueError:
            raise  # the text itself is the problem (empty, too long): say so once
        except Exception as error:  # noqa: BLE001
            rows.append({"model": predictor.name, "prediction": None, "words": [], "explanation": None,
                         "error": f"{type(error).__name__}: {error}"})
    return rows


def predict_table(predictors: Sequence[Predictor], texts: Sequence[str], top_words: int = 0,
                  method: str = "exact") -> list[dict]:
    """Rows for a batch of texts: the text, then each model's label and probabilities.

    With ``top_words``, each model also names the words that pushed its answer most, with their
    weights on the log-odds of positive (``method``: see :mod:`sentiment_core.explanations`).
    """
    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    if not texts:
        raise ValueError("No texts to judge: paste one text per line or upload a file.")
    rows = [{"text": t} for t in texts]
    for predictor in predictors:
        probabilities = predictor.predict_proba(texts)
        for row, probs, text in zip(rows, probabilities, texts):
            best = int(np.argmax(probs))
            row[f"{predictor.name}: label"] = predictor.class_names[best]
            for name, p in zip(predictor.class_names, probs):
                row[f"{predictor.name}: P({name})"] = round(float(p), 4)
            if top_words:
                row[f"{predictor.name}: top words"] = _top_words(predictor, text, top_words, method)
    return rows


def _top_words(predictor: Predictor, text: str, count: int, method: str) -> str:
    from .explanations import explain

    words = explain(predictor, text, method)["words"]
    strongest = sorted(words, key=lambda w: -abs(w["weight"]))[:count]
    return ", ".join(f"{w['token']} {w['weight']:+.2f}" for w in strongest)


def truncation_note(seq_len: int, keep: str) -> str:
    """Which words of a long text a model reads, in words: "the first 500", "the last 500"..."""
    if keep == "start":
        return f"the first {seq_len}"
    if keep == "end":
        return f"the last {seq_len}"
    head = head_length(seq_len)
    return f"the first {head} and the last {seq_len - head}"
