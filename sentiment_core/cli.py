"""``python -m sentiment_core train|evaluate|predict|check|list|delete|download``."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time

from .config import LR_SCHEDULES, VARIANTS, default_configs, seed_preset
from .text import KEEP_CHOICES


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


def _fit_to_own_data(args, model_config, train_config, train_set, validation_size):
    """Sequence length, vocabulary, epoch cap and patience from the user's data, unless given on the command line."""
    from .fit_data import fit_to_texts

    fit = fit_to_texts(train_set.texts, model_config, train_config=train_config, validation_size=validation_size)
    given = {"seq_len": args.seq_len, "vocab_size": args.vocab_size}
    changes = {k: getattr(fit.model_config, k) for k, v in given.items() if v is None}
    given_training = {"epochs": args.epochs, "early_stopping_patience": args.patience}
    training_changes = {k: getattr(fit.train_config, k) for k, v in given_training.items() if v is None}
    for note in fit.notes:
        print(f"fitted to the data: {note}")
    if any(v is not None for v in {**given, **given_training}.values()):
        print("  (--seq-len / --vocab-size / --epochs / --patience given on the command line are kept)")
    return model_config.replace(**changes), train_config.replace(**training_changes)


def _store(args):
    from .store import ModelStore

    return ModelStore(args.models_dir)


def _load_own_data(paths: list[str], text_column=None, label_column=None):
    from .data import load_line_files, load_table, load_user_data

    if len(paths) > 1:
        return load_line_files(paths)
    if text_column or label_column:
        return load_table(paths[0], text_column=text_column, label_column=label_column)
    return load_user_data(paths[0])


def _print_notes(dataset) -> None:
    for note in dataset.notes:
        print(f"note: {note}")


def cmd_train(args) -> int:
    from .data import imdb_splits, load_imdb, train_val_test_split
    from .store import ModelStore, validate_name

    model_config, train_config = seed_preset(args.model) if args.seed_preset else default_configs(args.model)
    model_changes = {
        k: v for k, v in {
            "vocab_size": args.vocab_size, "seq_len": args.seq_len, "embedding_dim": args.embedding_dim,
            "filters": args.filters, "hidden_units": args.hidden_units, "dropout": args.dropout,
            "embedding_dropout": args.embedding_dropout, "kernel_sizes": args.kernel_sizes, "keep": args.keep,
            "ngram_max": args.ngram_max, "regularization": args.regularization, "negation": args.negation or None,
            "negation_flip": args.negation_flip,
        }.items() if v is not None
    }
    train_changes = {
        k: v for k, v in {
            "epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.learning_rate,
            "early_stopping_patience": args.patience, "weight_averaging": args.weight_averaging, "seed": args.seed,
            "lr_schedule": args.lr_schedule,
        }.items() if v is not None
    }
    model_config, train_config = model_config.replace(**model_changes), train_config.replace(**train_changes)
    if args.folds is not None:
        return _cross_validate(args, model_config, train_config)
    name = args.name if args.name is not None else f"{args.model}-{time.strftime('%Y%m%d-%H%M%S')}"
    store = ModelStore(args.models_dir)
    if not args.no_save:
        validate_name(name)
        if store.exists(name) and not args.overwrite:
            raise ValueError(f"A model named {name!r} already exists: pass --overwrite or choose another --name.")

    if args.queue:
        if args.no_save or args.overwrite or args.glove:
            raise ValueError("--queue saves a new model with the packaged GloVe: leave out --no-save, --overwrite and --glove.")
        return _submit_and_follow(args, store, name, model_config, train_config)

    seed = args.split_seed
    if args.data:
        own = _load_own_data(args.data, args.text_column, args.label_column)
        _print_notes(own)
        train_set, val_set, test_set = train_val_test_split(own, seed=seed)
        model_config, train_config = _fit_to_own_data(args, model_config, train_config, train_set, len(val_set))
    else:
        print("Loading IMDB ...", flush=True)
        imdb = load_imdb(progress=_download_bar)
        train_set, val_set, test_set = imdb_splits(imdb, args.subset, args.test_subset, seed=seed)
    from .quiet import import_keras_quietly

    import_keras_quietly()  # once the data is known to be usable: a bad file costs a message, nothing more
    from . import runtime
    from .paths import token_cache_dir
    from .token_cache import TokenCache
    from .training import train

    glove, model_config = _given_glove(args, model_config)

    print(f"Training {model_config.variant} on {runtime.describe_device()}")
    print(f"  data: {len(train_set):,} train / {len(val_set):,} validation / {len(test_set):,} test ({train_set.source})")
    print(f"  model: {model_config}\n  training: {train_config}")

    with _ctrl_c_stops("keeps the best epoch") as should_stop:
        trained = train(
            train_set, val_set, test_set, model_config, train_config, glove=glove,
            progress=_print_progress, should_stop=should_stop, tokens=TokenCache(token_cache_dir(store.root)),
        )
    m = trained.metrics
    noun = "texts" if args.data else "reviews"
    if m["val_accuracy"] is not None:
        print(f"validation accuracy: {m['val_accuracy']:.4f} (best epoch {m['best_epoch']} of {m['epochs_run']})")
    print(f"test accuracy: {m['test_accuracy']:.4f} on {m['test_size']:,} {noun} (loss {m['test_loss']:.4f})")
    if m["glove_coverage"]:
        c = m["glove_coverage"]
        print(f"GloVe knows {c['found']:,} of the {c['words']:,} vocabulary words ({c['fraction']:.1%})")
    print(f"{m['reviews_per_s']:.0f} {noun}/s, {m['train_seconds']:.1f} s in all")
    if not args.no_save:
        path = store.save(name, trained, overwrite=args.overwrite)
        print(f"saved as {name!r} in {path}")
    return 0


