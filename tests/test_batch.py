"""Batch predictions: rows kept whole, labels matched to a model's classes and scored."""

import pytest

from sentiment_core.batch import chunks, judged_indices, label_index, label_report, merge
from sentiment_core.data import DataError, read_rows


def test_read_rows_keeps_every_column_and_guesses_text_and_label():
    table = read_rows(b"id,review,sentiment,stars\n1,a fine film,pos,4\n2,\"dull, long\",neg,1\n3,short\n", "r.csv")
    assert table.columns == ["id", "review", "sentiment", "stars"]
    assert table.rows[2] == ["3", "short", "", ""]  # a short row padded, so columns line up
    assert table.text_column == "review" and table.label_column == "sentiment"
    plain = read_rows(b"first line\n\nsecond line\n", "t.txt")
    assert plain.columns == ["text"] and plain.rows == [["first line"], ["second line"]] and plain.label_column is None
    unnamed = read_rows(b"a,b\nsome long text here,1\nanother long text,0\n", "u.csv")
    assert unnamed.label_column is None  # only a column named like a label is offered as one
    with pytest.raises(DataError, match="holds no text"):
        read_rows(b"\n\n", "empty.txt")
    many = read_rows(("text\n" + "a line\n" * 10_005).encode(), "many.csv")
    assert len(many.rows) == 10_000 and any("first 10,000" in n for n in many.notes)


def test_labels_are_matched_by_name_polarity_alias_or_position():
    polarity = ("negative", "positive")
    assert [label_index(v, polarity) for v in ["POS", "neg", "1", "0", "positive", "meh", ""]] == [1, 0, 1, 0, 1, None, None]
    moods = ("calm", "happy", "sad")
    assert [label_index(v, moods) for v in ["Happy", "2", "5", "pos"]] == [1, 2, None, None]
    assert label_index("1", ("1", "2", "3")) == 0  # digits as class names are names, not positions


def test_label_report_scores_and_counts_what_it_could_not_match():
    report = label_report(["pos", "neg", "pos", "meh", "neg"], ["positive", "positive", "positive", "negative", None],
                          ("negative", "positive"))
    assert report["scored"] == 3 and report["unmatched"] == 1 and report["unmatched_examples"] == ["meh"]
    assert report["accuracy"] == pytest.approx(2 / 3)
    assert report["confusion_matrix"] == [[0, 1], [0, 2]]
    assert report["per_class"]["positive"]["recall"] == 1.0 and report["per_class"]["negative"]["support"] == 1
    nothing = label_report(["x", "y"], ["positive", "negative"], ("negative", "positive"))
    assert nothing["accuracy"] is None and nothing["unmatched"] == 2


def test_merge_keeps_rows_in_order_with_blanks_where_no_text():
    rows = [["7", "good"], ["8", "  "], ["9", "bad"]]
    judged = judged_indices(rows, 1)
    assert judged == [0, 2] and list(chunks(list(range(5)), 2)) == [[0, 1], [2, 3], [4]]
    merged = merge(["id", "text"], rows, judged, [{"text": "good", "m: label": "positive"}, {"text": "bad", "m: label": "negative"}])
    assert [(r["id"], r["m: label"]) for r in merged] == [("7", "positive"), ("8", None), ("9", "negative")]
    clash = merge(["m: label"], [["mine"]], [0], [{"m: label": "theirs"}])
    assert clash == [{"m: label": "mine", "m: label (prediction)": "theirs"}]  # an input column is never overwritten
