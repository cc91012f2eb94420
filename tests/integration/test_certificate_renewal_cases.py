"""TC_074_CSMS and TC_077_CSMS against the bundled CSMS, in both editions and in security
profile 3 (the fast PICS supports 1-3; the harness switches to 3): PASS, FAIL under each
fault they name (the reason names the step, the rule and what came), PASS under the
renewal variations. TC_074 ends with the charge point reconnected over TLS with the
certificate the CSMS signed."""

from __future__ import annotations

import dataclasses

import pytest

from csms_under_test.faults import switched_on
from reports.results import CaseResult, Verdict
from simulator.bundled import run_on_bundled
from simulator.config import HarnessConfig
from simulator.editions import DEFAULT_EDITION, EDITIONS
from tests.support.shipped import shipped_case

CASES = ("TC_074_CSMS", "TC_077_CSMS")
VARIATIONS = ("csr-ca-rsa", "certificate-chain-leaf-only")


def run_one(
    config: HarnessConfig,
    case_id: str,
    edition: str,
    fault: str | None,
    variations: tuple[str, ...],
) -> CaseResult:
    case = shipped_case(case_id, edition)
    faults, more = switched_on(fault) if fault else ((), ())
    config = dataclasses.replace(config, edition=edition)
    [result] = run_on_bundled(config, [case], faults, (*more, *variations)).cases
    return result


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("case_id", CASES)
def test_the_renewal_passes_under_every_variation(
    fast_config: HarnessConfig, case_id: str, edition: str
) -> None:
    for variations in ((), VARIATIONS):
        result = run_one(fast_config, case_id, edition, None, variations)
        assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
        actions = [(m.direction, m.action) for m in result.messages if m.message_type == "CALL"]
        assert ("CP->CSMS", "SignCertificate") in actions
        assert ("CSMS->CP", "CertificateSigned") in actions
        event = ("CP->CSMS", "SecurityEventNotification") in actions
        assert event == (case_id == "TC_077_CSMS")


@pytest.mark.parametrize("case_id", CASES)
def test_the_renewal_fails_under_each_of_its_faults(
    fast_config: HarnessConfig, case_id: str
) -> None:
    case = shipped_case(case_id)
    seen = {
        "extended-trigger-with-connector-id": "connectorId: expected absent, got 0",
        "sign-certificate-rejected": 'SignCertificate.conf status: expected "Accepted", got "Rejected"',
        "certificate-signed-never-sent": "did not send CertificateSigned.req",
        "certificate-signed-other-key": "a certificate for another key",
    }
    if case_id == "TC_074_CSMS":  # step 7: the reconnection with the new certificate
        seen["signed-certificate-not-trusted"] = "WebSocket handshake with wss://"
    assert set(case.faults) == set(seen)
    for fault in case.faults:
        result = run_one(fast_config, case_id, DEFAULT_EDITION, fault, ())
        assert result.verdict == Verdict.FAIL, fault
        [reason] = [str(r) for r in result.reasons if r.verdict == Verdict.FAIL]
        assert seen[fault] in reason and case_id in reason, reason
        assert reason.startswith("step 2:" if "trigger" in fault or "sign-" in fault else "step 3:")
