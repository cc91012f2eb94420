"""How each step kind runs: one executor per kind, registered with ``executes``.

Importing this package registers the executors of the built-in kinds.
"""

from simulator.runner.executors import connect, do, expect_csms, operator, send, tls_probe, wait
from simulator.runner.executors.base import EXECUTORS, Executor, executes, executor_for

__all__ = [
    "EXECUTORS",
    "Executor",
    "connect",
    "do",
    "executes",
    "executor_for",
    "expect_csms",
    "operator",
    "send",
    "tls_probe",
    "wait",
]
