"""The rules applied to what the CSMS sends, as pure functions producing Check records.

Each check names its rule, what was expected, what was observed and, when it fails, a
message that names the message and field (e.g. ``Authorize.conf idTagInfo.status:
expected "Accepted", got "Invalid"``), and its basis: a TCD tool validation decides the
verdict; a stricter OCPP rule, an inference or a performance limit gives a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocppj import SchemaViolation
from reports.results import Basis, Check
from simulator.config import Limits
from simulator.runner.link import CallOutcome
from simulator.runner.matching import describe, match

SCHEMA_REFERENCE = "OCPP-J 1.6 §4; OCA 1.6 JSON schemas"
PERFORMANCE_REFERENCE = (
    "PICS limits.authorize_response_time; a declared value the lab measures (catalog §13.2)"
)


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
        basis: Basis = Basis.TCD,
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
            basis.value,
        )


@dataclass(frozen=True)
class Stricter:
    """Fields checked beyond the TCD's validations (a case's ``findings:``): a failure is a
    finding with ``basis``, citing ``reference``."""

    fields: dict[str, Any]
    basis: Basis
    reference: str


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
    *,
    reference: str = "",
    basis: Basis = Basis.TCD,
) -> Check:
    """``payload`` has the ``expected`` fields (by default a TCD validation)."""
    mismatches = match(expected, payload, now=now)
    described = "; ".join(f"{message} {m.describe()}" for m in mismatches)
    return ctx.check(
        "field",
        not mismatches,
        f"{message} {describe(expected)}",
        described or "as expected",
        described,
        reference,
        basis,
    )


def stricter_rules(findings: Sequence[dict[str, Any]], key: str) -> list[Stricter]:
    """A step's ``findings:`` entries that check ``key`` (expect, match)."""
    return [
        Stricter(entry[key], Basis(entry["basis"]), entry["ref"])
        for entry in findings
        if key in entry
    ]


def stricter_answers(findings: Sequence[dict[str, Any]]) -> dict[str, list[Stricter]]:
    """A step's ``findings:`` ``answers`` entries, by action."""
    by_action: dict[str, list[Stricter]] = {}
    for entry in findings:
        for action, fields in entry.get("answers", {}).items():
            rule = Stricter(fields, Basis(entry["basis"]), entry["ref"])
            by_action.setdefault(action, []).append(rule)
    return by_action


def stricter_checks(
    ctx: CheckContext,
    message: str,
    rules: Sequence[Stricter],
    payload: Any,
    now: datetime | None = None,
) -> list[Check]:
    return [
        field_check(
            ctx, message, rule.fields, payload, now, reference=rule.reference, basis=rule.basis
        )
        for rule in rules
    ]


def answer_checks(
    ctx: CheckContext,
    action: str,
    outcome: CallOutcome,
    limits: Limits,
    expected: dict[str, Any] | None,
    stricter: Sequence[Stricter] = (),
) -> list[Check]:
    """The answer to a request of the charge point: in time (the tool gives up after the
    response timeout: a TCD failure), a result, schema-valid, the expected fields, then the
    ``stricter`` ones; Authorize also measured against the declared Authorize response
    time (a performance finding: the lab reports it apart, catalog §13.2)."""
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
                f"Authorize.conf took {outcome.latency_s:.3f} s, over the declared Authorize "
                f"response time of {limit:g} s (Performance Measurement Results)",
                PERFORMANCE_REFERENCE,
                Basis.PERFORMANCE,
            )
        )
    if expected is not None:
        checks.append(field_check(ctx, conf, expected, outcome.result.payload))
    checks.extend(stricter_checks(ctx, conf, stricter, outcome.result.payload))
    return checks
