"""The result model: what a run found, with no rendering in it.

``results.json`` is this model serialized; its keys ``cases[].id, block, title, verdict,
reasons, steps, messages`` are public API. HTML and JUnit are rendered from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"  # the CSMS broke a rule
    INCONCLUSIVE = "INCONCLUSIVE"  # the case could not decide (e.g. the operator never acted)
    ERROR = "ERROR"  # the harness or the environment failed (connection refused, bad setup)
    NOT_APPLICABLE = "NOT_APPLICABLE"  # the configuration excludes the feature
    NOT_RUN = "NOT_RUN"  # the run stopped first (Ctrl-C, or the CSMS could not be reached)

    @property
    def ok(self) -> bool:
        return self in (Verdict.PASS, Verdict.NOT_APPLICABLE)


# Worst first: a case's verdict is the worst of its findings.
_SEVERITY = [
    Verdict.ERROR,
    Verdict.FAIL,
    Verdict.INCONCLUSIVE,
    Verdict.NOT_RUN,
    Verdict.NOT_APPLICABLE,
    Verdict.PASS,
]


def worst(verdicts: list[Verdict]) -> Verdict:
    return min(verdicts, key=_SEVERITY.index, default=Verdict.PASS)


class Basis(StrEnum):
    """Where a check comes from. Only a TCD tool validation decides a case's verdict, as
    the lab's tool would; the others give *findings* beside it (``--strict`` counts them)."""

    TCD = "tcd"  # a validation of the OCTT Test Case Document (or its general rules, §2)
    OCPP = "ocpp"  # a stricter rule of the OCPP 1.6 specification the TCD does not check
    INFERENCE = "inference"  # what the case implies but the TCD does not validate
    PERFORMANCE = "performance"  # a declared limit the lab measures and reports apart

    @property
    def decides(self) -> bool:
        return self is Basis.TCD

    @property
    def label(self) -> str:
        return _BASIS_LABEL[self]


_BASIS_LABEL = {
    Basis.TCD: "TCD validation",
    Basis.OCPP: "OCPP 1.6 rule",
    Basis.INFERENCE: "inference",
    Basis.PERFORMANCE: "performance measurement",
}


@dataclass
class Check:
    """One rule applied at one step: what was expected and what was seen."""

    case: str
    step: str
    rule: str  # e.g. "schema", "field", "answered", "response-timeout", "authorize-time"
    passed: bool
    expected: str
    observed: str
    reference: str = ""
    message: str = ""  # when failed: what went wrong, naming the message and field
    basis: str = Basis.TCD.value  # where the rule comes from (Basis)


@dataclass
class Finding:
    """A failed check that does not decide the verdict (a stricter OCPP rule, an inference
    or a performance limit): shown beside the verdict; ``--strict`` makes it a failure."""

    case: str
    step: str
    rule: str
    basis: str  # Basis value, never "tcd"
    message: str
    reference: str = ""

    def __str__(self) -> str:
        ref = f" [{self.reference}]" if self.reference else ""
        return f"step {self.step}: {self.message} ({Basis(self.basis).label}){ref}"


@dataclass
class Reason:
    """Why a case is not PASS: names the step, the rule and what was seen."""

    case: str
    step: str
    rule: str
    message: str
    reference: str = ""
    verdict: Verdict = Verdict.FAIL
    basis: str = Basis.TCD.value  # not "tcd": a finding that --strict counted

    def __str__(self) -> str:
        ref = f" [{self.reference}]" if self.reference else ""
        return f"step {self.step}: {self.message}{ref}"


@dataclass
class StepRecord:
    label: str
    kind: str  # send | expect_csms | operator | wait | teardown
    action: str
    title: str
    status: str = "not run"  # passed | failed | error | inconclusive | not run
    checks: list[Check] = field(default_factory=list)
    started_at: float | None = None  # seconds since the case started (monotonic)
    duration_s: float | None = None
    notes: list[str] = field(default_factory=list)
    # An operator step: the adapter, what it was asked, what it answered or returned, and
    # how long it took ({adapter, action, request, instruction, ok, confirmed, detail,
    # response, duration_s}); None for other steps.
    operator: dict[str, Any] | None = None


@dataclass
class MessageRecord:
    direction: str  # "CP->CSMS" | "CSMS->CP"
    message_type: str  # CALL | CALLRESULT | CALLERROR | INVALID
    unique_id: str
    action: str
    payload: Any
    wall_time: str
    t: float  # seconds since the case started (monotonic)
    latency_ms: float | None = None  # for an answer: from its request frame sent/received
    violations: list[dict[str, str]] = field(default_factory=list)
    note: str = ""


@dataclass
class CaseResult:
    id: str
    block: str
    title: str
    verdict: Verdict
    reasons: list[Reason] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    messages: list[MessageRecord] = field(default_factory=list)
    reference: str = ""
    file: str = ""
    started: str = ""
    duration_s: float = 0.0
    warnings: list[str] = field(default_factory=list)  # tolerated deviations (OCTT warnings)
    findings: list[Finding] = field(default_factory=list)  # beside the verdict (Basis)
    edition: str = ""  # the Test Case Document edition the case ran in

    @property
    def checks(self) -> list[Check]:
        return [check for step in self.steps for check in step.checks]


@dataclass
class RunResult:
    harness: str
    version: str
    started: str
    duration_s: float
    csms_url: str
    configuration: dict[str, Any]
    cases: list[CaseResult]
    edition: str = ""  # the Test Case Document edition (simulator.cases.editions)
    strict: bool = False  # findings counted as failures (--strict)

    @property
    def ok(self) -> bool:
        return all(Verdict(case.verdict).ok for case in self.cases)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write_json(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        cases = [
            CaseResult(
                **{
                    **case,
                    "verdict": Verdict(case["verdict"]),
                    "reasons": [
                        Reason(**{**r, "verdict": Verdict(r["verdict"])}) for r in case["reasons"]
                    ],
                    "steps": [
                        StepRecord(**{**s, "checks": [Check(**c) for c in s["checks"]]})
                        for s in case["steps"]
                    ],
                    "messages": [MessageRecord(**m) for m in case["messages"]],
                    "findings": [Finding(**f) for f in case.get("findings", [])],
                }
            )
            for case in data["cases"]
        ]
        return cls(**{**data, "cases": cases})

    @classmethod
    def read_json(cls, path: Path) -> RunResult:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
