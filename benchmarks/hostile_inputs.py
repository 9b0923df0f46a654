"""Before/after table for the hostile inputs of tests/hostile_cases.py.

Every case is built in a temporary folder and loaded in a fresh process, once with the code of an
older commit (checked out into a temporary worktree) and once with this checkout, in the same
run. Prints a Markdown table: what happened, seconds and peak memory, before and after.

    python benchmarks/hostile_inputs.py --before de65cdf          # the commit before the fixes
    python benchmarks/hostile_inputs.py --before de65cdf -k imdb  # only cases whose id contains "imdb"
    python benchmarks/hostile_inputs.py --readme-only             # README's table from the last results

A "before" run is killed after --timeout seconds (a hang) and capped at --memory-gb. Results go to
benchmarks/results/hostile_inputs.json; --update-readme also rewrites the table in README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import run_case  # noqa: E402
from tests.hostile_cases import CASES, make_resources  # noqa: E402


RESULTS = ROOT / "benchmarks" / "results" / "hostile_inputs.json"
BEGIN, END = "<!-- hostile_inputs:begin -->", "<!-- hostile_inputs:end -->"


def cell(outcome: dict) -> str:
    if outcome["timed_out"]:
        what = f"still running: killed after {outcome['seconds']:.0f} s ({outcome['peak_mb']:,.0f} MB by then)"
    else:
        text = f"loaded: {outcome['result']}" if outcome["ok"] else f"{outcome['type']}: {outcome['message']}"
        what = f"{text[:110]}{'...' if len(text) > 110 else ''} ({outcome['seconds']:.1f} s, {outcome['peak_mb']:,.0f} MB)"
    return what.replace("|", "/").replace("\n", " ")


def table(results: dict) -> str:
    lines = [f"| case | before ({results['before']}) | after |", "|---|---|---|"]
    lines += [f"| {row['what']} | {cell(row['before'])} | {cell(row['after'])} |" for row in results["cases"]]
    return "\n".join(lines)


def write_readme(results: dict) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"README.md has no {BEGIN} ... {END} markers")
    caption = (f"Measured by `benchmarks/hostile_inputs.py` on {results['date']}: each case built in a temporary folder and "
               "loaded in a fresh process (seconds and peak resident memory of that process).")
    head, rest = text.split(BEGIN, 1)
    readme.write_text(f"{head}{BEGIN}\n{table(results)}\n\n{caption}\n{END}{rest.split(END, 1)[1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help="a commit to compare with (e.g. the one before the fixes)")
    parser.add_argument("-k", default="", help="only cases whose id contains this")
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--memory-gb", type=float, default=12.0)
    parser.add_argument("--update-readme", action="store_true", help="rewrite README.md's table from the results")
    parser.add_argument("--readme-only", action="store_true", help="only rewrite README.md from the last results")
    args = parser.parse_args()
    if args.readme_only:
        write_readme(json.loads(RESULTS.read_text()))
        return 0
    if not args.before:
        parser.error("--before is needed to measure")

    cases = [case for case in CASES if args.k in case.id]
    rows = []
    with tempfile.TemporaryDirectory(prefix="hostile-") as scratch:
        scratch = Path(scratch)
        old = scratch / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.before], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            resources = make_resources(scratch / "resources")
            for case in cases:
                before = vars(run_case(case, scratch / case.id / "before", old, resources, args.timeout, args.memory_gb))
                after = vars(run_case(case, scratch / case.id / "after", ROOT, resources, args.timeout, args.memory_gb))
                rows.append({"id": case.id, "what": case.what, "before": before, "after": after})
                print(f"{case.id}: {cell(before)} -> {cell(after)}", file=sys.stderr, flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)

    results = {"before": args.before, "date": time.strftime("%Y-%m-%d"), "cases": rows}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    print(table(results))
    if args.update_readme:
        write_readme(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
