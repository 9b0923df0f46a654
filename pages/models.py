"""Models: every saved model with its settings, data, accuracy and curves; compare and delete."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from pages import ui
from sentiment_core.config import VARIANT_DESCRIPTIONS

ui.setup_page()
st.title("Saved models")
store = ui.store()
models, unreadable = store.scan()


def delete_button(name: str, path, key: str) -> None:
    with st.expander(f"Delete {name}"):
        st.write(f"This removes {path} for good.")
        if st.button(f"Delete {name}", type="primary", key=key):
            try:
                store.delete(name)
            except ValueError as error:
                st.error(str(error))
            else:
                st.toast(f"Deleted {name}.")
                st.rerun()


def data_text(manifest: dict) -> str:
    data = manifest.get("data") or {}
    train, test = data.get("train") or {}, data.get("test") or {}
    return f"{train.get('source', '?')}: {train.get('size', '?')} train / {test.get('size', '—')} test"


if unreadable:
    st.warning(
        f"{len(unreadable)} folder(s) in {store.root} hold a model's files but cannot be used (damaged, tampered with, "
        "or saved by another version). The other models are not affected."
    )
    ui.dataframe([{"name": u.name, "unreadable": u.reason} for u in unreadable])
    broken = st.selectbox("Unreadable model", [u.name for u in unreadable], key="models_broken")
    delete_button(broken, next(u.path for u in unreadable if u.name == broken), "models_delete_broken")
if not models:
    st.info(f"No saved models in {store.root} yet.")
    st.page_link("pages/train.py", label="Train one", icon=":material/model_training:")
    st.stop()

ui.dataframe(
    [
        {
            "name": m.name,
            "variant": m.variant,
            "test accuracy": ui.percent(m.test_accuracy),
            "validation accuracy": ui.percent(m.metrics.get("val_accuracy")),
            "best epoch": m.metrics.get("best_epoch"),
            "data": data_text(m.manifest),
            "saved": m.saved_at.replace("T", " "),
        }
        for m in models
    ]
)

st.subheader("Compare")
names = [m.name for m in models]
chosen = st.multiselect("Models to compare", names, default=names[: min(3, len(names))], key="models_compare")
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
        f"Test accuracy {ui.percent(metrics.get('test_accuracy'))}, best epoch {metrics.get('best_epoch')} of "
        f"{metrics.get('epochs_run')}, {metrics.get('reviews_per_s') or 0:,.0f} reviews/s on "
        f"{(manifest.get('device') or {}).get('name', '?')}."
    )
    if metrics.get("confusion_matrix"):
        st.plotly_chart(ui.confusion_figure(metrics["confusion_matrix"], manifest["class_names"]), key="detail_confusion")

delete_button(name, info.path, "models_delete")
