"""The behavioural-testing engine: suites as data, generated cases, pass/fail rules, the CLI."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from sentiment_core.checks import (
    BehaviourTest,
    SuiteError,
    builtin_suite,
    capability_rates,
    case_rows,
    load_suite,
    parse_word_lists,
    run_suite,
    summary_rows,
    parse_test,
)
from sentiment_core.checks.builtin import LEXICONS
from sentiment_core.checks.perturb import PERTURBATIONS
from sentiment_core.checks.suite import Suite


@pytest.fixture(scope="module")
def tiny_saved_model(tmp_path_factory):
    """A small fastText model trained on synthetic reviews, saved: (models folder, name)."""
    from conftest import make_dataset

    from sentiment_core.config import ModelConfig, TrainConfig
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    folder = tmp_path_factory.mktemp("check-models")
    config = ModelConfig(variant="fasttext", vocab_size=60, seq_len=24, embedding_dim=8, bigram_buckets=50, dropout=0.0)
    ModelStore(folder).save("tiny", train(make_dataset(200, seed=1), make_dataset(40, seed=2), None, config,
                                          TrainConfig(epochs=2)))
    return str(folder), "tiny"


class WordCounter:
    """A bag-of-words stand-in: P(positive) from counts of the built-in lexicons' words. It knows
    vocabulary, and nothing of negation or order, like the models the issue measured."""

    class_names = ("negative", "positive")

    def __init__(self, name="counter"):
        self.name = name
        self.pos = set(LEXICONS["pos_adj"] + LEXICONS["pos_verb"] + LEXICONS["pos_base"])
        self.neg = set(LEXICONS["neg_adj"] + LEXICONS["neg_verb"] + LEXICONS["neg_base"])
        self.calls = 0

    def predict_proba(self, texts):
        self.calls += 1
        out = []
        for text in texts:
            words = re.findall(r"[a-z]+", text.lower())
            score = sum(w in self.pos for w in words) - sum(w in self.neg for w in words)
            p = 1 / (1 + np.exp(-2 * score))
            out.append([1 - p, p])
        return np.array(out)


class Broken:
    name = "broken"
    class_names = ("negative", "positive")

    def predict_proba(self, texts):
        raise RuntimeError("weights missing")


def test_builtin_suite_is_big_enough_and_stable():
    suite = builtin_suite()
    cases = suite.cases()
    assert len({t.capability for t in suite.tests}) >= 10
    assert sum(len(c) for c in cases.values()) >= 1500
    assert {t.type for t in suite.tests} == {"MFT", "INV", "DIR"}
    assert suite.cases() == cases  # the same cases every time
    for test in suite.tests:
        assert cases[test.name], test.name
        if test.type != "MFT":
            assert all(c.changed and c.changed != c.text for c in cases[test.name]), test.name


def test_a_bag_of_words_model_fails_negation_and_passes_vocabulary():
    model = WordCounter()
    (report,) = run_suite(builtin_suite(), [model])
    rates = capability_rates(report)
    assert rates["Vocabulary"] == 0.0
    assert rates["Negation of positive"] > 0.9 and rates["Negation of negative"] > 0.9
    assert rates["Names and places"] == 0.0  # names carry no sentiment for it
    by_test = {r.test: r for r in report.results}
    sarcasm = by_test["Sarcasm is negative"]
    assert sarcasm.failures > 0 and sarcasm.examples()[0]["label"] == "positive"
    assert len(sarcasm.examples(2)) == 2
    # one call per chunk of distinct texts, not one per case
    assert model.calls <= 10


def test_rules_mft_inv_dir():
    lexicons = {"adj": ("good", "great"), "bad": ("awful",)}
    mft = BehaviourTest("m", "c", "MFT", ("It was {adj}.",), expect="negative")
    inv = BehaviourTest("i", "c", "INV", ("It was {adj}.",), changed=("It was {adj}, but {bad}.",))
    down = BehaviourTest("d", "c", "DIR", ("It was {adj}.",), changed=("It was {adj}, but {bad}.",), direction="down")
    up = BehaviourTest("u", "c", "DIR", ("It was {adj}.",), changed=("It was {adj}, but {bad}.",), direction="up")
    suite = Suite("s", (mft, inv, down, up), lexicons)
    (report,) = run_suite(suite, [WordCounter()])
    by = {r.test: r for r in report.results}
    assert (by["m"].cases, by["m"].failures) == (2, 2)  # "good" is positive, expected negative
    assert by["i"].failures == 2  # one positive + one negative word: 0.5 -> argmax flips to negative
    assert by["d"].failures == 0 and by["u"].failures == 2
    assert by["d"].outcomes[0].after < by["d"].outcomes[0].before


def test_not_applicable_for_other_classes():
    class Stars(WordCounter):
        class_names = ("1", "2", "3")

        def predict_proba(self, texts):
            return np.full((len(texts), 3), 1 / 3)

    (report,) = run_suite(builtin_suite(), [Stars("stars")])
    mft = next(r for r in report.results if r.type == "MFT")
    assert mft.cases == 0 and mft.failure_rate is None and "Not applicable" in mft.note
    inv = next(r for r in report.results if r.type == "INV")
    assert inv.cases > 0  # INV needs no class name
    assert summary_rows([report])[0]["stars"] is None


def test_a_broken_model_does_not_hide_the_others():
    reports = run_suite(builtin_suite(), [Broken(), WordCounter()])
    assert "weights missing" in reports[0].error and not reports[0].results
    assert reports[1].results and not reports[1].error


def test_json_round_trip_and_rows():
    suite = builtin_suite()
    again = load_suite(suite.to_json())
    assert again.to_dict() == suite.to_dict() and again.cases() == suite.cases()
    (report,) = run_suite(again, [WordCounter()])
    data = report.to_dict()
    assert set(data) >= {"model", "capabilities"}
    assert set(data["capabilities"][0]) >= {"name", "type", "cases", "failures", "failure_rate", "examples"}
    rows = case_rows([report])
    assert len(rows) == sum(r.cases for r in report.results)
    assert sum(not r["passed"] for r in rows) == sum(r.failures for r in report.results)


def test_suites_that_would_hold_the_shared_worker_are_refused():
    many = {"lexicons": {"w": [f"w{i}" for i in range(1000)]},
            "tests": [{"name": f"t{i}", "type": "MFT", "templates": ["{w} {w2}"], "expect": "positive", "max_cases": 2000}
                      for i in range(11)]}
    with pytest.raises(SuiteError, match="limit is 20,000"):
        load_suite(json.dumps(many))
    with pytest.raises(SuiteError, match="MB; the limit"):
        load_suite(b" " * (3 << 20))
    with pytest.raises(SuiteError, match="longer than 500"):
        load_suite(json.dumps({"tests": [{"name": "a", "type": "MFT", "templates": ["x" * 600], "expect": "positive"}]}))
    with pytest.raises(SuiteError, match="longer than 100"):
        load_suite(json.dumps({"lexicons": {"w": ["y" * 200]}, "tests": [{"name": "a", "type": "MFT",
                                                                           "templates": ["{w}"], "expect": "positive"}]}))


@pytest.mark.parametrize("broken, message", [
    ("not json", "not valid JSON"),
    ('{"tests": "x"}', "not a suite file"),
    ('{"tests": [{"name": "a", "type": "MFT", "templates": ["It was {adj}."], "expect": "positive"}]}', "no word list named 'adj'"),
    ('{"tests": [{"name": "a", "type": "MFT", "templates": ["x"]}]}', "needs the label"),
    ('{"tests": [{"name": "a", "type": "XYZ", "templates": ["x"]}]}', "type must be one of"),
    ('{"tests": [{"name": "a", "type": "INV", "templates": ["x"]}]}', "either changed templates"),
    ('{"tests": [{"name": "a", "type": "INV", "templates": ["x"], "perturbation": "shout"}]}', "unknown perturbation"),
    ('{"tests": [{"name": "a", "type": "DIR", "templates": ["x"], "changed": ["y"]}]}', "needs a direction"),
    ('{"tests": [{"name": "a", "type": "MFT", "templates": ["x {"], "expect": "positive"}]}', "cannot be filled"),
    ('{"tests": [{"name": "a", "type": "MFT", "templates": ["x"], "expect": "positive", "colour": 1}]}', "unknown field"),
    (('{"tests": [{"name": "a", "type": "MFT", "templates": ["x"], "expect": "positive"},'
      ' {"name": "a", "type": "MFT", "templates": ["y"], "expect": "positive"}]}'), "Two tests are named"),
    ('{"lexicons": {"adj": []}, "tests": [{"name": "a", "type": "MFT", "templates": ["x"], "expect": "positive"}]}',
     "non-empty list"),
])
def test_bad_suites_get_messages(broken, message):
    with pytest.raises(SuiteError, match=re.escape(message)):
        load_suite(broken)


def test_a_custom_test_from_the_page_form():
    words = parse_word_lists("adj: good, great\n\nthing: film, plot")
    assert words == {"adj": ("good", "great"), "thing": ("film", "plot")}
    with pytest.raises(SuiteError, match="name: word"):
        parse_word_lists("good, great")
    test = parse_test({"name": "mine", "type": "mft", "templates": ["The {thing} was not {adj}."],
                           "expect": "negative", "lexicons": {k: list(v) for k, v in words.items()}})
    suite = builtin_suite().with_test(test)
    assert suite.tests[-1].name == "mine" and len(suite.cases()["mine"]) == 4
    assert suite.without_test("mine").to_dict() == builtin_suite().to_dict()
    (report,) = run_suite(suite, [WordCounter()])
    assert report.results[-1].failures == 4


def test_perturbations():
    import random

    rng = random.Random(0)
    lexicons = {"name": ("Mary", "Tom"), "filler": ("I saw it twice.",)}
    assert PERTURBATIONS["typo"]("a wonderful film", rng, lexicons) != "a wonderful film"
    assert PERTURBATIONS["typo"]("a an", rng, lexicons) is None
    assert PERTURBATIONS["contraction"]("It was not good.", rng, lexicons) == "It wasn't good."
    assert PERTURBATIONS["contraction"]("It wasn't good.", rng, lexicons) == "It was not good."
    assert PERTURBATIONS["swap_name"]("Mary liked it", rng, lexicons) == "Tom liked it"
    assert PERTURBATIONS["swap_name"]("Nobody liked it", rng, lexicons) is None
    assert "I saw it twice." in PERTURBATIONS["add_filler"]("Good.", rng, lexicons)
    assert PERTURBATIONS["change_number"]("I give it 9/10", rng, lexicons) is None  # a rating is not a neutral number
    changed = PERTURBATIONS["change_number"]("I saw it 3 times", rng, lexicons)
    assert changed != "I saw it 3 times" and changed.startswith("I saw it ")


def test_cli_check_json(tiny_saved_model, capsys):
    from sentiment_core.cli import main

    models_dir, name = tiny_saved_model
    assert main(["--models-dir", models_dir, "check", name, "--json", "--examples", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == name and len(out["capabilities"]) == len(builtin_suite().tests)
    first = out["capabilities"][0]
    assert first["cases"] > 0 and 0 <= first["failure_rate"] <= 1 and len(first["examples"]) <= 2
    assert main(["--models-dir", models_dir, "check", name]) == 0
    table = capsys.readouterr().out
    assert "Negation of positive" in table and "failure rate" in table
    assert main(["--models-dir", models_dir, "check", name, "--suite", "/nonexistent.json"]) == 2
    assert "No suite file" in capsys.readouterr().err


def test_engine_runs_a_suite_on_the_serving_worker(engine, tiny_saved_model):
    from sentiment_core.store import ModelStore

    models_dir, name = tiny_saved_model
    refs = [(name, ModelStore(models_dir).info(name).saved_at), ("gone", "2020")]
    reports = engine.check(models_dir, refs, builtin_suite().to_dict())
    assert [r.model for r in reports] == [name, "gone"]
    assert sum(r.cases for r in reports[0].results) >= 1500 and reports[1].error
    with pytest.raises(SuiteError, match="has no tests"):
        engine.check(models_dir, refs, {"tests": []})
