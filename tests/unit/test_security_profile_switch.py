"""Which security profile a case runs in (PICS security.profile, security.profiles), the
operator's SetSecurityProfile between cases, and what each profile dials with."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.results import Verdict
from simulator.cases import load_case
from simulator.channel import TransportError
from simulator.config import FEATURE_PROFILES, SECURITY_FEATURE, HarnessConfig
from simulator.operator.base import OperatorOutcome, OperatorRequest
from simulator.runner.security_profile import profile_for
from simulator.runner.settings import RunSettings
from tests.support.scripted_csms import ScriptedCsms, fast_config, only_reason, run

PASSWORD = "pretest-password-01"


class ProfileOperator:
    """Sets profiles (or cannot); passes every other request on to the scripted peer."""

    name = "test"

    def __init__(self, peer: ScriptedCsms, *, able: bool = True) -> None:
        self.peer, self.able = peer, able
        self.asked: list[OperatorRequest] = []

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        if request.action != "SetSecurityProfile":
            return await self.peer.operator.perform(request)
        self.asked.append(request)
        if not self.able:
            return OperatorOutcome(False, "HTTP 404: no such route")
        return OperatorOutcome(True, "set", {"response": request.fields})


def config(profile: int = 1, profiles: tuple[int, ...] = (1, 2, 3)) -> HarnessConfig:
    return fast_config(
        sut={"feature_profiles": (*FEATURE_PROFILES, SECURITY_FEATURE)},
        security={"profile": profile, "profiles": profiles, "password": PASSWORD},
    )


def case_for(tmp_path: Path, profiles: str) -> Path:
    path = tmp_path / "security" / "TC_901_CSMS.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "id: TC_901_CSMS\ntitle: t\nblock: security\nreference: r\n"
        f"security_profiles: {profiles}\nsteps:\n  - send: Heartbeat\n"
    )
    return path


@pytest.mark.parametrize(
    ("wanted", "current", "supported", "runs_in"),
    [
        ((), 1, (1,), 1),  # a case for any profile runs in the current one
        ((1, 2), 2, (2, 1), 2),
        ((2, 3), 1, (1, 2, 3), 2),  # the first supported one the case names
        ((3,), 1, (1, 2, 3), 3),
        ((3,), 1, (1, 2), None),  # not supported: NOT_APPLICABLE
    ],
)
def test_the_profile_a_case_runs_in(
    wanted: tuple[int, ...], current: int, supported: tuple[int, ...], runs_in: int | None
) -> None:
    assert profile_for(wanted, current, supported) == runs_in


async def test_a_case_for_another_supported_profile_asks_the_operator_first(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    operator = ProfileOperator(peer)
    result = await run(load_case(case_for(tmp_path, "[2, 3]")), peer, config(), operator)
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    [asked] = operator.asked
    assert asked.fields == {"securityProfile": 2} and "security profile 2" in asked.instruction
    assert [a.profile for a in peer.attempts] == [2]  # it connected in profile 2
    assert result.steps[0].label == "profile" and result.steps[0].action == "SetSecurityProfile"


async def test_an_operator_that_cannot_set_the_profile_makes_the_case_inconclusive(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    operator = ProfileOperator(peer, able=False)
    result = await run(load_case(case_for(tmp_path, "[3]")), peer, config(), operator)
    reason = only_reason(result)
    assert reason.verdict == Verdict.INCONCLUSIVE and "could not set security profile 3" in (
        reason.message
    )
    assert peer.attempts == []  # nothing was tried against the CSMS


async def test_a_profile_the_csms_does_not_support_is_not_applicable(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    operator = ProfileOperator(peer)
    result = await run(load_case(case_for(tmp_path, "[3]")), peer, config(1, (1, 2)), operator)
    reason = only_reason(result)
    assert reason.verdict == Verdict.NOT_APPLICABLE and "supports 1, 2" in reason.message
    assert operator.asked == []


async def test_profile_2_needs_a_wss_url(peer: ScriptedCsms) -> None:
    settings = RunSettings(config(2), "ws://127.0.0.1:1/ocpp", peer.operator)
    with pytest.raises(TransportError) as raised:
        settings.url_for(2)
    assert raised.value.kind == "tls-config" and "security.tls_url" in str(raised.value)
    assert settings.url_for(1) == "ws://127.0.0.1:1/ocpp"


async def test_profile_3_needs_a_client_certificate(peer: ScriptedCsms) -> None:
    from simulator.channel import Attempt

    settings = RunSettings(config(3), "wss://127.0.0.1:1/ocpp", peer.operator)
    with pytest.raises(TransportError) as raised:
        await settings.dial(Attempt(profile=3))
    assert raised.value.kind == "tls-config" and "client_certificate" in str(raised.value)
