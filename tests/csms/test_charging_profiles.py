"""Smart Charging: SetChargingProfile / ClearChargingProfile / GetCompositeSchedule /
RemoteStartTransaction completion, the stored profiles and the Smart Charging faults
(OCPP 1.6 §3.13, §5.5, §5.7, §5.11, §5.16; catalog §8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.timestamps import parse_timestamp
from ocppj import validate_payload
from simulator.config import IdTags

from .helpers import (
    OCPP_TIME,
    ConnectChargePoint,
    FakeChargePoint,
    StartCsms,
    api_get,
    http_async,
    operator_request,
)

TAGS = IdTags()
ACCEPTED = {"status": "Accepted"}


def _profile(
    purpose: str = "TxDefaultProfile",
    stack_level: int = 1,
    kind: str = "Absolute",
    unit: str = "A",
    duration: int | None = 3600,
) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0, "numberPhases": 3}],
    }
    if duration is not None:
        schedule["duration"] = duration
    return {
        "chargingProfilePurpose": purpose,
        "stackLevel": stack_level,
        "chargingProfileKind": kind,
        "chargingSchedule": schedule,
    }


async def _set(
    csms: ReferenceCsms,
    cp: FakeChargePoint,
    profile: dict[str, Any],
    connector_id: int = 1,
    status: str = "Accepted",
) -> dict[str, Any]:
    body = {"connectorId": connector_id, "csChargingProfiles": profile}
    sent, reply = await operator_request(csms, cp, "SetChargingProfile", body, {"status": status})
    assert reply.status == 200 and reply.body["request"] == sent, reply
    assert validate_payload("SetChargingProfile", sent, response=False) == []
    return sent


async def _clear(csms: ReferenceCsms, cp: FakeChargePoint, body: dict[str, Any]) -> dict[str, Any]:
    sent, reply = await operator_request(csms, cp, "ClearChargingProfile", body, ACCEPTED)
    assert (
        reply.status == 200 and validate_payload("ClearChargingProfile", sent, response=False) == []
    )
    return sent


def _statuses(csms: ReferenceCsms) -> list[tuple[int, str]]:
    return [(r.charging_profile_id, r.status) for r in csms.store.charging_profiles()]


async def _charging(cp: FakeChargePoint, connector_id: int = 1) -> int:
    transaction_id: int = (await cp.start_transaction(TAGS.valid, connector_id))["transactionId"]
    return transaction_id


# -- SetChargingProfile ----------------------------------------------------------------
async def test_absolute_profile_is_completed(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    before = datetime.now(UTC)
    sent = await _set(csms, cp, _profile())
    after = datetime.now(UTC)
    profile = sent["csChargingProfiles"]
    assert sent["connectorId"] == 1
    assert profile["chargingProfileId"] == 1
    assert "transactionId" not in profile and "recurrencyKind" not in profile
    for text in (
        profile["validFrom"],
        profile["validTo"],
        profile["chargingSchedule"]["startSchedule"],
    ):
        assert OCPP_TIME.match(text)
    valid_from = parse_timestamp(profile["validFrom"])
    valid_to = parse_timestamp(profile["validTo"])
    assert valid_from is not None and valid_to is not None
    assert before - timedelta(milliseconds=1) <= valid_from <= after
    assert valid_to - valid_from == timedelta(seconds=3600)
    assert profile["chargingSchedule"]["startSchedule"] == profile["validFrom"]
    assert profile["chargingSchedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 6.0, "numberPhases": 3}
    ]
    (record,) = csms.store.charging_profiles()
    assert (record.charging_profile_id, record.connector_id, record.purpose) == (
        1,
        1,
        "TxDefaultProfile",
    )
    assert (record.stack_level, record.transaction_id, record.status) == (1, None, "accepted")
    assert (record.answer_status, record.sent_with, record.profile) == (
        "Accepted",
        "SetChargingProfile",
        profile,
    )


async def test_absolute_profile_without_duration_is_valid_for_a_day(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    profile = (await _set(csms, cp, _profile(duration=None)))["csChargingProfiles"]
    valid_from, valid_to = (
        parse_timestamp(profile["validFrom"]),
        parse_timestamp(profile["validTo"]),
    )
    assert valid_from is not None and valid_to is not None
    assert valid_to - valid_from == timedelta(hours=24)
    assert "duration" not in profile["chargingSchedule"]


async def test_relative_profile_gets_no_validity(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    profile = (await _set(csms, cp, _profile(kind="Relative")))["csChargingProfiles"]
    assert "validFrom" not in profile and "validTo" not in profile
    assert "startSchedule" not in profile["chargingSchedule"]


async def test_explicit_values_are_kept(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    given = _profile(purpose="TxProfile")
    given |= {
        "chargingProfileId": 40,
        "transactionId": 99,
        "validFrom": "2030-01-01T00:00:00.000Z",
        "validTo": "2030-01-02T00:00:00.000Z",
    }
    given["chargingSchedule"]["startSchedule"] = "2030-01-01T00:00:00.000Z"
    sent = await _set(csms, cp, given)
    assert sent == {"connectorId": 1, "csChargingProfiles": given}
    # A new id is above every id ever stored, explicit ones included.
    assert (await _set(csms, cp, _profile()))["csChargingProfiles"]["chargingProfileId"] == 41


async def test_tx_profile_gets_the_active_transaction(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    await _charging(cp, 2)
    transaction_id = await _charging(cp, 1)
    profile = (await _set(csms, cp, _profile(purpose="TxProfile")))["csChargingProfiles"]
    assert profile["transactionId"] == transaction_id
    (record,) = csms.store.charging_profiles()
    assert record.transaction_id == transaction_id


async def test_tx_profile_without_a_transaction_is_refused(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    await _charging(cp, 2)  # another connector's transaction does not count
    url = f"{csms.api_url}/chargepoints/CP_1/requests/SetChargingProfile"
    body = {"connectorId": 1, "csChargingProfiles": _profile(purpose="TxProfile")}
    reply = await http_async("POST", url, body)
    assert reply.status == 400 and "no active transaction on connector 1" in reply.body["error"]
    assert csms.store.charging_profiles() == []


async def test_declined_and_unanswered_profiles(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    await _set(csms, cp, _profile(), status="Rejected")
    url = f"{csms.api_url}/chargepoints/CP_1/requests/SetChargingProfile?timeout=0.3"
    reply = await http_async("POST", url, {"connectorId": 1, "csChargingProfiles": _profile()})
    assert reply.status == 504
    call = await cp.expect_call()  # the request went out, unanswered
    assert call.call.payload["csChargingProfiles"]["chargingProfileId"] == 2
    assert _statuses(csms) == [(1, "rejected"), (2, "sent")]
    assert csms.store.charging_profiles()[0].answer_status == "Rejected"


async def test_accepted_profile_replaces_same_id_or_same_slot(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    await _set(csms, cp, _profile(stack_level=1))  # 1
    await _set(csms, cp, _profile(stack_level=2))  # 2
    await _set(csms, cp, _profile(stack_level=1))  # 3: same connector/purpose/stackLevel as 1
    await _set(csms, cp, _profile(stack_level=5) | {"chargingProfileId": 2})
    assert _statuses(csms) == [(1, "cleared"), (2, "cleared"), (3, "accepted"), (2, "accepted")]


async def test_profile_ids_are_unique_across_charge_points_and_restarts(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms()
    a = await connect(csms.ocpp_url, "CP_A")
    b = await connect(csms.ocpp_url, "CP_B")
    body = {"connectorId": 1, "csChargingProfiles": _profile()}
    ids = []
    for cp, name in ((a, "CP_A"), (b, "CP_B")):
        sent, _ = await operator_request(csms, cp, "SetChargingProfile", body, ACCEPTED, name)
        ids.append(sent["csChargingProfiles"]["chargingProfileId"])
    assert ids == [1, 2]
    await a.close()
    await b.close()
    await csms.stop()

    again = await start_csms()  # same db_path
    listed = (await api_get(again, "chargingprofiles"))["chargingProfiles"]
    assert [(p["chargingProfileId"], p["status"]) for p in listed] == [
        (1, "accepted"),
        (2, "accepted"),
    ]
    cp = await connect(again.ocpp_url, "CP_A")
    sent, _ = await operator_request(again, cp, "SetChargingProfile", body, ACCEPTED, "CP_A")
    assert sent["csChargingProfiles"]["chargingProfileId"] == 3
    # The profile stored before the restart can still be cleared.
    await operator_request(again, cp, "ClearChargingProfile", {"id": 1}, ACCEPTED, "CP_A")
    assert _statuses(again) == [(1, "cleared"), (2, "accepted"), (3, "accepted")]


async def test_the_listing(csms: ReferenceCsms, connect: ConnectChargePoint) -> None:
    a = await connect(csms.ocpp_url, "CP_A")
    b = await connect(csms.ocpp_url, "CP_B")
    body = {"connectorId": 2, "csChargingProfiles": _profile(kind="Relative")}
    sent, _ = await operator_request(csms, a, "SetChargingProfile", body, ACCEPTED, "CP_A")
    await operator_request(csms, b, "SetChargingProfile", body, {"status": "Rejected"}, "CP_B")
    (listed,) = (await api_get(csms, "chargingprofiles?chargePointId=CP_A"))["chargingProfiles"]
    assert OCPP_TIME.match(listed.pop("sentAt"))
    assert listed == {
        "chargingProfileId": 1,
        "chargePointId": "CP_A",
        "connectorId": 2,
        "chargingProfilePurpose": "TxDefaultProfile",
        "stackLevel": 1,
        "transactionId": None,
        "status": "accepted",
        "answerStatus": "Accepted",
        "sentWith": "SetChargingProfile",
        "chargingProfile": sent["csChargingProfiles"],
    }
    every = (await api_get(csms, "chargingprofiles"))["chargingProfiles"]
    assert [(p["chargePointId"], p["status"]) for p in every] == [
        ("CP_A", "accepted"),
        ("CP_B", "rejected"),
    ]
    assert (await api_get(csms, "chargingprofiles?chargePointId=CP_X")) == {
        "chargingProfiles": [],
        "total": 0,
        "next": None,
    }


# -- ClearChargingProfile --------------------------------------------------------------
async def _three(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    """TC_067's three profiles: connector 1, TxDefaultProfile, stackLevel 1, 2, 3."""
    for level in (1, 2, 3):
        await _set(csms, cp, _profile(stack_level=level))


