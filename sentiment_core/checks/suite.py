"""Behavioural tests as data: a suite of templated tests, read from and written to JSON.

The ideas are CheckList's (Ribeiro et al., 2020), written for this project:

- **MFT** (minimum functionality test): sentences filled from a template, each with the label a
  model must give (``"The acting was not great."`` -> negative);
- **INV** (invariance): a change that must not change the label (a typo, another name, a
  neutral sentence added);
- **DIR** (directional expectation): a change that must move a class's probability one way
  (adding "..., but the ending was awful" must lower P(positive)).

A template's ``{placeholders}`` are filled from word lists (lexicons): the suite's shared ones,
or the test's own. ``{adjective2}`` draws from the same list as ``{adjective}`` (trailing digits
are ignored), and the two never get the same word. When all fillings are more than
``max_cases``, a fixed sample is taken (seeded by the test's name, so a suite always yields the
same cases).
"""

from __future__ import annotations

import itertools
import json
import random
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

from .perturb import PERTURBATIONS

TYPES = ("MFT", "INV", "DIR")
DIRECTIONS = ("up", "down", "not_up", "not_down")
# DIR tests: "up"/"down" must move the probability by at least this much; "not_up"/"not_down"
# may move it the wrong way by at most this much (CheckList's default tolerance is 0.1).
DEFAULT_TOLERANCE = {"up": 0.01, "down": 0.01, "not_up": 0.1, "not_down": 0.1}
# Bounds that keep one user's suite from holding the serving worker (shared by the room) for long:
# 20,000 cases on 4 models take about 5 s on 2 cores.
MAX_CASES_PER_TEST = 2_000
MAX_CASES = 20_000
MAX_TESTS = 200
MAX_WORDS_PER_LEXICON = 1_000
MAX_TEMPLATE_CHARS = 500
MAX_WORD_CHARS = 100
MAX_SUITE_BYTES = 2 << 20
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z_0-9]*)\}")
SUITE_VERSION = 1


class SuiteError(ValueError):
    """A suite or test a user wrote that cannot run; the message says what to fix."""


@dataclass(frozen=True)
class Case:
    """One generated case: the text, and for INV/DIR the changed text it is compared with."""

    text: str
    changed: str | None = None


@dataclass(frozen=True)
class BehaviourTest:
    """One test. ``expect`` (MFT) is a class name; ``on`` (DIR) is a class name or "predicted"
    (the class the model gave the original text: for "does not lower confidence")."""

    name: str
    capability: str
    type: str
    templates: tuple[str, ...]
    expect: str | None = None
    changed: tuple[str, ...] = ()
    perturbation: str | None = None
    direction: str | None = None
    on: str = "positive"
    tolerance: float | None = None
    lexicons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    max_cases: int = 150
    description: str = ""

    @property
    def tolerance_value(self) -> float:
        return DEFAULT_TOLERANCE.get(self.direction or "", 0.0) if self.tolerance is None else self.tolerance

    def check(self, shared: Mapping[str, Sequence[str]]) -> BehaviourTest:
        """This test, or a SuiteError naming the test and what is wrong with it."""
        where = f"Test {self.name!r}"
        if not self.name.strip():
            raise SuiteError("A test has no name: give every test a short name.")
        if self.type not in TYPES:
            raise SuiteError(f"{where}: type must be one of {', '.join(TYPES)}; got {self.type!r}.")
        if not self.templates or not all(isinstance(t, str) and t.strip() for t in self.templates):
            raise SuiteError(f"{where}: write at least one template, e.g. 'The movie was {{adjective}}.'")
        if any(len(t) > MAX_TEMPLATE_CHARS for t in (*self.templates, *self.changed)):
            raise SuiteError(f"{where}: a template is longer than {MAX_TEMPLATE_CHARS} characters; write shorter ones.")
        if not 1 <= self.max_cases <= MAX_CASES_PER_TEST:
            raise SuiteError(f"{where}: max_cases must be from 1 to {MAX_CASES_PER_TEST:,}; got {self.max_cases}.")
        if self.type == "MFT" and not self.expect:
            raise SuiteError(f"{where}: an MFT needs the label every sentence must get (expect), e.g. 'positive'.")
        if self.type in ("INV", "DIR"):
            if bool(self.changed) == bool(self.perturbation):
                raise SuiteError(f"{where}: an {self.type} test needs either changed templates (one per template) "
                                 f"or a perturbation ({', '.join(PERTURBATIONS)}), not both.")
            if self.changed and len(self.changed) != len(self.templates):
                raise SuiteError(f"{where}: {len(self.templates)} templates but {len(self.changed)} changed templates; "
                                 "write one changed template per template.")
            if self.perturbation and self.perturbation not in PERTURBATIONS:
                raise SuiteError(f"{where}: unknown perturbation {self.perturbation!r}; "
                                 f"choose from {', '.join(PERTURBATIONS)}.")
        if self.type == "DIR" and self.direction not in DIRECTIONS:
            raise SuiteError(f"{where}: a DIR test needs a direction ({', '.join(DIRECTIONS)}); got {self.direction!r}.")
        if self.tolerance is not None and not 0 <= self.tolerance <= 1:
            raise SuiteError(f"{where}: tolerance must be from 0 to 1; got {self.tolerance}.")
        lexicons = {**shared, **self.lexicons}
        for template in (*self.templates, *self.changed):
            for placeholder in PLACEHOLDER.findall(template):
                words = lexicons.get(lexicon_of(placeholder))
                if not words:
                    raise SuiteError(f"{where}: the template {template!r} uses {{{placeholder}}} but there is no word "
                                     f"list named {lexicon_of(placeholder)!r}; add one.")
            try:
                template.format(**{p: "x" for p in PLACEHOLDER.findall(template)})
            except (ValueError, KeyError, IndexError) as error:
                raise SuiteError(f"{where}: the template {template!r} cannot be filled ({error}); use {{name}} "
                                 "placeholders, and write a literal brace as {{ or }}.") from None
        return self

    def cases(self, shared: Mapping[str, Sequence[str]]) -> list[Case]:
        """The test's cases: the same list every time for the same test and lexicons."""
        self.check(shared)
        lexicons = {**shared, **self.lexicons}
        rng = random.Random(zlib.crc32(self.name.encode("utf-8")))
        per_template = max(1, self.max_cases // len(self.templates))
        cases: list[Case] = []
        seen: set[tuple[str, str | None]] = set()
        for index, template in enumerate(self.templates):
            other = self.changed[index] if self.changed else None
            names = sorted(set(PLACEHOLDER.findall(template)) | set(PLACEHOLDER.findall(other or "")))
            for filling in _fillings(names, lexicons, per_template, rng):
                text = _fill(template, filling)
                if self.perturbation:
                    changed = PERTURBATIONS[self.perturbation](text, rng, lexicons)
                    if changed is None or changed == text:
                        continue
                else:
                    changed = _fill(other, filling) if other else None
                if (text, changed) not in seen:
                    seen.add((text, changed))
                    cases.append(Case(text, changed))
        return cases[: self.max_cases]

    def to_dict(self) -> dict:
        out = asdict(self)
        out["templates"], out["changed"] = list(self.templates), list(self.changed)
        out["lexicons"] = {k: list(v) for k, v in self.lexicons.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {}, "")}


