"""CSV and TSV tables: parsed as a stream that keeps only the two columns it needs.

The delimiter and whether the first row is a header are guessed, and so are the text and label
columns unless the user picks them (:func:`table_columns` gives a page what to offer). Every
problem is a :class:`DataError` naming the file and the line.
"""

from __future__ import annotations

import csv
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .dataset import DataError, Dataset, labelled_dataset
from .reading import LineDecoder, decode_text, human_size, read_bounded

# A table file or upload: parsed as a stream, it costs a few times its size in memory at most.
MAX_TABLE_BYTES = 100 << 20
# One text in a table: the longest text a model is asked to read.
MAX_TEXT_CHARS = 1_000_000
MAX_BATCH_TEXTS = 10_000
# Rows looked at to guess the columns (and whether the first row is a header).
SAMPLE_ROWS = 200

_TEXT_COLUMNS = ("text", "review", "sentence", "content", "body", "comment", "document", "tweet")
_LABEL_COLUMNS = ("label", "sentiment", "class", "target", "polarity", "category", "y")


def _read_source(source: str | os.PathLike | bytes, name: str | None) -> tuple[bytes, str]:
    fix = "split it into smaller files, or keep a sample of it"
    if isinstance(source, (bytes, bytearray)):
        name = name or "uploaded file"
        if len(source) > MAX_TABLE_BYTES:
            raise DataError(f"{name} is {human_size(len(source))}; the limit is {human_size(MAX_TABLE_BYTES)}: {fix}.")
        return bytes(source), name
    path = Path(source)
    return read_bounded(path, MAX_TABLE_BYTES, fix + "."), name or path.name


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


@dataclass
class TableColumns:
    """A table's columns and the guesses a page offers as defaults in its column pickers."""

    columns: list[str]
    text_column: str | None
    label_column: str | None
    has_header: bool
    notes: list[str]


class _Table:
    """A CSV/TSV parsed as a stream: its column names, a sample of rows, then every row once."""

    def __init__(self, raw: bytes, name: str, header: bool | None = None):
        self.name = name
        self.decoder = LineDecoder(raw, name)
        head = raw[:65536].decode("utf-8", "replace")
        if name.lower().endswith((".tsv", ".tab")):
            delimiter = "\t"
        else:
            try:
                delimiter = csv.Sniffer().sniff(head[:20000], delimiters=",\t;|").delimiter
            except csv.Error:
                delimiter = ","
        # Raise the field limit from 128 KiB to the longest text a model reads (process-wide and idempotent).
        csv.field_size_limit(max(csv.field_size_limit(), MAX_TEXT_CHARS))
        self.reader = csv.reader(self.decoder, delimiter=delimiter, strict=True)
        self._rows = self._parse()
        first = next(self._rows, None)
        if first is None:
            raise DataError(f"{name} is empty.")
        self.sample = list(itertools.islice(self._rows, SAMPLE_ROWS))
        self.has_header = _looks_like_header(first, self.sample) if header is None else header
        if self.has_header:
            self.columns = _distinct([cell.strip() or f"column {i + 1}" for i, cell in enumerate(first)])
        else:
            self.columns = [f"column {i + 1}" for i in range(len(first))]
            self.sample.insert(0, first)
        self.notes = [] if self.has_header else [
            f"{name} has no header row: its first row was read as data, and its columns are called "
            f"{', '.join(repr(c) for c in self.columns[:4])}."
        ]

    def _parse(self) -> Iterator[list[str]]:
        try:
            for row in self.reader:
                if any(cell.strip() for cell in row):
                    yield row
        except csv.Error as err:
            raise DataError(f"{self.name}, line {self.reader.line_num}: {_csv_problem(err)}") from None

    def rows(self) -> Iterator[list[str]]:
        """Every data row (the sample first), read once."""
        return itertools.chain(self.sample, self._rows)

    def column(self, wanted: str | None, candidates, what: str, exclude: int | None = None) -> int:
        lowered = [c.lower() for c in self.columns]
        if wanted is not None:
            if wanted in self.columns:
                return self.columns.index(wanted)
            if wanted.lower() in lowered:
                return lowered.index(wanted.lower())
            raise DataError(f"{self.name} has no column {wanted!r}; its columns are: {', '.join(self.columns)}.")
        guess = _guess_column(lowered, self.sample, candidates, what, exclude)
        if guess is None:
            raise DataError(
                f"{self.name}: cannot tell which column holds the {what}s; its columns are: {', '.join(self.columns)}. "
                f"Choose the {what} column (or name it {candidates[0]!r})."
            )
        return guess


