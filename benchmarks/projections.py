"""Faster word maps: scikit-learn's t-SNE against the project's settings, openTSNE and UMAP, side by side.

For 500, 2,000 and 5,000 words (GloVe's most frequent, and a trained model's learned vectors
when ``--model`` names one in benchmarks/models), every method maps the vectors to 2-D; printed
are its seconds, its trustworthiness (k = 10 nearest neighbours, cosine: how many of a point's
map neighbours are real neighbours; 1 is perfect) and both against scikit-learn's default as
the app used it (1,000 iterations, angle 0.5, PCA start), measured in the same run. The
project's choice must be at least 2x faster at 5,000 words with trustworthiness within 0.01.

Then what a page pays to open a model's maps when they were drawn at its save: reading them
from disk and building both figures.

    python benchmarks/projections.py --update-readme
    python benchmarks/projections.py --sizes 500 --sources glove        # a quick look
    python benchmarks/projections.py --sizes 0 --browser --update-readme # only the page's opening, in Chromium

openTSNE and UMAP are only needed here: ``pip install openTSNE umap-learn`` (a method whose
package is missing is reported as such and skipped). Results: benchmarks/results/projections.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from behaviour import write_readme_section  # noqa: E402

from sentiment_core.projection import DEFAULT_ITERATIONS, TSNE_ANGLE, map_words  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "projections.json"
BEGIN, END = "<!-- projections:begin -->", "<!-- projections:end -->"
BASELINE = "scikit-learn default"
CHOICE = f"scikit-learn, {DEFAULT_ITERATIONS} it., angle {TSNE_ANGLE}"


def sklearn_tsne(iterations: int, angle: float):
    def run(x):
        from sklearn.manifold import TSNE

        return TSNE(2, perplexity=30, max_iter=iterations, angle=angle, init="pca", metric="cosine", random_state=0,
                    learning_rate="auto").fit_transform(x)
    return run


def open_tsne(method: str):
    def run(x):
        import openTSNE

        return np.asarray(openTSNE.TSNE(perplexity=30, metric="cosine", n_jobs=2, random_state=0,
                                        negative_gradient_method=method).fit(x))
    return run


def umap_default(x):
    import umap

    # No random_state: a seed forces UMAP onto one thread.
    return umap.UMAP(n_neighbors=15, metric="cosine").fit_transform(x)


def pca(x):
    from sklearn.decomposition import PCA

    return PCA(2, random_state=0).fit_transform(x)


METHODS = {
    BASELINE: sklearn_tsne(1000, 0.5),
    CHOICE: sklearn_tsne(DEFAULT_ITERATIONS, TSNE_ANGLE),
    "scikit-learn, 500 it., angle 0.5": sklearn_tsne(500, 0.5),
    "scikit-learn, 400 it., angle 0.7": sklearn_tsne(400, 0.7),
    "openTSNE (Barnes-Hut), defaults": open_tsne("bh"),
    "openTSNE (FFT), defaults": open_tsne("fft"),
    "UMAP, defaults": umap_default,
    "PCA (reference)": pca,
}


def vectors_for(source: str, n: int, glove, model: str | None) -> np.ndarray:
    if source == "glove":
        return np.stack([glove.vector(w) for w in map_words(None, glove, n)]).astype(np.float32)
    from sentiment_core.models import embedding_weights
    from sentiment_core.store import ModelStore

    predictor = ModelStore(ROOT / "benchmarks" / "models").load(model)
    words = map_words(predictor.vocabulary, None, n)
    return embedding_weights(predictor.model)[predictor.vocabulary.encode_tokens(words)].astype(np.float32)


def measure(x: np.ndarray, method) -> tuple[float, float]:
    from sklearn.manifold import trustworthiness

    started = time.perf_counter()
    coords = method(x)
    seconds = time.perf_counter() - started
    return seconds, float(trustworthiness(x, coords, n_neighbors=10, metric="cosine"))


def page_open_ms(glove, model: str | None, repeats: int = 5) -> dict:
    """Reading a model's default maps from disk and building both figures, as the page does."""
    sys.path.insert(0, str(ROOT))
    from pages import map_figures
    from sentiment_core.map_files import DEFAULT_REQUEST, load_maps, maps_path, save_maps
    from sentiment_core.map_labels import importance_order, place_labels
    from sentiment_core.polarity import robust_limit
    from sentiment_core.projection import embedding_maps

    predictor = None
    if model:
        from sentiment_core.store import ModelStore

        predictor = ModelStore(ROOT / "benchmarks" / "models").load(model)
    started = time.perf_counter()
    maps = embedding_maps(predictor, glove, DEFAULT_REQUEST.n_words, DEFAULT_REQUEST.method)
    draw_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = maps_path(folder, model or None, DEFAULT_REQUEST, "")
        save_maps(maps, path)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            loaded = load_maps(path)
            values = np.asarray(next(iter(loaded.measures.values()))["values"], dtype=float)
            limit = robust_limit(values)
            order = importance_order(values, len(loaded.words))
            for coords in (loaded.learned, loaded.glove):
                if coords is not None:
                    labelled = place_labels(coords, loaded.words, order, 40)
                    map_figures.word_map(coords, loaded.words, values, limit, "u", "t", labelled).to_json()
            times.append(time.perf_counter() - started)
    return {"draw_on_worker_s": draw_s, "open_from_disk_ms": 1000 * float(np.median(times))}


