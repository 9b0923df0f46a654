"""Behavioural tests of the default models: failure rate per capability, and how long a run takes.

Trains each chosen variant with its defaults on IMDB (the official train set less a seeded 10 %
validation split; ``--subset N`` for a quick run on N reviews) and saves it, or reuses a model
already saved under the same name in ``--models-dir``; then runs the built-in suite on all of
them, twice: the first run loads and warms the models, the second is the one a user waits for
on a warm serving worker (the Test page). Prints failure rates per capability and per test.

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/behaviour.py --update-readme
    python benchmarks/behaviour.py --subset 2000 --epochs 1      # a quick look (minutes)

Results: benchmarks/results/behaviour.json; ``--update-readme`` rewrites README.md's table.
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

from sentiment_core.checks import builtin_suite, capability_rates, run_suite  # noqa: E402
from sentiment_core.config import VARIANTS, default_configs  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "behaviour.json"
BEGIN, END = "<!-- behaviour:begin -->", "<!-- behaviour:end -->"
DEFAULT_VARIANTS = ["tfidf-logreg", "fasttext", "cnn", "multicnn", "glove-tuned"]


def trained_models(variants, models_dir: Path, subset: int | None, epochs: int | None) -> list:
    from sentiment_core.data import imdb_splits, load_imdb
    from sentiment_core.glove import glove_available, load_glove
    from sentiment_core.store import ModelStore
    from sentiment_core.training import train

    store = ModelStore(models_dir)
    tag = f"-{subset}" if subset else "-full"
    names = [f"{variant}{tag}" for variant in variants]
    missing = [(v, n) for v, n in zip(variants, names) if not store.exists(n)]
    if missing:
        imdb = load_imdb()
        train_set, val_set, test_set = imdb_splits(imdb, subset, subset)
        glove = load_glove() if glove_available() else None
        for variant, name in missing:
            model_config, train_config = default_configs(variant)
            if epochs:
                train_config = train_config.replace(epochs=epochs)
            started = time.perf_counter()
            trained = train(train_set, val_set, test_set, model_config, train_config,
                            glove=glove if model_config.uses_glove else None)
            store.save(name, trained)
            print(f"trained {name}: test accuracy {trained.metrics['test_accuracy']:.4f} "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
    return [store.load(name) for name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", nargs="+", default=DEFAULT_VARIANTS, choices=VARIANTS)
    parser.add_argument("--subset", type=int, help="train on this many IMDB reviews (default: all 25,000)")
    parser.add_argument("--epochs", type=int, help="cap the epochs (default: each variant's)")
    parser.add_argument("--models-dir", default=str(ROOT / "benchmarks" / "models"),
                        help="where the trained models are kept between runs (not committed)")
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--readme-only", action="store_true")
    args = parser.parse_args()
    if args.readme_only:
        update_readme(json.loads(RESULTS.read_text()))
        return

    models = trained_models(args.variants, Path(args.models_dir), args.subset, args.epochs)
    suite = builtin_suite()
    started = time.perf_counter()
    run_suite(suite, models)  # loads and compiles: what a cold worker pays once
    cold = time.perf_counter() - started
    started = time.perf_counter()
    reports = run_suite(suite, models)
    warm = time.perf_counter() - started
    cases = sum(len(c) for c in suite.cases().values())
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{os.cpu_count()} CPU cores",
        "data": f"IMDB {args.subset:,} reviews" if args.subset else "IMDB, full training set",
        "suite": {"tests": len(suite.tests), "capabilities": len({t.capability for t in suite.tests}), "cases": cases},
        "seconds": {"cold": cold, "warm": warm, "per_model": {r.model: r.seconds for r in reports}},
        "models": [{"name": m.name, "variant": m.model_config.variant,
                    "test_accuracy": m.manifest.get("metrics", {}).get("test_accuracy"),
                    "capabilities": capability_rates(r),
                    "tests": {x.test: x.failure_rate for x in r.results}}
                   for m, r in zip(models, reports)],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(table(results))
    if args.update_readme:
        update_readme(results)


def table(results: dict) -> str:
    models = results["models"]
    capabilities = list(dict.fromkeys(c for m in models for c in m["capabilities"]))
    lines = ["| capability | " + " | ".join(f"`{m['variant']}`" for m in models) + " |",
             "|---|" + "---|" * len(models)]
    for capability in capabilities:
        rates = [m["capabilities"].get(capability) for m in models]
        lines.append(f"| {capability} | " + " | ".join("—" if r is None else f"{100 * r:.0f} %" for r in rates) + " |")
    accuracy = " | ".join("—" if m["test_accuracy"] is None else f"{100 * m['test_accuracy']:.1f} %" for m in models)
    lines.append(f"| *(IMDB test accuracy)* | {accuracy} |")
    s, suite = results["seconds"], results["suite"]
    lines += ["", f"Failure rate per capability (all its tests' cases pooled; lower is better). Built-in suite: "
              f"{suite['tests']} tests, {suite['capabilities']} capabilities, {suite['cases']:,} cases. Models trained "
              f"with their defaults on {results['data']}. Measured by `benchmarks/behaviour.py` on {results['when']} "
              f"({results['machine']}): the suite on {len(models)} models took {s['warm']:.1f} s warm "
              f"({s['cold']:.1f} s cold, loading included)."]
    return "\n".join(lines)


def update_readme(results: dict) -> None:
    write_readme_section(BEGIN, END, table(results))


def write_readme_section(begin: str, end: str, body: str) -> None:
    """Replace what stands between two markers in README.md (the benchmarks' tables)."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    if begin not in text:
        print(f"README.md has no {begin} marker; table not written.")
        return
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{begin}\n{body}\n{end}{tail}")


if __name__ == "__main__":
    main()