async def test_clear_by_id_by_criteria_and_all(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    await _three(csms, cp)
    assert await _clear(csms, cp, {"id": 1}) == {"id": 1}
    assert _statuses(csms) == [(1, "cleared"), (2, "accepted"), (3, "accepted")]
    criteria = {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2}
    assert await _clear(csms, cp, criteria) == criteria
    assert _statuses(csms) == [(1, "cleared"), (2, "cleared"), (3, "accepted")]
    assert await _clear(csms, cp, {}) == {}
    assert _statuses(csms) == [(1, "cleared"), (2, "cleared"), (3, "cleared")]


async def test_clear_all_touches_only_that_charge_point(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    a = await connect(csms.ocpp_url, "CP_A")
    b = await connect(csms.ocpp_url, "CP_B")
    body = {"connectorId": 1, "csChargingProfiles": _profile()}
    await operator_request(csms, a, "SetChargingProfile", body, ACCEPTED, "CP_A")
    await operator_request(csms, b, "SetChargingProfile", body, ACCEPTED, "CP_B")
    await operator_request(csms, a, "ClearChargingProfile", {}, ACCEPTED, "CP_A")
    assert _statuses(csms) == [(1, "cleared"), (2, "accepted")]


async def test_declined_clear_changes_nothing(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    await _three(csms, cp)
    await operator_request(csms, cp, "ClearChargingProfile", {"id": 2}, {"status": "Unknown"})
    await operator_request(csms, cp, "ClearChargingProfile", {}, {"status": "Unknown"})
    assert [status for _, status in _statuses(csms)] == ["accepted"] * 3


# -- GetCompositeSchedule --------------------------------------------------------------
async def test_composite_schedule_is_completed_from_the_csms_defaults(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(composite_schedule_duration=600, composite_schedule_unit="W")
    cp = await connect(csms.ocpp_url)
    answer = {"status": "Rejected"}
    sent, reply = await operator_request(
        csms, cp, "GetCompositeSchedule", {"connectorId": 1}, answer
    )
    assert reply.status == 200
    assert sent == {"connectorId": 1, "duration": 600, "chargingRateUnit": "W"}
    given = {"connectorId": 0, "duration": 60, "chargingRateUnit": "A"}
    sent, _ = await operator_request(csms, cp, "GetCompositeSchedule", given, answer)
    assert sent == given


# -- RemoteStartTransaction ------------------------------------------------------------
def _remote_start_profile() -> dict[str, Any]:
    return _profile(purpose="TxProfile", kind="Relative")


async def test_remote_start_profile_gets_an_id(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    await _set(csms, cp, _profile())  # id 1
    body = {"connectorId": 1, "idTag": TAGS.valid, "chargingProfile": _remote_start_profile()}
    sent, reply = await operator_request(csms, cp, "RemoteStartTransaction", body, ACCEPTED)
    assert reply.status == 200
    assert validate_payload("RemoteStartTransaction", sent, response=False) == []
    assert sent == body | {"chargingProfile": body["chargingProfile"] | {"chargingProfileId": 2}}
    record = csms.store.charging_profiles()[-1]
    assert (record.charging_profile_id, record.sent_with, record.status) == (
        2,
        "RemoteStartTransaction",
        "accepted",
    )
    assert (record.purpose, record.connector_id, record.transaction_id) == ("TxProfile", 1, None)


async def test_remote_start_without_profile_is_sent_as_given(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    body = {"idTag": TAGS.valid}
    sent, _ = await operator_request(csms, cp, "RemoteStartTransaction", body, ACCEPTED)
    assert sent == body
    assert csms.store.charging_profiles() == []


# -- faults ----------------------------------------------------------------------------
async def _faulty(
    fault: str, start_csms: StartCsms, connect: ConnectChargePoint
) -> tuple[ReferenceCsms, FakeChargePoint]:
    csms = await start_csms(faults=[fault])
    return csms, await connect(csms.ocpp_url)


async def test_charging_profile_without_validity(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await _faulty("charging-profile-without-validity", start_csms, connect)
    given = _profile() | {"validFrom": "2030-01-01T00:00:00.000Z"}
    profile = (await _set(csms, cp, given))["csChargingProfiles"]
    assert "validFrom" not in profile and "validTo" not in profile
    assert "startSchedule" not in profile["chargingSchedule"]
    assert profile["chargingSchedule"]["duration"] == 3600
    assert csms.store.charging_profiles()[0].profile == profile  # stored as sent


@pytest.mark.parametrize(("unit", "swapped"), [("A", "W"), ("W", "A")])
async def test_charging_profile_unit_swapped(
    start_csms: StartCsms, connect: ConnectChargePoint, unit: str, swapped: str
) -> None:
    csms, cp = await _faulty("charging-profile-unit-swapped", start_csms, connect)
    schedule = (await _set(csms, cp, _profile(unit=unit)))["csChargingProfiles"]["chargingSchedule"]
    assert schedule["chargingRateUnit"] == swapped
    assert schedule["chargingSchedulePeriod"][0]["limit"] == 6.0


@pytest.mark.parametrize("explicit", [False, True])
async def test_tx_profile_wrong_transaction(
    start_csms: StartCsms, connect: ConnectChargePoint, explicit: bool
) -> None:
    csms, cp = await _faulty("tx-profile-wrong-transaction", start_csms, connect)
    transaction_id = await _charging(cp)
    given = _profile(purpose="TxProfile")
    if explicit:
        given["transactionId"] = transaction_id
    profile = (await _set(csms, cp, given))["csChargingProfiles"]
    assert profile["transactionId"] == transaction_id + 1
    # A TxDefaultProfile is not touched.
    assert "transactionId" not in (await _set(csms, cp, _profile()))["csChargingProfiles"]


@pytest.mark.parametrize("earlier_transaction", [False, True])
async def test_remote_start_profile_with_transaction_id(
    start_csms: StartCsms, connect: ConnectChargePoint, earlier_transaction: bool
) -> None:
    csms, cp = await _faulty("remote-start-profile-with-transaction-id", start_csms, connect)
    expected = 1
    if earlier_transaction:
        await _charging(cp, 2)
        expected = await _charging(cp, 2)
    body = {"connectorId": 1, "idTag": TAGS.valid, "chargingProfile": _remote_start_profile()}
    sent, _ = await operator_request(csms, cp, "RemoteStartTransaction", body, ACCEPTED)
    assert sent["chargingProfile"]["transactionId"] == expected
    assert validate_payload("RemoteStartTransaction", sent, response=False) == []
    # Without a chargingProfile nothing is added.
    sent, _ = await operator_request(
        csms, cp, "RemoteStartTransaction", {"idTag": TAGS.valid}, ACCEPTED
    )
    assert sent == {"idTag": TAGS.valid}


@pytest.mark.parametrize("given", [{}, {"chargingRateUnit": "A"}])
async def test_composite_schedule_without_unit(
    start_csms: StartCsms, connect: ConnectChargePoint, given: dict[str, Any]
) -> None:
    csms, cp = await _faulty("composite-schedule-without-unit", start_csms, connect)
    body = {"connectorId": 1} | given
    sent, _ = await operator_request(csms, cp, "GetCompositeSchedule", body, {"status": "Rejected"})
    assert sent == {"connectorId": 1, "duration": 3600}


async def test_clear_profile_by_id_with_criteria(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await _faulty("clear-profile-by-id-with-criteria", start_csms, connect)
    await _three(csms, cp)
    sent = await _clear(csms, cp, {"id": 2})
    assert sent == {
        "id": 2,
        "connectorId": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "stackLevel": 2,
    }
    assert _statuses(csms) == [(1, "accepted"), (2, "cleared"), (3, "accepted")]
    # Clears by criteria, all, or by an id the CSMS never sent go out as given.
    assert await _clear(csms, cp, {"id": 77}) == {"id": 77}
    assert await _clear(csms, cp, {"stackLevel": 3}) == {"stackLevel": 3}
    assert await _clear(csms, cp, {}) == {}
