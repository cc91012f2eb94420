"""What a certification lab's report states about a run, computed from the result model:
the result per functional block, the performance measurements against the declared limits
and the test configuration. Pure functions; the HTML report, the console and JUnit all
read them, so the three never disagree.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from reports.results import CaseResult, RunResult, Verdict
from simulator.cases.blocks import BLOCKS
from simulator.config import SECURITY_PROFILE_NAMES
from simulator.editions import EDITION_TITLES

# The lab's block results (an OCA certificate's Test Result Summary), plus "Not tested" for
# a block none of whose cases this run selected.
PASS, FAIL, NOT_APPLICABLE, NOT_TESTED = "Pass", "Fail", "Not applicable", "Not tested"

OCPP_EDITION = "OCPP 1.6 Edition 2, with errata sheet v4.0 (2019-10-23)"
COMMUNICATION = "OCPP-J 1.6 (JSON over WebSocket)"
DEVICE_UNDER_TEST = "Central System (CSMS)"

# The order a report lists verdicts in (as the console does): passed first, then the findings.
VERDICT_ORDER: tuple[Verdict, ...] = (
    Verdict.PASS,
    Verdict.FAIL,
    Verdict.ERROR,
    Verdict.INCONCLUSIVE,
    Verdict.NOT_APPLICABLE,
    Verdict.NOT_RUN,
)


@dataclass(frozen=True)
class BlockSummary:
    name: str  # the id used in case files: core, firmware-management, ...
    title: str  # as a certificate names it: Core, Firmware Management, ...
    description: str
    counts: Counter[str] = field(default_factory=Counter)  # verdict -> cases

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def applicable(self) -> int:
        return self.total - self.counts[Verdict.NOT_APPLICABLE]

    @property
    def result(self) -> str:
        """Pass only when every applicable case passed (an INCONCLUSIVE or ERROR case
        leaves the block short of Pass, like a case a lab could not run)."""
        if self.total == 0:
            return NOT_TESTED
        if self.applicable == 0:
            return NOT_APPLICABLE
        return PASS if self.counts[Verdict.PASS] == self.applicable else FAIL

    def count_text(self) -> str:
        """e.g. "34 of 34 passed" or "3 of 5 passed; 1 FAIL, 1 INCONCLUSIVE"."""
        if self.total == 0:
            return "no case selected"
        if self.applicable == 0:
            return f"{self.total} not applicable"
        text = f"{self.counts[Verdict.PASS]} of {self.applicable} passed"
        others = [f"{self.counts[v]} {v}" for v in VERDICT_ORDER[1:] if self.counts[v]]
        return text + (f"; {', '.join(others)}" if others else "")


def block_summaries(run: RunResult) -> list[BlockSummary]:
    """The six blocks in the certificate's order (and any other block a case names)."""
    counts: dict[str, Counter[str]] = {}
    for case in run.cases:
        counts.setdefault(case.block, Counter())[str(case.verdict)] += 1
    rows = [
        BlockSummary(b.name, b.title, b.description, counts.get(b.name, Counter())) for b in BLOCKS
    ]
    known = {b.name for b in BLOCKS}
    rows += [BlockSummary(name, name, "", c) for name, c in counts.items() if name not in known]
    return rows


def cases_of(run: RunResult, block: str) -> list[CaseResult]:
    return [case for case in run.cases if case.block == block]


