"""Predict: type a sentence and every chosen model judges it as you type; or judge many at once.

The models run on the engine's serving worker; this page sends texts and draws the numbers.
The text and the chosen models live in the URL, so a link on a slide opens the same judgement.
"""

from __future__ import annotations

import streamlit as st

from pages import ui
from sentiment_core.data import MAX_BATCH_TEXTS, MAX_TABLE_BYTES, read_texts
from sentiment_core.exports import csv_bytes

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
        if column.button(sentence, key=f"example-{sentence[:20]}", use_container_width=True):
            st.session_state["predict_text"] = sentence

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
            rows = engine.compare(ui.models_dir(), refs, text)
        except ValueError as error:  # the text itself, or the engine (EngineError)
            st.error(str(error))
            return
        # All cards in one HTML element: the browser redraws one element per keystroke instead of a
        # dozen Markdown ones (measured: ~190 ms of a laptop's CPU per keystroke with 3 models).
        for row in rows:
            if row["error"]:
                st.error(f"**{row['model']}**: {row['error']}")
        st.html(ui.prediction_cards_html([row for row in rows if not row["error"]]) + ui.LEGEND_HTML)

    playground()

with batch:
    pasted = st.text_area("One text per line", height=150, key="batch_text",
                          placeholder="I loved every minute of it.\nTwo hours I will never get back.")
    upload = st.file_uploader(
        f"... or a file: one text per line (.txt), or a CSV/TSV with a text column (up to {MAX_TABLE_BYTES >> 20} MB, "
        f"{MAX_BATCH_TEXTS:,} texts)", type=["txt", "csv", "tsv"], key="batch_upload",
    )
    if st.button("Judge them", type="primary", key="batch_go"):
        try:
            if upload is not None:
                texts, notes = read_texts(upload.getvalue(), upload.name)
            else:
                texts, notes = [line for line in pasted.splitlines() if line.strip()], []
            if not any(t.strip() for t in texts):
                raise ValueError("No texts to judge: paste one text per line or upload a file.")
            with st.spinner(f"Judging {len(texts):,} texts ..."):
                rows = engine.predict_table(ui.models_dir(), refs, texts)
        except ValueError as error:  # DataError included
            st.error(str(error))
        else:
            ui.show_notes(notes)
            st.session_state["batch_result"] = rows
    rows = st.session_state.get("batch_result")
    if rows:
        ui.dataframe(rows)
        # Texts that start like a formula are quoted, so the file is safe to open in a spreadsheet.
        st.download_button("Download as CSV", csv_bytes(rows), "predictions.csv", "text/csv", key="batch_download")
