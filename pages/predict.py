"""Predict: type a sentence and every chosen model judges it as you type; or judge many at once.

The models run on the engine's serving worker; this page sends texts and draws the numbers.
The text and the chosen models live in the URL, so a link on a slide opens the same judgement.
"""

from __future__ import annotations

import zlib

import streamlit as st

from pages import ui, views
from sentiment_core.batch import CHUNK, EXPLAINED_CHUNK, MAX_EXPLAINED, chunks, judged_indices, label_report, merge
from sentiment_core.data import MAX_BATCH_TEXTS, MAX_TABLE_BYTES, BatchTable, read_rows
from sentiment_core.exports import csv_bytes

NO_LABELS = "(no labels)"


@st.cache_data(max_entries=4, show_spinner="Reading the file ...")
def read_batch_upload(file_id: str, _upload) -> BatchTable:
    """Parse an upload once per file, not on every rerun."""
    return read_rows(_upload.getvalue(), _upload.name)

ui.setup_page("predict")
st.title("Predict")

chosen = ui.pick_models("predict_models", 3, "Every chosen model judges the text. The list starts with the best by "
                                              "validation accuracy.")
engine = ui.engine()
refs = ui.model_refs(chosen)

single, batch = st.tabs(["Playground", "Many texts"])

with single:
    st.caption("One click for an example from the first seed:")
    example_columns = st.columns(len(ui.examples()["sentences"]))
    for column, sentence in zip(example_columns, ui.examples()["sentences"]):
        if column.button(sentence, key=f"example-{sentence[:20]}", width="stretch"):
            st.session_state["predict_text"] = sentence

    method, target = ui.pick_explanation(chosen)

    def use_edit(key: str, texts: list[str]) -> None:
        """A clicked counterfactual becomes the sentence (a callback runs before the text box is drawn)."""
        selected = st.session_state[key].selection.rows
        if selected and selected[0] < len(texts):
            st.session_state["predict_text"] = texts[selected[0]]

    @st.fragment
    def playground() -> None:
        text = st.text_input(
            "Type a sentence: the predictions update as you type", key="predict_text", live="400ms",
            placeholder="the movie was awesome. Loved it", bind="query-params",
        )
        if not text or not text.strip():
            st.caption("Waiting for a sentence ...")
            return
        try:
            # A model that fails to load gets its message in its own card; the others still answer.
            rows = engine.compare(ui.models_dir(), refs, text, method=method, target=target)
        except ValueError as error:  # the text itself, or the engine (EngineError)
            st.error(str(error))
            return
        # All cards in one HTML element: the browser redraws one element per keystroke instead of a
        # dozen Markdown ones (measured: ~190 ms of a laptop's CPU per keystroke with 3 models).
        for row in rows:
            if row["error"]:
                st.error(f"**{row['model']}**: {row['error']}")
        answered = [row for row in rows if not row["error"]]
        scale = views.shared_scale(answered)
        shown_target = next((row["explanation"]["target"] for row in answered if row.get("explanation")), target or "positive")
        st.html(views.prediction_cards_html(answered, scale) + views.legend_html(scale, method, shown_target))
        if st.toggle("What if? Counterfactual edits", key="predict_whatif",
                     help="Negate a clause, swap a word for its antonym or its nearest neighbours (GloVe and learned), "
                          "or drop a word: each model's new probability, and the edits that flip a model first."):
            what_if(text)
        cnns = ui.filter_models(chosen)
        if cnns and st.toggle("CNN filters: which fired on this sentence, and what each detects", key="predict_filters"):
            filters_view(text, cnns)

    def filters_view(text: str, cnns: list[str]) -> None:
        try:
            fired = engine.fired_filters(ui.models_dir(), ui.model_refs(cnns), text)
            catalogues = {name: {(f.width, f.index): f for f in ui.filter_catalogue(name)} for name in fired}
        except ValueError as error:
            st.error(str(error))
            return
        st.caption("Each filter is an n-gram detector: max-over-time pooling keeps its strongest match, and the "
                   "classifier weighs it. Term = its exact share of the log-odds of positive in this sentence.")
        for name, filters in fired.items():
            st.markdown(f"**{name}**: the {len(filters)} filters with the largest terms")
            views.dataframe([{"filter": f["filter"], "fired on": f["ngram"], "activation": round(f["activation"], 3),
                              "term": round(f["term"], 3),
                              "also detects": " | ".join(g for g, _ in catalogues[name][(f["width"], f["index"])].top_ngrams[:4])}
                             for f in filters], key=f"predict_filters-{name}")

    def what_if(text: str) -> None:
        try:
            found = engine.counterfactuals(ui.models_dir(), refs, text, target)
        except ValueError as error:
            st.error(str(error))
            return
        rows = found["rows"]
        if not rows:
            st.caption("No edit to try on this sentence: type a longer one.")
            return
        flipping = sum(1 for row in rows if row["flips"])
        st.caption(f"{len(rows)} edits of “{found['tokens']}”; {flipping} flip at least one model (⚑, listed first). "
                   f"Numbers: P({target or 'positive'}) after the edit, and its change. Click a row to judge it above.")
        table = [{"flips": "⚑ " + ", ".join(row["flips"]) if row["flips"] else "", "edit": row["edit"],
                  "kind": row["kind"], **{k: v for k, v in row.items() if k not in ("kind", "edit", "text", "flips")},
                  "text": row["text"]} for row in rows]
        # One table per sentence, so a row picked for the last sentence is not picked in this one.
        key = f"predict_whatif_table-{zlib.crc32(text.encode('utf-8', 'replace'))}"
        texts = [row["text"] for row in rows]
        views.dataframe(table, key=key, on_select=lambda: use_edit(key, texts), selection_mode="single-row",
                        height=min(38 + 35 * len(table), 420))

    playground()

