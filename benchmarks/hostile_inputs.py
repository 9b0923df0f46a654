"""Before/after table for the hostile inputs of tests/hostile_cases.py.

Every case is built in a temporary folder and loaded in a fresh process, once with the code of an
older commit (checked out into a temporary worktree) and once with this checkout, in the same
run. Prints a Markdown table: what happened, seconds and peak memory, before and after.

    python benchmarks/hostile_inputs.py --before de65cdf          # the commit before the fixes
    python benchmarks/hostile_inputs.py --before de65cdf -k imdb  # only cases whose id contains "imdb"

A "before" run is killed after --timeout seconds (a hang) and capped at --memory-gb.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import run_case  # noqa: E402
from tests.hostile_cases import CASES, make_resources  # noqa: E402


def cell(outcome) -> str:
    what = outcome.summary().replace("|", "/").replace("\n", " ")
    if outcome.timed_out:
        return f"{what} ({outcome.peak_mb:,.0f} MB by then)"
    return f"{what} ({outcome.seconds:.1f} s, {outcome.peak_mb:,.0f} MB)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="a commit to compare with (e.g. the one before the fixes)")
    parser.add_argument("-k", default="", help="only cases whose id contains this")
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--memory-gb", type=float, default=12.0)
    parser.add_argument("--json", help="also write the outcomes to this file")
    args = parser.parse_args()

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
                before = run_case(case, scratch / case.id / "before", old, resources, args.timeout, args.memory_gb)
                after = run_case(case, scratch / case.id / "after", ROOT, resources, args.timeout, args.memory_gb)
                rows.append((case, before, after))
                print(f"{case.id}: {cell(before)} -> {cell(after)}", file=sys.stderr, flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)

    print(f"| case | before ({args.before}) | after |")
    print("|---|---|---|")
    for case, before, after in rows:
        print(f"| {case.what} | {cell(before)} | {cell(after)} |")
    if args.json:
        Path(args.json).write_text(json.dumps(
            [{"id": c.id, "what": c.what, "before": vars(b), "after": vars(a)} for c, b, a in rows], indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