def _given_glove(args, model_config):
    """``(vectors, config)``: the --glove file's vectors and the embedding size they set, or (None, config)."""
    if not (model_config.uses_glove and args.glove):
        return None, model_config
    from .glove import load_glove

    glove = load_glove(args.glove)
    return glove, model_config.replace(embedding_dim=glove.dim)


@contextlib.contextmanager
def _ctrl_c_stops(what_happens: str):
    """While inside: the first Ctrl-C asks to stop after the current batch (the yielded function
    says whether it was pressed), a second one aborts."""
    stop = {"requested": False}

    def on_interrupt(signum, frame):
        if stop["requested"]:
            raise KeyboardInterrupt
        stop["requested"] = True
        print(f"\nStopping after this batch ({what_happens}); Ctrl-C again to abort.", flush=True)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield lambda: stop["requested"]
    finally:
        signal.signal(signal.SIGINT, previous)


def _cross_validate(args, model_config, train_config) -> int:
    """``train --folds K``: one model per fold of the user's data, a table, nothing saved."""
    from .crossval import cross_validate, fold_splits

    if not args.data:
        raise ValueError("--folds cross-validates your own --data (IMDB has its own test set: leave out --folds).")
    if args.queue or args.name or args.overwrite:
        raise ValueError("--folds trains one model per fold and saves none: leave out --queue, --name and --overwrite.")
    own = _load_own_data(args.data, args.text_column, args.label_column)
    _print_notes(own)
    fold_splits(own, args.folds, args.split_seed)  # a clear error before TensorFlow starts
    from .quiet import import_keras_quietly

    import_keras_quietly()
    from . import runtime

    glove, model_config = _given_glove(args, model_config)
    # Fit per fold only what the command line left open.
    given = {"seq_len": args.seq_len, "vocab_size": args.vocab_size, "epochs": args.epochs,
             "early_stopping_patience": args.patience}
    print(f"{args.folds}-fold cross-validation of {model_config.variant} on {runtime.describe_device()}: {len(own):,} texts "
          f"({own.source}), split seed {args.split_seed}")
    if any(v is not None for v in given.values()):
        print("  (--seq-len / --vocab-size / --epochs / --patience given on the command line are kept in every fold)")
    with _ctrl_c_stops("the folds done so far are reported") as should_stop:
        result = cross_validate(
            own, model_config, train_config, args.folds, args.split_seed, glove=glove,
            keep=[k for k, v in given.items() if v is not None], on_fold=lambda fold, folds, message: print(message, flush=True),
            should_stop=should_stop,
        )
    print(result.table())
    if len(result.folds) < args.folds:
        print(f"(stopped: {len(result.folds)} of {args.folds} folds)")
    return 0


