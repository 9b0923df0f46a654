"""Choose defaults on validation only: train one variant with a few settings, print validation accuracy.

The official test set is never loaded. Each setting is ``name=value`` for ModelConfig or
TrainConfig fields; settings are separated by ``;`` within a candidate:

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/tune.py multicnn \\
        "" "keep=end" "filters=200" "keep=end;filters=200"

Validation on 2,500 reviews varies by about +-0.6 points, as much as many settings differ, so
``--split-seeds 42 7 11`` repeats each candidate on other validation splits (other movies held
out) and prints the mean.

``--data mr`` tunes on MR (rt-polarity) instead: the training and validation parts of the first
``--mr-folds`` of mr_crossval.py's folds, each candidate's other settings fitted to the fold's
training texts as cross-validation does (a setting the candidate names is kept as given). The
folds' test parts are never used.

Results are appended to benchmarks/results/tune.jsonl (one line per candidate and split).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from dataclasses import fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment_core.config import VARIANTS, ModelConfig, TrainConfig, default_configs  # noqa: E402
from sentiment_core.data import imdb_splits, load_imdb  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "tune.jsonl"


def parse_candidate(text: str) -> tuple[dict, dict]:
    model_names = {f.name for f in fields(ModelConfig)}
    train_names = {f.name for f in fields(TrainConfig)}
    model_changes, train_changes = {}, {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, raw = part.partition("=")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        if name in model_names:
            model_changes[name] = value
        elif name in train_names:
            train_changes[name] = value
        else:
            raise SystemExit(f"unknown setting {name!r}")
    return model_changes, train_changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("candidates", nargs="+", help='changes to the defaults, e.g. "keep=end;filters=200" ("" = defaults)')
    parser.add_argument("--split-seeds", type=int, nargs="+", default=[42],
                        help="seeds of the validation splits to repeat each candidate on (default: 42, the benchmark's)")
    parser.add_argument("--data", choices=("imdb", "mr"), default="imdb")
    parser.add_argument("--mr-folds", type=int, default=10, help="with --data mr: how many of the 10 folds to use")
    args = parser.parse_args()

    from sentiment_core.glove import load_glove
    from sentiment_core.quiet import import_keras_quietly

    import_keras_quietly()  # without TensorFlow's CPU-only start-up lines
    from sentiment_core.training import train as train_model

    if args.data == "mr":
        from mr_crossval import FOLDS, SEED, load_mr

        from sentiment_core.crossval import fold_splits

        folds = fold_splits(load_mr(), FOLDS, SEED)[: args.mr_folds]
        splits = {f"mr fold {i}": fold[:2] for i, fold in enumerate(folds, start=1)}  # never the fold's test part
    else:
        imdb = load_imdb()
        splits = {seed: imdb_splits(imdb, seed=seed)[:2] for seed in args.split_seeds}  # the test set is never looked at
    glove = load_glove()
    for candidate in args.candidates:
        model_changes, train_changes = parse_candidate(candidate)
        model_config, train_config = default_configs(args.variant, **model_changes)
        train_config = train_config.replace(**train_changes)
        scores = []
        for split_seed, (train, val) in splits.items():
            label = f"{candidate or 'defaults'} | split {split_seed}"
            if args.data == "mr":
                from sentiment_core.crossval import fitted_settings

                model_config, train_config = fitted_settings(*default_configs(args.variant, **model_changes), train,
                                                             len(val), keep=set(model_changes) | set(train_changes))
                train_config = train_config.replace(**train_changes)

            def progress(event, label=label):
                if event.stage == "epoch":
                    print(f"  [{label}] {event.message} ({event.elapsed_s:.0f} s)", flush=True)

            trained = train_model(train, val, None, model_config, train_config, glove=glove, progress=progress)
            m = trained.metrics
            scores.append(m["val_accuracy"])
            row = {
                "date": time.strftime("%Y-%m-%d %H:%M"), "variant": args.variant, "candidate": candidate,
                "val_accuracy": m["val_accuracy"], "val_loss": m["val_loss"], "best_epoch": m["best_epoch"],
                "epochs_run": m["epochs_run"], "seconds_per_epoch": m["seconds_per_epoch"],
                "val_history": trained.history["val_accuracy"],
                "validation": {"size": len(val), "by_movie": val.groups is not None, "split_seed": split_seed},
                "data": args.data,
            }
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            with RESULTS.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{args.variant} [{label}]: validation {m['val_accuracy']:.4f} at epoch {m['best_epoch']}"
                  f" of {m['epochs_run']}", flush=True)
        if len(scores) > 1:
            print(f"{args.variant} [{candidate or 'defaults'}]: mean validation {sum(scores) / len(scores):.4f}"
                  f" over {len(scores)} splits", flush=True)


if __name__ == "__main__":
    main()
