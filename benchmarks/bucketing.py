"""Training speed: plain Keras (every batch padded to seq_len) against train()'s length buckets.

Same model (multicnn on 50-number word vectors, 100 filters, the tuned defaults of 2026-11-24
otherwise: ``KIM_VECTORS``; the one-hot default reads no vectors to pad), same data (IMDB's training set
less the seeded validation split of whole movies), same vocabulary, batch size and seed, in one
run. "plain" is ``model.fit`` on the padded array, as the Keras examples do; "buckets" is
``sentiment_core.training.train``. Printed per path: training reviews/s (validation excluded;
the first epoch's compiling included, as a user waits for it), seconds per epoch, the share of
the padded grid that is padding, and the validation accuracy after the last epoch.

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/bucketing.py --update-readme
    SENTIMENT_DATA_DIR=../shared/data KERAS_BACKEND=jax python benchmarks/bucketing.py
    SENTIMENT_DATA_DIR=../shared/data python benchmarks/bucketing.py --quantum 32   # the step's effect

Results: benchmarks/results/bucketing-<backend>.json; ``--update-readme`` writes every backend's
latest results into README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from behaviour import write_readme_section  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
BEGIN, END = "<!-- bucketing:begin -->", "<!-- bucketing:end -->"
# Kim's CNN as this benchmark measured it (multicnn's defaults before one-hot words), trained by Adam.
KIM_VECTORS = {"word_input": "vectors", "vocab_size": 5000, "embedding_dropout": 0.2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", default="multicnn")
    parser.add_argument("--filters", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--subset", type=int, help="IMDB training reviews (default: all 25,000)")
    parser.add_argument("--quantum", type=int, help="pad to multiples of this instead of the backend's step (a comparison)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()

    from sentiment_core.quiet import import_keras_quietly

    import_keras_quietly()
    import keras

    from sentiment_core import buckets as length_buckets
    from sentiment_core import runtime
    from sentiment_core.config import default_configs
    from sentiment_core.data import imdb_splits, load_imdb
    from sentiment_core.models import build_model
    from sentiment_core.text import Vocabulary
    from sentiment_core.training import train

    if args.quantum:
        length_buckets.QUANTUM_TRACED = length_buckets.QUANTUM_COMPILED = args.quantum
    train_set, val_set, _ = imdb_splits(load_imdb(), args.subset, 1000)
    model_config, train_config = default_configs(args.variant)
    if args.variant == "multicnn":
        model_config, train_config = model_config.replace(**KIM_VECTORS), train_config.replace(optimizer="adam")
    if model_config.pools_over_time:
        model_config = model_config.replace(filters=args.filters)
    train_config = train_config.replace(epochs=args.epochs, early_stopping_patience=0)
    backend = keras.backend.backend()
    print(f"{args.variant} ({model_config.filters} filters), {len(train_set):,} training reviews, batch "
          f"{train_config.batch_size}, {args.epochs} epochs, Keras backend {backend}, {runtime.describe_device()}")

    # -- plain Keras --------------------------------------------------------------------------
    runtime.set_seed(train_config.seed)
    started = time.perf_counter()
    vocabulary = Vocabulary(model_config.vocab_size).fit(train_set.texts)
    x_train = vocabulary.encode_batch(train_set.texts, model_config.seq_len, model_config.keep)
    x_val = vocabulary.encode_batch(val_set.texts, model_config.seq_len, model_config.keep)
    encode_s = time.perf_counter() - started
    model = build_model(model_config)
    model.compile(optimizer=keras.optimizers.Adam(train_config.learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    clock = EpochClock(keras)
    model.fit(x_train, train_set.labels, batch_size=train_config.batch_size, epochs=args.epochs, shuffle=True,
              callbacks=[clock.callback], verbose=0)
    plain_val = float((model.predict(x_val, batch_size=256, verbose=0).argmax(1) == val_set.labels).mean())
    nonzero = float((x_train != 0).mean())
    plain = {"path": "plain Keras", "reviews_per_s": len(train_set) * args.epochs / sum(clock.seconds),
             "seconds_per_epoch": clock.seconds, "padding_fraction": 1.0 - nonzero, "val_accuracy": plain_val,
             "encode_s": encode_s}
    report(plain)

    # -- train() with length buckets ------------------------------------------------------------
    trained = train(train_set, val_set, None, model_config, train_config)
    m = trained.metrics
    buckets = {"path": "train(), length buckets", "reviews_per_s": m["reviews_per_s"],
               "seconds_per_epoch": trained.history["seconds"], "padding_fraction": m["padding_fraction"],
               "val_accuracy": trained.history["val_accuracy"][-1]}
    report(buckets)
    speedup = buckets["reviews_per_s"] / plain["reviews_per_s"]
    print(f"speed-up: {speedup:.2f}x reviews/s; validation accuracy {plain_val:.4f} -> {buckets['val_accuracy']:.4f}")
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "backend": backend, "device": runtime.describe_device(),
               "variant": args.variant, "filters": model_config.filters, "train_size": len(train_set),
               "epochs": args.epochs, "batch_size": train_config.batch_size, "rows": [plain, buckets], "speedup": speedup}
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.quantum:  # a comparison: printed, not kept as the backend's result
        return
    (RESULTS / f"bucketing-{backend}.json").write_text(json.dumps(results, indent=1))
    if args.update_readme:
        write_readme_section(BEGIN, END, table())


class EpochClock:
    """Seconds of training per epoch, from its first batch's start to its last batch's end."""

    def __init__(self, keras):
        clock = self
        self.seconds = []

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                clock.started = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                clock.seconds.append(time.perf_counter() - clock.started)

        self.callback = Callback()


def report(row: dict) -> None:
    epochs = ", ".join(f"{s:.1f}" for s in row["seconds_per_epoch"])
    print(f"{row['path']:<24} {row['reviews_per_s']:>7.0f} reviews/s  epochs {epochs} s  padding "
          f"{row['padding_fraction']:.0%}  val accuracy {row['val_accuracy']:.4f}", flush=True)


def table() -> str:
    lines = ["| backend | path | reviews/s (train) | s per epoch | padding | validation accuracy | speed-up |",
             "|---|---|---:|---:|---:|---:|---:|"]
    notes = []
    for path in sorted(RESULTS.glob("bucketing-*.json")):
        r = json.loads(path.read_text())
        for row in r["rows"]:
            speed = f"**{r['speedup']:.2f}×**" if row is r["rows"][-1] else "1.00×"
            lines.append(f"| {r['backend']} | {row['path']} | {row['reviews_per_s']:,.0f} | "
                         + " / ".join(f"{s:.1f}" for s in row["seconds_per_epoch"])
                         + f" | {row['padding_fraction']:.0%} | {row['val_accuracy']:.2%} | {speed} |")
        notes.append(f"{r['backend']}: {r['when']}, {r['device']}")
    r = json.loads(sorted(RESULTS.glob("bucketing-*.json"))[0].read_text())
    lines += ["", f"{r['variant']} with {r['filters']} filters, {r['train_size']:,} IMDB training reviews, batch "
              f"{r['batch_size']}, {r['epochs']} epochs, same vocabulary and seed; reviews/s over both epochs, "
              "validation excluded, compiling included. Measured by `benchmarks/bucketing.py` ("
              + "; ".join(notes) + ")."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
