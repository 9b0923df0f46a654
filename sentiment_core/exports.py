"""Files the app and the command line hand to users: CSV and TSV that a spreadsheet opens safely.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets, so a text someone typed (``=HYPERLINK(...)``) could run
in the reader's spreadsheet. Following OWASP's CSV-injection guidance, such text cells get a
leading single quote, which spreadsheets show as text; numbers are left as numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Iterable, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """``value`` unchanged, or a text that would start a formula with a ``'`` in front."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_rows(rows: Iterable[Mapping]) -> list[dict]:
    """Rows with every text cell made safe: for tables whose own "Download as CSV" the app does not control."""
    return [{spreadsheet_safe(key): spreadsheet_safe(value) for key, value in row.items()} for row in rows]


def csv_bytes(rows: Iterable[Mapping], delimiter: str = ",") -> bytes:
    """Rows of dicts (the first row's keys are the header) as UTF-8 CSV, every text cell made safe."""
    rows = list(rows)
    buffer = io.StringIO()
    if rows:
        # "\r\n" (RFC 4180) also makes the writer quote a text holding a lone "\r"; "\n" alone would not.
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        header = list(rows[0])
        writer.writerow([spreadsheet_safe(h) for h in header])
        for row in rows:
            writer.writerow([spreadsheet_safe(row.get(h, "")) for h in header])
    return buffer.getvalue().encode("utf-8")
