"""MR (rt-polarity, 10,662 sentences): 10-fold cross-validation through the core, the same folds
for every model, beside the two linear baselines and Kim (2014)'s table.

Every neural variant is trained by ``sentiment_core.crossval.cross_validate`` with its defaults
fitted to each fold's training texts (sequence length, vocabulary, epoch cap, patience), as the
CLI's ``train --folds 10`` does; TF-IDF + logistic regression goes through the core too; NBSVM-bi
is benchmarks/imdb_quality.py's (binary word and pair features scaled by Naive Bayes ratios, a
linear SVM, Wang & Manning's interpolation) on the same folds' training and test texts.

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/mr_crossval.py --variants nb-ngrams fasttext --update-readme

Results go to benchmarks/results/mr_crossval.json after every model (a later run replaces the
rows it measures and keeps the others); ``--update-readme`` rewrites README.md's table from it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from behaviour import write_readme_section  # noqa: E402
from imdb_quality import nbsvm_baseline  # noqa: E402

from sentiment_core.config import VARIANTS, default_configs  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "mr_crossval.json"
BEGIN, END = "<!-- mr_crossval:begin -->", "<!-- mr_crossval:end -->"
FOLDS, SEED = 10, 42
# Kim (2014), Table 2, MR column (10-fold CV, word2vec 300-d where pre-trained); NBSVM from Wang & Manning (2012).
PUBLISHED = {
    "cnn": ("CNN-rand", 76.1), "multicnn": ("CNN-rand", 76.1), "glove-static": ("CNN-static", 81.0),
    "glove-tuned": ("CNN-non-static", 81.5), "multichannel": ("CNN-multichannel", 81.1),
    "nbsvm-2": ("NBSVM-bi (Wang & Manning)", 79.4), "nb-ngrams": ("NBSVM-bi (Wang & Manning)", 79.4),
}


def load_mr():
    from sentiment_core.data import load_line_files

    folder = Path(os.environ.get("SENTIMENT_DATA_DIR", ROOT.parent / "shared" / "data"))
    return load_line_files({"neg": folder / "rt-polarity.neg", "pos": folder / "rt-polarity.pos"})


def neural_row(variant: str, data, glove) -> dict:
    from sentiment_core.crossval import cross_validate

    model_config, train_config = default_configs(variant)
    started = time.perf_counter()
    result = cross_validate(data, model_config, train_config, FOLDS, SEED, glove=glove,
                            on_fold=lambda fold, total, message: print(f"  {variant} {message}", flush=True))
    return {"model": variant, "mean": result.mean, "std": result.std, "folds": [f.test_accuracy for f in result.folds],
            "seconds": time.perf_counter() - started}


def nbsvm_row(data) -> dict:
    from sentiment_core.crossval import fold_splits

    started = time.perf_counter()
    accuracies = [nbsvm_baseline(train, test)["test_accuracy"] for train, _, test in fold_splits(data, FOLDS, SEED)]
    return {"model": "nbsvm-2", "mean": float(np.mean(accuracies)), "std": float(np.std(accuracies, ddof=1)),
            "folds": accuracies, "seconds": time.perf_counter() - started}


def write_readme(results: dict) -> None:
    rows = ["| model | MR 10-fold accuracy (mean ± std) | seconds for 10 folds | published (Kim 2014 / Wang & Manning 2012) |",
            "|---|---|---|---|"]
    for r in sorted(results["rows"], key=lambda r: -r["mean"]):
        name = "NBSVM-bi (baseline, same folds)" if r["model"] == "nbsvm-2" else f"`{r['model']}`"
        published = PUBLISHED.get(r["model"])
        rows.append(f"| {name} | {100 * r['mean']:.1f} ± {100 * r['std']:.1f} % | {r['seconds']:.0f} "
                    f"| {f'{published[0]}: {published[1]} %' if published else '—'} |")
    env = results["environment"]
    # Rows re-run on their own (--variants) carry their date; say which, so a reader knows what ran together.
    later = sorted({r["date"] for r in results["rows"] if r.get("date")})
    rerun = "; ".join(f"re-run {date}: " + ", ".join(f"`{r['model']}`" for r in results["rows"] if r.get("date") == date)
                      for date in later)
    caption = (f"\nMeasured by `benchmarks/mr_crossval.py` (latest run {env['date']}, {env['device']}"
               f"{'; ' + rerun if rerun else ''}): "
               f"{FOLDS} stratified folds (seed {SEED}), each model's defaults fitted to every fold's training texts; "
               "Kim's CNNs use 300-d word2vec, ours 50-d GloVe or none.")
    write_readme_section(BEGIN, END, "\n".join(rows) + "\n" + caption)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--no-nbsvm", action="store_true")
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--readme-only", action="store_true")
    args = parser.parse_args()

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"rows": []}
    if not args.readme_only:
        from sentiment_core import runtime
        from sentiment_core.quiet import import_keras_quietly

        import_keras_quietly()  # without TensorFlow's CPU-only start-up lines
        from sentiment_core.glove import load_glove

        data = load_mr()
        info = runtime.device_info()
        # The header's date is the last run of every model; a run of some (--variants) dates its own rows.
        everything = set(args.variants) == set(VARIANTS) and not args.no_nbsvm
        date = time.strftime("%Y-%m-%d") if everything or "environment" not in results else results["environment"]["date"]
        results["environment"] = {"date": date, "device": f"{info['device']} ({info['name']})",
                                  "backend": info["backend"], "cpus": os.cpu_count()}
        todo = [] if args.no_nbsvm else ["nbsvm-2"]
        todo += args.variants
        glove = load_glove() if any(default_configs(v)[0].uses_glove for v in args.variants) else None
        for model in todo:
            row = nbsvm_row(data) if model == "nbsvm-2" else neural_row(model, data, glove)
            row["date"] = time.strftime("%Y-%m-%d %H:%M")
            results["rows"] = [r for r in results["rows"] if r["model"] != model] + [row]
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(results, indent=2))
            print(f"{model}: {100 * row['mean']:.1f} ± {100 * row['std']:.1f} % in {row['seconds']:.0f} s", flush=True)
    if args.update_readme or args.readme_only:
        write_readme(results)


if __name__ == "__main__":
    main()
