"""Executes cases: the engine (one case), the step executors and the suite session that
every front end runs through. No pytest and no socket in here: the connection is injected."""

from simulator.runner.engine import CaseRun, run_case
from simulator.runner.outcome import Outcome, StepStatus
from simulator.runner.preconditions import CarryOver
from simulator.runner.settings import RunSettings
from simulator.runner.suite import SuiteSession, Target, run_suite

__all__ = [
    "CarryOver",
    "CaseRun",
    "Outcome",
    "RunSettings",
    "StepStatus",
    "SuiteSession",
    "Target",
    "run_case",
    "run_suite",
]
