"""The ``connect`` step kind (Security cases, catalog §11.0 a) against the scripted CSMS:
what each attempt offers and sends, and the verdict for each thing a CSMS can do with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.results import Verdict
from simulator.cases import load_case
from simulator.channel import SUBPROTOCOL, Attempt, Channel, TransportError
from simulator.config import FEATURE_PROFILES, SECURITY_FEATURE, HarnessConfig
from simulator.runner.engine import run_case
from simulator.runner.settings import RunSettings
from tests.support.scripted_csms import ScriptedCsms, fast_config, only_reason, run, write_case

PASSWORD = "pretest-password-01"  # 19 bytes


def secured() -> HarnessConfig:
    return fast_config(
        sut={"feature_profiles": (*FEATURE_PROFILES, SECURITY_FEATURE)},
        security={"profile": 1, "password": PASSWORD},
    )


async def test_a_refused_offer_passes_and_opens_no_connection(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, "- connect: refused\n  offer: [ocpp0.1]", block="security")
    result = await run(case, peer, secured())
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    # The case opened with the connect step: no connection was made before it.
    assert peer.attempts == [Attempt(("ocpp0.1",), profile=1)]
    [check] = [c for c in result.checks if c.rule == "handshake"]
    assert check.passed and "HTTP 400" in check.observed


async def test_an_upgrade_that_must_be_refused_fails_naming_the_offer(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.refuse_when = lambda attempt: None  # accepts every offer
    case = write_case(tmp_path, "- connect: refused\n  offer: [ocpp0.1]", block="security")
    reason = only_reason(await run(case, peer, secured()))
    assert reason.verdict == Verdict.FAIL and reason.rule == "handshake"
    assert "upgraded" in reason.message and "ocpp0.1" in reason.message


async def test_a_switch_to_a_subprotocol_not_offered_is_an_upgrade(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    async def upgrades_wrongly(attempt: Attempt) -> Channel:
        raise TransportError("subprotocol", "selected ocpp1.6", csms_fault=True, upgraded=True)

    case = write_case(tmp_path, "- connect: refused\n  offer: [ocpp0.1]", block="security")
    settings = RunSettings(secured(), "memory://scripted", peer.operator, dialer=upgrades_wrongly)
    reason = only_reason(await run_case(case, settings))
    assert reason.verdict == Verdict.FAIL and "it upgraded: selected ocpp1.6" in reason.message


async def test_an_absent_csms_is_no_refusal(tmp_path: Path, peer: ScriptedCsms) -> None:
    peer.refuse_next(1)  # the TCP connection itself fails
    case = write_case(tmp_path, "- connect: refused\n  basic_auth: false", block="security")
    reason = only_reason(await run(case, peer, secured()))
    assert reason.verdict == Verdict.INCONCLUSIVE and reason.rule == "transport:refused"


async def test_an_accepted_attempt_becomes_the_connection(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    steps = """
    - connect: refused
      basic_auth: false
    - connect: accepted
      offer: [ocpp0.1, ocpp1.6]
    - send: Heartbeat
    """
    peer.refuse_when = lambda attempt: None if attempt.basic_auth else 401
    result = await run(write_case(tmp_path, steps, block="security"), peer, secured())
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    assert peer.attempts == [
        Attempt(basic_auth=False, profile=1),
        Attempt(("ocpp0.1", SUBPROTOCOL), profile=1),
    ]
    assert peer.requests("Heartbeat")  # sent on the accepted connection


async def test_a_refusal_of_an_attempt_the_csms_must_accept_fails(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.refuse_when = lambda attempt: 401
    case = write_case(tmp_path, "- connect: accepted", block="security")
    reason = only_reason(await run(case, peer, secured()))
    # Retried as a charge point retries (PICS timing), then the CSMS's refusal: FAIL.
    assert reason.verdict == Verdict.FAIL and reason.rule == "transport:http-status"
    assert "HTTP 401" in reason.message
    assert len(peer.attempts) == secured().timing.reconnect_attempts


async def test_the_usual_connect_drops_the_open_connection_first(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    steps = """
    - send: Heartbeat
    - connect: accepted
      password: another-password-01
    """
    result = await run(write_case(tmp_path, steps, block="security"), peer, secured())
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    assert [c.closed_by for c in peer.connections] == ["cp", "cp"]  # the second at the end
    assert peer.attempts[-1].password == "another-password-01"


@pytest.mark.parametrize(
    ("security", "profiles", "why"),
    [
        (
            {"profile": 3},
            "[1, 2]",
            "needs security profile 1 or 2; the PICS declares the CSMS supports 3",
        ),
        ({"profile": 1, "password": PASSWORD}, "[3]", "needs security profile 3"),
    ],
)
async def test_a_case_for_another_security_profile_is_not_applicable(
    tmp_path: Path, peer: ScriptedCsms, security: dict[str, object], profiles: str, why: str
) -> None:
    path = tmp_path / "security" / "TC_901_CSMS.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "id: TC_901_CSMS\ntitle: t\nblock: security\nreference: r\n"
        f"security_profiles: {profiles}\nsteps:\n  - send: Heartbeat\n"
    )
    config = fast_config(
        sut={"feature_profiles": (*FEATURE_PROFILES, SECURITY_FEATURE)}, security=security
    )
    reason = only_reason(await run(load_case(path), peer, config))
    assert reason.verdict == Verdict.NOT_APPLICABLE and why in reason.message
    assert peer.attempts == []


async def test_the_security_block_needs_the_pics_to_declare_it(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, "- connect: accepted", block="security")
    reason = only_reason(await run(case, peer, fast_config()))
    assert reason.verdict == Verdict.NOT_APPLICABLE and "Security" in reason.message


async def test_a_tls_failure_on_an_attempt_to_accept_is_the_harness_set_up(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    async def untrusted(attempt: Attempt) -> Channel:
        raise TransportError("tls", "certificate verify failed")

    case = write_case(tmp_path, "- connect: accepted", block="security")
    settings = RunSettings(secured(), "memory://scripted", peer.operator, dialer=untrusted)
    reason = only_reason(await run_case(case, settings))
    # The harness may not trust the CSMS's certificate: that blames no one (ERROR).
    assert reason.verdict == Verdict.ERROR and reason.rule == "transport:tls"
