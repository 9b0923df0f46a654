"""Perturbations for INV and DIR tests: each takes a text, a seeded ``random.Random`` and the
suite's word lists, and returns the changed text, or None when it does not apply to this text."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

WORD = re.compile(r"[A-Za-z]+")

# Contractions both ways; a text gets whichever direction applies.
CONTRACTIONS = {
    "is not": "isn't", "are not": "aren't", "was not": "wasn't", "were not": "weren't", "do not": "don't",
    "does not": "doesn't", "did not": "didn't", "cannot": "can't", "could not": "couldn't", "will not": "won't",
    "would not": "wouldn't", "have not": "haven't", "has not": "hasn't", "it is": "it's", "I am": "I'm",
    "I have": "I've", "I would": "I'd", "you are": "you're", "they are": "they're", "that is": "that's",
}


def typo(text: str, rng: random.Random, lexicons: Mapping[str, Sequence[str]]) -> str | None:
    """Two neighbouring letters swapped in one word of four letters or more."""
    words = [m for m in WORD.finditer(text) if len(m.group()) >= 4]
    if not words:
        return None
    match = rng.choice(words)
    word = match.group()
    i = rng.randrange(len(word) - 1)
    if word[i] == word[i + 1]:
        i = (i + 1) % (len(word) - 1)
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return text[: match.start()] + swapped + text[match.end():]


def contraction(text: str, rng: random.Random, lexicons) -> str | None:
    """"did not" <-> "didn't" (the first that applies)."""
    for long, short in CONTRACTIONS.items():
        for a, b in ((long, short), (short, long)):
            pattern = re.compile(rf"\b{re.escape(a)}\b", re.IGNORECASE if a[0] != "I" else 0)
            if pattern.search(text):
                return pattern.sub(b, text, count=1)
    return None


def punctuation(text: str, rng: random.Random, lexicons) -> str | None:
    """The final full stop dropped, or turned into "!"; a text without one gets one."""
    stripped = text.rstrip()
    if stripped.endswith("."):
        return stripped[:-1] if rng.random() < 0.5 else stripped[:-1] + "!"
    if stripped[-1:] in "!?":
        return stripped[:-1] + "."
    return stripped + "."


def add_filler(text: str, rng: random.Random, lexicons) -> str | None:
    """A neutral sentence (the ``filler`` word list) before or after the text."""
    fillers = lexicons.get("filler")
    if not fillers:
        return None
    filler = rng.choice(list(fillers))
    return f"{filler} {text}" if rng.random() < 0.5 else f"{text} {filler}"


def _swap_from(list_name: str) -> Callable:
    def swap(text: str, rng: random.Random, lexicons) -> str | None:
        words = list(lexicons.get(list_name) or ())
        present = [w for w in words if re.search(rf"\b{re.escape(w)}\b", text)]
        if not present or len(words) < 2:
            return None
        old = rng.choice(present)
        new = rng.choice([w for w in words if w != old])
        return re.sub(rf"\b{re.escape(old)}\b", new, text)

    swap.__doc__ = f"Every mention of a word from the {list_name!r} list replaced by another from it."
    return swap


def change_number(text: str, rng: random.Random, lexicons) -> str | None:
    """A number that is not part of a rating ("9/10", "4 out of 5", "3 stars") replaced by another."""
    numbers = [m for m in re.finditer(r"\b\d+\b", text)
               if not re.match(r"\s*(/|stars?\b|out of)", text[m.end():])
               and not re.search(r"(/|out of)\s*$", text[: m.start()])]
    if not numbers:
        return None
    match = rng.choice(numbers)
    new = str(rng.choice([n for n in (2, 3, 4, 5, 7, 12, 20, 45, 90, 2019) if str(n) != match.group()]))
    return text[: match.start()] + new + text[match.end():]


PERTURBATIONS: dict[str, Callable[[str, random.Random, Mapping], str | None]] = {
    "typo": typo,
    "contraction": contraction,
    "punctuation": punctuation,
    "add_filler": add_filler,
    "swap_name": _swap_from("name"),
    "swap_place": _swap_from("place"),
    "change_number": change_number,
}
