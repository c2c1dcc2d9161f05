"""The benchmark suite behind ``lovhub bench`` (see benchmarks/README.md).

- :mod:`~lovhub.bench.config`: sizes of a run (quick, full, tiny for the smoke test);
- :mod:`~lovhub.bench.workload`: the synthetic world and pre-encoded event streams;
- one module per benchmark: :mod:`~lovhub.bench.core`, :mod:`~lovhub.bench.drain`
  (end-to-end and its baselines), :mod:`~lovhub.bench.latency`, :mod:`~lovhub.bench.state`,
  :mod:`~lovhub.bench.scaleout`;
- :mod:`~lovhub.bench.results` (results, targets, machine), :mod:`~lovhub.bench.report`
  (table, JSON) and :mod:`~lovhub.bench.chart` (PNG);
- :mod:`~lovhub.bench.suite`: runs the selected benchmarks in order.

Nothing here is imported by the hub's production paths.
"""
