"""TensorFlow's threads per operation for a training job, alone and beside a busy room.

Why the app's training worker runs each operation on one thread on a 2-core machine
(``engine.training_op_threads``). The same job is trained by the CLI (``python -m sentiment_core
train``, outside the app, at the training worker's nice 10) with ``TF_NUM_INTRAOP_THREADS`` 2
(TensorFlow's default here: every core) and 1, each alone and beside a synthetic room: a process
at nice 0 that computes in bursts of 15-40 ms every 40-120 ms (about a quarter of a core, what
pages and predictions take from the job while students type). Rounds alternate the settings,
so a slow spell of the machine falls on all of them. Printed: each run's seconds and the median
per setting.

    SENTIMENT_DATA_DIR=../shared/data python benchmarks/training_threads.py --update-readme

Results: benchmarks/results/training_threads.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from behaviour import write_readme_section  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "training_threads.json"
BEGIN, END = "<!-- training_threads:begin -->", "<!-- training_threads:end -->"

# The synthetic room: bursts of memory-touching arithmetic (a 4 MB array) at nice 0, bounded in time.
ROOM = """
import random, sys, time
import numpy as np
random.seed(0)
a = np.random.rand(1000, 1000).astype("float32")
end = time.time() + float(sys.argv[1])
while time.time() < end:
    started = time.time()
    while time.time() - started < random.uniform(0.015, 0.04):
        a = np.sqrt(a * 1.0001 + 0.5)
    time.sleep(random.uniform(0.04, 0.12))
"""


def train_seconds(word_input: str, threads: int, room: bool, subset: int, epochs: int) -> float:
    env = {**os.environ, "TF_NUM_INTRAOP_THREADS": str(threads)}
    busy = subprocess.Popen([sys.executable, "-c", ROOM, "600"]) if room else None
    try:
        done = subprocess.run(
            ["nice", "-n", "10", sys.executable, "-m", "sentiment_core", "train", "--model", "multicnn",
             "--word-input", word_input, "--subset", str(subset), "--test-subset", "200", "--epochs", str(epochs),
             "--patience", str(epochs), "--no-save"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    found = re.search(r"([\d.]+) s in all", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"training failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return float(found.group(1))


def table(results: dict) -> str:
    lines = ["| words enter as | threads per operation | alone (s) | beside the room (s) | beside / alone |",
             "|---|---:|---|---|---:|"]
    for word_input in results["word_inputs"]:
        for threads in (2, 1):
            runs = results["runs"][f"{word_input}/{threads}"]
            alone, room = statistics.median(runs["alone"]), statistics.median(runs["room"])
            lines.append(f"| {word_input} | {threads} | {alone:.1f} ({', '.join(f'{s:.1f}' for s in runs['alone'])}) | "
                         f"{room:.1f} ({', '.join(f'{s:.1f}' for s in runs['room'])}) | {room / alone:.2f} |")
    lines.append("")
    lines.append(f"multicnn, {results['epochs']} epochs on {results['subset'] * 9 // 10:,} IMDB reviews, the CLI at nice 10; "
                 f"medians of {results['rounds']} rounds (each run in brackets). Measured by "
                 f"`benchmarks/training_threads.py` on {results['when']} ({results['machine']}).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--subset", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--word-inputs", default="one-hot,vectors")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()

    word_inputs = args.word_inputs.split(",")
    runs = {f"{w}/{t}": {"alone": [], "room": []} for w in word_inputs for t in (2, 1)}
    for round_ in range(args.rounds):
        for word_input in word_inputs:
            for threads in (2, 1):
                for room in (False, True):
                    seconds = train_seconds(word_input, threads, room, args.subset, args.epochs)
                    runs[f"{word_input}/{threads}"]["room" if room else "alone"].append(seconds)
                    print(f"round {round_ + 1}: {word_input}, {threads} thread(s), {'beside the room' if room else 'alone'}: "
                          f"{seconds:.1f} s", flush=True)
    results = {"runs": runs, "word_inputs": word_inputs, "rounds": args.rounds, "subset": args.subset,
               "epochs": args.epochs, "when": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{os.cpu_count()} CPU cores"}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    text = table(results)
    print(text)
    if args.update_readme:
        write_readme_section(BEGIN, END, text)


if __name__ == "__main__":
    main()
