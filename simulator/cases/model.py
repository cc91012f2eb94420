"""What a loaded case is: a case, its steps and the reusable states it starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StepBase:
    label: str  # "3" for a case step, "Booted 2" for a step of a reusable state
    title: str
    ref: str  # where the rule comes from: catalog case / OCPP 1.6 section
    line: int  # where the step starts in its file


@dataclass(frozen=True)
class SendStep(StepBase):
    """The charge point sends a request; the CSMS's answer is checked."""

    action: str
    fields: dict[str, Any]
    expect: dict[str, Any] | None
    save: dict[str, str]
    each_connector: bool = False  # once per connector, connectorId 0 first (catalog §2.1 Booted)
    warn: dict[str, Any] | None = None  # fields whose absence is a warning, not a FAIL


@dataclass(frozen=True)
class ExpectCsmsStep(StepBase):
    """The CSMS must send a request; it is checked, then answered. When the charge point
    accepted it, the model's reaction runs (a reboot after Reset, ...): ``answers`` checks
    the CSMS's answers to what the charge point sends then, by action."""

    action: str
    match: dict[str, Any] | None
    reply: dict[str, Any] | None  # None: the charge point model's default answer
    save: dict[str, str]
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfer: str | None = None  # "succeeds" | "fails": the file transfer the case needs


@dataclass(frozen=True)
class DoStep(StepBase):
    """Something happens at the charge point (a [bracketed] action of the catalog: plug in,
    present an idTag, power cut, ...); the model decides what it sends."""

    activity: str
    params: dict[str, Any]
    answers: dict[str, dict[str, Any]]  # action -> fields its answers must have
    save: dict[str, str]  # variable -> "Action.path" in the answer


@dataclass(frozen=True)
class OperatorStep(StepBase):
    """Make the CSMS act (catalog §2: CSMS-initiated steps need an operator)."""

    action: str
    request: dict[str, Any]
    instruction: str


@dataclass(frozen=True)
class WaitStep(StepBase):
    seconds: float | str  # a number or "$variable"
    at_most: float | str | None = None


Step = SendStep | ExpectCsmsStep | OperatorStep | WaitStep | DoStep


@dataclass(frozen=True)
class State:
    """A reusable state (OCTT 1.6 §3.22): Booted, Authorized, Charging."""

    name: str
    requires: str | None
    reference: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    block: str
    reference: str
    given: str  # "none" or a reusable state name
    faults: tuple[str, ...]
    steps: tuple[Step, ...]
    file: str
    description: str = ""
    states: tuple[State, ...] = field(default=())
    setup: dict[str, Any] = field(
        default_factory=dict
    )  # the charge point's state (docs)  # the chain the case starts from, outermost first

    @property
    def all_steps(self) -> tuple[Step, ...]:
        return tuple(step for state in self.states for step in state.steps) + self.steps
