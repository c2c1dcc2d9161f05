"""Operators' tools over the audit stream: pure logic only (no I/O).

Replay filters, the GDPR art. 15 access report, the reconciliation ledger and the
re-delivery planner live here; the CLI shells in :mod:`lovhub.cli` read the topics and
write the results.
"""
