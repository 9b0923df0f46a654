"""What if the sentence said something else? One-edit variants of a text, for the Predict page.

Four kinds of edit, each a whole new sentence a model can judge:

- **negate**: each clause negated ("was good" -> "was not good") or its negation removed;
- **antonym**: a polar word swapped for its opposite, from our own small lexicon;
- **neighbour**: one of the most influential words swapped for a nearest neighbour, in GloVe
  and in the model's own learned embedding (neighbours need not share a polarity: "good" and
  "bad" are close in both, which is the lesson);
- **drop**: one word left out.

Edits work on the cleaned tokens (what the models read), so the edited sentence is lower-case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from .text import tokenize

MAX_EDITS = 60
MAX_DROPS = 25

AUXILIARIES = frozenset(
    "is was are were am be been do does did has have had can could will would should may might must "
    "'s 're 'm".split()
)
NEGATIONS = frozenset({"not", "n't", "never", "no"})
CLAUSE_BREAKS = frozenset({",", ";", ".", "!", "?", "but", "although", "though", "yet", "and", "however"})

_PAIRS = """
good bad, great terrible, excellent awful, wonderful horrible, best worst, better worse, love hate,
loved hated, loves hates, like dislike, liked disliked, enjoyed endured, brilliant dreadful,
amazing disappointing, fun tedious, funny unfunny, interesting boring, exciting dull, beautiful ugly,
perfect flawed, masterpiece disaster, superb atrocious, fantastic pathetic, happy sad, strong weak,
clever stupid, smart dumb, fresh stale, gripping plodding, memorable forgettable, pleasant unpleasant,
recommend avoid, highly barely, always never, success failure, entertaining tiresome, charming annoying,
moving lifeless, touching cold, engaging tedious, positive negative, pleasure pain, favorite least
"""
ANTONYMS: dict[str, str] = {}
for _pair in re.split(r",\s*", _PAIRS.strip()):
    _a, _b = _pair.split()
    ANTONYMS.setdefault(_a, _b)
    ANTONYMS.setdefault(_b, _a)


@dataclass(frozen=True)
class Edit:
    kind: str  # "negate", "antonym", "neighbour" or "drop"
    description: str
    text: str


def negations(tokens: list[str]) -> list[Edit]:
    """Each clause with its negation removed, or with "not" after its first auxiliary verb."""
    edits, start = [], 0
    for end in [i for i, t in enumerate(tokens) if t in CLAUSE_BREAKS] + [len(tokens)]:
        clause = range(start, end)
        negated = [i for i in clause if tokens[i] in NEGATIONS]
        if negated:
            kept = [t for i, t in enumerate(tokens) if i not in negated]
            words = " ".join(tokens[i] for i in negated)
            edits.append(Edit("negate", f"remove “{words}”", " ".join(kept)))
        else:
            auxiliary = next((i for i in clause if tokens[i] in AUXILIARIES), None)
            if auxiliary is not None:
                changed = tokens[: auxiliary + 1] + ["not"] + tokens[auxiliary + 1 :]
                edits.append(Edit("negate", f"“{tokens[auxiliary]}” → “{tokens[auxiliary]} not”", " ".join(changed)))
        start = end + 1
    return edits


def swaps(tokens: list[str], position: int, replacements: Sequence[str], kind: str, source: str) -> list[Edit]:
    out = []
    for word in replacements:
        changed = tokens[:position] + [word] + tokens[position + 1 :]
        out.append(Edit(kind, f"“{tokens[position]}” → “{word}”{source}", " ".join(changed)))
    return out


def edits_of(text: str, influential: Sequence[int] = (), neighbours: Callable[[str], dict[str, list[str]]] | None = None,
             per_word: int = 2) -> list[Edit]:
    """Every one-edit variant of ``text`` (at most ``MAX_EDITS``), distinct and unlike the text.

    ``influential`` are token positions worth swapping for neighbours (the strongest words of an
    explanation); ``neighbours(word)`` gives ``{"GloVe": [...], "learned": [...]}``.
    """
    tokens = tokenize(text)
    found: list[Edit] = negations(tokens)
    for i, token in enumerate(tokens):
        if token in ANTONYMS:
            found += swaps(tokens, i, [ANTONYMS[token]], "antonym", "")
    if neighbours is not None:
        for i in influential:
            if 0 <= i < len(tokens):
                for source, words in neighbours(tokens[i]).items():
                    found += swaps(tokens, i, list(words)[:per_word], "neighbour", f" ({source} neighbour)")
    if len(tokens) > 1:
        for i, token in enumerate(tokens[:MAX_DROPS]):
            found.append(Edit("drop", f"drop “{token}”", " ".join(tokens[:i] + tokens[i + 1 :])))
    original, seen, out = " ".join(tokens), set(), []
    for edit in found:
        if edit.text != original and edit.text.strip() and edit.text not in seen:
            seen.add(edit.text)
            out.append(edit)
    return out[:MAX_EDITS]


def judge_edits(predictors: Sequence, text: str, edits: Sequence[Edit], target=None) -> list[dict]:
    """Each edit's probability of the target class (default positive) per model, and whether it flips the model.

    Rows: ``{"kind", "edit", "text", "<model>": P, "<model> Δ": change, "flips": [models]}``,
    largest change first.
    """
    from .explanations.target import resolve_target

    rows = [{"kind": e.kind, "edit": e.description, "text": e.text, "flips": []} for e in edits]
    for predictor in predictors:
        base = predictor.predict_proba([text])[0]
        predicted = int(base.argmax())
        index = resolve_target(predictor.class_names, target, predicted)
        probabilities = predictor.predict_proba([e.text for e in edits]) if edits else []
        for row, probs in zip(rows, probabilities):
            row[predictor.name] = round(float(probs[index]), 4)
            row[f"{predictor.name} Δ"] = round(float(probs[index] - base[index]), 4)
            if int(probs.argmax()) != predicted:
                row["flips"].append(predictor.name)
    names = [p.name for p in predictors]
    rows.sort(key=lambda r: (-len(r["flips"]), -max((abs(r[f"{n} Δ"]) for n in names), default=0.0)))
    return rows
