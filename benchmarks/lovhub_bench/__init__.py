"""The benchmark suite behind ``lovhub bench`` (see benchmarks/README.md).

- :mod:`~lovhub_bench.config`: sizes of a run (quick, full, tiny for the smoke test);
- :mod:`~lovhub_bench.workload`: the synthetic world and pre-encoded event streams;
- one module per benchmark: :mod:`~lovhub_bench.core`, :mod:`~lovhub_bench.drain`
  (end-to-end and its baselines), :mod:`~lovhub_bench.latency`, :mod:`~lovhub_bench.state`,
  :mod:`~lovhub_bench.scaleout`;
- :mod:`~lovhub_bench.results` (results, targets, machine), :mod:`~lovhub_bench.report`
  (table, JSON) and :mod:`~lovhub_bench.chart` (PNG);
- :mod:`~lovhub_bench.suite`: runs the selected benchmarks in order;
- :mod:`~lovhub_bench.soak` (``--soak MINUTES``): one worker at a steady rate over time, with
  its stream (``soak_stream``), loop (``soak_loop``), probes (``soak_probes``), arithmetic
  (``soak_stats``), verdicts (``soak_verdicts``), printout (``soak_report``) and chart
  (``soak_chart``).

Nothing here is imported by the hub's production paths.
"""
