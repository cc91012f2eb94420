"""What running a step gives: its checks, its reasons, its notes. Statuses and verdicts are
derived from outcomes, never kept beside them (Robot Framework keeps results the same way).

A failed check becomes a FAIL reason; a step can also end INCONCLUSIVE (the case could
not decide) or ERROR (the harness or the environment failed). The first outcome with a
reason ends the case; the case's verdict is the worst reason of all its outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reports.results import Check, Reason, Verdict, worst
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
        """Record checks; each failed one is a FAIL reason. True when all passed."""
        passed = True
        for check in checks:
            self.checks.append(check)
            if not check.passed:
                passed = False
                self.reasons.append(
                    Reason(check.case, check.step, check.rule, check.message, check.reference)
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


def case_verdict(outcomes: Sequence[Outcome]) -> Verdict:
    return worst([outcome.verdict for outcome in outcomes if not outcome.advisory])