@dataclass(frozen=True)
class Suite:
    name: str
    tests: tuple[BehaviourTest, ...]
    lexicons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def check(self) -> Suite:
        if not self.tests:
            raise SuiteError("The suite has no tests: add one, or load the built-in suite.")
        if len(self.tests) > MAX_TESTS:
            raise SuiteError(f"The suite has {len(self.tests)} tests; the limit is {MAX_TESTS}.")
        names = [t.name for t in self.tests]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise SuiteError(f"Two tests are named {twice[0]!r}: give every test its own name.")
        total = 0
        for test in self.tests:
            test.check(self.lexicons)
            total += test.max_cases
        if total > MAX_CASES:
            raise SuiteError(f"The suite asks for up to {total:,} cases; the limit is {MAX_CASES:,} (the models "
                             "are shared by the room): lower some tests' max_cases.")
        return self

    def cases(self) -> dict[str, list[Case]]:
        self.check()
        return {test.name: test.cases(self.lexicons) for test in self.tests}

    def with_test(self, test: BehaviourTest) -> Suite:
        """The suite with ``test`` added, or replacing the test of the same name."""
        test.check(self.lexicons)
        tests = [t for t in self.tests if t.name != test.name]
        if len(tests) == len(self.tests):
            tests.append(test)
        else:
            tests.insert([t.name for t in self.tests].index(test.name), test)
        return replace(self, tests=tuple(tests))

    def without_test(self, name: str) -> Suite:
        return replace(self, tests=tuple(t for t in self.tests if t.name != name))

    def to_dict(self) -> dict:
        return {"format": "sentiment-lab suite", "version": SUITE_VERSION, "name": self.name,
                "lexicons": {k: list(v) for k, v in self.lexicons.items()}, "tests": [t.to_dict() for t in self.tests]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False)


def lexicon_of(placeholder: str) -> str:
    """``adjective2`` -> ``adjective``: numbered placeholders share a word list."""
    return placeholder.rstrip("0123456789") or placeholder