def _distinct(names: list[str]) -> list[str]:
    """Column names with repeats told apart ("text", "text (2)"), so a picker can name each one."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _csv_problem(err: csv.Error) -> str:
    message = str(err)
    if "field larger than field limit" in message:
        return (f"a field is longer than {MAX_TEXT_CHARS:,} characters. Is a quote left open above it? "
                "Quotes around a text must be closed, and a quote inside one written twice (\"\").")
    if "unexpected end of data" in message:
        return "a quote opened here is never closed: close it, or write a quote inside a text twice (\"\")."
    if "expected after" in message:
        return f"{message}: a quote inside a quoted text must be written twice (\"\")."
    return f"{message}. Check that this is a CSV/TSV file with one row per text."


def _looks_like_header(first: list[str], sample: list[list[str]]) -> bool:
    """Whether a table's first row names its columns rather than holding data.

    It does when a cell is a known column name; it does not when a cell repeats a value of its
    own column in a column of few distinct values (a label such as ``1`` or ``pos``).
    """
    cells = [c.strip().lower() for c in first]
    if any(c in _TEXT_COLUMNS or c in _LABEL_COLUMNS for c in cells):
        return True
    for i, cell in enumerate(cells):
        values = {row[i].strip().lower() for row in sample if i < len(row)}
        if cell and len(values) <= 20 and cell in values:
            return False
    return True


def _guess_column(lowered: list[str], sample: list[list[str]], candidates, what: str, exclude: int | None) -> int | None:
    for candidate in candidates:
        if candidate in lowered and lowered.index(candidate) != exclude:
            return lowered.index(candidate)
    others = [i for i in range(len(lowered)) if i != exclude]
    if len(lowered) == 2 and exclude is not None:
        return others[0]
    if what == "text" and len(lowered) >= 2:
        # The column with the longest cells is almost always the text.
        lengths = [np.mean([len(r[i]) if i < len(r) else 0 for r in sample] or [0]) for i in range(len(lowered))]
        return int(np.argmax(lengths))
    if what == "label" and sample:
        # Else the column with the fewest distinct values.
        distinct = {i: len({r[i] for r in sample if i < len(r)}) for i in others}
        best = min(distinct, key=distinct.get, default=None)
        if best is not None and 2 <= distinct[best] <= min(20, len(sample) // 2):
            return best
    return None


def table_columns(source: str | os.PathLike | bytes, name: str | None = None, header: bool | None = None) -> TableColumns:
    """The columns of a CSV/TSV and the text and label columns guessed from its first rows (None: no guess)."""
    raw, name = _read_source(source, name)
    table = _Table(raw, name, header)
    lowered = [c.lower() for c in table.columns]
    text = _guess_column(lowered, table.sample, _TEXT_COLUMNS, "text", None)
    label = _guess_column(lowered, table.sample, _LABEL_COLUMNS, "label", text)
    return TableColumns(
        columns=table.columns,
        text_column=None if text is None else table.columns[text],
        label_column=None if label is None else table.columns[label],
        has_header=table.has_header,
        notes=table.notes,
    )


def load_table(
    source: str | os.PathLike | bytes,
    name: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    header: bool | None = None,
) -> Dataset:
    """A CSV or TSV with a text column and a label column (guessed when not given).

    Labels may be 0/1, neg/pos, or any class names (two or more classes). ``header`` says
    whether the first row names the columns; by default it is guessed (see :func:`table_columns`).
    """
    raw, name = _read_source(source, name)
    table = _Table(raw, name, header)
    text_col = table.column(text_column, _TEXT_COLUMNS, "text")
    label_col = table.column(label_column, _LABEL_COLUMNS, "label", exclude=text_col)
    if text_col == label_col:
        raise DataError(f"{name}: the text and the label cannot be the same column ({table.columns[text_col]!r}).")
    texts, labels, skipped_text, skipped_label, rows = [], [], 0, 0, 0
    for rows, row in enumerate(table.rows(), start=1):
        text = row[text_col].strip() if text_col < len(row) else ""
        label = row[label_col].strip() if label_col < len(row) else ""
        if not text:
            skipped_text += 1
        elif not label:
            skipped_label += 1
        else:
            texts.append(text)
            labels.append(label)
    notes = table.notes + table.decoder.notes()
    if skipped_text:
        notes.append(f"{skipped_text} rows with an empty text were skipped.")
    if skipped_label:
        notes.append(f"{skipped_label} rows with no label were skipped.")
    if not rows:
        raise DataError(f"{name} has a header but no rows: it needs one row per text.")
    if not texts:
        raise DataError(
            f"{name}: every row has an empty text or label in columns "
            f"{table.columns[text_col]!r}/{table.columns[label_col]!r}."
        )
    return labelled_dataset(texts, labels, source=name, notes=notes, label_column=table.columns[label_col])


def read_texts(source: str | os.PathLike | bytes, name: str | None = None) -> tuple[list[str], list[str]]:
    """Texts to judge, one per line, or the text column of a CSV/TSV (no labels needed).

    Returns ``(texts, notes)``; blank lines are skipped; at most 10,000 texts.
    """
    raw, name = _read_source(source, name)
    if name.lower().endswith((".csv", ".tsv", ".tab")):
        table = _Table(raw, name)
        column = table.column(None, _TEXT_COLUMNS, "text") if len(table.columns) > 1 else 0
        texts = [r[column].strip() for r in table.rows() if column < len(r) and r[column].strip()]
        notes = table.notes + table.decoder.notes() + [f"Read the column {table.columns[column]!r} of {name}."]
    else:
        content, notes = decode_text(raw, name)
        texts = [line.strip() for line in content.split("\n") if line.strip()]
    if not texts:
        raise DataError(f"{name} holds no text: give one text per line, or a CSV with a text column.")
    if len(texts) > MAX_BATCH_TEXTS:
        notes.append(f"Only the first {MAX_BATCH_TEXTS:,} of {len(texts):,} texts are judged.")
        texts = texts[:MAX_BATCH_TEXTS]
    return texts, notes




@dataclass
class BatchTable:
    """Rows to judge with every column kept (an id can be joined back), and the guessed columns."""

    columns: list[str]
    rows: list[list[str]]
    text_column: str | None
    label_column: str | None
    notes: list[str]


def read_rows(source: str | os.PathLike | bytes, name: str | None = None, header: bool | None = None) -> BatchTable:
    """Every row of a CSV/TSV (at most 10,000), or of a text file as one column called "text"."""
    raw, name = _read_source(source, name)
    if name.lower().endswith((".csv", ".tsv", ".tab")):
        table = _Table(raw, name, header)
        rows = list(itertools.islice(table.rows(), MAX_BATCH_TEXTS + 1))
        notes = table.notes + table.decoder.notes()
        width = len(table.columns)
        rows = [(row + [""] * width)[:width] for row in rows]  # short rows padded, extra cells dropped
        lowered = [c.lower() for c in table.columns]
        text = _guess_column(lowered, table.sample, _TEXT_COLUMNS, "text", None) if width > 1 else 0
        label = _guess_column(lowered, table.sample, _LABEL_COLUMNS, "label", text) if width > 1 else None
        # A label column is only a guess worth offering when it is named like one.
        if label is not None and lowered[label] not in _LABEL_COLUMNS:
            label = None
        columns = table.columns
    else:
        content, notes = decode_text(raw, name)
        rows = [[line.strip()] for line in content.split("\n") if line.strip()][: MAX_BATCH_TEXTS + 1]
        columns, text, label = ["text"], 0, None
    if not rows:
        raise DataError(f"{name} holds no text: give one text per line, or a CSV with a text column.")
    if len(rows) > MAX_BATCH_TEXTS:
        notes.append(f"Only the first {MAX_BATCH_TEXTS:,} rows are judged.")
        rows = rows[:MAX_BATCH_TEXTS]
    return BatchTable(columns, rows, None if text is None else columns[text],
                      None if label is None else columns[label], notes)
