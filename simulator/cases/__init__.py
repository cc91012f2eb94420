"""The test-case language: YAML case files, their schema, variables and reusable states."""

from simulator.cases.blocks import BLOCKS, Block, block_by_name
from simulator.cases.loader import CaseLoadError, discover_cases, load_case, load_cases
from simulator.cases.model import Case, State
from simulator.cases.states import load_state_chain
from simulator.cases.steps import (
    STEP_KINDS,
    DoStep,
    ExpectCsmsStep,
    OperatorStep,
    SendStep,
    Step,
    StepBase,
    WaitStep,
    register_step_kind,
)

__all__ = [
    "BLOCKS",
    "STEP_KINDS",
    "Block",
    "Case",
    "CaseLoadError",
    "DoStep",
    "ExpectCsmsStep",
    "OperatorStep",
    "SendStep",
    "State",
    "Step",
    "StepBase",
    "WaitStep",
    "block_by_name",
    "discover_cases",
    "load_case",
    "load_cases",
    "load_state_chain",
    "register_step_kind",
]
