"""Bad files of every kind give a DataError naming the file, or load with notes; never a traceback."""

import random
import tempfile

import pytest

from sentiment_core.cli import main
from sentiment_core.data import DataError, download_imdb, load_table, read_texts, table_columns

GOOD_ROWS = b"text,label\ngreat film,1\nawful film,0\nfine film,1\ndull film,0\n"


def bad_tables() -> dict[str, bytes]:
    rng = random.Random(3)
    junk = bytes(rng.randrange(1, 256) for _ in range(20_000))
    return {
        "empty": b"", "blank": b"   \n\n\t\n", "header only": b"text,label\n", "bom only": b"\xef\xbb\xbf",
        "nul": b"text,label\n\x00\x00,1\n", "junk": junk, "junk after header": b"text,label\n" + junk,
        "zip": b"PK\x03\x04" + junk[:100], "gzip": b"\x1f\x8b\x08" + junk[:100], "pdf": b"%PDF-1.4\n" + junk[:100],
        "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "png": b"\x89PNG\r\n\x1a\n" + bytes(50),
        "utf-16 no bom": "text,label\nbon film,1\n".encode("utf-16-le"), "utf-16 broken": b"\xff\xfe\x00\xd8",
        "unclosed quote": b'text,label\n"great film,1\nbad film,0\n', "text after quote": b'text,label\n"great" film,1\nbad,0\n',
        "long field": b"text,label\n" + b"y" * 1_100_000 + b",1\n", "cr only": b"text,label\rgood,1\rbad,0\r",
        "mixed line ends": b"text,label\r\ngood,1\rbad,0\nfine,1\r\n", "one column": b"text\ngood\nbad\n",
        "ragged": b"text,label\ngood\nbad,0,extra,cells\nfine,1\n", "labels are texts": b"a,b\n" + b"".join(
            f"review number {i},another long text {i}\n".encode() for i in range(1100)),
        "one class": b"text,label\ngood,1\nfine,1\n", "only labels": b"text,label\n,1\n,0\n",
        "semicolons": b"text;label\ngood;1\nbad;0\n", "tabs in csv": b"text\tlabel\ngood\t1\nbad\t0\n",
        "many columns": b",".join(b"c%d" % i for i in range(5000)) + b"\n" + b",".join(b"x" for _ in range(5000)) + b"\n",
        "quotes everywhere": b'"""",""""\n"""a""","1"\n"b","0"\n', "latin-1": "text,label\nnaïve,1\ncafé,0\n".encode("latin-1"),
        "control chars": b"text,label\n\x1b[31mred\x1b[0m,1\nplain,0\n", "no newline at end": b"text,label\ngood,1\nbad,0",
        "huge line count": b"text,label\n" + b"x,1\ny,0\n" * 200_000,
    }


@pytest.mark.parametrize("name", sorted(bad_tables()))
def test_a_bad_table_loads_or_says_what_is_wrong(name):
    raw = bad_tables()[name]
    for read in (lambda: load_table(raw, "data.csv"), lambda: read_texts(raw, "data.csv"),
                 lambda: table_columns(raw, "data.csv")):
        try:
            read()
        except DataError as error:
            assert "data.csv" in str(error), str(error)


def test_files_that_are_not_tables_are_named_for_what_they_are():
    tables = bad_tables()
    for name, what in [("zip", "zip archive"), ("xls", "old Office file"), ("junk", "binary file"), ("pdf", "PDF"),
                       ("nul", "binary file"), ("empty", "empty"), ("header only", "a header but no rows"), ("long field", "line 2: a field is longer"),
                       ("unclosed quote", "never closed"), ("labels are texts", "looks like a column of texts")]:
        with pytest.raises(DataError, match=what):
            load_table(tables[name], "data.csv", **({"text_column": "a", "label_column": "b"} if name == "labels are texts" else {}))


def test_odd_but_readable_tables_load_right():
    tables = bad_tables()
    assert load_table(tables["cr only"], "data.csv").texts == ["good", "bad"]
    assert load_table(tables["mixed line ends"], "data.csv").texts == ["good", "bad", "fine"]
    assert load_table(tables["semicolons"], "data.csv").texts == ["good", "bad"]
    assert load_table(tables["no newline at end"], "data.csv").texts == ["good", "bad"]
    assert load_table("text,label\nbon film,1\nmauvais,0\n".encode("utf-16"), "data.csv").texts == ["bon film", "mauvais"]
    latin = load_table(tables["latin-1"], "data.csv")
    assert latin.texts == ["naïve", "café"] and "read as Latin-1" in latin.notes[0]


def test_a_header_is_told_from_data_and_can_be_set():
    headerless = b"great film,1\nawful film,0\nfine film,1\n"
    columns = table_columns(headerless, "data.csv")
    assert not columns.has_header and columns.columns == ["column 1", "column 2"]
    assert (columns.text_column, columns.label_column) == ("column 1", "column 2")
    assert len(load_table(headerless, "data.csv")) == 3  # the first row is kept
    assert len(load_table(headerless, "data.csv", header=True)) == 2
    assert table_columns(b"review,stars\nnice,5\nbad,1\n", "data.csv").has_header
    assert table_columns(b"text,text\na,b\n", "data.csv", header=True).columns == ["text", "text (2)"]
    with pytest.raises(DataError, match="cannot tell which column holds the labels.*Choose the label column"):
        load_table(b"a,b,c\nx1,y1,z1\nx2,y2,z2\n", "data.csv")


def test_mixed_encodings_are_decoded_line_by_line():
    raw = "text,label\ncafé crème,1\n".encode() + "naïve plot,0\n".encode("latin-1") + "über gut,1\n".encode()
    data = load_table(raw, "data.csv")
    assert data.texts == ["café crème", "naïve plot", "über gut"]
    assert data.notes == ["1 of 4 lines of data.csv are not UTF-8; they were read as Latin-1."]


def test_too_little_data_to_split_says_how_much_is_needed():
    from sentiment_core.data import train_val_test_split

    with pytest.raises(DataError, match=r"data\.csv: 4 texts in 2 classes .* too few .* give at least \d+ texts"):
        train_val_test_split(load_table(GOOD_ROWS, "data.csv"))


def test_a_download_that_cannot_be_written_says_where_to_put_the_archive(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(DataError, match="Cannot write into the data folder .*a-file.*SENTIMENT_DATA_DIR"):
        download_imdb(blocker / "data", url="http://127.0.0.1:9/x")

    def no_permission(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", no_permission)
    with pytest.raises(DataError, match=r"Cannot write into the data folder .* \(Permission denied\)"):
        download_imdb(tmp_path, url="http://127.0.0.1:9/x")


def test_cli_refuses_an_empty_name_and_reports_bad_files_without_a_traceback(tmp_path, capsys):
    assert main(["--models-dir", str(tmp_path), "train", "--name", "", "--subset", "200"]) == 2
    assert "'' is not a valid model name" in capsys.readouterr().err
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bad_tables()["junk"])
    assert main(["--models-dir", str(tmp_path), "train", "--data", str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "junk.csv is a binary file" in err and "Traceback" not in err
    assert main(["--models-dir", str(tmp_path), "predict", "nothing", "--file", str(junk)]) == 2
    assert "junk.csv is a binary file" in capsys.readouterr().err
