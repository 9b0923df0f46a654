"""The README's three frames of a training film, and its sentiment-axis figures, from one model trained here.

Trains a fastText model (the tuned defaults) on IMDB reviews while filming 300 words, then draws
the film's first frame, the one nearest a third of the first epoch, and the last one side by side
(the same aligned frames and colours the app plays) and screenshots them. It also prints, for the
model's 500 most frequent words, how much of the data's polarity one direction of the learned
space holds (the sentiment axis's cross-validated R²) against GloVe's.

    SENTIMENT_DATA_DIR=../shared/data python scripts/film_frames.py        # -> assets/screenshots/film-frames.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", default="fasttext")
    parser.add_argument("--reviews", type=int, default=5000)
    parser.add_argument("--out", default=str(ROOT / "assets" / "screenshots" / "film-frames.png"))
    args = parser.parse_args()

    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from sentiment_core.config import default_configs
    from sentiment_core.data import imdb_splits, load_imdb
    from sentiment_core.film import FilmSettings, film_view
    from sentiment_core.polarity import robust_limit
    from sentiment_core.training import train

    train_set, val_set, _ = imdb_splits(load_imdb(download=False), args.reviews, 500, seed=42)
    model_config, train_config = default_configs(args.variant)
    trained = train(train_set, val_set, None, model_config, train_config, film=FilmSettings())
    from sentiment_core.glove import load_glove
    from sentiment_core.inference import Predictor
    from sentiment_core.polarity import ClassCounts
    from sentiment_core.projection import embedding_maps

    predictor = Predictor.from_trained(trained)
    predictor.name = args.variant
    counts = ClassCounts(train_set.texts, train_set.labels, train_set.class_names)
    axis = embedding_maps(predictor, load_glove(), 500, "axis", counts=counts)
    print(f"sentiment axis, {len(axis.words)} most frequent words: R² learned {axis.fit['learned']:.2f}, "
          f"GloVe {axis.fit['GloVe']:.2f}")
    view = film_view(trained.film)
    third = int(np.argmin([abs(p - 1 / 3) for p in view.positions]))
    chosen = [0, third, len(view.labels) - 1]
    print(f"{args.variant} on {args.reviews:,} reviews: val accuracy {trained.metrics['val_accuracy']:.3f}; frames "
          + ", ".join(f"{view.labels[k]} (apart {view.separations[k]:.2f})" for k in chosen))

    limit = robust_limit(np.asarray(view.polarity, dtype=float))
    fig = make_subplots(rows=1, cols=3, subplot_titles=[f"{view.labels[k]}: sides {view.separations[k]:.2f} apart, first axis {view.first_axis[k]:.1%}"
                                                    for k in chosen],
                        horizontal_spacing=0.02)
    bound = float(np.abs(view.coords[chosen]).max()) * 1.08
    for column, k in enumerate(chosen, start=1):
        c = view.coords[k]
        printed = set(view.labelled[k])
        text = [w if i in printed else "" for i, w in enumerate(view.words)]
        fig.add_trace(go.Scatter(x=c[:, 0], y=c[:, 1], mode="markers+text", text=text, textposition="top center",
                                 textfont={"size": 12},
                                 marker={"size": 7, "color": view.polarity, "colorscale": "RdYlGn", "cmin": -limit,
                                         "cmax": limit, "showscale": column == 3,
                                         "colorbar": {"title": {"text": "data log ratio", "side": "right"}, "thickness": 10}}),
                      row=1, col=column)
        fig.update_xaxes(visible=False, range=[-bound, bound], row=1, col=column)
        fig.update_yaxes(visible=False, range=[-bound, bound], row=1, col=column)
    fig.update_layout(width=1500, height=520, showlegend=False, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      paper_bgcolor="white", plot_bgcolor="#fafafa")

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        html = Path(folder) / "film.html"
        html.write_text(fig.to_html(include_plotlyjs=True, full_html=True, config={"displayModeBar": False}))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1520, "height": 540})
            page.goto(html.as_uri())
            page.wait_for_selector(".scatterlayer")
            page.wait_for_timeout(500)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=args.out, full_page=True)
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
