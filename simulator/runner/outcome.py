"""What running a step gives: its checks, its reasons, its notes. Statuses and verdicts are
derived from outcomes, never kept beside them (Robot Framework keeps results the same way).

A failed TCD check becomes a FAIL reason and ends the case; a failed check of another basis
(a stricter OCPP rule, an inference, a performance limit) is a finding beside the verdict
and the case goes on (``--strict`` counts findings at the end). A step can also end INCONCLUSIVE (the case could
not decide) or ERROR (the harness or the environment failed). The first outcome with a
reason ends the case; the case's verdict is the worst reason of all its outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reports.results import Basis, Check, Finding, Reason, Verdict, worst
from simulator.runner.checks import CheckContext


class StepStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"
    NOT_RUN = "not run"


_STATUS_OF = {
    Verdict.PASS: StepStatus.PASSED,
    Verdict.NOT_APPLICABLE: StepStatus.PASSED,
    Verdict.FAIL: StepStatus.FAILED,
    Verdict.INCONCLUSIVE: StepStatus.INCONCLUSIVE,
    Verdict.ERROR: StepStatus.ERROR,
}


@dataclass
class Outcome:
    where: CheckContext  # case, step label and the reference its reasons default to
    checks: list[Check] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # failed checks that do not decide
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # tolerated deviations (OCTT warnings)
    started_at: float | None = None  # seconds since the case started (monotonic)
    duration_s: float | None = None
    # What the charge point did unasked: its reasons are warnings, not the case's verdict.
    advisory: bool = False
    operator: dict[str, Any] | None = None  # an operator step's call (StepRecord.operator)

    @property
    def verdict(self) -> Verdict:
        return worst([reason.verdict for reason in self.reasons])

    @property
    def status(self) -> StepStatus:
        return _STATUS_OF[self.verdict]

    @property
    def ended(self) -> bool:
        """A reason was given: the case goes no further."""
        return bool(self.reasons)

    def apply(self, checks: Iterable[Check]) -> bool:
        """Record checks; each failed TCD check is a FAIL reason, each other failed one a
        finding. True when every TCD check passed."""
        passed = True
        for check in checks:
            self.checks.append(check)
            if check.passed:
                continue
            if Basis(check.basis).decides:
                passed = False
                self.reasons.append(
                    Reason(check.case, check.step, check.rule, check.message, check.reference)
                )
            else:
                self.findings.append(
                    Finding(
                        check.case,
                        check.step,
                        check.rule,
                        check.basis,
                        check.message,
                        check.reference,
                    )
                )
        return passed

    def check(
        self,
        rule: str,
        passed: bool,
        expected: str,
        observed: str,
        message: str = "",
        reference: str = "",
    ) -> bool:
        return self.apply([self.where.check(rule, passed, expected, observed, message, reference)])

    def reason(self, verdict: Verdict, rule: str, message: str, reference: str = "") -> None:
        """End the step with ``verdict`` for a reason that is not a check of the CSMS's
        traffic (a lost connection, an operator that failed, a harness error)."""
        self.reasons.append(
            Reason(
                self.where.case,
                self.where.step,
                rule,
                message,
                reference or self.where.reference,
                verdict,
            )
        )

    def note(self, text: str) -> None:
        self.notes.append(text)


def strict_reason(finding: Finding) -> Reason:
    """``--strict``: a finding counted as a failure of the case."""
    return Reason(
        finding.case,
        finding.step,
        finding.rule,
        f"{finding.message} (a finding: {Basis(finding.basis).label}, counted by --strict)",
        finding.reference,
        Verdict.FAIL,
        finding.basis,
    )


def case_reasons(outcomes: Sequence[Outcome], *, strict: bool = False) -> list[Reason]:
    """Every reason of the counted outcomes; with ``strict`` also each finding."""
    counted = [outcome for outcome in outcomes if not outcome.advisory]
    reasons = [reason for outcome in counted for reason in outcome.reasons]
    if strict:
        reasons += [strict_reason(f) for outcome in counted for f in outcome.findings]
    return reasons


def case_verdict(outcomes: Sequence[Outcome], *, strict: bool = False) -> Verdict:
    return worst([reason.verdict for reason in case_reasons(outcomes, strict=strict)])
