"""Synthetic worlds and event streams for the demo, the tests, the benchmarks and
``lovhub generate``.

Everything here is made up: keys are generated per run, personal ids are Skatteverket's
published test numbers (never a real person's), names come from a short list.
"""

from lovhub.synthetic.scenario import GeneratedInput, Scenario, agency_inputs, generate_scenario
from lovhub.synthetic.world import World, build_world, pipeline_for

__all__ = [
    "GeneratedInput",
    "Scenario",
    "World",
    "agency_inputs",
    "build_world",
    "generate_scenario",
    "pipeline_for",
]
