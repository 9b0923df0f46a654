"""The commands that use saved models: ``evaluate``, ``predict``, ``check``, ``list``, ``delete``, and ``download``."""

from __future__ import annotations

import sys

from .common import download_bar, load_own_data, print_notes, store_of


def cmd_evaluate(args) -> int:
    from ..data import load_imdb, stratified_subset

    predictor = store_of(args).load(args.name)
    from ..training import evaluate

    if args.data:
        data = load_own_data(args.data)
        print_notes(data)
    else:
        data = load_imdb(progress=download_bar).test
    if args.subset:
        data = stratified_subset(data, args.subset, 42)
    if tuple(data.class_names) != predictor.class_names:
        raise ValueError(f"The data's classes {data.class_names} differ from the model's {predictor.class_names}.")
    if predictor.model_config.is_linear:
        from ..metrics import evaluate_probabilities

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
        from ..data import read_texts

        from_file, notes = read_texts(args.file)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        texts += from_file
    if not texts and not sys.stdin.isatty():
        texts = [line for line in sys.stdin.read().split("\n") if line.strip()]
    if not texts:
        raise ValueError("Give a sentence to judge, e.g. predict NAME \"the movie was awesome. Loved it\".")
    predictor = store_of(args).load(args.name)
    for result in predictor.predict(texts):
        probs = "  ".join(f"{c} {p:.3f}" for c, p in result.probabilities.items())
        print(f"{result.label:>10} {result.confidence:.3f} | {probs} | {result.text[:80]}")
        if result.note:
            print(f"{'':>10} note: {result.note}")
        if args.explain:
            from ..explanations import explain

            explanation = explain(predictor, result.text, method=args.explain)
            print(f"{'':>10} log-odds of {explanation['target']} {explanation['margin']:+.2f} ({explanation['method']}): "
                  + " ".join(f"{w['token']}({w['weight']:+.2f})" for w in explanation["words"]))
    return 0


def cmd_check(args) -> int:
    import json
    from pathlib import Path

    from ..checks import builtin_suite, load_suite, run_suite

    if args.suite:
        try:
            suite = load_suite(Path(args.suite).read_bytes())
        except FileNotFoundError:
            raise ValueError(f"No suite file at {args.suite}: save one from the Test page.") from None
    else:
        suite = builtin_suite()
    store = store_of(args)
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
    from ..checks import summary_rows

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
    store = store_of(args)
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
    store_of(args).delete(args.name)
    print(f"deleted {args.name!r}")
    return 0


def cmd_download(args) -> int:
    from ..data import download_imdb, find_imdb

    found = find_imdb()
    if found:
        print(f"IMDB is already at {found}")
        return 0
    print(f"saved to {download_imdb(progress=download_bar)}")
    return 0
