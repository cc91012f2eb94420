"""Reservations: ReserveNow / CancelReservation completion and the reservation's life
(OCPP 1.6 §3.11, §5.1, §5.13)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.store import IdTagRecord, ReservationRecord
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


async def _reserve(
    csms: ReferenceCsms,
    cp: FakeChargePoint,
    body: dict[str, Any],
    status: str = "Accepted",
    charge_point_id: str = "CP_1",
) -> dict[str, Any]:
    sent, reply = await operator_request(
        csms, cp, "ReserveNow", body, {"status": status}, charge_point_id
    )
    assert reply.status == 200 and reply.body["request"] == sent
    assert validate_payload("ReserveNow", sent, response=False) == []
    return sent


def _only(csms: ReferenceCsms) -> ReservationRecord:
    (record,) = csms.store.reservations()
    return record


async def _start(
    cp: FakeChargePoint, id_tag: str, connector_id: int, reservation_id: int
) -> dict[str, Any]:
    return await cp.request(
        "StartTransaction",
        {
            "connectorId": connector_id,
            "idTag": id_tag,
            "meterStart": 0,
            "timestamp": "2026-01-01T10:00:00.000Z",
            "reservationId": reservation_id,
        },
    )


async def test_reserve_now_is_completed(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    before = datetime.now(UTC)
    sent = await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid})
    after = datetime.now(UTC)
    assert set(sent) == {"connectorId", "idTag", "reservationId", "expiryDate", "parentIdTag"}
    assert (sent["connectorId"], sent["idTag"], sent["parentIdTag"]) == (1, TAGS.valid, TAGS.parent)
    assert sent["reservationId"] == 1
    assert OCPP_TIME.match(sent["expiryDate"])
    expiry = parse_timestamp(sent["expiryDate"])
    offset = timedelta(seconds=csms.settings.reservation_expiry)  # the CSMS's default
    assert expiry is not None
    assert before + offset - timedelta(milliseconds=1) <= expiry <= after + offset
    record = _only(csms)
    assert (record.reservation_id, record.status, record.reservation_status) == (
        1,
        "accepted",
        "Accepted",
    )
    assert (record.charge_point_id, record.connector_id, record.expiry_date) == (
        "CP_1",
        1,
        sent["expiryDate"],
    )


async def test_expiry_offset_comes_from_the_settings(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(reservation_expiry=7200)
    cp = await connect(csms.ocpp_url)
    before = datetime.now(UTC)
    sent = await _reserve(csms, cp, {"connectorId": 0, "idTag": TAGS.parent})
    expiry = parse_timestamp(sent["expiryDate"])
    assert expiry is not None
    assert abs(expiry - before - timedelta(hours=2)) < timedelta(seconds=2)
    assert "parentIdTag" not in sent  # the parent idTag has no parent itself
    assert sent["connectorId"] == 0  # the whole charge point


async def test_explicit_values_are_kept(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    body = {
        "connectorId": 2,
        "idTag": TAGS.valid,
        "reservationId": 77,
        "expiryDate": "2030-01-01T00:00:00.000Z",
        "parentIdTag": "SOMEONE",
    }
    assert await _reserve(csms, cp, body) == body
    # A new id is above every id ever stored, explicit ones included.
    assert (await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid}))[
        "reservationId"
    ] == 78


async def test_reservation_ids_are_new_each_time(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    a = await connect(csms.ocpp_url, "CP_A")
    b = await connect(csms.ocpp_url, "CP_B")
    body = {"connectorId": 1, "idTag": TAGS.valid}
    ids = [
        (await _reserve(csms, a, body, "Occupied", "CP_A"))["reservationId"],
        (await _reserve(csms, b, body, "Accepted", "CP_B"))["reservationId"],
        (await _reserve(csms, a, body, "Accepted", "CP_A"))["reservationId"],
    ]
    assert ids == [1, 2, 3]


@pytest.mark.parametrize("status", ["Faulted", "Occupied", "Rejected", "Unavailable"])
async def test_declined_reservation_is_rejected_with_the_status(
    csms: ReferenceCsms, cp: FakeChargePoint, status: str
) -> None:
    await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid}, status)
    record = _only(csms)
    assert (record.status, record.reservation_status) == ("rejected", status)
    # Nothing to cancel: a rejected reservation is not active.
    url = f"{csms.api_url}/chargepoints/CP_1/requests/CancelReservation"
    reply = await http_async("POST", url, {})
    assert reply.status == 400 and "no accepted, unexpired reservation" in reply.body["error"]


async def test_unanswered_reservation_stays_requested(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    url = f"{csms.api_url}/chargepoints/CP_1/requests/ReserveNow?timeout=0.3"
    sent = asyncio.create_task(http_async("POST", url, {"connectorId": 1, "idTag": TAGS.valid}))
    await cp.expect_call()
    assert (await sent).status == 504
    assert _only(csms).status == "requested"


async def test_callerror_answer_rejects(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    url = f"{csms.api_url}/chargepoints/CP_1/requests/ReserveNow"
    sent = asyncio.create_task(http_async("POST", url, {"connectorId": 1, "idTag": TAGS.valid}))
    call = await cp.expect_call()
    await cp.send_text(cp.session.send_error(call.call.unique_id, "NotSupported", "no").text)
    assert "error" in (await sent).body
    record = _only(csms)
    assert (record.status, record.reservation_status) == ("rejected", None)


async def test_schema_breaking_request_is_not_stored(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    url = f"{csms.api_url}/chargepoints/CP_1/requests/ReserveNow"
    reply = await http_async("POST", url, {"connectorId": 1})  # no idTag
    assert reply.status == 400 and reply.body["violations"]
    assert csms.store.reservations() == []


async def test_cancel_completes_the_latest_active_reservation(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    first = await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid})
    second = await _reserve(csms, cp, {"connectorId": 2, "idTag": TAGS.valid})
    await _reserve(csms, cp, {"connectorId": 2, "idTag": TAGS.valid}, "Occupied")
    sent, reply = await operator_request(csms, cp, "CancelReservation", {}, ACCEPTED)
    assert sent == {"reservationId": second["reservationId"]}
    assert reply.body["response"] == ACCEPTED
    statuses = [r.status for r in csms.store.reservations()]
    assert statuses == ["accepted", "cancelled", "rejected"]
    sent, _ = await operator_request(csms, cp, "CancelReservation", {}, {"status": "Rejected"})
    assert sent == {"reservationId": first["reservationId"]}
    assert csms.store.reservations()[0].status == "accepted"  # still


async def test_cancel_with_explicit_id_is_sent_as_given(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    reserved = await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid})
    sent, _ = await operator_request(
        csms, cp, "CancelReservation", {"reservationId": 999}, {"status": "Rejected"}
    )
    assert sent == {"reservationId": 999}
    sent, _ = await operator_request(
        csms, cp, "CancelReservation", {"reservationId": reserved["reservationId"]}, ACCEPTED
    )
    assert _only(csms).status == "cancelled"


async def test_cancel_without_reservation_is_400(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    url = f"{csms.api_url}/chargepoints/CP_1/requests/CancelReservation"
    reply = await http_async("POST", url, {})
    assert reply.status == 400
    assert "no accepted, unexpired reservation" in reply.body["error"]


async def test_cancel_looks_at_this_charge_point_only(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    a = await connect(csms.ocpp_url, "CP_A")
    await connect(csms.ocpp_url, "CP_B")
    await _reserve(csms, a, {"connectorId": 1, "idTag": TAGS.valid}, charge_point_id="CP_A")
    url = f"{csms.api_url}/chargepoints/CP_B/requests/CancelReservation"
    assert (await http_async("POST", url, {})).status == 400


@pytest.mark.parametrize(
    ("reserved_connector", "id_tag", "used"),
    [
        (1, TAGS.valid, True),
        (0, TAGS.valid, True),  # the whole charge point: any connector
        (1, TAGS.valid.lower(), True),  # IdToken is case-insensitive
        (1, TAGS.same_parent, True),  # same parentIdTag (TC_053)
        (2, TAGS.valid, False),  # another connector
        (1, TAGS.blocked, False),  # another idTag, no common parent
    ],
    ids=["same", "connector-0", "case", "same-parent", "other-connector", "other-tag"],
)
async def test_start_transaction_uses_a_matching_reservation(
    csms: ReferenceCsms, cp: FakeChargePoint, reserved_connector: int, id_tag: str, used: bool
) -> None:
    reserved = await _reserve(csms, cp, {"connectorId": reserved_connector, "idTag": TAGS.valid})
    answer = await _start(cp, id_tag, 1, reserved["reservationId"])
    assert answer["idTagInfo"]["status"] == ("Accepted" if id_tag != TAGS.blocked else "Blocked")
    record = _only(csms)
    assert record.status == ("used" if used else "accepted")
    assert record.transaction_id == (answer["transactionId"] if used else None)
    transaction = csms.store.transaction(answer["transactionId"])
    assert transaction is not None and transaction.reservation_id == reserved["reservationId"]


async def test_reservation_without_parent_is_not_used_by_a_sibling(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    csms.store.put_id_tag(IdTagRecord("LONER", "Accepted"))
    reserved = await _reserve(csms, cp, {"connectorId": 1, "idTag": "LONER"})
    assert "parentIdTag" not in reserved
    await _start(cp, "OTHER-LONER", 1, reserved["reservationId"])
    assert _only(csms).status == "accepted"


@pytest.mark.parametrize("status", ["Rejected", "Occupied"])
async def test_start_transaction_does_not_use_a_declined_reservation(
    csms: ReferenceCsms, cp: FakeChargePoint, status: str
) -> None:
    reserved = await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid}, status)
    answer = await _start(cp, TAGS.valid, 1, reserved["reservationId"])
    assert answer["idTagInfo"]["status"] == "Accepted"
    assert _only(csms).status == "rejected"


async def test_start_transaction_with_unknown_reservation_is_answered(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    answer = await _start(cp, TAGS.valid, 1, 4242)
    assert answer["idTagInfo"]["status"] == "Accepted"


async def test_reservation_of_another_charge_point_is_not_used(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    a = await connect(csms.ocpp_url, "CP_A")
    b = await connect(csms.ocpp_url, "CP_B")
    reserved = await _reserve(
        csms, a, {"connectorId": 1, "idTag": TAGS.valid}, charge_point_id="CP_A"
    )
    await _start(b, TAGS.valid, 1, reserved["reservationId"])
    assert _only(csms).status == "accepted"


async def test_a_reservation_expires(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    csms = await start_csms(reservation_expiry=0.3)
    cp = await connect(csms.ocpp_url)
    reserved = await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid})
    (listed,) = (await api_get(csms, "reservations"))["reservations"]
    assert listed["status"] == "accepted"
    await asyncio.sleep(0.4)
    (listed,) = (await api_get(csms, "reservations"))["reservations"]
    assert listed["status"] == "expired"
    # An expired reservation is neither cancelled by default nor used.
    url = f"{csms.api_url}/chargepoints/CP_1/requests/CancelReservation"
    assert (await http_async("POST", url, {})).status == 400
    await _start(cp, TAGS.valid, 1, reserved["reservationId"])
    assert _only(csms).status == "accepted"
    assert _only(csms).status_at(datetime.now(UTC)) == "expired"


def test_status_at() -> None:
    record = ReservationRecord(
        1, 1, "CP", 1, "T", None, "2026-01-01T10:00:00.000Z", "accepted", "Accepted", None, "t"
    )
    assert record.status_at(datetime(2026, 1, 1, 9, 59, tzinfo=UTC)) == "accepted"
    assert record.status_at(datetime(2026, 1, 1, 10, 0, tzinfo=UTC)) == "expired"
    used = ReservationRecord(
        1, 1, "CP", 1, "T", None, "2026-01-01T10:00:00.000Z", "used", "Accepted", 3, "t"
    )
    assert used.status_at(datetime(2027, 1, 1, tzinfo=UTC)) == "used"


async def test_accepted_reservation_with_the_same_id_replaces_the_earlier_one(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid, "reservationId": 5})
    await _reserve(csms, cp, {"connectorId": 2, "idTag": TAGS.valid, "reservationId": 5})
    assert [r.status for r in csms.store.reservations()] == ["cancelled", "accepted"]


async def test_reservations_endpoint(csms: ReferenceCsms, connect: ConnectChargePoint) -> None:
    assert await api_get(csms, "reservations") == {"reservations": [], "total": 0, "next": None}
    cp = await connect(csms.ocpp_url)
    reserved = await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid})
    transaction_id = (await _start(cp, TAGS.valid, 1, reserved["reservationId"]))["transactionId"]
    await _reserve(csms, cp, {"connectorId": 2, "idTag": TAGS.valid}, "Unavailable")
    everything = await api_get(csms, "reservations")
    first, second = everything["reservations"]
    assert first == {
        "reservationId": reserved["reservationId"],
        "chargePointId": "CP_1",
        "connectorId": 1,
        "idTag": TAGS.valid,
        "parentIdTag": TAGS.parent,
        "expiryDate": reserved["expiryDate"],
        "status": "used",
        "reservationStatus": "Accepted",
        "transactionId": transaction_id,
        "requestedAt": first["requestedAt"],
    }
    assert OCPP_TIME.match(first["requestedAt"])
    assert (second["status"], second["reservationStatus"]) == ("rejected", "Unavailable")
    assert await api_get(csms, "reservations?chargePointId=CP_1") == everything
    assert await api_get(csms, "reservations?chargePointId=OTHER") == {
        "reservations": [],
        "total": 0,
        "next": None,
    }


async def test_reservations_survive_a_restart(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms()
    cp = await connect(csms.ocpp_url)
    reserved = await _reserve(csms, cp, {"connectorId": 1, "idTag": TAGS.valid})
    await cp.close()
    await csms.stop()

    again = await start_csms()  # same db_path
    (listed,) = (await api_get(again, "reservations"))["reservations"]
    assert (listed["reservationId"], listed["status"]) == (reserved["reservationId"], "accepted")
    cp = await connect(again.ocpp_url)
    assert (await _reserve(again, cp, {"connectorId": 2, "idTag": TAGS.valid}))[
        "reservationId"
    ] == reserved["reservationId"] + 1
    sent, _ = await operator_request(again, cp, "CancelReservation", {}, ACCEPTED)
    assert sent == {"reservationId": reserved["reservationId"] + 1}
    # The reservation made before the restart is still usable.
    await _start(cp, TAGS.valid, 1, reserved["reservationId"])
    assert [r.status for r in again.store.reservations()] == ["used", "cancelled"]
