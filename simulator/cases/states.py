"""Reusable states (OCTT 1.6 §3.22, catalog §2.1), defined in YAML next to this module."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from simulator.cases.model import State
from simulator.cases.schema import state_schema
from simulator.cases.steps import build_steps, check_variables
from simulator.cases.variables import CONFIG_VARIABLE_NAMES
from simulator.yamlsource import load_yaml_file, schema_errors

_STATE_DIR = Path(__file__).parent / "states"


@cache
def load_state(name: str) -> State:
    document = load_yaml_file(_STATE_DIR / f"{name}.yaml")
    errors = schema_errors(document, state_schema())
    if errors:
        raise errors[0]
    data = document.data
    chain = load_state_chain(data["requires"]) if data.get("requires") else ()
    steps = build_steps(document, data["steps"], label_prefix=f"{data['name']} ")
    check_variables(document, [s.steps for s in chain], steps, set(CONFIG_VARIABLE_NAMES))
    return State(data["name"], data.get("requires"), data["reference"], steps)


def load_state_chain(given: str) -> tuple[State, ...]:
    """The states to pass through for ``given``, outermost first (Booted, Authorized, ...)."""
    if given == "none":
        return ()
    state = load_state(given)
    return (*(load_state_chain(state.requires) if state.requires else ()), state)
