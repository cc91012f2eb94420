"""Results of a run (results.json, the source of truth) and the renderers built on them."""

from reports.results import (
    Basis,
    CaseResult,
    Check,
    Finding,
    MessageRecord,
    Reason,
    RunResult,
    StepRecord,
    Verdict,
    worst,
)

__all__ = [
    "Basis",
    "CaseResult",
    "Check",
    "Finding",
    "MessageRecord",
    "Reason",
    "RunResult",
    "StepRecord",
    "Verdict",
    "worst",
]
