"""The garbage collector tuned for a stream processor: a long-lived heap, short-lived garbage.

A hub process builds its long-lived objects at start (policy, recipients, schemas, keys,
compiled writers) and then makes millions of short-lived dicts and records per minute, almost
none of them in reference cycles. CPython's defaults (a young collection every 700 net
allocations, each older generation every 10 younger ones) make the collector walk that
long-lived heap over and over: about 3% of the core's CPU in a profile, and 4-5% more events
per CPU second with the setting below (benchmarks/README.md). Objects in cycles are still
collected, a little later.

``gc.freeze()`` moves everything alive at start-up into a permanent generation that no
collection scans again; the larger young threshold collects less often. Called once by
``lovhub run`` (the batch engine) after its materials are loaded, and by the core benchmark,
which measures the pipeline as that process runs it.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "tune_collector"]

#: Net allocations between young collections (CPython's default: 700).
YOUNG_THRESHOLD = 20_000


def tune_collector() -> None:
    """Freeze what exists now out of the collector's way and collect young objects less often."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
