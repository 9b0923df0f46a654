"""Models: the class leaderboard (every saved model, sortable), curves to compare, details, and delete."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from pages import ui, views
from sentiment_core.config import VARIANT_DESCRIPTIONS
from sentiment_core.leaderboard import best_first, leaderboard
from sentiment_core.manage import delete_model, owner_of

ui.setup_page("models")
st.title("Models and the class leaderboard")
store = ui.store()
me = ui.who()
models, unreadable = ui.scan()
models = best_first(models)


def delete_button(name: str, path, key: str) -> None:
    owner, nickname = owner_of(store, name)
    if not me.may_manage(owner):
        st.caption(f"Only {nickname or 'the person who made it'} or the teacher can delete {name!r}.")
        return
    with st.expander(f"Delete {name}"):
        st.write(f"This removes {path} for good.")
        if st.button(f"Delete {name}", type="primary", key=key):
            try:
                delete_model(store, me, name)
            except ValueError as error:
                st.error(str(error))
            else:
                st.toast(f"Deleted {name}.")
                st.rerun()


if unreadable:
    st.warning(
        f"{len(unreadable)} folder(s) in {store.root} hold a model's files but cannot be used (damaged, tampered with, "
        "or saved by another version). The other models are not affected."
    )
    views.dataframe([{"name": u.name, "unreadable": u.reason} for u in unreadable])
    broken = st.selectbox("Unreadable model", [u.name for u in unreadable], key="models_broken")
    delete_button(broken, next(u.path for u in unreadable if u.name == broken), "models_delete_broken")
if not models:
    st.info(f"No saved models in {store.root} yet.")
    st.page_link("pages/train.py", label="Train one", icon=":material/model_training:")
    st.stop()

st.caption("Every finished run on this server, best validation accuracy first; click a column to sort. Validation "
           "accuracy ranks (it is what settings are chosen on); test accuracy only reports.")
baselines = [m for m in models if m.config.is_linear]
if baselines:
    line = baselines[0]
    accuracy = line.metrics.get("val_accuracy")
    st.info(f"The line to beat: **{line.name}**, TF-IDF + logistic regression, {views.percent(accuracy)} on validation. "
            f"{sum(1 for m in models[: models.index(line)] if not m.config.is_linear)} neural model(s) above it.")
else:
    st.caption("No baseline yet: train `tfidf-logreg` on the Train page (about 30 s on all of IMDB) to see the line "
               "every neural model has to beat.")
# Two decimals in every row ("percent" wrote 83% beside 84.6%), still sortable as numbers.
ACCURACIES = ("validation accuracy", "test accuracy")
rows = [{**row, **{k: 100 * row[k] for k in ACCURACIES if row[k] is not None}} for row in leaderboard(models)]
percent = st.column_config.NumberColumn(format="%.2f %%")
views.dataframe(rows, column_config={name: percent for name in ACCURACIES}, key="models_leaderboard")

st.subheader("Compare")
names = [m.name for m in models]
chosen = st.multiselect("Runs to compare", names, default=names[: min(3, len(names))], key="models_compare",
                        persist_state="session")
metric = st.radio("Curve", ["val_accuracy", "val_loss", "accuracy", "loss"], horizontal=True, key="models_metric",
                  format_func=lambda m: m.replace("val_", "validation ").replace("_", " "))
fig = go.Figure()
for m in models:
    if m.name in chosen:
        fig.add_trace(go.Scatter(x=m.history.get("epoch", []), y=m.history.get(metric, []), mode="lines+markers", name=m.name))
fig.update_layout(height=360, xaxis_title="epoch", yaxis_title=metric.replace("_", " "), margin={"l": 10, "r": 10, "t": 20, "b": 10})
st.plotly_chart(fig, key="compare_chart")

st.subheader("Details")
name = st.selectbox("Model", names, key="models_detail")
info = next(m for m in models if m.name == name)
manifest = info.manifest
st.caption(VARIANT_DESCRIPTIONS.get(info.variant, ""))
left, right = st.columns(2)
with left:
    st.markdown("**Model settings**")
    st.json(manifest.get("model_config", {}), expanded=False)
    st.markdown("**Training settings**")
    st.json(manifest.get("train_config", {}), expanded=False)
with right:
    st.markdown("**Data**")
    st.json(manifest.get("data") or {}, expanded=False)
    metrics = info.metrics
    st.markdown("**Results**")
    st.write(
        f"Test accuracy {views.percent(metrics.get('test_accuracy'))}, best epoch {metrics.get('best_epoch')} of "
        f"{metrics.get('epochs_run')}, {metrics.get('reviews_per_s') or 0:,.0f} reviews/s on "
        f"{(manifest.get('device') or {}).get('name', '?')}."
    )
    if metrics.get("confusion_matrix"):
        st.plotly_chart(views.confusion_figure(metrics["confusion_matrix"], manifest["class_names"]), key="detail_confusion")

if info.config.pools_over_time:
    st.markdown("**What its filters detect**")
    if st.toggle("Show every filter's strongest n-grams and its weight towards positive", key="models_filters"):
        try:
            views.dataframe(ui.catalogue_rows(ui.filter_catalogue(name)), key="models_filter_table", height=420)
        except ValueError as error:
            st.error(str(error))

delete_button(name, info.path, "models_delete")
