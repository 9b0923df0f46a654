"""How pages draw results: durations and percentages, words coloured by their weight, prediction
cards, training curves and confusion matrices. No state and no engine here: only drawing."""

from __future__ import annotations

import html

import plotly.graph_objects as go
import streamlit as st

from sentiment_core.exports import safe_rows

POSITIVE, NEGATIVE = "#1a9850", "#d73027"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if 0 < seconds < 0.5:
        return "under 1 s"  # not "0 s": it takes some time
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
    """Green for a push towards the target class, red for a push against; the scale is shared."""
    strength = min(abs(weight) / scale, 1.0) if scale > 0 else 0.0
    rgb = (26, 152, 80) if weight > 0 else (215, 48, 39)
    return f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, {0.04 + 0.66 * strength:.2f})"


# The colour scale never goes below this many log-odds, so a sentence whose words barely
# matter stays pale instead of being stretched to full colour.
SMALLEST_SCALE = 0.5


def shared_scale(rows: list[dict]) -> float:
    """One colour scale for every card: the largest word weight among them (log-odds)."""
    weights = [abs(w["weight"]) for row in rows for w in row.get("words") or []]
    return max([SMALLEST_SCALE, *weights])


def word_weights_html(words: list[dict], scale: float, target: str = "positive") -> str:
    """The sentence with each word coloured by its effect on the log-odds of ``target``."""
    if not words:
        return "<div class='word-weights'><i>No words to colour.</i></div>"
    spans = []
    for w in words:
        css = "w" if w["known"] else "w unk"
        title = f"{w['weight']:+.3f} log-odds of {target}" + ("" if w["known"] else " (unknown word: read as <unk>)")
        spans.append(
            f"<span class='{css}' style='background:{weight_colour(w['weight'], scale)}' title='{html.escape(title)}'>"
            f"{html.escape(w['token'])}</span>"
        )
    return "<div class='word-weights'>" + " ".join(spans) + "</div>"


def legend_html(scale: float, method: str, target: str) -> str:
    """The colour scale with its values, the same for every card."""
    steps = [-1.0, -0.5, 0.0, 0.5, 1.0]
    swatches = "".join(
        f"<span class='swatch' style='background:{weight_colour(f * scale, scale)}'>{f * scale:+.2f}</span>" for f in steps
    )
    return (
        f"<div class='legend'>Word colours ({html.escape(METHOD_NAMES.get(method, method))}): effect on the "
        f"log-odds of <b>{html.escape(target)}</b>, same scale in every card. {swatches} "
        "+1 multiplies the odds by 2.7. Hover a word for its number.</div>"
    )


METHOD_NAMES = {"occlusion": "occlusion", "integrated-gradients": "integrated gradients", "exact": "exact shares"}


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


def confusion_figure(matrix, class_names, title: str = "Confusion matrix (test set)") -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=matrix, x=[f"predicted {c}" for c in class_names], y=[f"true {c}" for c in class_names],
            colorscale="Blues", text=matrix, texttemplate="%{text}", showscale=False,
        )
    )
    fig.update_layout(height=280, margin={"l": 10, "r": 10, "t": 30, "b": 10}, title=title,
                      yaxis={"autorange": "reversed"})
    return fig


def prediction_cards_html(rows: list[dict], scale: float | None = None) -> str:
    """One card per model: name, label and confidence, probability bars, coloured words, notes.

    Every card's words share one colour scale (``shared_scale`` of the rows by default).
    """
    scale = shared_scale(rows) if scale is None else scale
    cards = []
    for row in rows:
        p = row["prediction"]
        explanation = row.get("explanation") or {}
        target = explanation.get("target", "positive")
        notes = []
        if p.unknown:
            notes.append("Unknown to this model (dotted underline): " + ", ".join(dict.fromkeys(p.unknown)))
        if p.note:
            notes.append(p.note)
        if explanation.get("note"):
            notes.append(explanation["note"])
        margin = explanation.get("margin")
        margin_html = (f"<div class='card-margin' title='the model&#39;s log-odds of {html.escape(target)}'>"
                       f"log-odds of {html.escape(target)}: {margin:+.2f}</div>") if margin is not None else ""
        cards.append(
            f"<div class='card'><div class='card-model'>{html.escape(row['model'])}</div>"
            f"<div class='card-label'>{html.escape(p.label)} · {p.confidence:.1%}</div>"
            + probability_bars_html(p.probabilities) + margin_html + word_weights_html(row["words"], scale, target)
            + spans_html(explanation.get("spans") or [], target)
            + "".join(f"<div class='card-note'>{html.escape(note)}</div>" for note in notes) + "</div>"
        )
    return "<div class='cards'>" + "".join(cards) + "</div>"


def spans_html(spans: list[dict], target: str, top: int = 3) -> str:
    """The n-grams with the largest shares (exact CNN spans, fastText bigrams)."""
    wide = [s for s in spans if s["end"] - s["start"] > 1]
    if not wide:
        return ""
    strongest = sorted(wide, key=lambda s: -abs(s["weight"]))[:top]
    items = ", ".join(f"<b>{html.escape(s['text'])}</b> {s['weight']:+.2f}" for s in strongest)
    return f"<div class='card-spans'>Strongest n-grams (log-odds of {html.escape(target)}): {items}</div>"


def label_reports(reports: dict[str, dict]) -> None:
    """Per model: accuracy, the confusion matrix and precision/recall/F1 per class."""
    columns = st.columns(min(len(reports), 3))
    for i, (name, report) in enumerate(reports.items()):
        with columns[i % len(columns)]:
            st.markdown(f"**{name}**")
            if report["accuracy"] is None:
                st.warning(f"No label matches {name}'s classes ({', '.join(report['class_names'])}); e.g. "
                           + ", ".join(repr(v) for v in report["unmatched_examples"]))
                continue
            st.metric("Accuracy", f"{report['accuracy']:.1%}", help=f"on {report['scored']:,} labelled rows")
            st.plotly_chart(confusion_figure(report["confusion_matrix"], report["class_names"], "Confusion matrix"),
                            key=f"batch_confusion-{name}")
            dataframe([{"class": c, **{k: round(v, 3) if isinstance(v, float) else v for k, v in scores.items()}}
                       for c, scores in report["per_class"].items()])
            if report["unmatched"]:
                st.caption(f"{report['unmatched']:,} rows have a label that is none of this model's classes (e.g. "
                           + ", ".join(repr(v) for v in report["unmatched_examples"]) + "): left out.")


def probability_bars_html(probabilities: dict[str, float]) -> str:
    """One bar per class, in HTML: drawn at once, where a Plotly chart per card costs a figure per keystroke."""
    rows = []
    for name, p in probabilities.items():
        colour = POSITIVE if name.lower().startswith("pos") else NEGATIVE if name.lower().startswith("neg") else "#4f46e5"
        rows.append(
            f"<div class='pbar'><span class='pname'>{html.escape(name)}</span><span class='ptrack'>"
            f"<span class='pfill' style='width:{100 * p:.1f}%;background:{colour}'></span></span>"
            f"<span class='pvalue'>{p:.1%}</span></div>"
        )
    return "<div class='pbars'>" + "".join(rows) + "</div>"
