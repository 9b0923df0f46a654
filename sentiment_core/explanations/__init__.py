"""Why a model said what it said, word by word, on one scale for every model and method.

Every method attributes the **margin** of one target class (the log-odds of positive for a
sentiment model; see :mod:`.target`), so a word's weight means the same in every card:

- ``occlusion``: margin(text) - margin(text with the word read as unknown);
- ``integrated-gradients``: the path integral of the gradient with respect to the word vectors,
  from "no words" to the text (:mod:`.gradients`);
- ``exact``: the logit split into exact shares, for fastText (words, pairs and triples), Kim's CNNs
  (the n-gram where each filter peaked) (:mod:`.exact`) and the TF-IDF baseline (its n-grams,
  :mod:`.linear`); other architectures get integrated gradients, with a note saying so.

:func:`explain` (in :mod:`.methods`) returns a plain dict (it travels from the serving worker to
the page). This package imports no Keras until an explanation is asked for, so the web server
can read the method names.
"""

from __future__ import annotations

from .exact import exact_available

METHODS = {
    "occlusion": "Occlusion: how the log-odds change when the word is read as unknown",
    "integrated-gradients": "Integrated gradients: the gradient along the path from no words to the text",
    "exact": "Exact shares: the logit split into words and n-grams (fastText, n-gram models) or n-gram windows (CNNs)",
}
DEFAULT_METHOD = "occlusion"

__all__ = ["METHODS", "DEFAULT_METHOD", "explain", "exact_available"]


def explain(predictor, text: str, method: str = DEFAULT_METHOD, target=None, steps: int | None = None) -> dict:
    """See :func:`sentiment_core.explanations.methods.explain`."""
    from .methods import explain as explain_text

    return explain_text(predictor, text, method, target, **({} if steps is None else {"steps": steps}))