with batch:
    pasted = st.text_area("One text per line", height=150, key="batch_text",
                          placeholder="I loved every minute of it.\nTwo hours I will never get back.")
    upload = st.file_uploader(
        f"... or a file: one text per line (.txt), or a CSV/TSV with a text column and any others, kept in the output "
        f"(up to {MAX_TABLE_BYTES >> 20} MB, {MAX_BATCH_TEXTS:,} rows)", type=["txt", "csv", "tsv"], key="batch_upload",
    )
    table, table_key = None, "pasted"
    try:
        if upload is not None:
            table, table_key = read_batch_upload(upload.file_id, upload), upload.file_id
        elif pasted.strip():
            table = BatchTable(["text"], [[line.strip()] for line in pasted.splitlines() if line.strip()], "text", None, [])
    except ValueError as error:  # DataError: the file, named, and what to fix
        st.error(str(error))
    text_column, label_column, top_words = "text", None, 0
    left, middle, right = st.columns(3)
    if table is not None and len(table.columns) > 1:
        text_column = left.selectbox("Text column", table.columns, key=f"batch_text_column-{table_key}",
                                     index=table.columns.index(table.text_column) if table.text_column else 0)
        others = [NO_LABELS] + [c for c in table.columns if c != text_column]
        guess = others.index(table.label_column) if table.label_column in others else 0
        label_column = middle.selectbox("Label column (scores every model)", others, index=guess,
                                        key=f"batch_label_column-{table_key}")
        label_column = None if label_column == NO_LABELS else label_column
    top_words = right.number_input("Top words per model (slower)", 0, 5, 0, key="batch_top_words",
                                   help="Adds a column per model with the words that pushed its answer most, "
                                        "on the log-odds of positive (exact shares where the model has them).")
    if st.button("Judge them", type="primary", key="batch_go"):
        try:
            if table is None:
                raise ValueError("No texts to judge: paste one text per line or upload a file.")
            column = table.columns.index(text_column)
            judged = judged_indices(table.rows, column)
            if not judged:
                raise ValueError(f"The column {text_column!r} holds no text to judge: choose the text column.")
            if top_words and len(judged) > MAX_EXPLAINED:
                # Each text is explained by each model: a long file would hold the room's serving worker.
                raise ValueError(f"Top words are offered for up to {MAX_EXPLAINED:,} texts ({len(judged):,} here): "
                                 "set them to 0, or split the file.")
            bar = st.progress(0.0, text=f"Judging {len(judged):,} texts ...")
            predictions: list[dict] = []
            # A chunk at a time: progress to draw, and the room's requests get in between chunks.
            for part in chunks(judged, EXPLAINED_CHUNK if top_words else CHUNK):
                predictions += engine.predict_table(ui.models_dir(), refs, [table.rows[i][column] for i in part],
                                                    int(top_words))
                bar.progress(len(predictions) / len(judged), text=f"Judged {len(predictions):,} of {len(judged):,} texts ...")
            bar.empty()
        except ValueError as error:  # DataError and EngineError included
            st.error(str(error))
        else:
            views.show_notes(table.notes)
            reports = {}
            if label_column:
                labels = [table.rows[i][table.columns.index(label_column)] for i in judged]
                for name in chosen:
                    if predictions and f"{name}: label" in predictions[0]:
                        reports[name] = label_report(labels, [p.get(f"{name}: label") for p in predictions],
                                                     ui.class_names_of([name]))
            st.session_state["batch_result"] = {"rows": merge(table.columns, table.rows, judged, predictions),
                                                "reports": reports, "label_column": label_column}
    result = st.session_state.get("batch_result")
    if result:
        views.dataframe(result["rows"])
        # Texts that start like a formula are quoted, so the file is safe to open in a spreadsheet.
        st.download_button("Download as CSV", csv_bytes(result["rows"]), "predictions.csv", "text/csv",
                           key="batch_download")
        if result["reports"]:
            st.subheader(f"Against the labels in {result['label_column']!r}")
            views.label_reports(result["reports"])