@dataclass(frozen=True)
class Measurement:
    """One row of Performance Measurement Results: a declared limit and what was measured."""

    name: str  # "OCPP response timeout" | "Response time Authorize"
    declared_s: float
    samples_s: tuple[float, ...]  # every measured answer time, in seconds
    unanswered: int  # requests the CSMS did not answer within the limit

    @property
    def count(self) -> int:
        return len(self.samples_s)

    @property
    def worst_s(self) -> float | None:
        return max(self.samples_s) if self.samples_s else None

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.samples_s) if self.samples_s else None

    @property
    def p95_s(self) -> float | None:
        """95th percentile, nearest rank."""
        if not self.samples_s:
            return None
        ordered = sorted(self.samples_s)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def result(self) -> str:
        if self.unanswered:
            return FAIL
        if self.worst_s is None:
            return NOT_TESTED
        return PASS if self.worst_s <= self.declared_s else FAIL

    def measured_text(self) -> str:
        """The worst case in the lab's form, or why there is none."""
        if self.unanswered:
            plural = "s" if self.unanswered != 1 else ""
            return (
                f"{self.unanswered} request{plural} unanswered within {lab_time(self.declared_s)}"
            )
        return lab_time(self.worst_s, millis=True) if self.worst_s is not None else "no sample"

    def statistics_text(self) -> str:
        if not self.samples_s:
            return "no sample"
        return (
            f"median {lab_time(self.median_s, millis=True)}, "
            f"95th percentile {lab_time(self.p95_s, millis=True)}, "
            f"{self.count} sample{'s' if self.count != 1 else ''}"
        )


