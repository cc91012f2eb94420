"""A verdict's reason never shows a password the CSMS sent: TC_073 under the fault that
sends it in plain text names its length, as transcripts do."""

from __future__ import annotations

import dataclasses

from reports.results import Verdict
from simulator.bundled import run_on_bundled
from simulator.cases import Case
from simulator.config import HarnessConfig


def test_a_plaintext_password_is_hidden_in_the_reason(
    fast_config: HarnessConfig, all_cases: list[Case]
) -> None:
    case = next(c for c in all_cases if c.id == "TC_073_CSMS")
    config = dataclasses.replace(fast_config, edition="2025-11")
    [result] = run_on_bundled(config, [case], ["authorization-key-plaintext"]).cases
    assert result.verdict == Verdict.FAIL
    [reason] = result.reasons
    assert 'got "(hidden: 20 characters)"' in reason.message, reason.message
