"""Running a suite against models: every distinct text is judged once per model, in batches;
then each test's cases pass or fail by its type's rule.

A "model" is anything with ``name``, ``class_names`` and ``predict_proba(texts) -> (n, classes)``:
a :class:`~sentiment_core.inference.Predictor`, the TF-IDF baseline, or a stub in a test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .suite import BehaviourTest, Case, Suite

CHUNK = 512
EXAMPLES = 5


@dataclass
class Outcome:
    """One case's result. ``before``/``after``: the probability the test looks at (MFT: of the
    expected class) for the text and the changed text."""

    text: str
    changed: str | None
    label: str
    changed_label: str | None
    before: float
    after: float | None
    passed: bool


@dataclass
class CheckResult:
    test: str
    capability: str
    type: str
    description: str
    rule: str
    cases: int
    failures: int
    outcomes: list[Outcome] = field(default_factory=list)
    note: str = ""

    @property
    def failure_rate(self) -> float | None:
        return self.failures / self.cases if self.cases else None

    def examples(self, n: int = EXAMPLES) -> list[dict]:
        """The ``n`` worst failures: the most confident wrong labels, the biggest wrong moves."""
        failed = [o for o in self.outcomes if not o.passed]
        if self.type == "MFT":
            failed.sort(key=lambda o: o.before)
        else:
            failed.sort(key=lambda o: -abs((o.after or 0.0) - o.before))
        return [asdict(o) for o in failed[:n]]


@dataclass
class ModelReport:
    model: str
    class_names: tuple[str, ...]
    results: list[CheckResult]
    seconds: float = 0.0
    error: str = ""

    def to_dict(self, examples: int = EXAMPLES) -> dict:
        """The CLI's ``--json`` form: {"model", "capabilities": [{"name", "type", "cases", "failures", ...}]}."""
        return {"model": self.model, "seconds": round(self.seconds, 3), "error": self.error or None, "capabilities": [
            {"name": r.test, "capability": r.capability, "type": r.type, "cases": r.cases, "failures": r.failures,
             "failure_rate": None if r.failure_rate is None else round(r.failure_rate, 4), "rule": r.rule,
             "note": r.note or None, "examples": r.examples(examples)} for r in self.results]}


def rule(test: BehaviourTest) -> str:
    """The pass rule in words, for the page and the table."""
    if test.type == "MFT":
        return f"label is {test.expect}"
    if test.type == "INV":
        return "label unchanged"
    on = "P(the original's class)" if test.on == "predicted" else f"P({test.on})"
    tol = test.tolerance_value
    return {"up": f"{on} rises by ≥ {tol:g}", "down": f"{on} falls by ≥ {tol:g}",
            "not_up": f"{on} rises by ≤ {tol:g}", "not_down": f"{on} falls by ≤ {tol:g}"}[test.direction]


def _class_index(class_names: Sequence[str], name: str | None) -> int | None:
    lowered = [c.lower() for c in class_names]
    return lowered.index(name.lower()) if name and name.lower() in lowered else None


def evaluate_test(test: BehaviourTest, cases: list[Case], class_names: Sequence[str], probs: dict[str, np.ndarray]) -> CheckResult:
    """Pass or fail each case from the model's probabilities (``probs``: text -> class probabilities)."""
    result = CheckResult(test.name, test.capability, test.type, test.description, rule(test), 0, 0)
    wanted = test.expect if test.type == "MFT" else (None if test.on == "predicted" or test.type == "INV" else test.on)
    target = _class_index(class_names, wanted)
    if wanted and target is None:
        result.note = (f"Not applicable: the test is about the class {wanted!r}; this model's classes are "
                       f"{', '.join(class_names)}.")
        return result
    for case in cases:
        p = probs[case.text]
        label = int(np.argmax(p))
        if test.type == "MFT":
            outcome = Outcome(case.text, None, class_names[label], None, float(p[target]), None, label == target)
        else:
            q = probs[case.changed]
            changed_label = int(np.argmax(q))
            if test.type == "INV":
                passed = changed_label == label
                on = label
            else:
                on = label if target is None else target
                delta = float(q[on] - p[on])
                tol = test.tolerance_value
                passed = {"up": delta >= tol, "down": delta <= -tol, "not_up": delta <= tol,
                          "not_down": delta >= -tol}[test.direction]
            outcome = Outcome(case.text, case.changed, class_names[label], class_names[changed_label], float(p[on]),
                              float(q[on]), passed)
        result.outcomes.append(outcome)
    result.cases = len(result.outcomes)
    result.failures = sum(not o.passed for o in result.outcomes)
    return result


def run_suite(suite: Suite, models: Sequence, progress: Callable[[int, int, str], None] | None = None) -> list[ModelReport]:
    """Each model's results on every test of ``suite``. ``progress(done, total, message)`` is
    called as batches of texts are judged. A model that fails gets its error in its report."""
    import time

    cases = suite.cases()
    texts = list(dict.fromkeys(t for test_cases in cases.values() for c in test_cases
                               for t in (c.text, c.changed) if t is not None))
    total = len(texts) * len(models)
    reports, done = [], 0
    for model in models:
        started = time.perf_counter()
        try:
            rows = []
            for start in range(0, len(texts), CHUNK):
                rows.append(np.asarray(model.predict_proba(texts[start:start + CHUNK])))
                done += len(rows[-1])
                if progress:
                    progress(done, total, f"{model.name}: {min(start + CHUNK, len(texts)):,} of {len(texts):,} texts")
            probs = dict(zip(texts, np.vstack(rows)))
            results = [evaluate_test(test, cases[test.name], model.class_names, probs) for test in suite.tests]
            reports.append(ModelReport(model.name, tuple(model.class_names), results, time.perf_counter() - started))
        except ValueError:
            raise
        except Exception as error:  # noqa: BLE001 - one broken model must not hide the others' results
            done += len(texts)
            reports.append(ModelReport(model.name, tuple(getattr(model, "class_names", ())), [],
                                       time.perf_counter() - started, f"{type(error).__name__}: {error}"))
    return reports


def summary_rows(reports: Sequence[ModelReport]) -> list[dict]:
    """One row per test: its capability, type and rule, then each model's failure rate (%)."""
    rows: dict[str, dict] = {}
    for report in reports:
        for r in report.results:
            row = rows.setdefault(r.test, {"capability": r.capability, "test": r.test, "type": r.type, "rule": r.rule,
                                           "cases": r.cases})
            row[report.model] = None if r.failure_rate is None else round(100 * r.failure_rate, 1)
    return list(rows.values())


def case_rows(reports: Sequence[ModelReport]) -> list[dict]:
    """Every case of every model, passed or not: what the CSV export holds."""
    return [{"model": report.model, "capability": r.capability, "test": r.test, "type": r.type, "rule": r.rule,
             "text": o.text, "changed": o.changed or "", "label": o.label, "changed_label": o.changed_label or "",
             "p_before": round(o.before, 4), "p_after": None if o.after is None else round(o.after, 4),
             "passed": o.passed}
            for report in reports for r in report.results for o in r.outcomes]


def capability_rates(report: ModelReport) -> dict[str, float]:
    """Failure rate per capability (all its tests' cases pooled)."""
    pooled: dict[str, list[int]] = {}
    for r in report.results:
        if r.cases:
            counts = pooled.setdefault(r.capability, [0, 0])
            counts[0] += r.failures
            counts[1] += r.cases
    return {k: f / n for k, (f, n) in pooled.items()}
