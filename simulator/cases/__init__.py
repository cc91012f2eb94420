"""The test-case language: YAML case files, their schema, variables and reusable states."""

from simulator.cases.blocks import BLOCKS, Block, block_by_name
from simulator.cases.loader import CaseLoadError, discover_cases, load_case, load_cases
from simulator.cases.model import (
    Case,
    ExpectCsmsStep,
    OperatorStep,
    SendStep,
    State,
    Step,
    WaitStep,
)
from simulator.cases.states import load_state_chain

__all__ = [
    "BLOCKS",
    "Block",
    "Case",
    "CaseLoadError",
    "DoStep",
    "ExpectCsmsStep",
    "OperatorStep",
    "SendStep",
    "State",
    "Step",
    "WaitStep",
    "block_by_name",
    "discover_cases",
    "load_case",
    "load_cases",
    "load_state_chain",
]
