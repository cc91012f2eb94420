"""The rules applied to what the CSMS sends, as pure functions producing Check records.

Each check names its rule, what was expected, what was observed and, when it fails, a
message that names the message and field (e.g. ``Authorize.conf idTagInfo.status:
expected "Accepted", got "Invalid"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reports.results import Check
from simulator.config import Limits
from simulator.ocppj import SchemaViolation
from simulator.runner.link import CallOutcome
from simulator.runner.matching import match, show

SCHEMA_REFERENCE = "OCPP-J 1.6 §4; OCA 1.6 JSON schemas"


@dataclass(frozen=True)
class CheckContext:
    case: str
    step: str
    reference: str

    def check(
        self,
        rule: str,
        passed: bool,
        expected: str,
        observed: str,
        message: str = "",
        reference: str = "",
    ) -> Check:
        return Check(
            self.case,
            self.step,
            rule,
            passed,
            expected,
            observed,
            reference or self.reference,
            "" if passed else message or f"{observed} (expected {expected})",
        )


def schema_check(ctx: CheckContext, message: str, violations: list[SchemaViolation]) -> Check:
    described = "; ".join(v.describe() for v in violations)
    return ctx.check(
        "schema",
        not violations,
        f"{message} valid against the OCA 1.6 schema",
        described or "valid",
        f"{message} breaks the OCA schema: {described}",
        SCHEMA_REFERENCE,
    )


def field_check(
    ctx: CheckContext,
    message: str,
    expected: dict[str, Any],
    payload: Any,
    now: datetime | None = None,
) -> Check:
    mismatches = match(expected, payload, now=now)
    described = "; ".join(f"{message} {m.describe()}" for m in mismatches)
    return ctx.check(
        "field",
        not mismatches,
        f"{message} {show(expected)}",
        described or "as expected",
        described,
    )


def answer_checks(
    ctx: CheckContext,
    action: str,
    outcome: CallOutcome,
    limits: Limits,
    expected: dict[str, Any] | None,
) -> list[Check]:
    """The answer to a request of the charge point: in time, a result, schema-valid, the
    expected fields; Authorize also within the Authorize response time."""
    conf = f"{action}.conf"
    timeout = limits.response_timeout
    if outcome.timed_out:
        return [
            ctx.check(
                "response-timeout",
                False,
                f"{conf} within {timeout:g} s",
                "no answer",
                f"no answer to {action}.req within {timeout:g} s (OCPP response timeout)",
            )
        ]
    assert outcome.latency_s is not None
    checks = [
        ctx.check(
            "response-timeout", True, f"{conf} within {timeout:g} s", f"{outcome.latency_s:.3f} s"
        )
    ]
    if outcome.error is not None:
        error = outcome.error
        seen = f"CALLERROR {error.error_code} {error.error_description!r}"
        checks.append(
            ctx.check(
                "callerror",
                False,
                conf,
                seen,
                f"the CSMS answered {action}.req with {seen} instead of {conf}",
            )
        )
        return checks
    assert outcome.result is not None
    checks.append(schema_check(ctx, conf, outcome.violations))
    if action == "Authorize":
        limit = limits.authorize_response_time
        checks.append(
            ctx.check(
                "authorize-time",
                outcome.latency_s <= limit,
                f"Authorize.conf within {limit:g} s",
                f"{outcome.latency_s:.3f} s",
                f"Authorize.conf took {outcome.latency_s:.3f} s, over the Authorize response time limit of {limit:g} s",
            )
        )
    if expected is not None:
        checks.append(field_check(ctx, conf, expected, outcome.result.payload))
    return checks