def lab_time(seconds: float | None, *, millis: bool = False) -> str:
    """hh:mm:ss, with .fff when there is a fraction or ``millis`` (measured values):
    35 -> 00:00:35, 0.0021 -> 00:00:00.002, 0.0004 with millis -> 00:00:00.000."""
    if seconds is None:
        return "-"
    total = round(seconds * 1000)
    whole, fraction = divmod(total, 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{text}.{fraction:03d}" if fraction or millis else text


def performance(run: RunResult) -> list[Measurement]:
    """The two rows a lab reports: every CSMS answer against the OCPP response timeout, and
    Authorize answers against the Authorize response time (the limits from the PICS)."""
    limits = run.configuration.get("limits", {})
    answers: list[tuple[str, float]] = []
    unanswered: Counter[str] = Counter()
    for case in run.cases:
        # From the transcript: a request of the charge point with no answer at all counts
        # against the limit; a late answer counts with its (too long) time.
        asked: dict[str, str] = {}
        for message in case.messages:
            if message.direction == "CP->CSMS" and message.message_type == "CALL":
                asked[message.unique_id] = message.action
            elif message.direction == "CSMS->CP" and message.latency_ms is not None:
                answers.append((message.action, message.latency_ms / 1000.0))
                asked.pop(message.unique_id, None)
        unanswered.update(asked.values())
    return [
        Measurement(
            "OCPP response timeout",
            float(limits.get("response_timeout", 35.0)),
            tuple(t for _, t in answers),
            unanswered.total(),
        ),
        Measurement(
            "Response time Authorize",
            float(limits.get("authorize_response_time", 3.0)),
            tuple(t for action, t in answers if action == "Authorize"),
            unanswered["Authorize"],
        ),
    ]


def performance_notes(run: RunResult) -> list[str]:
    """What a failed performance row means, in plain words: the response timeout is where
    the tool gives up (those cases FAIL); the Authorize response time is a declared value
    the lab measures and reports apart (the cases keep their verdicts)."""
    notes = []
    for row in performance(run):
        if row.result != FAIL:
            continue
        if row.name == "Response time Authorize":
            slow = [
                f"{f.case} step {f.step}"
                for case in run.cases
                for f in case.findings
                if f.rule == "authorize-time"
            ]
            effect = (
                "--strict also fails those cases"
                if run.strict
                else "the cases keep their functional verdicts"
            )
            where = f" ({', '.join(slow)})" if slow else ""
            notes.append(
                f"Response time Authorize FAILED: worst {row.measured_text()} against the "
                f"declared {lab_time(row.declared_s)}{where}. The lab reports this measurement "
                f"apart from the test cases; {effect}."
            )
        else:
            notes.append(
                f"OCPP response timeout FAILED: {row.measured_text()}. The tool gives up on "
                "an answer after this time, so those cases FAIL."
            )
    return notes


# Security whitepaper §2: what each profile means on the wire.
SECURITY_PROFILE_TEXT = {n: f"{n} ({name})" for n, name in SECURITY_PROFILE_NAMES.items()}


def security_rows(security: dict[str, Any]) -> list[tuple[str, str]]:
    """The profile the run started in, the others the CSMS supports, and the certificates
    the charge point trusted and presented (subject, serial number, SHA-256 fingerprint)."""
    profile = security.get("profile")
    rows = [
        (
            "Security profile",
            SECURITY_PROFILE_TEXT.get(profile, "-") if isinstance(profile, int) else "-",
        )
    ]
    others = [p for p in security.get("profiles", []) if p != security.get("profile")]
    if others:
        rows.append(
            (
                "Other security profiles",
                "; ".join(SECURITY_PROFILE_TEXT.get(p, str(p)) for p in others),
            )
        )
    for key, label in (
        ("ca_file", "Trusted CA certificate"),
        ("client_certificate", "Client certificate"),
        ("signed_client_certificate", "Client certificate the CSMS signed in the run"),
    ):
        for certificate in security.get(key, []):
            rows.append(
                (
                    label,
                    f"{certificate.get('subject', '-')}, serial {certificate.get('serialNumber', '-')}, "
                    f"SHA-256 {certificate.get('sha256', '-')}",
                )
            )
    return rows


def configuration_rows(run: RunResult) -> list[tuple[str, str]]:
    """Test Configuration: what was tested, how, and the limits and settings that apply."""
    config: dict[str, Any] = run.configuration
    sut = config.get("sut", {})
    cp = config.get("charge_point", {})
    limits = config.get("limits", {})
    profiles = sut.get("feature_profiles", [])
    milliseconds = cp.get("timestamp_milliseconds")
    return [
        ("Vendor", str(sut.get("vendor", "-"))),
        ("Product designation (SUT)", str(sut.get("product", "-"))),
        ("Device under test", DEVICE_UNDER_TEST),
        ("Software version", str(sut.get("software_version", "-"))),
        ("Communication", str(config.get("communication", COMMUNICATION))),
        *security_rows(config.get("security", {})),
        ("OCPP version", OCPP_EDITION),
        ("Test Case Document edition", edition_text(run.edition)),
        (
            "Verdicts",
            "findings counted as failures (--strict)"
            if run.strict
            else "decided by the TCD's validations; findings shown beside them",
        ),
        ("Declared feature profiles", ", ".join(profiles) if profiles else "-"),
        ("CSMS endpoint", run.csms_url),
        ("Test harness", f"{run.harness} {run.version}"),
        ("OCPP response timeout (declared)", lab_time(limits.get("response_timeout"))),
        ("Response time Authorize (declared)", lab_time(limits.get("authorize_response_time"))),
        (
            "Milliseconds in timestamps",
            "-" if milliseconds is None else ("Yes" if milliseconds else "No"),
        ),
        ("Charge point identity", str(cp.get("id", "-"))),
        ("Operator adapter", operator_text(run)),
        ("Configuration file", str(config.get("source", "-"))),
    ]


def operator_text(run: RunResult) -> str:
    """The adapter, and how many operator steps it built from the charge point's context
    (docs/operator-contract.md): those fields tested the adapter, not the CSMS."""
    adapter = str(run.configuration.get("operator", "-"))
    steps = [s.operator for case in run.cases for s in case.steps if s.operator]
    used = [op for op in steps if op.get("used_context")]
    if not used:
        return adapter
    return (
        f"{adapter}; {len(used)} of {len(steps)} operator requests built from the charge "
        "point's context, not the CSMS's own records"
    )


def edition_text(edition: str) -> str:
    return f"OCTT 1.6 {EDITION_TITLES.get(edition, edition)}" if edition else "-"


def overall_text(run: RunResult) -> str:
    """The run in one line: "62 cases: 60 PASS, 2 FAIL" (or "no case selected")."""
    if not run.cases:
        return "no case selected"
    counts = Counter(str(case.verdict) for case in run.cases)
    parts = [f"{counts[v]} {v}" for v in VERDICT_ORDER if counts[v]]
    plural = "s" if len(run.cases) != 1 else ""
    return f"{len(run.cases)} case{plural}: {', '.join(parts)}"


def not_passed(run: RunResult) -> list[CaseResult]:
    """The cases an engineer has to look at (FAIL, ERROR, INCONCLUSIVE), in run order."""
    return [case for case in run.cases if not Verdict(case.verdict).ok]
