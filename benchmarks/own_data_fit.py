"""Own data with IMDB's defaults against settings fitted to it: MR's sentences (Pang & Lee), same split.

For each variant, one model with IMDB's sequence length and vocabulary (500 words, 5,000 kept)
and one with both, the epoch cap and the patience fitted to the training sentences
(``sentiment_core.fit_data``), everything else equal (the tuned defaults, the same seed and split). Printed: the settings, training seconds,
validation accuracy (what settings are judged on) and test accuracy (reported only).

    python benchmarks/own_data_fit.py --update-readme
    python benchmarks/own_data_fit.py --variants fasttext            # a quick look

Results: benchmarks/results/own_data_fit.json.
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

RESULTS = ROOT / "benchmarks" / "results" / "own_data_fit.json"
BEGIN, END = "<!-- own_data_fit:begin -->", "<!-- own_data_fit:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", nargs="+", default=["fasttext", "cnn", "multicnn"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()

    from sentiment_core import paths
    from sentiment_core.config import default_configs
    from sentiment_core.data import load_line_files, train_val_test_split
    from sentiment_core.fit_data import fit_to_texts
    from sentiment_core.quiet import import_keras_quietly
    from sentiment_core.training import train

    import_keras_quietly()
    folder = paths.data_dir()
    mr = load_line_files({"neg": folder / "rt-polarity.neg", "pos": folder / "rt-polarity.pos"})
    train_set, val_set, test_set = train_val_test_split(mr, seed=args.seed)
    print(f"MR: {len(train_set):,} train / {len(val_set):,} validation / {len(test_set):,} test sentences")
    rows = []
    print(f"{'variant':<10}{'settings':<10}{'seq_len':>8}{'vocab':>8}{'epochs':>12}{'seconds':>9}{'val acc':>9}{'test acc':>10}")
    for variant in args.variants:
        model_config, train_config = default_configs(variant)
        train_config = train_config.replace(seed=args.seed)
        fit = fit_to_texts(train_set.texts, model_config, "sentences", train_config, len(val_set))
        for label, config, training in (("IMDB's", model_config, train_config), ("fitted", fit.model_config, fit.train_config)):
            started = time.perf_counter()
            trained = train(train_set, val_set, test_set, config, training)
            seconds = time.perf_counter() - started
            m = trained.metrics
            row = {"variant": variant, "settings": label, "seq_len": config.seq_len, "vocab_size": config.vocab_size,
                   "epochs": training.epochs, "patience": training.early_stopping_patience, "best_epoch": m["best_epoch"],
                   "seconds": seconds, "val_accuracy": m["val_accuracy"], "test_accuracy": m["test_accuracy"],
                   "epochs_run": m["epochs_run"]}
            rows.append(row)
            epochs = f"{m['best_epoch']}/{m['epochs_run']}/{training.epochs}"
            print(f"{variant:<10}{label:<10}{config.seq_len:>8}{config.vocab_size:>8,}{epochs:>12}{seconds:>9.1f}"
                  f"{m['val_accuracy']:>9.3f}{m['test_accuracy']:>10.3f}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=1))
    if args.update_readme:
        lines = ["| variant | settings | sequence length | vocabulary | best epoch / run / cap (patience) | seconds | validation | test |",
                 "|---|---|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            lines.append(f"| {r['variant']} | {r['settings']} | {r['seq_len']} | {r['vocab_size']:,} | "
                         f"{r['best_epoch']} / {r['epochs_run']} / {r['epochs']} ({r['patience']}) | {r['seconds']:.1f} | "
                         f"{r['val_accuracy']:.1%} | {r['test_accuracy']:.1%} |")
        write_readme_section(BEGIN, END, "\n".join(lines))


if __name__ == "__main__":
    main()