def _submit_and_follow(args, store, name, model_config, train_config) -> int:
    """Put the job on the queue in the models folder and print its progress until it ends."""
    from .access import Who, new_owner_id
    from .data import train_val_test_split
    from .engine import get_engine
    from .estimates import estimate
    from .jobdata import save_splits
    from .jobqueue import DataSpec
    from .paths import data_dir

    root = str(store.root)
    if args.data:
        own = _load_own_data(args.data, args.text_column, args.label_column)
        _print_notes(own)
        splits = train_val_test_split(own, seed=args.split_seed)
        model_config, train_config = _fit_to_own_data(args, model_config, train_config, splits[0], len(splits[1]))
        sizes = tuple(len(part) for part in splits)
        data = DataSpec("file", f"{own.source} ({len(own):,} texts)", path=save_splits(root, splits), sizes=sizes)
    else:
        n_train, n_test = args.subset or 25_000, args.test_subset or 25_000
        sizes = (n_train - n_train // 10, n_train // 10, n_test)
        data = DataSpec("imdb", f"IMDB {n_train:,} train / {n_test:,} test", data_dir=str(data_dir()), train_size=args.subset,
                        test_size=args.test_subset, seed=args.split_seed, sizes=sizes)
    plan = estimate(model_config, train_config, *sizes)
    engine = get_engine()
    job = engine.submit(root, Who(new_owner_id(), args.nickname), name, model_config, train_config, data,
                        plan.to_dict())
    print(f"queued {name!r} (job {job.id}), number {job.position} in the queue", flush=True)
    last = ""
    try:
        while job.active:
            time.sleep(1.0)
            job = engine.queue(root).get(job.id)
            line = f"number {job.position} in the queue" if job.waiting else f"{job.fraction:.0%} {job.message}"
            if line != last:
                print(line, flush=True)
                last = line
    except KeyboardInterrupt:
        engine.queue(root).request_stop(job.id, Who(job.owner))
        print("\nAsked the job to stop after this batch (it keeps the best epoch).", flush=True)
        job = engine.wait_for(root, job.id, 600)
    print(job.message)
    engine.close()
    return 0 if job.state in ("done", "stopped") else 1


def _print_progress(event) -> None:
    if event.stage == "batch":
        width = 30
        filled = int(width * event.batch / max(event.batches, 1))
        eta = f", {event.eta_s:.0f} s left" if event.eta_s is not None else ""
        logs = f"loss {event.logs.get('loss', 0):.4f} acc {event.logs.get('accuracy', 0):.4f}"
        end = "\n" if not sys.stdout.isatty() and event.batch == event.batches else ""
        if sys.stdout.isatty() or event.batch == event.batches:
            print(
                f"\repoch {event.epoch}/{event.epochs} [{'=' * filled}{' ' * (width - filled)}] "
                f"{event.batch}/{event.batches} {logs} {event.samples_per_s:.0f} texts/s{eta}",
                end=end, flush=True,
            )
    elif event.stage == "epoch":
        print(f"\n{event.message} (val loss {event.logs['val_loss']:.4f})", flush=True)


def _download_bar(done: int, total: int) -> None:
    if total:
        print(f"\rdownloading IMDB: {done / 1e6:.1f} / {total / 1e6:.1f} MB", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)


def cmd_evaluate(args) -> int:
    from .data import load_imdb, stratified_subset

    predictor = _store(args).load(args.name)
    from .training import evaluate

    if args.data:
        data = _load_own_data(args.data)
        _print_notes(data)
    else:
        data = load_imdb(progress=_download_bar).test
    if args.subset:
        data = stratified_subset(data, args.subset, 42)
    if tuple(data.class_names) != predictor.class_names:
        raise ValueError(f"The data's classes {data.class_names} differ from the model's {predictor.class_names}.")
    if predictor.model_config.is_linear:
        from .metrics import evaluate_probabilities

        m = evaluate_probabilities(predictor.model.predict_proba(data.texts), data)
    else:
        m = evaluate(predictor.model, predictor.vocabulary, predictor.model_config, data)
    print(f"{args.name}: accuracy {m['test_accuracy']:.4f}, loss {m['test_loss']:.4f} on {m['test_size']:,} texts ({data.source})")
    print("confusion matrix (rows: true, columns: predicted):")
    for name, row in zip(data.class_names, m["confusion_matrix"]):
        print(f"  {name:>12}: {row}")
    for name, scores in m["per_class"].items():
        print(f"  {name:>12}: precision {scores['precision']:.3f} recall {scores['recall']:.3f} f1 {scores['f1-score']:.3f}")
    return 0


def cmd_predict(args) -> int:
    texts = list(args.texts)
    if args.file:
        from .data import read_texts

        from_file, notes = read_texts(args.file)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        texts += from_file
    if not texts and not sys.stdin.isatty():
        texts = [line for line in sys.stdin.read().split("\n") if line.strip()]
    if not texts:
        raise ValueError("Give a sentence to judge, e.g. predict NAME \"the movie was awesome. Loved it\".")
    predictor = _store(args).load(args.name)
    for result in predictor.predict(texts):
        probs = "  ".join(f"{c} {p:.3f}" for c, p in result.probabilities.items())
        print(f"{result.label:>10} {result.confidence:.3f} | {probs} | {result.text[:80]}")
        if result.note:
            print(f"{'':>10} note: {result.note}")
        if args.explain:
            from .explanations import explain

            explanation = explain(predictor, result.text, method=args.explain)
            print(f"{'':>10} log-odds of {explanation['target']} {explanation['margin']:+.2f} ({explanation['method']}): "
                  + " ".join(f"{w['token']}({w['weight']:+.2f})" for w in explanation["words"]))
    return 0


def cmd_check(args) -> int:
    import json
    from pathlib import Path

    from .checks import builtin_suite, load_suite, run_suite

    if args.suite:
        try:
            suite = load_suite(Path(args.suite).read_bytes())
        except FileNotFoundError:
            raise ValueError(f"No suite file at {args.suite}: save one from the Test page.") from None
    else:
        suite = builtin_suite()
    store = _store(args)
    models = [store.load(name) for name in dict.fromkeys(args.names)]

    def progress(done: int, total: int, message: str) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{message} ({100 * done // max(total, 1)} %)   ", end="", file=sys.stderr, flush=True)

    reports = run_suite(suite, models, progress=progress)
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    if args.json:
        out = [r.to_dict(args.examples) for r in reports]
        print(json.dumps(out[0] if len(out) == 1 else out, indent=1))
        return 0
    print(_check_table(suite, reports, args.examples))
    return 0


def _check_table(suite, reports, examples: int) -> str:
    from .checks import summary_rows

    rows = summary_rows(reports)
    width = max(len(r["test"]) for r in rows)
    names = [r.model for r in reports]
    lines = [f"{suite.name}: {len(rows)} tests, {sum(r['cases'] for r in rows):,} cases; failure rate (%) per model", "",
             f"{'capability / test':<{width + 2}} {'type':<4} {'cases':>5}  " + "  ".join(f"{n[:14]:>14}" for n in names)]
    capability = None
    for row in rows:
        if row["capability"] != capability:
            capability = row["capability"]
            lines.append(capability)
        rates = "  ".join(f"{'n/a' if row.get(n) is None else format(row[n], '.1f'):>14}" for n in names)
        lines.append(f"  {row['test']:<{width}} {row['type']:<4} {row['cases']:>5}  {rates}")
    for report in reports:
        if report.error:
            lines.append(f"\n{report.model}: {report.error}")
            continue
        lines.append(f"\n{report.model}: failing cases ({report.seconds:.1f} s)")
        for result in report.results:
            for example in result.examples(examples):
                change = f" -> {example['changed']!r}" if example["changed"] else ""
                after = "" if example["after"] is None else f" -> {example['after']:.2f}"
                lines.append(f"  [{result.test}] {example['text']!r}{change}: {example['label']} "
                             f"(p {example['before']:.2f}{after})")
    return "\n".join(lines)


def cmd_list(args) -> int:
    store = _store(args)
    models, unreadable = store.scan()
    if not models and not unreadable:
        print(f"No saved models in {store.root}. Train one: python -m sentiment_core train --model multicnn")
        return 0
    print(f"{'name':<32} {'variant':<13} {'test acc':>8}  {'data':<30} saved")
    for info in models:
        acc = f"{info.test_accuracy:.4f}" if info.test_accuracy is not None else "-"
        print(f"{info.name:<32} {info.variant:<13} {acc:>8}  {info.data_source[:30]:<30} {info.saved_at}")
    for broken in unreadable:
        print(f"{broken.name:<32} unreadable: {broken.reason}")
    return 0


def cmd_delete(args) -> int:
    _store(args).delete(args.name)
    print(f"deleted {args.name!r}")
    return 0


def cmd_download(args) -> int:
    from .data import download_imdb, find_imdb

    found = find_imdb()
    if found:
        print(f"IMDB is already at {found}")
        return 0
    print(f"saved to {download_imdb(progress=_download_bar)}")
    return 0


COMMANDS = {
    "train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "check": cmd_check,
    "list": cmd_list, "delete": cmd_delete, "download": cmd_download,
}
