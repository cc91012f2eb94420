"""Step kinds: one module each.

Importing this package registers the built-in kinds (send, expect_csms, operator, wait,
do, connect, tls_probe); ``STEP_KINDS`` maps each keyword to its class.
"""

from simulator.cases.steps.base import (
    STEP_KINDS,
    StepBase,
    build_steps,
    check_variables,
    register_step_kind,
    step_schema,
)
from simulator.cases.steps.connect import ConnectStep
from simulator.cases.steps.do import DoStep
from simulator.cases.steps.expect_csms import ExpectCsmsStep
from simulator.cases.steps.operator import OperatorStep
from simulator.cases.steps.send import SendStep
from simulator.cases.steps.tls_probe import TlsProbeStep
from simulator.cases.steps.wait import WaitStep

# In the order the schema's hints list them.
for _kind in (SendStep, ExpectCsmsStep, OperatorStep, WaitStep, DoStep, ConnectStep, TlsProbeStep):
    register_step_kind(_kind)

Step = StepBase

__all__ = [
    "STEP_KINDS",
    "ConnectStep",
    "DoStep",
    "ExpectCsmsStep",
    "OperatorStep",
    "SendStep",
    "Step",
    "StepBase",
    "TlsProbeStep",
    "WaitStep",
    "build_steps",
    "check_variables",
    "register_step_kind",
    "step_schema",
]
