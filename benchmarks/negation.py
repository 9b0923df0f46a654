"""Negation marking (NOT_ on a negation's scope) measured by the behavioural suite and on IMDB.

Each chosen variant is trained twice on IMDB with its defaults, in the same run and on the same
split: once reading plain words, once with ``negation=True``. Both are then run through the
built-in suite's negation tests (negation of positive, of negative, with words between) and
scored on IMDB's validation split (what a setting is judged by) and test set (reported only).
Printed: failure rate per negation capability and pooled over their cases, accuracies, seconds.

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/negation.py --update-readme
    python benchmarks/negation.py --variants tfidf-logreg --subset 4000        # a quick look
    python benchmarks/negation.py --variants tfidf-logreg --flips 1 2 4        # + the polarity-flip prior

``--flips`` adds, for tfidf-logreg and nb-ngrams, one NOT_-marked model per strength of the prior
that a negated word means the opposite of the word (ModelConfig.negation_flip; linear.flip_matrix,
naive_bayes.fold_negation_flip).

Trained models are kept in ``--models-dir`` (not committed) and reused by name.
Results: benchmarks/results/negation.json (rows of variants not run this time are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from behaviour import write_readme_section  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "negation.json"
BEGIN, END = "<!-- negation:begin -->", "<!-- negation:end -->"
CAPABILITIES = ("Negation of positive", "Negation of negative", "Negation with filler")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", default=["tfidf-logreg", "fasttext"])
    parser.add_argument("--flips", nargs="*", type=float, default=[],
                        help="tfidf-logreg and nb-ngrams: also train NOT_-marked models with these negation_flip strengths")
    parser.add_argument("--subset", type=int, help="train on this many IMDB reviews (default: all 25,000)")
    parser.add_argument("--models-dir", default=str(ROOT / "benchmarks" / "models"))
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()

    from sentiment_core.checks import builtin_suite, run_suite
    from sentiment_core.config import FLIP_VARIANTS, default_configs
    from sentiment_core.data import imdb_splits, load_imdb
    from sentiment_core.quiet import import_keras_quietly
    from sentiment_core.store import ModelStore

    import_keras_quietly()
    from sentiment_core.training import train

    store = ModelStore(args.models_dir)
    imdb = load_imdb()
    train_set, val_set, test_set = imdb_splits(imdb, args.subset, args.subset)
    suite = builtin_suite()
    suite = replace(suite, tests=tuple(t for t in suite.tests if t.capability in CAPABILITIES)).check()
    rows = []
    print(f"IMDB: {len(train_set):,} train / {len(val_set):,} validation / {len(test_set):,} test; "
          f"{sum(len(c) for c in suite.cases().values()):,} negation cases in {len(suite.tests)} tests")
    for variant in args.variants:
        flips = args.flips if variant in FLIP_VARIANTS else []
        for negation, flip in [(False, 0.0), (True, 0.0), *((True, f) for f in flips)]:
            model_config, train_config = default_configs(variant, negation=negation)
            model_config = model_config.replace(negation_flip=flip)
            name = f"{variant}-{args.subset or 'full'}-{'negation' if negation else 'plain'}" + (f"-flip{flip:g}" if flip else "")
            seconds = None
            if not store.exists(name):
                started = time.perf_counter()
                trained = train(train_set, val_set, test_set, model_config, train_config)
                seconds = time.perf_counter() - started
                store.save(name, trained)
            model = store.load(name)
            metrics = model.manifest.get("metrics", {})
            val_accuracy = metrics.get("val_accuracy")
            (report,) = run_suite(suite, [model])
            pooled = [0, 0]
            rates = {}
            for capability in CAPABILITIES:
                results = [r for r in report.results if r.capability == capability and r.cases]
                failures, cases = sum(r.failures for r in results), sum(r.cases for r in results)
                rates[capability] = failures / cases
                pooled[0] += failures
                pooled[1] += cases
            row = {"variant": variant, "negation": negation, "negation_flip": flip, "name": name, "val_accuracy": val_accuracy,
                   "test_accuracy": metrics.get("test_accuracy"), "train_seconds": seconds or metrics.get("train_seconds"),
                   "capabilities": rates, "negation_failure_rate": pooled[0] / pooled[1], "cases": pooled[1],
                   "tests": {r.test: r.failure_rate for r in report.results}}
            row["when"] = time.strftime("%Y-%m-%d %H:%M")
            rows.append(row)
            print(f"{variant:<13} {reads(row):<22} val {val_accuracy:.4f} test "
                  f"{row['test_accuracy']:.4f}  negation failures {row['negation_failure_rate']:.1%} "
                  + "  ".join(f"{c.split(' ', 1)[1]}: {r:.0%}" for c, r in rates.items()), flush=True)
    # Rows of variants not run this time are kept (each pair is trained in one run on one split).
    data = f"IMDB {args.subset:,} reviews" if args.subset else "IMDB, full training set"
    earlier = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if earlier.get("data") == data:
        ran = {r["variant"] for r in rows}
        kept = [{"when": earlier.get("when"), **r} for r in earlier.get("rows", []) if r["variant"] not in ran]
        rows = kept + rows
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{os.cpu_count()} CPU cores", "data": data,
               "rows": rows}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))
    if args.update_readme:
        write_readme_section(BEGIN, END, table(results))


def reads(row: dict) -> str:
    if not row["negation"]:
        return "plain words"
    flip = row.get("negation_flip") or 0
    return f"NOT_-marked, flip {flip:g}" if flip else "NOT_-marked"


def dates(results: dict) -> str:
    """When each variant's rows were measured: "2026-11-24 21:24 (`a`, `b`), 2026-12-07 19:34 (`c`)"."""
    variants_by_date: dict[str, list[str]] = {}
    for r in results["rows"]:
        names = variants_by_date.setdefault(r.get("when") or results["when"], [])
        if r["variant"] not in names:
            names.append(r["variant"])
    return ", ".join(f"{when} ({', '.join(f'`{v}`' for v in names)})" for when, names in sorted(variants_by_date.items()))


def table(results: dict) -> str:
    lines = ["| model | reads | " + " | ".join(CAPABILITIES) + " | all negation cases | IMDB validation | IMDB test |",
             "|---|---|" + "---:|" * (len(CAPABILITIES) + 3)]
    for r in results["rows"]:
        lines.append(f"| `{r['variant']}` | {reads(r)} | "
                     + " | ".join(f"{100 * r['capabilities'][c]:.0f} %" for c in CAPABILITIES)
                     + f" | **{100 * r['negation_failure_rate']:.0f} %** | {100 * r['val_accuracy']:.2f} % | "
                     f"{100 * r['test_accuracy']:.2f} % |")
    cases = results["rows"][0]["cases"] if results["rows"] else 0
    lines += ["", f"Failure rates on the built-in suite's {cases:,} negation cases (lower is better), and accuracy on "
              f"IMDB. Each variant's rows trained with its defaults on {results['data']}, in one run and on one split "
              f"(\"flip s\": `negation_flip=s`). Measured by `benchmarks/negation.py` on {dates(results)} "
              f"({results['machine']})."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
