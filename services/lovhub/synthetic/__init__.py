"""Synthetic worlds and event streams for the demo, the tests and the benchmarks.

Everything here is made up: keys are generated per run, personal ids are random valid
numbers, names come from a short list. Nothing is real data.
"""

from lovhub.synthetic.scenario import Scenario, generate_scenario
from lovhub.synthetic.world import World, build_world, pipeline_for

__all__ = ["Scenario", "World", "build_world", "generate_scenario", "pipeline_for"]
