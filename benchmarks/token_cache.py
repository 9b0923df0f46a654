"""Preparing IMDB for training: tokenizing every time against the token cache.

What ``train()`` and its test report do before the first batch: build the vocabulary from the
training reviews, encode the training and validation reviews, and encode the 25,000 test
reviews. Measured in one run, for the same vocabulary (nb-ngrams' defaults):

- "tokenize every time": ``Vocabulary.fit`` and ``Vocabulary.encode`` on the texts (how
  ``train()`` prepared data before the cache);
- "cache, first run": :class:`~sentiment_core.token_cache.TokenCache` with an empty folder
  (tokenizes, ranks and writes the three collections);
- "cache, second run": the same cache again (in memory, as in a worker that trained before);
- "cache, restarted": a new cache on the same folder (a worker after a restart reads the files).

Every path must give the same ids (checked). Printed: seconds per path and the ratio to the first.

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/token_cache.py --update-readme

Results: benchmarks/results/token_cache.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from behaviour import write_readme_section  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "token_cache.json"
BEGIN, END = "<!-- token_cache:begin -->", "<!-- token_cache:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", default="nb-ngrams")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()

    import numpy as np

    from sentiment_core.config import default_configs
    from sentiment_core.data import imdb_splits, load_imdb
    from sentiment_core.text import Vocabulary
    from sentiment_core.token_cache import TokenCache

    config, _ = default_configs(args.variant)
    collections = imdb_splits(load_imdb())
    print(f"IMDB: {' / '.join(f'{len(c):,}' for c in collections)} train / validation / test reviews; "
          f"vocabulary {config.vocab_size:,}", flush=True)

    def every_time():
        vocabulary = Vocabulary(config.vocab_size, negation=config.negation).fit(collections[0].texts)
        return [[vocabulary.encode(t) for t in c.texts] for c in collections]

    def cached(cache):
        train_tokens = cache.tokenized(collections[0].texts, config.negation)
        vocabulary = Vocabulary(config.vocab_size, negation=config.negation).fit_tokenized(train_tokens)
        return [cache.tokenized(c.texts, config.negation).sequences(vocabulary.index_) for c in collections]

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        cache = TokenCache(folder)
        paths = [("tokenize every time", every_time), ("cache, first run", lambda: cached(cache)),
                 ("cache, second run", lambda: cached(cache)),
                 ("cache, restarted", lambda: cached(TokenCache(folder)))]
        reference = None
        for name, prepare in paths:
            started = time.perf_counter()
            encoded = prepare()
            seconds = time.perf_counter() - started
            if reference is None:
                reference = encoded
            else:  # the same ids, text by text
                assert all(len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
                           for a, b in zip(reference, encoded)), f"{name} encodes differently"
            rows.append({"path": name, "seconds": seconds})
            print(f"{name:<22} {seconds:6.2f} s  ({rows[0]['seconds'] / seconds:5.1f}x)", flush=True)
        disk_mb = sum(f.stat().st_size for f in Path(folder).glob("*.npz")) / 1e6
    print(f"on disk: {disk_mb:.0f} MB for the three collections")
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{os.cpu_count()} CPU cores",
               "variant": args.variant, "vocab_size": config.vocab_size, "sizes": [len(c) for c in collections],
               "disk_mb": disk_mb, "rows": rows}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))
    if args.update_readme:
        write_readme_section(BEGIN, END, table(results))


def table(results: dict) -> str:
    base = results["rows"][0]["seconds"]
    lines = ["| preparing IMDB (vocabulary, then train / validation / test ids) | seconds | vs tokenizing every time |",
             "|---|---:|---:|"]
    lines += [f"| {r['path']} | {r['seconds']:.1f} | {base / r['seconds']:.1f}× |" for r in results["rows"]]
    sizes = " / ".join(f"{n:,}" for n in results["sizes"])
    lines += ["", f"{sizes} reviews, vocabulary {results['vocab_size']:,} (`{results['variant']}`'s default); the "
              f"cache's files take {results['disk_mb']:.0f} MB. Measured by `benchmarks/token_cache.py` on "
              f"{results['when']} ({results['machine']})."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
