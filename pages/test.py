"""Test: where does a model fail? Behavioural tests (MFT / INV / DIR) over generated sentences.

The suite lives in this session (built-in to start with; edit, add, save and load it as JSON);
running it goes to the engine's serving worker, like every model call.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import streamlit as st

from pages import ui
from sentiment_core.checks import (
    SuiteError,
    builtin_suite,
    case_rows,
    format_word_lists,
    load_suite,
    parse_test,
    parse_word_lists,
    suite_from_dict,
    summary_rows,
)
from sentiment_core.checks.perturb import PERTURBATIONS
from sentiment_core.checks.suite import DIRECTIONS, TYPES
from sentiment_core.exports import csv_bytes

ui.setup_page("test")
st.title("Test: where does a model fail?")
st.caption("Behavioural tests in the manner of CheckList (Ribeiro et al., 2020): **MFT** — sentences with the label "
           "they must get; **INV** — a change that must not change the label; **DIR** — a change that must move "
           "a probability the expected way. Sentences come from templates × word lists.")

SUITE, REPORTS, FLASH, PICK_NEXT = "test_suite", "test_reports", "test_flash", "test_pick_next"
if SUITE not in st.session_state:
    st.session_state[SUITE] = builtin_suite().to_dict()
suite = suite_from_dict(st.session_state[SUITE])


@st.cache_data(max_entries=64, show_spinner=False)
def case_counts(suite_json: str) -> dict[str, int]:
    """Cases per test: generating them costs ~30 ms, so once per suite, not on every rerun."""
    return {name: len(cases) for name, cases in load_suite(suite_json).cases().items()}


chosen = ui.pick_models("test_models", 4, "The list starts with the best by validation accuracy.")

results_tab, edit_tab = st.tabs(["Run and results", f"The suite ({len(suite.tests)} tests)"])

with results_tab:
    counts = case_counts(suite.to_json())
    n_cases = sum(counts.values())
    st.write(f"**{suite.name}**: {len(suite.tests)} tests of {len({t.capability for t in suite.tests})} "
             f"capabilities, {n_cases:,} cases.")
    if st.button(f"Run on {len(chosen)} model(s)", type="primary", key="test_run"):
        try:
            with st.spinner(f"Judging {n_cases:,} cases with {len(chosen)} model(s) ..."):
                reports = ui.engine().check(ui.models_dir(), ui.model_refs(chosen), suite.to_dict())
        except ValueError as error:  # SuiteError, EngineError
            st.error(str(error))
        else:
            st.session_state[REPORTS] = reports
    reports = st.session_state.get(REPORTS)
    if reports:
        for report in reports:
            if report.error:
                st.error(f"**{report.model}**: {report.error}")
        reports = [r for r in reports if not r.error]
    if reports:
        shown = [r.model for r in reports]
        st.subheader("Failure rate per test (%)")
        st.caption("Lower is better. A bar per model; n/a: the test is about a class the model does not have.")
        rows = summary_rows(reports)
        column_config = {model: st.column_config.ProgressColumn(model, min_value=0, max_value=100, format="%.1f")
                         for model in shown}
        st.dataframe(rows, hide_index=True, width="stretch", column_config=column_config,
                     height=36 * (len(rows) + 1) + 2)  # every test in view: no scrolling on a projector

        st.subheader("Failing cases")
        query_models = [("predict_models", m) for m in shown]
        for result_index, test in enumerate(suite.tests):
            per_model = [(r.model, next((x for x in r.results if x.test == test.name), None)) for r in reports]
            failing = [(m, x) for m, x in per_model if x is not None and x.failures]
            if not failing:
                continue
            worst = max(x.failure_rate for _, x in failing)
            with st.expander(f"{test.capability} · {test.name} — up to {100 * worst:.0f} % failing"):
                st.caption(f"{test.type}: {failing[0][1].rule}. {test.description}")
                for model, result in failing:
                    lines = [f"**{model}**: {result.failures} of {result.cases} failed"]
                    for example in result.examples(3):
                        link = "predict?" + urlencode([("predict_text", example["changed"] or example["text"])]
                                                      + query_models)
                        change = f" → “{example['changed']}” *{example['changed_label']}*" if example["changed"] else ""
                        after = "" if example["after"] is None else f" → {example['after']:.2f}"
                        lines.append(f"- “{example['text']}” *{example['label']}*{change} "
                                     f"(p {example['before']:.2f}{after}) · [open in Predict]({link})")
                    st.markdown("\n".join(lines))
        left, right = st.columns(2)
        left.download_button("Every case as CSV", csv_bytes(case_rows(reports)), "behavioural-tests.csv", "text/csv",
                             key="test_csv")
        right.download_button("Results as JSON", json.dumps([r.to_dict() for r in reports], indent=1),
                              "behavioural-tests.json", "application/json", key="test_json")

with edit_tab:
    st.dataframe([{"capability": t.capability, "test": t.name, "type": t.type, "cases": counts[t.name],
                   "templates": len(t.templates)} for t in suite.tests], hide_index=True, width="stretch")
    left, middle, right = st.columns(3)
    left.download_button("Save the suite (JSON)", suite.to_json(), "suite.json", "application/json", key="suite_save")
    if middle.button("Back to the built-in suite", key="suite_reset"):
        st.session_state[SUITE] = builtin_suite().to_dict()
        st.session_state.pop(REPORTS, None)
        st.rerun()
    upload = right.file_uploader("Load a suite (JSON)", type=["json"], key="suite_upload")
    if upload is not None and st.session_state.get("suite_loaded") != upload.file_id:
        try:
            loaded = load_suite(upload.getvalue())
        except SuiteError as error:
            st.error(str(error))
        else:
            st.session_state[SUITE] = loaded.to_dict()
            st.session_state["suite_loaded"] = upload.file_id
            st.session_state.pop(REPORTS, None)
            st.rerun()

    st.subheader("Add or edit a test")
    if PICK_NEXT in st.session_state:
        st.session_state["edit_pick"] = st.session_state.pop(PICK_NEXT)
    existing = st.selectbox("Start from", ["(a new test)"] + [t.name for t in suite.tests], key="edit_pick")
    base = next((t for t in suite.tests if t.name == existing), None)
    key = f"edit-{existing}"  # fresh widgets for each test picked
    with st.form(f"edit_form_{key}"):
        name = st.text_input("Name", value=base.name if base else "My test", key=f"{key}-name")
        capability = st.text_input("Capability", value=base.capability if base else "My capability", key=f"{key}-cap")
        kind = st.radio("Type", TYPES, index=TYPES.index(base.type) if base else 0, horizontal=True, key=f"{key}-type")
        templates = st.text_area("Templates, one per line: {placeholders} name a word list",
                                 value="\n".join(base.templates) if base else "The {thing} was not {pos_adj}.",
                                 key=f"{key}-templates")
        expect = st.text_input("MFT: the label every sentence must get", value=(base.expect or "") if base else "negative",
                               key=f"{key}-expect")
        changed = st.text_area("INV / DIR: changed templates, one per template (or leave empty and pick a perturbation)",
                               value="\n".join(base.changed) if base else "", key=f"{key}-changed")
        perturbations = ["(none)", *PERTURBATIONS]
        perturbation = st.selectbox("INV / DIR: perturbation", perturbations,
                                    index=perturbations.index(base.perturbation) if base and base.perturbation else 0,
                                    key=f"{key}-perturb")
        directions = list(DIRECTIONS)
        direction = st.selectbox("DIR: the probability must go", directions,
                                 index=directions.index(base.direction) if base and base.direction else 1,
                                 key=f"{key}-direction")
        on = st.text_input("DIR: the probability of (a class name, or 'predicted')",
                           value=base.on if base else "positive", key=f"{key}-on")
        words = st.text_area("This test's own word lists, 'name: word, word, ...' per line (the suite's lists, "
                             "e.g. pos_adj, thing, name, are there already)",
                             value=format_word_lists(base.lexicons) if base else "", key=f"{key}-words")
        max_cases = st.number_input("At most this many cases", 1, 2000, value=base.max_cases if base else 100,
                                    key=f"{key}-max")
        save = st.form_submit_button("Save the test", type="primary")
    if save:
        try:
            test = parse_test({
                "name": name.strip(), "capability": capability.strip(), "type": kind,
                "templates": [t for t in templates.splitlines() if t.strip()],
                "expect": expect.strip() if kind == "MFT" else None,
                "changed": [t for t in changed.splitlines() if t.strip()] if kind != "MFT" else [],
                "perturbation": None if kind == "MFT" or perturbation == "(none)" else perturbation,
                "direction": direction if kind == "DIR" else None, "on": on.strip() or "positive",
                "lexicons": {k: list(v) for k, v in parse_word_lists(words).items()}, "max_cases": int(max_cases),
            })
            updated = suite.without_test(base.name).with_test(test) if base and base.name != test.name else suite.with_test(test)
            preview = updated.cases()[test.name]
        except SuiteError as error:
            st.error(str(error))
        else:
            st.session_state[SUITE] = updated.to_dict()
            st.session_state[FLASH] = (f"Saved {test.name!r}: {len(preview)} cases. For example:",
                                       [c.text + (f" → {c.changed}" if c.changed else "") for c in preview[:5]])
            st.session_state[PICK_NEXT] = test.name  # the picker shows the saved test after the rerun
            st.rerun()
    if FLASH in st.session_state:
        message, lines = st.session_state.pop(FLASH)
        st.success(message)
        st.markdown("\n".join(f"- {line}" for line in lines))
    if base is not None and st.button(f"Delete {base.name!r}", key=f"{key}-delete"):
        if len(suite.tests) == 1:
            st.error("A suite needs at least one test: add another before deleting this one.")
        else:
            st.session_state[SUITE] = suite.without_test(base.name).to_dict()
            st.session_state[PICK_NEXT] = "(a new test)"
            st.rerun()
