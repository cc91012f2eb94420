"""Issue 13, Smart Charging and Remote Trigger: the reference CSMS's profile kind defaults,
the faults and variations TC_055, TC_056, TC_057, TC_059 and TC_067 name, and TC_056's
numberPhases rule under a PICS of its own (catalog §8, §12.1, §13.1)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.faults import FAULTS, PICS_DEPENDENT_FAULTS
from csms_under_test.timestamps import parse_timestamp
from csms_under_test.variations import EXTRA_PERIOD_AFTER_S, VARIATIONS
from ocppj import validate_payload
from reports.results import Verdict
from simulator.bundled import run_on_bundled
from simulator.cases.variables import expected_number_phases
from simulator.config import load_config
from simulator.runner.matching import match
from tests.support.shipped import shipped_case, shipped_cases

from .helpers import ConnectChargePoint, FakeChargePoint, StartCsms, operator_request, started

ACCEPTED = {"status": "Accepted"}
FAST_PICS = Path(__file__).resolve().parent.parent / "data" / "fast.yaml"
VALID_TAG = "TAG-VALID-0001"


def _schedule(duration: int | None = 3600) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0, "numberPhases": 3}],
    }
    if duration is not None:
        schedule["duration"] = duration
    return schedule


def _profile(purpose: str = "TxDefaultProfile", kind: str | None = "Absolute") -> dict[str, Any]:
    profile: dict[str, Any] = {
        "chargingProfilePurpose": purpose,
        "stackLevel": 1,
        "chargingSchedule": _schedule(),
    }
    if kind is not None:
        profile["chargingProfileKind"] = kind
    return profile


async def _set(
    csms: ReferenceCsms, cp: FakeChargePoint, profile: dict[str, Any], connector_id: int = 1
) -> dict[str, Any]:
    """SetChargingProfile through the operator API; the csChargingProfiles sent."""
    body = {"connectorId": connector_id, "csChargingProfiles": profile}
    sent, reply = await operator_request(csms, cp, "SetChargingProfile", body, ACCEPTED)
    assert reply.status == 200, reply
    assert validate_payload("SetChargingProfile", sent, response=False) == []
    assert sent["connectorId"] == connector_id
    result: dict[str, Any] = sent["csChargingProfiles"]
    return result


async def _remote_start(
    csms: ReferenceCsms, cp: FakeChargePoint, profile: dict[str, Any]
) -> dict[str, Any]:
    """RemoteStartTransaction with ``profile``; the chargingProfile sent."""
    body = {"idTag": VALID_TAG, "connectorId": 1, "chargingProfile": profile}
    sent, reply = await operator_request(csms, cp, "RemoteStartTransaction", body, ACCEPTED)
    assert reply.status == 200, reply
    assert validate_payload("RemoteStartTransaction", sent, response=False) == []
    result: dict[str, Any] = sent["chargingProfile"]
    return result


def _has_validity(profile: dict[str, Any]) -> bool:
    valid_from = parse_timestamp(profile["validFrom"])
    valid_to = parse_timestamp(profile["validTo"])
    assert valid_from is not None and valid_to is not None
    assert valid_to - valid_from == timedelta(seconds=3600)
    return bool(profile["chargingSchedule"]["startSchedule"] == profile["validFrom"])


# -- the kind the CSMS chooses when the operator leaves it open ------------------------
async def test_open_kind_defaults(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    """SetChargingProfile: Absolute (with validity); RemoteStartTransaction: Relative."""
    profile = await _set(csms, cp, _profile(kind=None))
    assert profile["chargingProfileKind"] == "Absolute" and _has_validity(profile)
    embedded = await _remote_start(csms, cp, _profile("TxProfile", kind=None))
    assert embedded["chargingProfileKind"] == "Relative"
    assert not {"validFrom", "validTo"} & embedded.keys()
    assert "startSchedule" not in embedded["chargingSchedule"]


async def test_absolute_remote_start_profile_is_completed(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    """An Absolute embedded profile gets validFrom, validTo and startSchedule (TC_059
    2025-11's conditional), as a SetChargingProfile one does."""
    embedded = await _remote_start(csms, cp, _profile("TxProfile", kind="Absolute"))
    assert _has_validity(embedded)
    assert "transactionId" not in embedded and "recurrencyKind" not in embedded


async def test_tc_067_2025_11_profiles_and_clears(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    """TC_067 (2025-11): a ChargePointMaxProfile on connector 0, a TxDefaultProfile and a
    TxProfile (the running transaction) at one stack level, each its own id; cleared by
    id, by criteria, then all."""
    transaction_id = (await cp.start_transaction(VALID_TAG, 1))["transactionId"]
    first = await _set(csms, cp, _profile("ChargePointMaxProfile"), connector_id=0)
    second = await _set(csms, cp, _profile("TxDefaultProfile"))
    third = await _set(csms, cp, _profile("TxProfile"))
    ids = [p["chargingProfileId"] for p in (first, second, third)]
    assert len(set(ids)) == 3
    assert "transactionId" not in first and "transactionId" not in second
    assert third["transactionId"] == transaction_id

    def statuses() -> list[str]:
        return [r.status for r in csms.store.charging_profiles()]

    assert statuses() == ["accepted"] * 3
    await operator_request(csms, cp, "ClearChargingProfile", {"id": ids[0]}, ACCEPTED)
    assert statuses() == ["cleared", "accepted", "accepted"]
    criteria = {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 1}
    sent, _ = await operator_request(csms, cp, "ClearChargingProfile", criteria, ACCEPTED)
    assert sent == criteria
    assert statuses() == ["cleared", "cleared", "accepted"]
    sent, _ = await operator_request(csms, cp, "ClearChargingProfile", {}, ACCEPTED)
    assert sent == {} and statuses() == ["cleared"] * 3


# -- faults ----------------------------------------------------------------------------
async def test_charging_profile_without_number_phases(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await started(start_csms, connect, ("charging-profile-without-number-phases",))
    periods = (await _set(csms, cp, _profile()))["chargingSchedule"]["chargingSchedulePeriod"]
    assert periods == [{"startPeriod": 0, "limit": 6.0}]
    embedded = await _remote_start(csms, cp, _profile("TxProfile", kind="Relative"))
    assert embedded["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 6.0}
    ]


async def test_charging_profile_with_recurrency(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await started(start_csms, connect, ("charging-profile-with-recurrency",))
    assert (await _set(csms, cp, _profile()))["recurrencyKind"] == "Daily"
    embedded = await _remote_start(csms, cp, _profile("TxProfile", kind="Relative"))
    assert embedded["recurrencyKind"] == "Daily"
    given = _profile(kind="Recurring") | {"recurrencyKind": "Weekly"}
    assert (await _set(csms, cp, given))["recurrencyKind"] == "Weekly"


async def test_non_tx_profile_with_transaction_id(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await started(start_csms, connect, ("non-tx-profile-with-transaction-id",))
    assert (await _set(csms, cp, _profile()))["transactionId"] == 1  # no transaction yet
    await cp.start_transaction(VALID_TAG, 2)
    running = (await cp.start_transaction(VALID_TAG, 1))["transactionId"]
    maximum = await _set(csms, cp, _profile("ChargePointMaxProfile"), connector_id=0)
    assert maximum["transactionId"] == running
    # A TxProfile names its own transaction, as without the fault.
    assert (await _set(csms, cp, _profile("TxProfile")))["transactionId"] == running


async def test_relative_profile_with_start_schedule(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await started(start_csms, connect, ("relative-profile-with-start-schedule",))
    embedded = await _remote_start(csms, cp, _profile("TxProfile", kind="Relative"))
    assert parse_timestamp(embedded["chargingSchedule"]["startSchedule"]) is not None
    relative = await _set(csms, cp, _profile(kind="Relative"))
    assert "startSchedule" in relative["chargingSchedule"]
    assert "validFrom" not in relative
    absolute = await _set(csms, cp, _profile())
    assert _has_validity(absolute)  # an Absolute profile is completed as without the fault


async def test_charging_profile_id_reused(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await started(start_csms, connect, ("charging-profile-id-reused",))
    first = await _set(csms, cp, _profile())
    again = await _set(csms, cp, _profile() | {"stackLevel": 2})
    assert first["chargingProfileId"] == again["chargingProfileId"] == 1
    embedded = await _remote_start(csms, cp, _profile("TxProfile", kind="Relative"))
    assert embedded["chargingProfileId"] == 1
    assert (await _set(csms, cp, _profile() | {"chargingProfileId": 9}))["chargingProfileId"] == 9


@pytest.mark.parametrize(
    ("asked", "sent"),
    [
        ({"requestedMessage": "MeterValues", "connectorId": 1}, "StatusNotification"),
        ({"requestedMessage": "MeterValues"}, "StatusNotification"),
        ({"requestedMessage": "Heartbeat"}, "Heartbeat"),
    ],
)
async def test_trigger_wrong_message(
    start_csms: StartCsms, connect: ConnectChargePoint, asked: dict[str, Any], sent: str
) -> None:
    csms, cp = await started(start_csms, connect, ("trigger-wrong-message",))
    request, reply = await operator_request(csms, cp, "TriggerMessage", asked, ACCEPTED)
    assert reply.status == 200
    assert request == asked | {"requestedMessage": sent}


def test_the_pics_dependent_faults_are_faults_no_case_names() -> None:
    assert PICS_DEPENDENT_FAULTS.keys() <= FAULTS.keys()
    for edition in ("2024-04", "2025-11"):
        cases = shipped_cases(edition)
        named = {f for case in cases for f in (*case.faults, *case.finding_faults)}
        assert not named & PICS_DEPENDENT_FAULTS.keys()


# -- variations ------------------------------------------------------------------------
async def test_extra_schedule_period(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    csms, cp = await started(start_csms, connect, variations=("extra-schedule-period",))
    last = {"startPeriod": 0, "limit": 6.0, "numberPhases": 3}
    extra = last | {"startPeriod": EXTRA_PERIOD_AFTER_S}
    profile = await _set(csms, cp, _profile())
    assert profile["chargingSchedule"]["chargingSchedulePeriod"] == [last, extra]
    embedded = await _remote_start(csms, cp, _profile("TxProfile", kind="Relative"))
    assert embedded["chargingSchedule"]["chargingSchedulePeriod"] == [last, extra]
    assert str(EXTRA_PERIOD_AFTER_S) in VARIATIONS["extra-schedule-period"]


async def test_no_extra_period_without_the_variation(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    profile = await _set(csms, cp, _profile())
    assert len(profile["chargingSchedule"]["chargingSchedulePeriod"]) == 1


async def test_other_profile_kind(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    csms, cp = await started(start_csms, connect, variations=("other-profile-kind",))
    relative = await _set(csms, cp, _profile(kind=None))
    assert relative["chargingProfileKind"] == "Relative"
    assert "validFrom" not in relative and "startSchedule" not in relative["chargingSchedule"]
    embedded = await _remote_start(csms, cp, _profile("TxProfile", kind=None))
    assert embedded["chargingProfileKind"] == "Absolute" and _has_validity(embedded)
    # A kind the operator gave is kept.
    assert (await _set(csms, cp, _profile()))["chargingProfileKind"] == "Absolute"
    explicit = await _remote_start(csms, cp, _profile("TxProfile", kind="Relative"))
    assert explicit["chargingProfileKind"] == "Relative"


# -- TC_056's numberPhases under a PICS of its own -------------------------------------
def test_expected_number_phases() -> None:
    """Omitted only when the configured value is 3 (catalog §13.1)."""
    assert match(expected_number_phases(3), 3) == []
    assert match({"n": expected_number_phases(3)}, {}) == []
    assert match({"n": expected_number_phases(3)}, {"n": 1}) != []
    assert expected_number_phases(1) == 1
    assert match({"n": expected_number_phases(1)}, {}) != []


def _tc_056(tmp_path: Path, number_phases: int, faults: tuple[str, ...], edition: str) -> Any:
    pics = tmp_path / f"pics-{number_phases}.yaml"
    pics.write_text(
        FAST_PICS.read_text()
        + f"smart_charging:\n  number_phases: {number_phases}\nedition: {edition}\n"
    )
    config = load_config(pics)
    case = shipped_case("TC_056_CSMS", edition)
    [result] = run_on_bundled(config, [case], faults).cases
    return result


@pytest.mark.parametrize("edition", ["2024-04", "2025-11"])
@pytest.mark.parametrize(
    ("number_phases", "faulty"), [(1, Verdict.FAIL), (2, Verdict.FAIL), (3, Verdict.PASS)]
)
def test_tc_056_number_phases_may_be_omitted_only_for_three(
    tmp_path: Path, edition: str, number_phases: int, faulty: Verdict
) -> None:
    fault = "charging-profile-without-number-phases"
    assert fault in PICS_DEPENDENT_FAULTS
    healthy = _tc_056(tmp_path, number_phases, (), edition)
    assert healthy.verdict == Verdict.PASS, [str(r) for r in healthy.reasons]
    result = _tc_056(tmp_path, number_phases, (fault,), edition)
    assert result.verdict == faulty, [str(r) for r in result.reasons]
    assert not result.findings
    if faulty == Verdict.FAIL:
        assert any("numberPhases: expected" in str(r) for r in result.reasons)
