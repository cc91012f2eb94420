"""Each fault changes exactly the behaviour its test case exists to catch."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosedError

from csms_under_test import FAULTS, Faults, ReferenceCsms
from csms_under_test.operator_requests import CORE_CONFIGURATION_KEYS
from csms_under_test.settings import CsmsSettings
from csms_under_test.timestamps import ocpp_timestamp, parse_timestamp
from ocppj import IncomingCallError
from simulator.config import IdTags

from .helpers import ConnectChargePoint, FakeChargePoint, StartCsms, http_async
from .helpers import operator_request as _operator_request

TAGS = IdTags()


async def _with_fault(
    fault: str, start_csms: StartCsms, connect: ConnectChargePoint
) -> tuple[ReferenceCsms, FakeChargePoint]:
    csms = await start_csms(faults=[fault])
    return csms, await connect(csms.ocpp_url)


def test_the_faults() -> None:
    for name, description in FAULTS.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), name
        assert description and "\n" not in description
    faults = Faults(["reject-boot"])
    assert "reject-boot" in faults and "heartbeat-silent" not in faults
    assert list(faults) == ["reject-boot"]


def test_every_fault_is_named_by_a_case() -> None:
    """A fault no case names proves nothing: each exists to make some case FAIL (or show a
    finding) in some edition, alone or with a variation; one only some PICS values catch is
    proven by its own test and listed in PICS_DEPENDENT_FAULTS."""
    from csms_under_test.faults import PICS_DEPENDENT_FAULTS, switched_on
    from simulator.editions import EDITIONS
    from tests.support.shipped import shipped_cases

    named = {
        fault
        for edition in EDITIONS
        for case in shipped_cases(edition)
        for entry in (*case.faults, *case.finding_faults)
        for fault in switched_on(entry)[0]
    }
    assert set(FAULTS) == named | set(PICS_DEPENDENT_FAULTS)


def test_unknown_fault_is_named_with_the_known_ones(db_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown fault 'nope'.*known faults: .*reject-boot"):
        Faults(["reject-boot", "nope"])
    with pytest.raises(ValueError, match="nope"):
        ReferenceCsms(CsmsSettings(db_path=db_path, faults=("nope",)))


async def test_reject_boot(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    _, cp = await _with_fault("reject-boot", start_csms, connect)
    assert (await cp.boot())["status"] == "Rejected"


async def test_heartbeat_silent(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    _, cp = await _with_fault("heartbeat-silent", start_csms, connect)
    assert (await cp.boot())["status"] == "Accepted"
    outgoing = cp.session.send_call("Heartbeat", {})
    await cp.send_text(outgoing.text)
    with pytest.raises(TimeoutError):
        await cp.next_event(timeout=0.5)
    cp.session.abandon_call()
    answer = await cp.request(
        "StatusNotification", {"connectorId": 0, "status": "Available", "errorCode": "NoError"}
    )
    assert answer == {}


async def test_authorize_invalid(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    _, cp = await _with_fault("authorize-invalid", start_csms, connect)
    assert await cp.request("Authorize", {"idTag": TAGS.valid}) == {
        "idTagInfo": {"status": "Invalid"}
    }


async def test_start_transaction_invalid(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await _with_fault("start-transaction-invalid", start_csms, connect)
    assert (await cp.request("Authorize", {"idTag": TAGS.valid}))["idTagInfo"]["status"] == (
        "Accepted"
    )
    answer = await cp.start_transaction(TAGS.valid)
    assert answer["idTagInfo"] == {"status": "Invalid"}
    assert csms.store.transaction(answer["transactionId"]) is not None


@pytest.mark.parametrize("explicit", [False, True], ids=["completed", "given"])
async def test_remote_stop_wrong_transaction(
    start_csms: StartCsms, connect: ConnectChargePoint, explicit: bool
) -> None:
    csms, cp = await _with_fault("remote-stop-wrong-transaction", start_csms, connect)
    transaction_id = (await cp.start_transaction(TAGS.valid))["transactionId"]
    body = {"transactionId": transaction_id} if explicit else {}
    url = f"{csms.api_url}/chargepoints/CP_1/requests/RemoteStopTransaction"
    sent = asyncio.create_task(http_async("POST", url, body))
    call = await cp.expect_call()
    assert call.call.payload == {"transactionId": transaction_id + 1000}
    await cp.reply(call, {"status": "Rejected"})
    assert (await sent).status == 200


@pytest.mark.parametrize(
    ("fault", "tag", "healthy", "faulty"),
    [
        ("authorize-unknown-accepted", TAGS.invalid, "Invalid", "Accepted"),
        ("expiry-ignored", TAGS.expired, "Expired", "Accepted"),
        ("blocked-as-invalid", TAGS.blocked, "Blocked", "Invalid"),
    ],
)
async def test_authorization_faults(
    start_csms: StartCsms,
    connect: ConnectChargePoint,
    fault: str,
    tag: str,
    healthy: str,
    faulty: str,
) -> None:
    healthy_csms = await start_csms()
    healthy_cp = await connect(healthy_csms.ocpp_url)
    assert (await healthy_cp.request("Authorize", {"idTag": tag}))["idTagInfo"]["status"] == healthy
    faulty_csms = await start_csms(faults=[fault], db_path=healthy_csms.db_path.with_name("f.db"))
    cp = await connect(faulty_csms.ocpp_url)
    assert (await cp.request("Authorize", {"idTag": tag}))["idTagInfo"]["status"] == faulty
    # The other idTags keep their status: each fault breaks one rule only.
    for other, status in [
        (TAGS.valid, "Accepted"),
        (TAGS.invalid, "Invalid"),
        (TAGS.expired, "Expired"),
        (TAGS.blocked, "Blocked"),
    ]:
        if other != tag:
            answer = await cp.request("Authorize", {"idTag": other})
            assert answer["idTagInfo"]["status"] == status, other
    # StartTransaction is authorized by the same rules (OCPP 1.6 §4.8).
    assert (await cp.start_transaction(tag))["idTagInfo"]["status"] == faulty


async def test_status_faulted_callerror(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    _, cp = await _with_fault("status-faulted-callerror", start_csms, connect)
    preparing = {"connectorId": 1, "status": "Preparing", "errorCode": "NoError"}
    assert await cp.request("StatusNotification", preparing) == {}
    faulted = {"connectorId": 1, "status": "Faulted", "errorCode": "ConnectorLockFailure"}
    outcome = await cp.call("StatusNotification", faulted)
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "InternalError"
    assert await cp.request("Heartbeat", {}) != {}  # the connection is kept


@pytest.mark.parametrize("fault", [None, "unlock-wrong-connector"])
async def test_unlock_wrong_connector(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None
) -> None:
    csms = await start_csms(faults=[fault] if fault else [])
    cp = await connect(csms.ocpp_url)
    sent, reply = await _operator_request(
        csms, cp, "UnlockConnector", {"connectorId": 1}, {"status": "Unlocked"}
    )
    assert sent == {"connectorId": 2 if fault else 1}
    assert (reply.status, reply.body["request"]) == (200, sent)


@pytest.mark.parametrize(
    ("action", "body", "answer", "drops"),
    [
        ("UnlockConnector", {"connectorId": 1}, {"status": "NotSupported"}, True),
        ("UnlockConnector", {"connectorId": 1}, {"status": "UnlockFailed"}, True),
        ("RemoteStartTransaction", {"idTag": TAGS.valid}, {"status": "Rejected"}, True),
        ("ChangeConfiguration", {"key": "K", "value": "1"}, {"status": "NotSupported"}, True),
        ("UnlockConnector", {"connectorId": 1}, {"status": "Unlocked"}, False),
        ("ClearCache", {}, {"status": "Accepted"}, False),
        *[
            ("ReserveNow", {"connectorId": 1, "idTag": TAGS.valid}, {"status": status}, True)
            for status in ("Faulted", "Occupied", "Unavailable", "Rejected")
        ],
        ("ReserveNow", {"connectorId": 1, "idTag": TAGS.valid}, {"status": "Accepted"}, False),
        ("CancelReservation", {"reservationId": 1}, {"status": "Rejected"}, True),
        ("CancelReservation", {"reservationId": 1}, {"status": "Accepted"}, False),
        *[
            ("SendLocalList", {"updateType": "Full"}, {"status": status}, True)
            for status in ("Failed", "NotSupported", "VersionMismatch")
        ],
        ("SendLocalList", {"updateType": "Full"}, {"status": "Accepted"}, False),
        ("TriggerMessage", {"requestedMessage": "Heartbeat"}, {"status": "Rejected"}, True),
        ("TriggerMessage", {"requestedMessage": "Heartbeat"}, {"status": "NotImplemented"}, True),
        ("TriggerMessage", {"requestedMessage": "Heartbeat"}, {"status": "Accepted"}, False),
        ("GetLocalListVersion", {}, {"listVersion": -1}, True),
        ("GetLocalListVersion", {}, {"listVersion": 0}, False),
        ("GetLocalListVersion", {}, {"listVersion": 3}, False),
        (
            "ChangeAvailability",
            {"connectorId": 1, "type": "Inoperative"},
            {"status": "Rejected"},
            True,
        ),
        (
            "ChangeAvailability",
            {"connectorId": 1, "type": "Inoperative"},
            {"status": "Scheduled"},
            False,
        ),
    ],
)
async def test_drop_on_negative_answer(
    start_csms: StartCsms,
    connect: ConnectChargePoint,
    action: str,
    body: dict[str, Any],
    answer: dict[str, Any],
    drops: bool,
) -> None:
    csms, cp = await _with_fault("drop-on-negative-answer", start_csms, connect)
    _, reply = await _operator_request(csms, cp, action, body, answer)
    assert (reply.status, reply.body["response"]) == (200, answer)  # the operator sees it
    if drops:
        with pytest.raises(ConnectionClosedError) as closed:
            await cp.next_event()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    else:
        assert "currentTime" in await cp.request("Heartbeat", {})


async def test_negative_answer_keeps_the_connection_without_the_fault(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    _, reply = await _operator_request(
        csms, cp, "UnlockConnector", {"connectorId": 1}, {"status": "NotSupported"}
    )
    assert reply.body["response"] == {"status": "NotSupported"}
    assert "currentTime" in await cp.request("Heartbeat", {})


@pytest.mark.parametrize("fault", [None, "get-configuration-all-keys-listed"])
@pytest.mark.parametrize("body", [{}, {"key": []}], ids=["absent", "empty"])
async def test_get_configuration_all_keys_listed(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None, body: dict[str, Any]
) -> None:
    csms = await start_csms(faults=[fault] if fault else [])
    cp = await connect(csms.ocpp_url)
    sent, _ = await _operator_request(csms, cp, "GetConfiguration", body, {"configurationKey": []})
    if fault:
        assert sent["key"] == list(CORE_CONFIGURATION_KEYS)
        assert "SupportedFeatureProfiles" in sent["key"]
    else:
        assert sent == body
    # Keys the operator names are sent as they are.
    one = {"key": ["HeartbeatInterval"]}
    sent, _ = await _operator_request(csms, cp, "GetConfiguration", one, {"configurationKey": []})
    assert sent == one


@pytest.mark.parametrize("fault", [None, "get-configuration-wrong-key"])
async def test_get_configuration_wrong_key(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None
) -> None:
    csms = await start_csms(faults=[fault] if fault else [])
    cp = await connect(csms.ocpp_url)
    body = {"key": ["SupportedFeatureProfiles", "HeartbeatInterval"]}
    sent, _ = await _operator_request(csms, cp, "GetConfiguration", body, {"configurationKey": []})
    expected = ["supportedFeatureProfiles", "heartbeatInterval"] if fault else body["key"]
    assert sent == {"key": expected}
    sent, _ = await _operator_request(csms, cp, "GetConfiguration", {}, {"configurationKey": []})
    assert sent == {}  # all keys: nothing to misspell


@pytest.mark.parametrize(
    ("key", "value", "sent"),
    [
        ("MeterValueSampleInterval", "60", "3600"),
        ("MeterValueSampleInterval", "-1", "-60"),
        ("HeartbeatInterval", "300", "18000"),
        ("MeterValueSampleInterval", "soon", "soon"),  # not a number: sent as given
        ("ConnectionTimeOut", "60", "60"),  # not an ...Interval key
    ],
)
async def test_change_configuration_wrong_value(
    start_csms: StartCsms, connect: ConnectChargePoint, key: str, value: str, sent: str
) -> None:
    csms, cp = await _with_fault("change-configuration-wrong-value", start_csms, connect)
    body = {"key": key, "value": value}
    payload, reply = await _operator_request(
        csms, cp, "ChangeConfiguration", body, {"status": "Accepted"}
    )
    assert payload == {"key": key, "value": sent}
    assert reply.body["request"] == payload


async def test_change_configuration_value_as_given_without_the_fault(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    body = {"key": "MeterValueSampleInterval", "value": "60"}
    payload, _ = await _operator_request(
        csms, cp, "ChangeConfiguration", body, {"status": "Accepted"}
    )
    assert payload == body


async def test_data_transfer_callerror(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    _, cp = await _with_fault("data-transfer-callerror", start_csms, connect)
    outcome = await cp.call("DataTransfer", {"vendorId": "org.example.unknown"})
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "NotSupported"
    assert "currentTime" in await cp.request("Heartbeat", {})


async def test_no_fault_no_change(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    assert len(csms.faults) == 0
    assert (await cp.boot())["status"] == "Accepted"


# -- Local Authorization List Management, Reservation, Remote Trigger ---------------------


@pytest.mark.parametrize("fault", [None, "send-local-list-wrong-type"])
@pytest.mark.parametrize("asked", ["Full", "Differential"])
async def test_send_local_list_wrong_type(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None, asked: str
) -> None:
    csms = await start_csms(faults=[fault] if fault else [])
    cp = await connect(csms.ocpp_url)
    sent, _ = await _operator_request(
        csms, cp, "SendLocalList", {"updateType": asked}, {"status": "Accepted"}
    )
    other = "Differential" if asked == "Full" else "Full"
    assert sent["updateType"] == (other if fault else asked)
    assert all("idTagInfo" in entry for entry in sent["localAuthorizationList"])
    state = csms.store.local_list("CP_1")
    assert state is not None and state.update_type == sent["updateType"]  # what was sent


@pytest.mark.parametrize("explicit", [False, True], ids=["completed", "given"])
async def test_local_list_without_idtaginfo(
    start_csms: StartCsms, connect: ConnectChargePoint, explicit: bool
) -> None:
    csms, cp = await _with_fault("local-list-without-idtaginfo", start_csms, connect)
    body: dict[str, Any] = {"updateType": "Full"}
    if explicit:
        body["localAuthorizationList"] = [
            {"idTag": TAGS.valid, "idTagInfo": {"status": "Accepted"}}
        ]
    sent, reply = await _operator_request(csms, cp, "SendLocalList", body, {"status": "Accepted"})
    assert reply.status == 200 and sent["updateType"] == "Full"
    assert sent["localAuthorizationList"]
    assert all(set(entry) == {"idTag"} for entry in sent["localAuthorizationList"])
    assert TAGS.valid in [entry["idTag"] for entry in sent["localAuthorizationList"]]
    if explicit:
        assert body["localAuthorizationList"][0]["idTagInfo"] == {"status": "Accepted"}


@pytest.mark.parametrize(
    ("fault", "asked", "expected"),
    [
        (None, TAGS.valid, TAGS.valid),
        ("reserve-wrong-idtag", TAGS.valid, TAGS.parent),
        ("reserve-wrong-idtag", TAGS.same_parent, TAGS.parent),
        # No stored parent of its own: a parent the store holds for another idTag.
        ("reserve-wrong-idtag", TAGS.blocked, TAGS.parent),
    ],
)
async def test_reserve_wrong_idtag(
    start_csms: StartCsms,
    connect: ConnectChargePoint,
    fault: str | None,
    asked: str,
    expected: str,
) -> None:
    csms = await start_csms(faults=[fault] if fault else [])
    cp = await connect(csms.ocpp_url)
    sent, _ = await _operator_request(
        csms, cp, "ReserveNow", {"connectorId": 1, "idTag": asked}, {"status": "Accepted"}
    )
    assert sent["idTag"] == expected
    (record,) = csms.store.reservations()
    assert record.id_tag == expected  # the CSMS records what it sent


@pytest.mark.parametrize("fault", [None, "reserve-wrong-connector"])
@pytest.mark.parametrize("connector_id", [0, 1, 2])
async def test_reserve_wrong_connector(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None, connector_id: int
) -> None:
    csms = await start_csms(faults=[fault] if fault else [])
    cp = await connect(csms.ocpp_url)
    body = {"connectorId": connector_id, "idTag": TAGS.valid}
    sent, _ = await _operator_request(csms, cp, "ReserveNow", body, {"status": "Accepted"})
    wrong = 1 if connector_id == 0 else 0  # the scope mixed up: fails "= configured", "!= 0"
    assert sent["connectorId"] == (wrong if fault else connector_id)
    assert sent["idTag"] == TAGS.valid


@pytest.mark.parametrize("fault", [None, "reservation-expiry-in-minutes"])
async def test_reservation_expiry_in_minutes(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None
) -> None:
    csms = await start_csms(faults=[fault] if fault else [], reservation_expiry=30)
    cp = await connect(csms.ocpp_url)
    before = datetime.now(UTC)
    body = {"connectorId": 1, "idTag": TAGS.valid}
    sent, _ = await _operator_request(csms, cp, "ReserveNow", body, {"status": "Accepted"})
    expiry = parse_timestamp(sent["expiryDate"])
    assert expiry is not None
    expected = timedelta(minutes=30) if fault else timedelta(seconds=30)
    assert abs(expiry - before - expected) < timedelta(seconds=2)
    # An expiryDate the operator gives is stretched the same way.
    given = dict(body, expiryDate=ocpp_timestamp(datetime.now(UTC) + timedelta(seconds=10)))
    sent, _ = await _operator_request(csms, cp, "ReserveNow", given, {"status": "Accepted"})
    expiry = parse_timestamp(sent["expiryDate"])
    assert expiry is not None
    expected = timedelta(minutes=10) if fault else timedelta(seconds=10)
    assert abs(expiry - datetime.now(UTC) - expected) < timedelta(seconds=2)


@pytest.mark.parametrize("explicit", [False, True], ids=["completed", "given"])
async def test_cancel_wrong_reservation(
    start_csms: StartCsms, connect: ConnectChargePoint, explicit: bool
) -> None:
    csms, cp = await _with_fault("cancel-wrong-reservation", start_csms, connect)
    reserve = {"connectorId": 1, "idTag": TAGS.valid}
    reserved, _ = await _operator_request(csms, cp, "ReserveNow", reserve, {"status": "Accepted"})
    body = {"reservationId": reserved["reservationId"]} if explicit else {}
    sent, _ = await _operator_request(csms, cp, "CancelReservation", body, {"status": "Accepted"})
    assert sent == {"reservationId": reserved["reservationId"] + 1}
    (record,) = csms.store.reservations()
    assert record.status == "accepted"  # the reservation meant is not cancelled


async def test_parent_id_tag_missing(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    csms, cp = await _with_fault("parent-id-tag-missing", start_csms, connect)
    for tag in (TAGS.valid, TAGS.same_parent):
        assert await cp.request("Authorize", {"idTag": tag}) == {
            "idTagInfo": {"status": "Accepted"}
        }
    started = await cp.start_transaction(TAGS.same_parent)
    assert started["idTagInfo"] == {"status": "Accepted"}
    stopped = await cp.request(
        "StopTransaction",
        {
            "transactionId": started["transactionId"],
            "idTag": TAGS.same_parent,
            "meterStop": 1,
            "timestamp": "2026-01-01T11:00:00.000Z",
        },
    )
    assert stopped == {"idTagInfo": {"status": "Accepted"}}
    sent, _ = await _operator_request(
        csms, cp, "SendLocalList", {"updateType": "Full"}, {"status": "Accepted"}
    )
    assert all("parentIdTag" not in e["idTagInfo"] for e in sent["localAuthorizationList"])
    # Other statuses are kept; the fault removes parentIdTag only.
    assert (await cp.request("Authorize", {"idTag": TAGS.blocked}))["idTagInfo"] == {
        "status": "Blocked"
    }


@pytest.mark.parametrize("fault", [None, "change-availability-operative"])
async def test_change_availability_operative(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None
) -> None:
    csms = await start_csms(faults=[fault] if fault else [])
    cp = await connect(csms.ocpp_url)
    body = {"connectorId": 1, "type": "Inoperative"}
    sent, _ = await _operator_request(csms, cp, "ChangeAvailability", body, {"status": "Accepted"})
    assert sent == {"connectorId": 1, "type": "Operative" if fault else "Inoperative"}


@pytest.mark.parametrize("fault", [None, "trigger-wrong-connector"])
async def test_trigger_wrong_connector(
    start_csms: StartCsms, connect: ConnectChargePoint, fault: str | None
) -> None:
    csms = await start_csms(faults=[fault] if fault else [])
    cp = await connect(csms.ocpp_url)
    body = {"requestedMessage": "MeterValues", "connectorId": 3}
    sent, _ = await _operator_request(csms, cp, "TriggerMessage", body, {"status": "Rejected"})
    assert sent == {"requestedMessage": "MeterValues", "connectorId": 4 if fault else 3}
    body = {"requestedMessage": "Heartbeat"}  # no connector: nothing to get wrong
    sent, _ = await _operator_request(csms, cp, "TriggerMessage", body, {"status": "Accepted"})
    assert sent == body


async def test_meter_values_callerror(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    csms, cp = await _with_fault("meter-values-callerror", start_csms, connect)
    outcome = await cp.call(
        "MeterValues",
        {
            "connectorId": 1,
            "meterValue": [
                {"timestamp": "2026-01-01T10:00:00.000Z", "sampledValue": [{"value": "1"}]}
            ],
        },
    )
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "InternalError"
    assert csms.store.meter_values() == []
    assert "currentTime" in await cp.request("Heartbeat", {})  # the connection is kept


@pytest.mark.parametrize("action", ["FirmwareStatusNotification", "DiagnosticsStatusNotification"])
async def test_firmware_status_notification_not_implemented(
    start_csms: StartCsms, connect: ConnectChargePoint, action: str
) -> None:
    _, cp = await _with_fault("firmware-status-notification-not-implemented", start_csms, connect)
    outcome = await cp.call(action, {"status": "Idle"})
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "NotImplemented"
    assert "currentTime" in await cp.request("Heartbeat", {})


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("GetLocalListVersion", {}),
        ("ClearCache", {}),
        ("SendLocalList", {"updateType": "Full"}),
        ("ReserveNow", {"connectorId": 1, "idTag": TAGS.valid}),
    ],
)
async def test_request_not_sent(
    start_csms: StartCsms, connect: ConnectChargePoint, action: str, body: dict[str, Any]
) -> None:
    csms, cp = await _with_fault("request-not-sent", start_csms, connect)
    reply = await http_async("POST", f"{csms.api_url}/chargepoints/CP_1/requests/{action}", body)
    assert reply.status == 200
    assert (reply.body["action"], reply.body["response"]) == (action, {})
    with pytest.raises(TimeoutError):
        await cp.next_event(timeout=0.5)
    # Nothing was sent, so nothing is recorded as sent.
    assert csms.store.reservations() == [] and csms.store.local_lists() == []
