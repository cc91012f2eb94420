"""TC_083_CSMS both ways the catalog names (1 to 2 over ws:// then wss://, 2 to 3 from
Basic auth to a client certificate) against the bundled CSMS, and the run leaving the CSMS
in the profile it found it in."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from reports.results import Verdict
from simulator.bundled import run_on_bundled
from simulator.cases import Case
from simulator.config import HarnessConfig


def _case(all_cases: list[Case], case_id: str) -> Case:
    return next(case for case in all_cases if case.id == case_id)


@pytest.mark.parametrize("start", [1, 2])
def test_the_profile_is_raised_by_one_and_the_old_one_refused(
    fast_config: HarnessConfig, all_cases: list[Case], start: int
) -> None:
    config = fast_config.with_overrides(security={"profile": start})
    [result] = run_on_bundled(config, [_case(all_cases, "TC_083_CSMS")]).cases
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    sent = [
        m["payload"]
        for m in (dataclasses.asdict(x) for x in result.messages)
        if m["action"] == "ChangeConfiguration" and m["message_type"] == "CALL"
    ]
    assert sent == [{"key": "SecurityProfile", "value": str(start + 1)}]


@pytest.mark.parametrize(
    ("fault", "step"),
    [("security-profile-not-raised", "2"), ("security-profile-not-enforced", "5")],
)
def test_a_csms_that_does_not_raise_the_profile_fails(
    fast_config: HarnessConfig, all_cases: list[Case], fault: str, step: str
) -> None:
    [result] = run_on_bundled(fast_config, [_case(all_cases, "TC_083_CSMS")], [fault]).cases
    assert result.verdict == Verdict.FAIL
    assert result.reasons[0].step == step, [str(r) for r in result.reasons]


def test_a_profile_the_csms_does_not_support_after_it_is_not_applicable(
    fast_config: HarnessConfig, all_cases: list[Case]
) -> None:
    config = fast_config.with_overrides(security={"profile": 2, "profiles": (2,)})
    [result] = run_on_bundled(config, [_case(all_cases, "TC_083_CSMS")]).cases
    assert result.verdict == Verdict.NOT_APPLICABLE
    assert "the profile after it" in result.reasons[0].message


def test_the_next_case_runs_in_the_raised_profile_and_the_run_restores_it(
    fast_config: HarnessConfig, all_cases: list[Case]
) -> None:
    from simulator.runner.suite import SuiteSession

    cases = [_case(all_cases, "TC_083_CSMS"), _case(all_cases, "TC_075_1_CSMS")]
    with SuiteSession(fast_config) as suite:
        run = asyncio.run(suite.run(cases))
        assert [c.verdict for c in run.cases] == [Verdict.PASS, Verdict.PASS]
        # TC_075_1 (profiles 2, 3) ran in the raised profile 2: no switch was needed.
        assert not [s for s in run.cases[1].steps if s.label == "profile"]
        assert suite.carry.security_profile is None  # set back to 1 (finish)
