"""Each benchmark as one step: run it, turn its measurements into a :class:`BenchResult`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lovhub.crypto.state_keys import read_state_keys
from lovhub.settings import KafkaSettings
from lovhub.synthetic import World
from lovhub_bench.config import BenchConfig
from lovhub_bench.core import CoreRun, run_core, time_decode_only
from lovhub_bench.drain import DrainRun, drain_faust, drain_hub, drain_passthrough
from lovhub_bench.kafkaops import RunTopics, TopicBook, produce_records, worker_env
from lovhub_bench.latency import measure_latency
from lovhub_bench.latency_floor import FLOOR, HUB, compare_to_floor, floor_figures
from lovhub_bench.latency_services import running_latency_paths
from lovhub_bench.results import BenchResult
from lovhub_bench.scaleout import measure_workers
from lovhub_bench.state import restart_probe, synthetic_states
from lovhub_bench.workload import Workload

__all__ = ["Context", "event_references"]


@dataclass
class Context:
    """What the steps of one run share."""

    config: BenchConfig
    settings: KafkaSettings
    workload: Workload
    book: TopicBook
    run_id: str
    scratch: Path
    say: Callable[[str], None]
    oracle: CoreRun | None = None
    source: str | None = None  # the pre-filled throughput topic
    results: dict[str, BenchResult] = field(default_factory=dict)

    @property
    def stream(self) -> list[tuple[bytes | None, bytes]]:
        return self.workload.stream("throughput").records

    def expected_audits(self) -> int:
        """Audit decisions the throughput stream yields (the in-process pipeline's count)."""
        if self.oracle is None:
            topics = RunTopics(self.run_id, "oracle", "unused")
            self.oracle = run_core(topics.pipeline(self.workload.world), self.stream)
        return self.oracle.audits

    def throughput_source(self) -> str:
        if self.source is None:
            name = f"bench.{self.run_id}.agency"
            self.book.create([name], self.config.partitions)
            self.say(f"producing {len(self.stream):,} events to {name}")
            asyncio.run(produce_records(self.settings, name, self.stream))
            self.source = name
        return self.source

    def drain_timeout(self) -> float:
        return 120 + len(self.stream) / 300

    # -- the benchmarks --------------------------------------------------------------------

    def core(self, result: BenchResult) -> None:
        world, records = self.workload.world, self.stream
        topics = RunTopics(self.run_id, "core", "unused")
        full = self.oracle = run_core(topics.pipeline(world), records)
        clear = run_core(topics.pipeline(world, encryption=False), records)
        unchained = run_core(topics.pipeline(world), records, chain=False)
        decode = time_decode_only(topics.pipeline(world), records)
        us = 1e6 / len(records)
        result.figures.update(
            events_per_s=full.per_cpu_second,
            events_per_s_wall=full.per_wall_second,
            plaintext_events_per_s=clear.per_cpu_second,
            without_audit_chain_events_per_s=unchained.per_cpu_second,
            decode_only_events_per_s=decode.per_cpu_second,
            us_per_event=full.cpu_seconds * us,
            us_decode=decode.cpu_seconds * us,
            us_encryption=max(0.0, full.cpu_seconds - clear.cpu_seconds) * us,
            us_audit_chain=max(0.0, full.cpu_seconds - unchained.cpu_seconds) * us,
            audits_per_event=full.audits / len(records),
            deliveries_per_event=full.deliveries / len(records),
            vs_target_50k=full.per_cpu_second / 50_000,
        )
        result.details.update(events=len(records), outcomes=dict(full.outcomes))

    def _drain_figures(self, result: BenchResult, run: DrainRun) -> None:
        result.figures.update(events_per_s=run.per_second, seconds=run.seconds)
        result.details.update(events=run.events, records_out=run.produced, complete=run.complete)
        if not run.complete:
            result.details["note"] = "did not finish within its time limit"

    def e2e(self, result: BenchResult, *, encryption: bool = True) -> None:
        variant = "e2e" if encryption else "plaintext"
        topics = RunTopics(self.run_id, variant, self.throughput_source())
        self.book.create_outputs(topics, self.workload.world, self.config.partitions)
        self.book.groups.append(topics.group())
        pipeline = topics.pipeline(self.workload.world, encryption=encryption)
        run = asyncio.run(
            drain_hub(
                self.settings,
                pipeline,
                topics,
                len(self.stream),
                self.scratch / variant,
                timeout=self.drain_timeout(),
            )
        )
        self._drain_figures(result, run)
        result.figures["records_out_per_s"] = run.produced / run.seconds if run.seconds else 0.0
        self._ratios(result)

    def plaintext(self, result: BenchResult) -> None:
        self.e2e(result, encryption=False)

    def passthrough(self, result: BenchResult) -> None:
        topics = RunTopics(self.run_id, "passthrough", self.throughput_source())
        sink = f"{topics.prefix}.sink"
        self.book.create([sink], self.config.partitions)
        self.book.groups.append(topics.group())
        run = asyncio.run(
            drain_passthrough(
                self.settings,
                topics.source,
                sink,
                topics.group(),
                len(self.stream),
                timeout=self.drain_timeout(),
            )
        )
        self._drain_figures(result, run)
        self._ratios(result)

    def faust(self, result: BenchResult) -> None:
        topics = RunTopics(self.run_id, "faust", self.throughput_source())
        self.book.create_outputs(topics, self.workload.world, self.config.partitions)
        self.book.groups.append(topics.group())
        self.book.prefixes.append(topics.group())  # Faust's own changelog and leader topics
        run = drain_faust(
            self.settings,
            self.workload.world,
            topics,
            events=len(self.stream),
            expected_audits=self.expected_audits(),
            partitions=self.config.partitions,
            directory=self.scratch / "faust",
            budget=self.config.faust_budget_seconds,
        )
        self._drain_figures(result, run)
        result.details["events_estimated_from_audits"] = not run.complete
        self._ratios(result)

    def _ratios(self, result: BenchResult) -> None:
        """Every drain's ratios against whichever other drains already ran."""
        rates = {
            name: r.figures["events_per_s"]
            for name, r in self.results.items()
            if name in ("e2e", "plaintext", "passthrough", "faust") and "events_per_s" in r.figures
        }
        rates[result.name] = result.figures["events_per_s"]
        e2e, ceiling = rates.get("e2e"), rates.get("passthrough")
        plain, faust = rates.get("plaintext"), rates.get("faust")
        target = self.results.get("e2e")  # the suite files each result before its step runs
        if target is None or not e2e:
            return
        if ceiling:
            target.figures["vs_passthrough"] = e2e / ceiling
        if plain:
            target.figures["encryption_cost_share"] = max(0.0, 1 - e2e / plain)
        if faust:
            target.figures["vs_naive_faust"] = e2e / faust

    def latency(self, result: BenchResult) -> None:
        world, config = self.workload.world, self.config
        with running_latency_paths(
            self.settings,
            world,
            self.book,
            self.run_id,
            partitions=config.partitions,
            directory=self.scratch / "latency",
        ) as paths:
            phases, unmatched = asyncio.run(
                measure_latency(
                    self.settings,
                    self.workload.stream("latency"),
                    paths,
                    config.partitions,
                    config.latency_rates,
                    config.latency_seconds,
                    references_of=event_references(world),
                    progress=self.say,
                )
            )
        summaries = [phase.summary() for phase in phases]
        silent = [
            f"{s['path']} at {s['target_rate']:,}/s" for s in summaries if not s["deliveries"]
        ]
        if silent:
            raise RuntimeError(f"nothing came back: {', '.join(silent)}")
        rows = compare_to_floor(summaries)
        result.figures.update(floor_figures(rows))
        result.details.update(
            floor=FLOOR,
            rates=rows,
            phases=[s for s in summaries if s["path"] == HUB],
            unmatched=unmatched,
        )

    def state(self, result: BenchResult) -> None:
        world, config = self.workload.world, self.config
        topics = RunTopics(self.run_id, "state", "unused")
        self.book.create([topics.changelog, topics.audit], config.partitions)
        env = worker_env(self.settings, world, self.scratch / "state", config.partitions)
        sealer = read_state_keys(Path(env["LOVHUB_STATE_KEY_FILE"]))
        states = list(synthetic_states(world, config.state_jobseekers, config.seed, sealer))
        self.say(f"state: writing {len(states):,} jobseekers' state to the changelog")
        asyncio.run(produce_records(self.settings, topics.changelog, states))
        store = self.scratch / "state" / "store"
        args = (env, topics.changelog, topics.audit, config.partitions, store)
        self.say("state: cold restart (empty disk, full restore)")
        cold = restart_probe(*args)
        self.say("state: warm restart (same disk)")
        warm = restart_probe(*args)
        result.figures.update(
            jobseekers=len(states),
            worker_rss_mb=cold["peak_rss_mb"],
            rss_before_restore_mb=cold["rss_before_restore_mb"],
            restart_to_ready_s=cold["process_start_to_ready_s"],
            restore_s=cold["restore_s"],
            warm_restart_to_ready_s=warm["process_start_to_ready_s"],
            changelog_mb=sum(len(k) + len(v) for k, v in states) / 1e6,
        )
        result.details.update(cold=cold, warm=warm)

    def scaleout(self, result: BenchResult) -> None:
        runs = {}
        for count in (1, 2):
            self.say(f"scale-out: {count} worker process(es)")
            runs[count] = measure_workers(
                self.settings,
                self.workload.world,
                self.book,
                self.run_id,
                self.workload.stream("throughput"),
                count=count,
                partitions=self.config.partitions,
                expected_audits=self.expected_audits(),
                directory=self.scratch / "scaleout",
            )
        one, two = runs[1].per_second, runs[2].per_second
        result.figures.update(
            one_worker_events_per_s=one,
            two_workers_events_per_s=two,
            speedup=two / one if one else 0.0,
        )
        result.details.update(
            partitions=self.config.partitions,
            complete={str(n): r.complete for n, r in runs.items()},
        )


def event_references(world: World) -> Callable[[str], Sequence[str]]:
    """Every recipient's reference for an event id (what its deliveries' trace_id carries)."""
    pseudonymiser = world.pseudonymiser()
    ids = [r.id for r in (*world.recipients.providers(), *world.recipients.third_parties())]

    def references(event_id: str) -> Sequence[str]:
        return [pseudonymiser.event_reference(rid, event_id) for rid in ids]

    return references
