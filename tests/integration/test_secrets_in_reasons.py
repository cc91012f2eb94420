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


def test_the_next_run_connects_with_the_configured_password_again(
    fast_config: HarnessConfig, all_cases: list[Case]
) -> None:
    """TC_073 leaves the CSMS with a new password; the end of the run sets the configured
    one again, so a second run against the same CSMS (an external one) still connects."""
    import asyncio

    from simulator.bundled import bundled_csms
    from simulator.runner.suite import SuiteSession, Target

    by_id = {c.id: c for c in all_cases}
    with bundled_csms(fast_config) as bundled:
        config = bundled.harness_config(fast_config)
        target = Target(csms_url=bundled.ocpp_url, operator=bundled.api_url)
        for case_id in ("TC_073_CSMS", "TC_085_CSMS"):
            with SuiteSession(config, target) as suite:
                [result] = asyncio.run(suite.run([by_id[case_id]])).cases
            assert result.verdict == Verdict.PASS, (case_id, [str(r) for r in result.reasons])
