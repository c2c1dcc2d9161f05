"""The hub's pure per-record pipeline (:class:`HubPipeline`) and its building blocks."""

from lovhub.pipeline.hub import HubPipeline

__all__ = ["HubPipeline"]
