"""Plotly figures of word maps and of embeddings moving while a model trains (Embeddings and Train pages)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

COLOURS = "RdYlGn"
RING = "#111"
MAP_HEIGHT = 540


def _colorbar(limit: float, unit: str) -> dict:
    return {"title": {"text": unit, "side": "right"}, "thickness": 10, "tickvals": [-limit, 0, limit],
            "ticktext": [f"{-limit:+.2f} negative", "0", f"{limit:+.2f} positive"]}


def _label(x: float, y: float, text: str, size: int = 12, bold: bool = False) -> dict:
    # Annotations sit above every trace, WebGL points included, so a label is never hidden.
    return {"x": x, "y": y, "text": f"<b>{text}</b>" if bold else text, "showarrow": False, "yshift": 9,
            "font": {"size": size, "color": "#111"}, "bgcolor": "rgba(255,255,255,0.65)", "borderpad": 1}


def word_map(coords: np.ndarray, words: list[str], values: np.ndarray, limit: float, unit: str, title: str,
             labelled: list[int], search: int | None = None, neighbours: list[int] = (),
             shown: np.ndarray | None = None, axis_titles: tuple[str, str] | None = None) -> go.Figure:
    """A map: every word a dot coloured by ``values`` on a diverging scale; ``labelled`` words printed;
    the searched word ringed above everything with lines to its ``neighbours``; ``shown`` masks words."""
    keep = np.ones(len(words), dtype=bool) if shown is None else np.asarray(shown)
    index = np.flatnonzero(keep)
    # SVG up to a thousand points (it draws at once, with no WebGL context to start); WebGL beyond.
    # Every later trace uses the same kind, so the ring and the lines are drawn above the points.
    Scatter = go.Scatter if len(index) <= 1000 else go.Scattergl
    fig = go.Figure(Scatter(
        x=coords[index, 0], y=coords[index, 1], mode="markers", text=[words[i] for i in index],
        hovertemplate=f"<b>%{{text}}</b><br>{unit} %{{marker.color:+.2f}}<extra></extra>",
        marker={"size": 7 if len(index) < 1000 else 5, "color": values[index], "colorscale": COLOURS, "cmin": -limit,
                "cmax": limit, "cmid": 0, "colorbar": _colorbar(limit, unit), "line": {"width": 0}},
        name="words",
    ))
    annotations = [_label(coords[i, 0], coords[i, 1], words[i]) for i in labelled if keep[i]]
    if search is not None:
        near = [j for j in neighbours]
        if near:  # lines from the searched word to each neighbour, drawn after the points: on top
            xs, ys = [], []
            for j in near:
                xs += [coords[search, 0], coords[j, 0], None]
                ys += [coords[search, 1], coords[j, 1], None]
            fig.add_trace(Scatter(x=xs, y=ys, mode="lines", line={"color": RING, "width": 1.5}, hoverinfo="skip",
                                       name="neighbours"))
            fig.add_trace(Scatter(x=coords[near, 0], y=coords[near, 1], mode="markers", hoverinfo="skip",
                                       marker={"size": 11, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": RING}},
                                       name="neighbour rings"))
            annotations += [_label(coords[j, 0], coords[j, 1], words[j], 12) for j in near]
        fig.add_trace(Scatter(x=[coords[search, 0]], y=[coords[search, 1]], mode="markers", hoverinfo="skip",
                                   marker={"size": 20, "color": "rgba(0,0,0,0)", "line": {"width": 3.5, "color": RING}},
                                   name="search"))
        annotations.append(_label(coords[search, 0], coords[search, 1], words[search], 16, bold=True))
    x_title, y_title = axis_titles or ("", "")
    fig.update_layout(title=title, height=MAP_HEIGHT, margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False,
                      annotations=annotations,
                      xaxis={"visible": bool(x_title), "title": x_title, "showticklabels": bool(x_title), "zeroline": bool(x_title)},
                      yaxis={"visible": False})
    return fig


def film_figure(view, limit: float, title: str, height: int = 520, start_at_end: bool = False,
                animated: bool = True) -> go.Figure:
    """The training film: one frame per snapshot, a slider and a play button; each frame's title says how
    far apart the positive and negative words are. ``animated=False`` draws the latest snapshot alone
    (a page that refreshes every second while the film grows sends one frame, not all of them)."""
    coords, words = view.coords, view.words
    # Every axis is at unit standard deviation: a few far outliers must not shrink the cloud to a dot.
    bound = float(np.percentile(np.abs(coords), 98)) * 1.2 if coords.size else 1.0

    def labels(k: int) -> list:
        printed = set(view.labelled[k])
        return [words[i] if i in printed else "" for i in range(len(words))]

    def caption(k: int) -> str:
        return (f"{title} — {view.labels[k]}: positive and negative words {view.separations[k]:.2f} apart "
                f"(first axis: {view.first_axis[k]:.1%} of the variance)")

    last = len(coords) - 1
    first = last if start_at_end or not animated else 0
    shown = go.Scatter(x=coords[first][:, 0], y=coords[first][:, 1], mode="markers+text", text=labels(first),
                       textposition="top center", textfont={"size": 12}, customdata=words,
                       hovertemplate="<b>%{customdata}</b><br>data log-ratio %{marker.color:+.2f}<extra></extra>",
                       marker={"size": 7, "color": view.polarity, "colorscale": COLOURS, "cmin": -limit, "cmax": limit,
                               "cmid": 0, "colorbar": _colorbar(limit, "log ratio"), "line": {"width": 0}})
    layout = {"title": caption(first), "height": height, "showlegend": False,
              "xaxis": {"visible": False, "range": [-bound, bound]},
              "yaxis": {"visible": False, "range": [-bound, bound], "scaleanchor": "x"}}
    if not animated:
        fig = go.Figure(data=[shown])
        fig.update_layout(**layout, margin={"l": 10, "r": 10, "t": 50, "b": 10})
        return fig
    # Each frame repeats the trace's style except the colour bar, drawn once: frames with positions and
    # labels alone left the labels behind the points when played (Plotly 6 in Chromium).
    moving = {"type": "scatter", "mode": "markers+text", "textposition": "top center", "textfont": {"size": 12},
              "customdata": words, "hovertemplate": shown.hovertemplate,
              "marker": {key: value for key, value in shown.marker.to_plotly_json().items() if key != "colorbar"}}
    frames = [go.Frame(data=[{**moving, "x": coords[k][:, 0], "y": coords[k][:, 1], "text": labels(k)}],
                       name=str(k), layout={"title": {"text": caption(k)}}) for k in range(len(coords))]
    steps = [{"method": "animate", "label": view.labels[k],
              "args": [[str(k)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}]}
             for k in range(len(coords))]
    play = {"type": "buttons", "direction": "left", "x": 0.0, "y": -0.04, "xanchor": "left", "yanchor": "top",
            "showactive": False, "pad": {"r": 10, "t": 10},
            "buttons": [{"label": "▶ Play", "method": "animate",
                         "args": [None, {"frame": {"duration": 350, "redraw": True}, "transition": {"duration": 250},
                                         "fromcurrent": True, "mode": "immediate"}]},
                        {"label": "❚❚ Pause", "method": "animate",
                         "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}]}]}
    slider = {"active": first, "x": 0.2, "len": 0.8, "y": -0.02, "yanchor": "top", "pad": {"t": 30},
              "currentvalue": {"prefix": "Snapshot: ", "font": {"size": 14}, "xanchor": "left", "offset": 8},
              "steps": steps}
    fig = go.Figure(data=[shown], frames=frames)
    fig.update_layout(**layout, updatemenus=[play], sliders=[slider], margin={"l": 10, "r": 10, "t": 50, "b": 90})
    return fig
