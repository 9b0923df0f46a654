"""Every hostile input of the robustness issue, loaded in a fresh process: a clear ValueError-family
message naming the file and the fix (or a clean load where the input is merely odd), at most 10 s,
at most 1 GB of peak memory, and nothing written outside the target folder."""

import re

import pytest

from tests.conftest import ROOT
from tests.hostile import run_case
from tests.hostile_cases import CASES, make_resources

MAX_SECONDS = 10
MAX_PEAK_MB = 1024


@pytest.fixture(scope="module")
def resources(tmp_path_factory):
    return make_resources(tmp_path_factory.mktemp("resources"))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_input_costs_a_message_not_the_machine(case, resources, tmp_path):
    outcome = run_case(case, tmp_path / "sandbox", ROOT, resources)
    assert not outcome.timed_out, f"{case.what}: still running after {outcome.seconds:.0f} s"
    if case.expect == "error":
        assert not outcome.ok and outcome.is_value_error, f"{case.what}: {outcome.summary()}"
        assert re.search(case.match, outcome.message, re.S), outcome.message
    else:
        assert outcome.ok, f"{case.what}: {outcome.summary()}"
        assert re.search(case.match, outcome.result, re.S), outcome.result
    assert outcome.seconds <= MAX_SECONDS, f"{case.what}: {outcome.seconds:.1f} s"
    assert outcome.peak_mb <= MAX_PEAK_MB, f"{case.what}: {outcome.peak_mb:.0f} MB"
    assert outcome.written_outside == (), f"{case.what} wrote {outcome.written_outside}"
