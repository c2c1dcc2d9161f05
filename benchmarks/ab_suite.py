"""`lovhub bench` of two git revisions, interleaved on one broker: same-run figures of the
suite's benchmarks before and after a change (for example what fencing costs end to end).

    .venv/bin/python benchmarks/ab_suite.py --before c5cecd8 --after 145fee5 --rounds 3 \
        --figure e2e.events_per_s --figure latency.p99_ms_at_2000 -- --quick --only e2e \
        --only latency

Each revision is checked out and built as ``ab_core.py`` does (``ab_revisions``); each
round runs that revision's own ``lovhub bench`` (its package and its bench distribution on
the import path, nothing of this checkout's) with the arguments after ``--``, on the broker
the environment names (``lovhub dev up``'s by default, as for ``lovhub bench``), both
revisions in turn, alternating which goes first. It prints the chosen figures of every
round (``benchmark.figure`` paths into the suite's JSON), their medians and the ratio of
medians after/before, and writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ab_revisions import commit_of, prepare, remove, revision_env

# The revision's own CLI, whatever console script this checkout's environment installed.
CLI = "from lovhub.cli.main import run; run()"


def run_suite(tree: Path, bench_args: list[str], out: Path, name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CLI, "bench", "--out", str(out), "--name", name, *bench_args],
        env=revision_env(tree),
        cwd=tree,
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        raise SystemExit(f"lovhub bench failed in {tree} (exit {done.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads((out / f"{name}.json").read_text())
    return result


def figure(result: dict[str, Any], path: str) -> float | None:
    benchmark, _, name = path.partition(".")
    value = result.get("benchmarks", {}).get(benchmark, {}).get("figures", {}).get(name)
    return float(value) if isinstance(value, int | float) else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--figure", action="append", required=True, help="benchmark.figure (repeatable)"
    )
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--remove-worktrees", action="store_true")
    parser.add_argument("bench_args", nargs=argparse.REMAINDER, help="-- then lovhub bench args")
    args = parser.parse_args()
    bench_args = [a for a in args.bench_args if a != "--"]
    created: list[Path] = []
    try:
        before = prepare(args.before, created)
        after = before if commit_of(args.after) == before[0] else prepare(args.after, created)
        rows: list[dict[str, Any]] = []
        with tempfile.TemporaryDirectory() as scratch:
            for number in range(args.rounds):
                order = [("before", before), ("after", after)]
                if number % 2:
                    order.reverse()
                row: dict[str, Any] = {}
                for side, (commit, tree, _) in order:
                    result = run_suite(
                        tree, bench_args, Path(scratch), f"ab-{number}-{side}-{commit[:8]}"
                    )
                    row[side] = {path: figure(result, path) for path in args.figure}
                rows.append(row)
                shown = "  ".join(
                    f"{path}: {row['before'][path]} -> {row['after'][path]}" for path in args.figure
                )
                print(f"round {number + 1}: {shown}", flush=True)
    finally:
        if args.remove_worktrees:
            remove(created)
    medians: dict[str, dict[str, float | None]] = {}
    for path in args.figure:
        sides: dict[str, float | None] = {}
        for side in ("before", "after"):
            values = [r[side][path] for r in rows if r[side][path] is not None]
            sides[side] = statistics.median(values) if values else None
        b, a = sides["before"], sides["after"]
        sides["ratio"] = a / b if a is not None and b else None
        medians[path] = sides
        print(f"{path}: median before {b}, after {a}, after/before {sides['ratio']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "before": {"revision": args.before, "commit": before[0]},
                    "after": {"revision": args.after, "commit": after[0]},
                    "bench_args": bench_args,
                    "rounds": rows,
                    "medians": medians,
                },
                indent=2,
            )
            + "\n"
        )
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