def browser_open_s(repeats: int = 7) -> dict:
    """Seconds from a click on "Embeddings" in the sidebar to both map titles drawn, in Chromium, for a
    freshly trained model whose default maps were drawn at its save (as the training worker does)."""
    import socket
    import subprocess

    from playwright.sync_api import sync_playwright

    from sentiment_core import paths, worker_tasks
    from sentiment_core.config import default_configs
    from sentiment_core.data import imdb_splits, load_imdb
    from sentiment_core.film import FilmSettings
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--no-first-run"]
    with tempfile.TemporaryDirectory() as folder:
        models = Path(folder) / "models"
        train_set, val_set, _ = imdb_splits(load_imdb(download=False), 2000, 500, seed=42)
        model_config, train_config = default_configs("fasttext")
        store = ModelStore(models)
        store.save("fresh", train(train_set, val_set, None, model_config, train_config, film=FilmSettings()))
        worker_tasks.draw_default_maps(str(models), "fresh", store.info("fresh").saved_at, str(paths.data_dir()))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "SENTIMENT_MODELS_DIR": str(models)}
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                                   "--server.port", str(port), "--server.headless", "true",
                                   "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=flags, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                times = []
                for attempt in range(repeats + 1):
                    page.goto(url, timeout=120_000) if attempt == 0 else page.get_by_test_id("stSidebarNav").get_by_text(
                        "Home", exact=True).click()
                    page.get_by_text("Keras backend").wait_for(timeout=180_000)
                    started = time.perf_counter()
                    page.get_by_test_id("stSidebarNav").get_by_text("Embeddings", exact=True).click()
                    page.get_by_text("Learned by fresh").wait_for(timeout=120_000)
                    page.get_by_text("GloVe 6B 50-d").wait_for(timeout=60_000)
                    times.append(time.perf_counter() - started)
                browser.close()
        finally:
            server.terminate()
            server.wait(20)
    # The first visit also fetches and parses Plotly's script (once per browser session).
    return {"first_visit_s": times[0], "median_s": float(np.median(times[1:])), "max_s": float(max(times[1:])),
            "repeats": repeats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    parser.add_argument("--sources", nargs="+", default=["glove", "learned"], choices=["glove", "learned"])
    parser.add_argument("--model", default="fasttext-full", help="a model in benchmarks/models for the learned vectors")
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--from-results", action="store_true", help="rewrite the README table from the last results")
    parser.add_argument("--browser", action="store_true",
                        help="also time opening the Embeddings page in Chromium on a freshly trained model")
    args = parser.parse_args()
    if args.from_results:
        saved = json.loads(RESULTS.read_text())
        write_readme_section(BEGIN, END, readme_table(saved["rows"], saved["page"], saved.get("browser")))
        return
    if args.browser and args.sizes == [0]:  # only the browser timing, kept beside the last table
        saved = json.loads(RESULTS.read_text())
        saved["browser"] = opened_in_browser = browser_open_s()
        print(f"Embeddings page on a fresh model, Chromium: first visit {opened_in_browser['first_visit_s']:.2f} s; then "
              f"median {opened_in_browser['median_s']:.2f} s, max {opened_in_browser['max_s']:.2f} s")
        RESULTS.write_text(json.dumps(saved, indent=1))
        if args.update_readme:
            write_readme_section(BEGIN, END, readme_table(saved["rows"], saved["page"], saved["browser"]))
        return

    from sentiment_core.glove import load_glove

    glove = load_glove()
    sources = [s for s in args.sources if s == "glove" or (ROOT / "benchmarks" / "models" / args.model).is_dir()]
    if len(sources) < len(args.sources):
        print(f"No benchmarks/models/{args.model}: learned vectors skipped (train it with benchmarks/behaviour.py).")
    # Compile and import once (UMAP's numba JIT takes ~10 s): a worker pays that once, not per map.
    warm = np.random.default_rng(0).normal(size=(120, 8)).astype(np.float32)
    for method in METHODS.values():
        try:
            method(warm)
        except ImportError:
            pass
    rows = []
    print(f"{'vectors':<22}{'words':>6}  {'method':<36}{'seconds':>9}{'speed-up':>10}{'trust.':>8}{'Δ trust.':>10}")
    for source in sources:
        label = "GloVe 50-d" if source == "glove" else f"learned ({args.model})"
        for n in args.sizes:
            x = vectors_for(source, n, glove, args.model)
            measured = {}
            for name, method in METHODS.items():
                try:
                    measured[name] = measure(x, method)
                except ImportError as error:
                    print(f"  {name}: skipped ({error.name} is not installed)")
            base_s, base_t = measured[BASELINE]
            for name, (seconds, trust) in measured.items():
                row = {"vectors": label, "words": n, "method": name, "seconds": seconds, "speedup": base_s / seconds,
                       "trustworthiness": trust, "delta": trust - base_t}
                rows.append(row)
                print(f"{label:<22}{n:>6}  {name:<36}{seconds:>9.2f}{row['speedup']:>9.2f}×{trust:>8.3f}{row['delta']:>+10.3f}",
                      flush=True)
    opened = page_open_ms(glove, args.model if "learned" in sources else None)
    print(f"\nDefault maps of a model ({'learned + ' if 'learned' in sources else ''}GloVe, 500 words): both t-SNE maps "
          f"drawn in {opened['draw_on_worker_s']:.1f} s (without IMDB's measures); the page opens them from disk and "
          f"builds both figures in {opened['open_from_disk_ms']:.0f} ms.")
    browser = browser_open_s() if args.browser else None
    if browser:
        print(f"Embeddings page on a fresh model, Chromium: first visit {browser['first_visit_s']:.2f} s; then "
              f"median {browser['median_s']:.2f} s, max {browser['max_s']:.2f} s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"rows": rows, "page": opened, "browser": browser, "cpus": os.cpu_count()}, indent=1))
    if args.update_readme:
        write_readme_section(BEGIN, END, readme_table(rows, opened, browser))


def readme_table(rows: list[dict], opened: dict, browser: dict | None = None) -> str:
    lines = ["| vectors | words | method | seconds | speed-up | trustworthiness (k = 10) | Δ |", "|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        bold = "**" if r["method"] == CHOICE else ""
        lines.append(f"| {r['vectors']} | {r['words']:,} | {bold}{r['method']}{bold} | {r['seconds']:.2f} | "
                     f"{r['speedup']:.2f}× | {r['trustworthiness']:.3f} | {r['delta']:+.3f} |")
    lines.append("")
    lines.append(f"A model's default maps (500 words) are drawn on the maps worker as soon as its job ends (both "
                 f"t-SNE maps: {opened['draw_on_worker_s']:.1f} s here, plus IMDB's measures); opening them reads the "
                 f"file and builds both figures in {opened['open_from_disk_ms']:.0f} ms.")
    if browser:
        lines.append(f"In Chromium on this machine, a click on Embeddings draws both maps of a freshly trained model in "
                     f"{browser['median_s']:.2f} s (median of {browser['repeats']}, max {browser['max_s']:.2f} s); a "
                     f"browser's first visit adds fetching Plotly's script ({browser['first_visit_s']:.2f} s in all).")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
