"""Results of a run (results.json, the source of truth) and the renderers built on them."""

from reports.results import (
    CaseResult,
    Check,
    MessageRecord,
    Reason,
    RunResult,
    StepRecord,
    Verdict,
    worst,
)

__all__ = [
    "CaseResult",
    "Check",
    "MessageRecord",
    "Reason",
    "RunResult",
    "StepRecord",
    "Verdict",
    "worst",
]
