"""The benchmark suite behind ``lovhub bench`` (see benchmarks/README.md).

- :mod:`~lovhub_bench.config`: sizes of a run (quick, full, tiny for the smoke test);
- :mod:`~lovhub_bench.workload`: the synthetic world and pre-encoded event streams;
- one module per benchmark: :mod:`~lovhub_bench.core`, :mod:`~lovhub_bench.drain`
  (end-to-end and its baselines), :mod:`~lovhub_bench.latency`, :mod:`~lovhub_bench.state`,
  :mod:`~lovhub_bench.scaleout`;
- :mod:`~lovhub_bench.results` (results, targets, machine), :mod:`~lovhub_bench.report`
  (table, JSON) and :mod:`~lovhub_bench.chart` (PNG);
- :mod:`~lovhub_bench.suite`: runs the selected benchmarks in order.

Nothing here is imported by the hub's production paths.
"""
