"""The core benchmark of two git revisions, interleaved in one sitting: a same-run ratio.

    .venv/bin/python benchmarks/ab_core.py --before 78790c8 --after HEAD
    .venv/bin/python benchmarks/ab_core.py --before 78790c8 --after HEAD --rounds 5 \
        --jobseekers 10000 --out benchmarks/results/ab-core.json

Absolute rates on a shared VM drift by +-10% from one minute to the next, so "no more than
10% slower than before this change" can only be judged by running both versions in turn, on
the same machine, in the same minutes. This script does that:

- each revision is checked out into its own worktree (``build/ab/<commit>``) and, where that
  revision compiles its hot path (``scripts/compile_hot_path.py``), compiled there exactly as
  ``make`` compiles it; a revision from before the compiled hot path runs interpreted, as it
  did;
- each round runs both revisions, alternating which goes first, each in a fresh process with
  only its own worktree on the import path: its own generator builds its own stream
  (same jobseekers, same seed, same extra recipients), then its own ``run_core`` runs that
  stream once to warm up and once measured (events per CPU second of that process);
- it prints each round, the best of each revision and the median of the per-round ratios
  after/before, and writes them with the machine and both streams' shapes as JSON; besides
  events per CPU second it gives the ratio of CPU seconds for the same jobseekers' histories
  (both streams hold the same number of jobseekers, each with a whole history), which is
  the fairer figure when the two generators turn one history into different numbers of
  events.

The streams differ where the revisions' generators differ (that is the point: each version
is measured on the workload it produces); the JSON records each one's events, deliveries
and audit records per event so the difference in work is visible next to the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ab_revisions import commit_of, prepare, remove, revision_env

# Runs inside the revision's worktree: the bench lived in lovhub.bench before it became the
# lovhub_bench distribution; both expose build_workload and run_core with these signatures.
DRIVER = r"""
import json, sys
try:
    from lovhub_bench.core import run_core
    from lovhub_bench.workload import build_workload
except ImportError:
    from lovhub.bench.core import run_core
    from lovhub.bench.workload import build_workload
import lovhub
from lovhub.synthetic import pipeline_for

jobseekers, seed = int(sys.argv[1]), int(sys.argv[2])
workload = build_workload(
    streams={"throughput": jobseekers}, extra_providers=6, extra_third_parties=2, seed=seed
)
records = workload.stream("throughput").records


def pipeline():
    return pipeline_for(
        workload.world,
        audit_topic="ab.audit",
        dead_letter_topic="ab.dead-letter",
        recipient_topic=lambda recipient: "ab.recipient",
    )


run_core(pipeline(), records[: len(records) // 5])  # warm-up: caches, writers, keys
run = run_core(pipeline(), records)
print(json.dumps({
    "package": lovhub.__file__,
    "events": run.events,
    "cpu_seconds": run.cpu_seconds,
    "events_per_cpu_s": run.per_cpu_second,
    "deliveries_per_event": run.deliveries / run.events,
    "audits_per_event": run.audits / run.events,
}))
"""


def measure(tree: Path, jobseekers: int, seed: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(jobseekers), str(seed)],
        env=revision_env(tree),
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not str(result["package"]).startswith(str(tree)):
        raise SystemExit(f"measured {result['package']}, not the worktree {tree}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the revision to compare against")
    parser.add_argument("--after", default="HEAD", help="the revision measured (HEAD)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobseekers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--remove-worktrees", action="store_true", help="remove the worktrees made by this run"
    )
    args = parser.parse_args()
    created: list[Path] = []
    try:
        return compare(args, created)
    finally:
        if args.remove_worktrees:
            remove(created)


def compare(args: argparse.Namespace, created: list[Path]) -> int:
    before = prepare(args.before, created)
    same = commit_of(args.after) == before[0]
    after = before if same else prepare(args.after, created)
    rounds: list[dict[str, Any]] = []
    for number in range(args.rounds):
        order = [("before", before), ("after", after)]
        if number % 2:
            order.reverse()
        row: dict[str, Any] = {}
        for name, (_, tree, _) in order:
            row[name] = measure(tree, args.jobseekers, args.seed)
        row["ratio"] = row["after"]["events_per_cpu_s"] / row["before"]["events_per_cpu_s"]
        # The same jobseekers' histories, however many events each generator makes of them.
        row["histories_ratio"] = row["before"]["cpu_seconds"] / row["after"]["cpu_seconds"]
        rounds.append(row)
        print(
            f"round {number + 1}: before {row['before']['events_per_cpu_s']:,.0f}  "
            f"after {row['after']['events_per_cpu_s']:,.0f} events per CPU second  "
            f"ratio {row['ratio']:.3f} (same histories: {row['histories_ratio']:.3f})",
            flush=True,
        )
    best = {name: max(r[name]["events_per_cpu_s"] for r in rounds) for name in ("before", "after")}
    median = statistics.median(r["ratio"] for r in rounds)
    histories = statistics.median(r["histories_ratio"] for r in rounds)
    print(
        f"best: before {best['before']:,.0f}, after {best['after']:,.0f} "
        f"(ratio of bests {best['after'] / best['before']:.3f}); "
        f"median of round ratios {median:.3f}; "
        f"median ratio for the same jobseekers' histories {histories:.3f}"
    )
    for name, run in (("before", rounds[0]["before"]), ("after", rounds[0]["after"])):
        print(
            f"{name}: {run['events']:,} events, {run['deliveries_per_event']:.3f} deliveries "
            f"and {run['audits_per_event']:.3f} audit records per event"
        )
    if args.out:
        results = {
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {
                "platform": platform.platform(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
            },
            "config": {"jobseekers": args.jobseekers, "seed": args.seed, "rounds": args.rounds},
            "before": {"revision": args.before, "commit": before[0], "compiled": before[2]},
            "after": {"revision": args.after, "commit": after[0], "compiled": after[2]},
            "rounds": rounds,
            "best_events_per_cpu_s": best,
            "median_ratio": median,
            "median_histories_ratio": histories,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