def _fillings(names: list[str], lexicons, limit: int, rng: random.Random):
    """Up to ``limit`` distinct fillings {placeholder: word}; two placeholders of one list never share a word."""
    lists = [list(lexicons[lexicon_of(n)]) for n in names]
    total = 1
    for words in lists:
        total *= len(words)
    if total <= limit * 3:  # small enough to enumerate, then sample
        combos = [c for c in itertools.product(*lists) if _distinct(names, c)]
        rng.shuffle(combos)
        chosen = combos[:limit]
    else:
        chosen, seen, tries = [], set(), 0
        while len(chosen) < limit and tries < limit * 20:
            tries += 1
            combo = tuple(rng.choice(words) for words in lists)
            if combo not in seen and _distinct(names, combo):
                seen.add(combo)
                chosen.append(combo)
    return [dict(zip(names, combo)) for combo in chosen]


def _distinct(names: list[str], combo: tuple) -> bool:
    by_list: dict[str, set] = {}
    for name, word in zip(names, combo):
        words = by_list.setdefault(lexicon_of(name), set())
        if word in words:
            return False
        words.add(word)
    return True


def _fill(template: str, filling: Mapping[str, str]) -> str:
    text = template.format(**{k: v for k, v in filling.items() if "{" + k + "}" in template})
    return text[:1].upper() + text[1:]


# -- JSON ---------------------------------------------------------------------------------------


def suite_from_dict(data) -> Suite:
    """A suite from its JSON form; a SuiteError says what is wrong with a file someone wrote."""
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise SuiteError("This is not a suite file: expected a JSON object with a list of \"tests\".")
    lexicons = _lexicons(data.get("lexicons") or {}, "the suite")
    tests = []
    for i, raw in enumerate(data["tests"]):
        if not isinstance(raw, dict):
            raise SuiteError(f"Test {i + 1} is not a JSON object.")
        tests.append(parse_test(raw, position=i + 1))
    return Suite(str(data.get("name") or "My suite")[:100], tuple(tests), lexicons).check()


def parse_test(raw: Mapping, position: int = 1) -> BehaviourTest:
    known = {f for f in BehaviourTest.__dataclass_fields__}
    unknown = sorted(set(raw) - known)
    name = str(raw.get("name") or f"test {position}")
    if unknown:
        raise SuiteError(f"Test {name!r}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}.")

    def strings(key) -> tuple[str, ...]:
        value = raw.get(key) or ()
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise SuiteError(f"Test {name!r}: {key} must be a list of texts.")
        return tuple(value)

    try:
        max_cases = int(raw.get("max_cases", 150))
        tolerance = None if raw.get("tolerance") is None else float(raw["tolerance"])
    except (TypeError, ValueError):
        raise SuiteError(f"Test {name!r}: max_cases must be a whole number and tolerance a number.") from None
    return BehaviourTest(
        name=name[:120], capability=str(raw.get("capability") or name)[:120], type=str(raw.get("type", "")).upper(),
        templates=strings("templates"), expect=raw.get("expect"), changed=strings("changed"),
        perturbation=raw.get("perturbation"), direction=raw.get("direction"), on=str(raw.get("on") or "positive"),
        tolerance=tolerance, lexicons=_lexicons(raw.get("lexicons") or {}, f"test {name!r}"),
        max_cases=max_cases, description=str(raw.get("description") or "")[:500],
    )


def _lexicons(raw, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise SuiteError(f"The word lists of {where} must be a JSON object: {{\"adjective\": [\"good\", \"great\"]}}.")
    out = {}
    for key, words in raw.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", str(key)):
            raise SuiteError(f"Word list name {key!r} in {where}: use letters, digits and _ only.")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise SuiteError(f"Word list {key!r} in {where}: give a non-empty list of words.")
        if any(len(w) > MAX_WORD_CHARS for w in words):
            raise SuiteError(f"Word list {key!r} in {where}: an entry is longer than {MAX_WORD_CHARS} characters.")
        if len(words) > MAX_WORDS_PER_LEXICON:
            raise SuiteError(f"Word list {key!r} in {where} has {len(words):,} words; the limit is {MAX_WORDS_PER_LEXICON:,}.")
        out[str(key)] = tuple(dict.fromkeys(w.strip() for w in words))
    return out


def load_suite(text: str | bytes) -> Suite:
    if len(text) > MAX_SUITE_BYTES:
        raise SuiteError(f"This suite file is {len(text) / 1e6:.1f} MB; the limit is {MAX_SUITE_BYTES >> 20} MB.")
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SuiteError(f"This file is not valid JSON ({error}); save the suite from the Test page and load that.") from None
    return suite_from_dict(data)


def parse_word_lists(text: str) -> dict[str, tuple[str, ...]]:
    """``"adjective: good, great\\nthing: film, plot"`` -> word lists (what the Test page's box holds)."""
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if ":" not in line:
            raise SuiteError(f"Word lists, line {number}: write 'name: word, word, ...'.")
        key, words = line.split(":", 1)
        out[key.strip()] = [w.strip() for w in words.split(",") if w.strip()]
    return _lexicons(out, "this test")


def format_word_lists(lexicons: Mapping[str, Sequence[str]]) -> str:
    return "\n".join(f"{k}: {', '.join(v)}" for k, v in lexicons.items())
