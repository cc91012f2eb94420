"""Adapters that make a CSMS act for the CSMS-initiated steps (catalog §2)."""

from simulator.operator.base import Operator, OperatorOutcome, OperatorRequest
from simulator.operator.http import HttpOperator

__all__ = ["HttpOperator", "Operator", "OperatorOutcome", "OperatorRequest"]
