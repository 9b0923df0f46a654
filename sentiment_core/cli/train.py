"""``train``: one model here, on the app's queue (``--queue``), or one per fold (``--folds K``)."""

from __future__ import annotations

import contextlib
import signal
import sys
import time

from ..config import default_configs, seed_preset
from .common import download_bar, load_own_data, print_notes


def cmd_train(args) -> int:
    from ..data import imdb_splits, load_imdb, train_val_test_split
    from ..store import ModelStore, validate_name

    model_config, train_config = seed_preset(args.model) if args.seed_preset else default_configs(args.model)
    model_changes = {
        k: v for k, v in {
            "vocab_size": args.vocab_size, "seq_len": args.seq_len, "embedding_dim": args.embedding_dim,
            "filters": args.filters, "hidden_units": args.hidden_units, "dropout": args.dropout,
            "embedding_dropout": args.embedding_dropout, "kernel_sizes": args.kernel_sizes, "keep": args.keep,
            "ngram_max": args.ngram_max, "regularization": args.regularization, "negation": args.negation or None,
            "negation_flip": args.negation_flip, "word_input": args.word_input,
        }.items() if v is not None
    }
    train_changes = {
        k: v for k, v in {
            "epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.learning_rate,
            "early_stopping_patience": args.patience, "weight_averaging": args.weight_averaging, "seed": args.seed,
            "lr_schedule": args.lr_schedule, "optimizer": args.optimizer,
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
        own = load_own_data(args.data, args.text_column, args.label_column)
        print_notes(own)
        train_set, val_set, test_set = train_val_test_split(own, seed=seed)
        model_config, train_config = _fit_to_own_data(args, model_config, train_config, train_set, len(val_set))
    else:
        print("Loading IMDB ...", flush=True)
        imdb = load_imdb(progress=download_bar)
        train_set, val_set, test_set = imdb_splits(imdb, args.subset, args.test_subset, seed=seed)
    from ..quiet import import_keras_quietly

    import_keras_quietly()  # once the data is known to be usable: a bad file costs a message, nothing more
    from .. import runtime
    from ..paths import token_cache_dir
    from ..token_cache import TokenCache
    from ..training import train

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
    from ..glove import load_glove

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
    from ..crossval import cross_validate, fold_splits

    if not args.data:
        raise ValueError("--folds cross-validates your own --data (IMDB has its own test set: leave out --folds).")
    if args.queue or args.name or args.overwrite:
        raise ValueError("--folds trains one model per fold and saves none: leave out --queue, --name and --overwrite.")
    own = load_own_data(args.data, args.text_column, args.label_column)
    print_notes(own)
    fold_splits(own, args.folds, args.split_seed)  # a clear error before TensorFlow starts
    from ..quiet import import_keras_quietly

    import_keras_quietly()
    from .. import runtime

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
    from ..access import Who, new_owner_id
    from ..data import train_val_test_split
    from ..engine import get_engine
    from ..estimates import estimate
    from ..jobdata import save_splits
    from ..jobqueue import DataSpec
    from ..paths import data_dir

    root = str(store.root)
    if args.data:
        own = load_own_data(args.data, args.text_column, args.label_column)
        print_notes(own)
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


def _fit_to_own_data(args, model_config, train_config, train_set, validation_size):
    """Sequence length, vocabulary, epoch cap and patience from the user's data, unless given on the command line."""
    from ..fit_data import fit_to_texts

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
