"""The executor registry: how each step kind runs.

An executor is ``async def execute(step, run) -> Outcome``: it gets its step with every
``$variable`` already substituted and the :class:`StepRun` to work with, and returns the
step's outcome (``run.outcome``, filled in). The engine looks executors up by step class.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from simulator.cases.steps import StepBase
from simulator.runner.context import StepRun
from simulator.runner.outcome import Outcome

S = TypeVar("S", bound=StepBase)
Executor = Callable[[Any, StepRun], Awaitable[Outcome]]
EXECUTORS: dict[type[StepBase], Executor] = {}


def is_number(value: object) -> bool:
    """A number of seconds (or any JSON number) after substitution; not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def executes(kind: type[S]) -> Callable[[Callable[[S, StepRun], Awaitable[Outcome]]], Executor]:
    """Register the decorated function as the executor of step class ``kind``."""

    def register(function: Callable[[S, StepRun], Awaitable[Outcome]]) -> Executor:
        if kind in EXECUTORS:
            raise ValueError(f"step kind {kind.__name__} already has an executor")
        EXECUTORS[kind] = function
        return function

    return register


def executor_for(step: StepBase) -> Executor:
    try:
        return EXECUTORS[type(step)]
    except KeyError:
        raise LookupError(
            f"step kind {type(step).__name__} ({step.keyword}) has no executor; "
            "register one with simulator.runner.executors.executes"
        ) from None
