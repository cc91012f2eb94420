"""Adapters that make a CSMS act for the CSMS-initiated steps (catalog §2)."""

from simulator.operator.base import Operator, OperatorOutcome, OperatorRequest
from simulator.operator.http import HttpOperator
from simulator.operator.manual import ManualOperator
from simulator.operator.python_hook import OperatorHookError, PythonOperator
from simulator.operator.select import choose_operator, operator_from_spec

__all__ = [
    "HttpOperator",
    "ManualOperator",
    "Operator",
    "OperatorHookError",
    "OperatorOutcome",
    "OperatorRequest",
    "PythonOperator",
    "choose_operator",
    "operator_from_spec",
]
