"""Every CSV/TSV the app or the command line writes is safe to open in a spreadsheet (OWASP CSV injection)."""

import csv
import io
import tomllib

import numpy as np

from sentiment_core.data import MAX_TABLE_BYTES
from sentiment_core.exports import csv_bytes, spreadsheet_safe
from sentiment_core.projection import projector_files
from tests.conftest import ROOT

FORMULAS = ['=HYPERLINK("http://evil","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_text_cells_that_start_a_formula_are_quoted_and_numbers_are_not():
    for formula in FORMULAS:
        assert spreadsheet_safe(formula) == "'" + formula
    assert spreadsheet_safe("a great film") == "a great film"
    assert spreadsheet_safe(-0.5) == -0.5 and spreadsheet_safe(3) == 3
    rows = [{"text": f, "P(positive)": -0.25} for f in FORMULAS] + [{"text": "fine, \"quoted\"", "P(positive)": 0.5}]
    parsed = list(csv.reader(io.StringIO(csv_bytes(rows).decode("utf-8"), newline="")))
    assert parsed[0] == ["text", "P(positive)"]
    assert [row[0] for row in parsed[1:-1]] == ["'" + f for f in FORMULAS]
    assert parsed[-1] == ['fine, "quoted"', "0.5"] and parsed[1][1] == "-0.25"


def test_projector_metadata_quotes_formula_words():
    vectors, metadata = projector_files(["=cmd", "good", "-lrb-"], np.zeros((3, 2)), np.array([0.1, 0.9, -0.2]))
    lines = metadata.splitlines()
    assert lines == ["word\tpolarity", "'=cmd\t0.100", "good\t0.900", "'-lrb-\t-0.200"]
    assert vectors.splitlines()[0] == "0.00000\t0.00000"


def test_the_server_listens_on_this_computer_only_with_xsrf_on_and_no_deploy_button():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["toolbarMode"] == "viewer"
    # Uploads stop where the core's own limit for a table is (the page says it too).
    assert config["server"]["maxUploadSize"] == MAX_TABLE_BYTES >> 20
