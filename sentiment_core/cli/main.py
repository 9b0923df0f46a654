"""The command line: its parser and the dispatch to each command."""

from __future__ import annotations

import argparse
import os
import sys

from ..config import LR_SCHEDULES, OPTIMIZERS, VARIANTS, WORD_INPUTS
from ..text import KEEP_CHOICES
from .models import cmd_check, cmd_delete, cmd_download, cmd_evaluate, cmd_list, cmd_predict
from .train import cmd_train


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sentiment_core", description="Train and test sentiment models.")
    parser.add_argument("--models-dir", help="where models are saved (default: $SENTIMENT_MODELS_DIR or the cache)")
    parser.add_argument("--data-dir", help="where IMDB is (default: $SENTIMENT_DATA_DIR or the cache)")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model and save it")
    train.add_argument("--model", default="multicnn", choices=VARIANTS, help="the variant (default multicnn)")
    train.add_argument("--name", help="save under this name (default: <variant>-<date>-<time>)")
    train.add_argument("--data", nargs="+", metavar="PATH", help="your own data: a CSV/TSV, a folder of class folders, or one line file per class (default: IMDB)")
    train.add_argument("--text-column")
    train.add_argument("--label-column")
    train.add_argument("--subset", type=int, help="train on this many IMDB training reviews (stratified, seeded)")
    train.add_argument("--test-subset", type=int, help="report on this many IMDB test reviews (default: all 25,000)")
    train.add_argument("--seed-preset", action="store_true", help="the first seed tutorial's exact settings")
    train.add_argument("--split-seed", type=int, default=42,
                       help="which texts go to train/validation/test (own data) or into --subset (IMDB); --seed only "
                            "changes the model's initialisation and shuffling, so runs with different seeds are "
                            "scored on the same test set (default 42)")
    for flag, kind in [
        ("--epochs", int), ("--batch-size", int), ("--learning-rate", float), ("--vocab-size", int), ("--seq-len", int),
        ("--embedding-dim", int), ("--filters", int), ("--hidden-units", int), ("--dropout", float),
        ("--embedding-dropout", float), ("--patience", int), ("--weight-averaging", float), ("--seed", int),
        ("--ngram-max", int), ("--regularization", float), ("--negation-flip", float),
    ]:
        train.add_argument(flag, type=kind)
    train.add_argument("--lr-schedule", choices=LR_SCHEDULES,
                       help="constant, or cosine: the learning rate falls to 0 at the epoch cap (--epochs)")
    train.add_argument("--keep", choices=KEEP_CHOICES, help="which words of a review longer than --seq-len are read")
    train.add_argument("--word-input", choices=WORD_INPUTS,
                       help="cnn, multicnn and glove-tuned: words enter the convolution as vectors (an embedding, "
                            "Kim 2014) or one-hot (each word its own weights per filter and place, Johnson & Zhang "
                            "2015; glove-tuned's start as GloVe's vectors times the filters)")
    train.add_argument("--optimizer", choices=OPTIMIZERS, help="lazy-adam: Adam that moves only the table rows a batch read")
    train.add_argument("--negation", action="store_true",
                       help="mark negation: words after not/n't/no/never ... up to the end of the clause are read as NOT_word")
    train.add_argument("--kernel-sizes", type=lambda s: tuple(int(k) for k in s.split(",")), help="e.g. 3,4,5")
    train.add_argument("--glove", help="a glove.*.txt file instead of the packaged glove.6B.50d")
    train.add_argument("--folds", type=int, metavar="K",
                       help="K-fold cross-validation on your own --data: one model per fold (each fold tested once, the "
                            "same folds for every model with the same --split-seed), a table of mean ± std; nothing is saved")
    train.add_argument("--overwrite", action="store_true", help="replace a saved model of the same name")
    train.add_argument("--no-save", action="store_true")
    train.add_argument("--queue", action="store_true",
                       help="submit to the app's training queue (the same Dask workers, $SENTIMENT_SCHEDULER if set) and follow it")
    train.add_argument("--nickname", default="", help="with --queue: the name shown on the class leaderboard")

    evaluate = commands.add_parser("evaluate", help="test a saved model on IMDB's test set or your own data")
    evaluate.add_argument("name")
    evaluate.add_argument("--data", nargs="+", metavar="PATH")
    evaluate.add_argument("--subset", type=int, help="only this many test reviews (stratified, seeded)")

    predict = commands.add_parser("predict", help="class probabilities for sentences")
    predict.add_argument("name")
    predict.add_argument("texts", nargs="*", help="sentences (or use --file, or pipe lines on stdin)")
    predict.add_argument("--file", help="one text per line")
    predict.add_argument("--explain", nargs="?", const="occlusion", choices=["occlusion", "integrated-gradients", "exact"],
                         help="show each word's effect on the log-odds of positive (default method: occlusion)")

    check = commands.add_parser("check", help="behavioural tests: where do models fail (negation, contrast, typos ...)?")
    check.add_argument("names", nargs="+", metavar="NAME", help="saved models to test")
    check.add_argument("--suite", help="a suite saved from the Test page (default: the built-in suite)")
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.add_argument("--examples", type=int, default=3, help="failing cases shown per test (default 3)")

    commands.add_parser("list", help="the saved models")
    delete = commands.add_parser("delete", help="delete a saved model")
    delete.add_argument("name")
    commands.add_parser("download", help="download IMDB into the data directory")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data_dir:
        os.environ["SENTIMENT_DATA_DIR"] = args.data_dir
    try:
        return COMMANDS[args.command](args)
    except ValueError as err:  # DataError, ModelFileError and every user-fixable problem
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a folder that cannot be written, a disk that is full
        where = f" ({err.filename})" if err.filename else ""
        print(f"error: {err.strerror or err}{where}", file=sys.stderr)
        return 2


COMMANDS = {
    "train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "check": cmd_check,
    "list": cmd_list, "delete": cmd_delete, "download": cmd_download,
}
