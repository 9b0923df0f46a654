"""Fidelity of the explanations: deletion curves on IMDB test reviews, per method and variant.

For each review, each method ranks the words by their weight towards the class the model
predicted; the top k words are deleted and the model reads the review again. A faithful method
picks the words the model relies on, so the predicted class's probability drops fast. Deleting
k words at random (seeded) is the baseline measured in the same run. Printed per method and
variant: the mean drop at k = 1, 2, 3, 5, 10, 20, their mean (AOPC, "area over the perturbation
curve"), its margin over random, and the seconds an explanation takes. For exact shares, the
largest gap between the shares' sum and the model's logit over all reviews is printed too.

Uses the models of ``benchmarks/behaviour.py`` (trained there, or here when missing).

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/explanations.py --update-readme
    python benchmarks/explanations.py --reviews 50 --subset 2000     # a quick look

Results: benchmarks/results/explanations.json; ``--update-readme`` rewrites README.md's table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from behaviour import DEFAULT_VARIANTS, trained_models, write_readme_section  # noqa: E402

from sentiment_core.config import VARIANTS  # noqa: E402
from sentiment_core.explanations import METHODS, exact_available, explain  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "explanations.json"
BEGIN, END = "<!-- explanations:begin -->", "<!-- explanations:end -->"
KS = (1, 2, 3, 5, 10, 20)


def test_reviews(count: int, seed: int) -> list[str]:
    from sentiment_core.data import imdb_splits, load_imdb

    _, _, test_set = imdb_splits(load_imdb(), None, None)
    rng = np.random.default_rng(seed)
    return [test_set.texts[i] for i in rng.choice(len(test_set.texts), size=count, replace=False)]


def deletion_drops(predictor, tokens: list[str], order: list[int], predicted: int, base: float) -> list[float]:
    """The drop in P(predicted) after deleting the first k words of ``order``, for every k in KS."""
    texts = []
    for k in KS:
        gone = set(order[:k])
        kept = [t for i, t in enumerate(tokens) if i not in gone]
        texts.append(" ".join(kept) if kept else ".")
    probabilities = predictor.predict_proba(texts)[:, predicted]
    return [base - float(p) for p in probabilities]


def measure(predictor, reviews: list[str], seed: int, steps: int, progress) -> dict:
    config = predictor.model_config
    # Only the methods a model really has: asked for what it lacks, explain() shows another one.
    methods = [m for m in METHODS if (m != "exact" or exact_available(config))
               and (m != "integrated-gradients" or not config.is_linear)]
    drops = {m: [] for m in [*methods, "random"]}
    seconds = {m: 0.0 for m in methods}
    worst_gap = 0.0
    rng = np.random.default_rng(seed)
    for n, review in enumerate(reviews, 1):
        probabilities = predictor.predict_proba(review)[0]
        predicted = int(np.argmax(probabilities))
        tokens = None
        for method in methods:
            started = time.perf_counter()
            result = explain(predictor, review, method, predicted, steps=steps)
            seconds[method] += time.perf_counter() - started
            words = result["words"]
            if tokens is None:
                tokens = [w["token"] for w in words]
                base = float(predictor.predict_proba(" ".join(tokens))[0, predicted])
                drops["random"].append(deletion_drops(predictor, tokens, list(rng.permutation(len(tokens))), predicted, base))
            if method == "exact":
                worst_gap = max(worst_gap, abs(sum(w["weight"] for w in words) + result["base"] - result["margin"]))
            order = sorted(range(len(words)), key=lambda i: -words[i]["weight"])
            drops[method].append(deletion_drops(predictor, tokens, order, predicted, base))
        progress(n, len(reviews))
    curves = {m: np.mean(v, axis=0) for m, v in drops.items()}
    random_aopc = float(curves["random"].mean())
    return {
        "methods": {m: {"drops": [float(x) for x in c], "aopc": float(c.mean()),
                        "over_random": float(c.mean() - random_aopc),
                        "seconds": seconds.get(m, 0.0) / len(reviews)} for m, c in curves.items()},
        "exact_worst_gap": worst_gap if "exact" in methods else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", nargs="+", default=DEFAULT_VARIANTS, choices=VARIANTS)
    parser.add_argument("--reviews", type=int, default=500)
    parser.add_argument("--steps", type=int, default=32, help="integrated-gradients steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", type=int, help="models trained on this many reviews (default: all)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--models-dir", default=str(ROOT / "benchmarks" / "models"))
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--readme-only", action="store_true")
    args = parser.parse_args()
    if args.readme_only:
        update_readme(json.loads(RESULTS.read_text()))
        return
    models = trained_models(args.variants, Path(args.models_dir), args.subset, args.epochs)
    reviews = test_reviews(args.reviews, args.seed)
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{os.cpu_count()} CPU cores",
               "reviews": len(reviews), "steps": args.steps, "ks": list(KS),
               "data": f"IMDB {args.subset:,} reviews" if args.subset else "IMDB, full training set", "models": []}
    for predictor in models:
        started = time.perf_counter()

        def progress(done, total, name=predictor.name, started=started):
            if done % 50 == 0 or done == total:
                print(f"  {name}: {done}/{total} reviews, {time.perf_counter() - started:.0f} s", flush=True)

        measured = measure(predictor, reviews, args.seed, args.steps, progress)
        results["models"].append({"name": predictor.name, "variant": predictor.model_config.variant, **measured})
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2))
    print(table(results))
    if args.update_readme:
        update_readme(results)


def table(results: dict) -> str:
    lines = ["| model | method | " + " | ".join(f"k={k}" for k in results["ks"]) + " | AOPC | AOPC − random | ms / review |",
             "|---|---|" + "---|" * (len(results["ks"]) + 3)]
    for model in results["models"]:
        for method, m in model["methods"].items():
            ratio = "—" if method == "random" else f"{m['over_random']:+.3f}"
            ms = "—" if method == "random" else f"{1000 * m['seconds']:.0f}"
            lines.append(f"| `{model['variant']}` | {method} | " + " | ".join(f"{d:.3f}" for d in m["drops"])
                         + f" | **{m['aopc']:.3f}** | {ratio} | {ms} |")
    gaps = [m["exact_worst_gap"] for m in results["models"] if m["exact_worst_gap"] is not None]
    lines += ["", f"Mean drop in the predicted class's probability after deleting each method's top-k words, on "
              f"{results['reviews']} IMDB test reviews (seeded sample); AOPC is the mean over the k shown; higher is "
              f"more faithful. Integrated gradients with {results['steps']} steps. Models trained with their defaults "
              f"on {results['data']}. Exact shares summed to the model's logit within "
              f"{max(gaps) if gaps else float('nan'):.1e} on every review. Measured by `benchmarks/explanations.py` on "
              f"{results['when']} ({results['machine']})."]
    return "\n".join(lines)


def update_readme(results: dict) -> None:
    write_readme_section(BEGIN, END, table(results))


if __name__ == "__main__":
    main()
