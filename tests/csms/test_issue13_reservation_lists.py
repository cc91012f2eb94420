"""Local lists, reservations and firmware (issue 13): the operator's ``idTags`` and
``expiryOffset``, the faults local-list-empty, boot-rejected-while-installing,
cancel-latest-reservation and reserve-without-parent-id-tag, and the variations
reservation-expiry-margin and local-list-version-first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.faults import FAULTS
from csms_under_test.timestamps import parse_timestamp
from csms_under_test.variations import (
    LOCAL_LIST_VERSION_FIRST,
    RESERVATION_EXPIRY_MARGIN,
    RESERVATION_EXPIRY_MARGIN_S,
    VARIATIONS,
)
from ocppj import validate_payload
from simulator.config import IdTags

from .helpers import WAIT, ConnectChargePoint, FakeChargePoint, StartCsms, http_async, started
from .helpers import operator_request as _operator_request

TAGS = IdTags()
ACCEPTED = {"status": "Accepted"}
OFFSET = 30  # s: the CSMS's default reservation expiry in these tests


async def _started(
    start_csms: StartCsms,
    connect: ConnectChargePoint,
    *,
    faults: tuple[str, ...] = (),
    variations: tuple[str, ...] = (),
) -> tuple[ReferenceCsms, FakeChargePoint]:
    return await started(start_csms, connect, faults, variations, reservation_expiry=OFFSET)


def _tags(sent: dict[str, Any]) -> list[str]:
    return [entry["idTag"] for entry in sent["localAuthorizationList"]]


def _seconds_from(moment: datetime, timestamp: str) -> float:
    parsed = parse_timestamp(timestamp)
    assert parsed is not None
    return (parsed - moment).total_seconds()


def test_the_new_switches_are_known() -> None:
    for fault in (
        "local-list-empty",
        "boot-rejected-while-installing",
        "cancel-latest-reservation",
        "reserve-without-parent-id-tag",
    ):
        assert fault in FAULTS
    assert {RESERVATION_EXPIRY_MARGIN, LOCAL_LIST_VERSION_FIRST} <= set(VARIATIONS)


# -- SendLocalList: the operator's idTags, local-list-empty -------------------------------


@pytest.mark.parametrize("update_type", ["Full", "Differential"])
async def test_the_operator_names_the_id_tags_of_the_list(
    csms: ReferenceCsms, cp: FakeChargePoint, update_type: str
) -> None:
    body = {"updateType": update_type, "idTags": [TAGS.same_parent]}
    sent, reply = await _operator_request(csms, cp, "SendLocalList", body, ACCEPTED)
    assert reply.status == 200 and reply.body["request"] == sent
    assert "idTags" not in sent  # the operator's key is not OCPP: never sent
    assert validate_payload("SendLocalList", sent, response=False) == []
    assert sent["localAuthorizationList"] == [
        {"idTag": TAGS.same_parent, "idTagInfo": {"status": "Accepted", "parentIdTag": TAGS.parent}}
    ]
    state = csms.store.local_list("CP_1")
    assert state is not None and state.id_tags == (TAGS.same_parent,)


async def test_initial_list_then_one_new_id_tag(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    """TC_043_5 (2025-11): a Full list of one idTag, then a Differential one adding one
    other: only that idTag, a higher listVersion; the CSMS then holds both."""
    full = {"updateType": "Full", "idTags": [TAGS.valid]}
    initial, _ = await _operator_request(csms, cp, "SendLocalList", full, ACCEPTED)
    assert _tags(initial) == [TAGS.valid]
    differential = {"updateType": "Differential", "idTags": [TAGS.same_parent]}
    update, _ = await _operator_request(csms, cp, "SendLocalList", differential, ACCEPTED)
    assert update["updateType"] == "Differential" and _tags(update) == [TAGS.same_parent]
    assert update["listVersion"] > initial["listVersion"]
    state = csms.store.local_list("CP_1")
    assert state is not None and sorted(state.id_tags) == sorted([TAGS.valid, TAGS.same_parent])


async def test_an_explicit_list_wins_over_id_tags(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    entries = [{"idTag": "X-1", "idTagInfo": ACCEPTED}]
    body = {"updateType": "Full", "idTags": [TAGS.valid], "localAuthorizationList": entries}
    sent, _ = await _operator_request(csms, cp, "SendLocalList", body, ACCEPTED)
    assert sent["localAuthorizationList"] == entries and "idTags" not in sent


@pytest.mark.parametrize("fault", [None, "local-list-empty"])
@pytest.mark.parametrize("body", [{}, {"idTags": [TAGS.valid]}], ids=["stored", "named"])
@pytest.mark.parametrize("update_type", ["Full", "Differential"])
async def test_local_list_empty(
    start_csms: StartCsms,
    connect: ConnectChargePoint,
    fault: str | None,
    body: dict[str, Any],
    update_type: str,
) -> None:
    csms, cp = await _started(start_csms, connect, faults=(fault,) if fault else ())
    sent, reply = await _operator_request(
        csms, cp, "SendLocalList", {"updateType": update_type, **body}, ACCEPTED
    )
    assert reply.status == 200 and sent["updateType"] == update_type
    assert validate_payload("SendLocalList", sent, response=False) == []
    if fault:
        assert sent["localAuthorizationList"] == []
    else:
        assert sent["localAuthorizationList"]
        assert all("idTagInfo" in entry for entry in sent["localAuthorizationList"])


# -- local-list-version-first -------------------------------------------------------------


async def _send_local_list_with_version_first(
    csms: ReferenceCsms, cp: FakeChargePoint, body: dict[str, Any], reported: int
) -> tuple[list[str], dict[str, Any]]:
    """POST SendLocalList; answer a GetLocalListVersion with ``reported``, the update
    Accepted. Returns the actions the charge point got and the SendLocalList payload."""
    url = f"{csms.api_url}/chargepoints/CP_1/requests/SendLocalList"
    reply = asyncio.create_task(http_async("POST", url, body))
    actions: list[str] = []
    while True:
        call = await cp.expect_call()
        actions.append(call.call.action)
        if call.call.action == "GetLocalListVersion":
            assert call.call.payload == {}
            await cp.reply(call, {"listVersion": reported})
            continue
        await cp.reply(call, ACCEPTED)
        break
    answered = await asyncio.wait_for(reply, WAIT + 3)
    assert answered.status == 200, answered
    return actions, call.call.payload


async def test_local_list_version_first(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    csms, cp = await _started(start_csms, connect, variations=(LOCAL_LIST_VERSION_FIRST,))
    # A Full update goes out as usual, without asking.
    actions, full = await _send_local_list_with_version_first(
        csms, cp, {"updateType": "Full", "idTags": [TAGS.valid]}, 0
    )
    assert actions == ["SendLocalList"] and full["listVersion"] == 1
    # A Differential one: the version first; the update is numbered one above the report.
    body = {"updateType": "Differential", "idTags": [TAGS.same_parent]}
    actions, update = await _send_local_list_with_version_first(csms, cp, body, 7)
    assert actions == ["GetLocalListVersion", "SendLocalList"]
    assert update["listVersion"] == 8 and _tags(update) == [TAGS.same_parent]
    state = csms.store.local_list("CP_1")
    assert state is not None and state.reported_version == 7 and state.list_version == 8


async def test_no_version_first_without_the_variation(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    body = {"updateType": "Differential", "idTags": [TAGS.same_parent]}
    actions, update = await _send_local_list_with_version_first(csms, cp, body, 7)
    assert actions == ["SendLocalList"] and update["listVersion"] == 1


# -- ReserveNow: the operator's expiryOffset, reservation-expiry-margin, parentIdTag ------


@pytest.mark.parametrize("variation", [None, RESERVATION_EXPIRY_MARGIN])
@pytest.mark.parametrize("given", [None, 7, 7.5], ids=["default", "int", "float"])
async def test_expiry_offset(
    start_csms: StartCsms,
    connect: ConnectChargePoint,
    variation: str | None,
    given: float | None,
) -> None:
    csms, cp = await _started(start_csms, connect, variations=(variation,) if variation else ())
    body: dict[str, Any] = {"connectorId": 1, "idTag": TAGS.valid}
    if given is not None:
        body["expiryOffset"] = given
    before = datetime.now(UTC)
    sent, reply = await _operator_request(csms, cp, "ReserveNow", body, ACCEPTED)
    assert reply.status == 200 and "expiryOffset" not in sent
    assert validate_payload("ReserveNow", sent, response=False) == []
    expected = (OFFSET if given is None else given) + (
        RESERVATION_EXPIRY_MARGIN_S if variation else 0
    )
    assert abs(_seconds_from(before, sent["expiryDate"]) - expected) < 1.5
    (record,) = csms.store.reservations()
    assert record.expiry_date == sent["expiryDate"]


async def test_a_given_expiry_date_is_kept_with_the_margin(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await _started(start_csms, connect, variations=(RESERVATION_EXPIRY_MARGIN,))
    body = {"connectorId": 1, "idTag": TAGS.valid, "expiryDate": "2030-01-01T00:00:00.000Z"}
    sent, _ = await _operator_request(csms, cp, "ReserveNow", body, ACCEPTED)
    assert sent["expiryDate"] == "2030-01-01T00:00:00.000Z"


@pytest.mark.parametrize("fault", [None, "reserve-without-parent-id-tag"])
@pytest.mark.parametrize("explicit", [False, True], ids=["completed", "given"])
async def test_reserve_without_parent_id_tag(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None, explicit: bool
) -> None:
    csms, cp = await _started(start_csms, connect, faults=(fault,) if fault else ())
    body = {"connectorId": 1, "idTag": TAGS.valid}
    if explicit:
        body["parentIdTag"] = TAGS.parent
    sent, _ = await _operator_request(csms, cp, "ReserveNow", body, ACCEPTED)
    assert sent["idTag"] == TAGS.valid and sent["connectorId"] == 1
    if fault:
        assert "parentIdTag" not in sent
    else:
        assert sent["parentIdTag"] == TAGS.parent
    (record,) = csms.store.reservations()
    assert record.parent_id_tag == sent.get("parentIdTag")  # what was sent
    # Authorize still carries the parent: only the ReserveNow loses it.
    answer = await cp.request("Authorize", {"idTag": TAGS.same_parent})
    assert answer["idTagInfo"] == {"status": "Accepted", "parentIdTag": TAGS.parent}


# -- CancelReservation: cancel-latest-reservation -----------------------------------------


@pytest.mark.parametrize("fault", [None, "cancel-latest-reservation"])
async def test_cancel_latest_reservation(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None
) -> None:
    csms, cp = await _started(start_csms, connect, faults=(fault,) if fault else ())
    reserve = {"connectorId": 1, "idTag": TAGS.valid}
    reserved, _ = await _operator_request(csms, cp, "ReserveNow", reserve, ACCEPTED)
    unknown = reserved["reservationId"] + 987
    sent, reply = await _operator_request(
        csms, cp, "CancelReservation", {"reservationId": unknown}, {"status": "Rejected"}
    )
    assert reply.status == 200
    assert sent == {"reservationId": reserved["reservationId"] if fault else unknown}
    # Rejected: nothing is cancelled either way.
    (record,) = csms.store.reservations()
    assert record.status == "accepted"


async def test_cancel_latest_reservation_completes_as_usual(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await _started(start_csms, connect, faults=("cancel-latest-reservation",))
    reserve = {"connectorId": 1, "idTag": TAGS.valid}
    first, _ = await _operator_request(csms, cp, "ReserveNow", reserve, ACCEPTED)
    second, _ = await _operator_request(
        csms, cp, "ReserveNow", {"connectorId": 2, "idTag": TAGS.valid}, ACCEPTED
    )
    sent, _ = await _operator_request(
        csms, cp, "CancelReservation", {"reservationId": first["reservationId"]}, ACCEPTED
    )
    assert sent == {"reservationId": second["reservationId"]}
    statuses = {r.reservation_id: r.status for r in csms.store.reservations()}
    assert statuses == {first["reservationId"]: "accepted", second["reservationId"]: "cancelled"}


async def test_cancel_latest_reservation_without_any_sends_the_given_id(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await _started(start_csms, connect, faults=("cancel-latest-reservation",))
    sent, _ = await _operator_request(
        csms, cp, "CancelReservation", {"reservationId": 5}, {"status": "Rejected"}
    )
    assert sent == {"reservationId": 5}


# -- BootNotification: boot-rejected-while-installing -------------------------------------


async def _firmware_status(cp: FakeChargePoint, status: str) -> None:
    assert await cp.request("FirmwareStatusNotification", {"status": status}) == {}


@pytest.mark.parametrize("fault", [None, "boot-rejected-while-installing"])
async def test_boot_rejected_while_installing(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None
) -> None:
    _, cp = await _started(start_csms, connect, faults=(fault,) if fault else ())
    assert (await cp.boot())["status"] == "Accepted"  # no firmware update under way
    for status in ("Downloading", "Downloaded"):
        await _firmware_status(cp, status)
    assert (await cp.boot())["status"] == "Accepted"
    await _firmware_status(cp, "Installing")
    # The reboot into the new image: the fault rejects the charge point.
    assert (await cp.boot())["status"] == ("Rejected" if fault else "Accepted")
    for status in ("Installed", "InstallationFailed"):
        await _firmware_status(cp, status)
        assert (await cp.boot())["status"] == "Accepted"
