"""Choose defaults on validation only: train one variant with a few settings, print validation accuracy.

The official test set is never loaded. Each setting is ``name=value`` for ModelConfig or
TrainConfig fields; settings are separated by ``;`` within a candidate:

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/tune.py multicnn \\
        "" "keep=end" "filters=200" "keep=end;filters=200"

Results are appended to benchmarks/results/tune.jsonl (one line per candidate).
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
    args = parser.parse_args()

    from sentiment_core.glove import load_glove
    from sentiment_core.training import train as train_model

    imdb = load_imdb()
    train, val, _ = imdb_splits(imdb, seed=42)  # the test set is never looked at
    glove = load_glove()
    for candidate in args.candidates:
        model_changes, train_changes = parse_candidate(candidate)
        model_config, train_config = default_configs(args.variant, **model_changes)
        train_config = train_config.replace(**train_changes)

        def progress(event):
            if event.stage == "epoch":
                print(f"  [{candidate or 'defaults'}] {event.message} ({event.elapsed_s:.0f} s)", flush=True)

        trained = train_model(train, val, None, model_config, train_config, glove=glove, progress=progress)
        m = trained.metrics
        row = {
            "date": time.strftime("%Y-%m-%d %H:%M"), "variant": args.variant, "candidate": candidate,
            "val_accuracy": m["val_accuracy"], "val_loss": m["val_loss"], "best_epoch": m["best_epoch"],
            "epochs_run": m["epochs_run"], "seconds_per_epoch": m["seconds_per_epoch"],
            "val_history": trained.history["val_accuracy"],
            "validation": {"size": len(val), "by_movie": val.groups is not None},
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"{args.variant} [{candidate or 'defaults'}]: validation {m['val_accuracy']:.4f} at epoch {m['best_epoch']}"
              f" of {m['epochs_run']}", flush=True)


if __name__ == "__main__":
    main()
