"""The raw send route, POST /api/chargepoints/{cpId}/ocpp/{Action}: the payload as given,
schema-checked, sent unchanged and recorded; and ``--operator-api raw``, which leaves only
it, health, the OpenAPI document and /files (docs/operator-api.md)."""

from __future__ import annotations

import asyncio
import urllib.request
from typing import Any

import pytest

from csms_under_test import ReferenceCsms, cli
from csms_under_test.files import DEMO_FIRMWARE_NAME
from csms_under_test.variations import OWN_REQUEST_FIRST
from simulator.config import IdTags

from .helpers import (
    WAIT,
    ConnectChargePoint,
    FakeChargePoint,
    HttpReply,
    StartCsms,
    api_get,
    http_async,
)

TAGS = IdTags()
RESERVE = {
    "connectorId": 1,
    "idTag": TAGS.valid,
    "expiryDate": "2030-01-01T00:00:00.000Z",
    "reservationId": 77,
}


def _raw_url(csms: ReferenceCsms, action: str, cp_id: str = "CP_1", query: str = "") -> str:
    return f"{csms.api_url}/chargepoints/{cp_id}/ocpp/{action}{query}"


async def _raw(
    csms: ReferenceCsms, cp: FakeChargePoint, action: str, body: dict[str, Any], answer: Any
) -> tuple[dict[str, Any], HttpReply]:
    """Send ``body`` raw; the charge point answers ``answer`` (a CALLRESULT payload). The
    payload the charge point received and the API's reply."""
    sent = asyncio.create_task(http_async("POST", _raw_url(csms, action), body))
    call = await cp.expect_call()
    assert call.call.action == action
    await cp.reply(call, answer)
    return call.call.payload, await sent


async def test_a_payload_goes_out_unchanged_and_is_recorded(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    received, reply = await _raw(csms, cp, "ReserveNow", RESERVE, {"status": "Accepted"})
    assert received == RESERVE  # no parentIdTag added, the expiryDate as given
    assert (reply.status, reply.body) == (
        200,
        {"action": "ReserveNow", "request": RESERVE, "response": {"status": "Accepted"}},
    )
    (reservation,) = (await api_get(csms, "reservations"))["reservations"]
    assert (reservation["reservationId"], reservation["status"]) == (77, "accepted")
    assert reservation["parentIdTag"] is None


async def test_local_lists_and_profiles_are_recorded(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    update = {
        "listVersion": 5,
        "updateType": "Full",
        "localAuthorizationList": [{"idTag": TAGS.valid, "idTagInfo": {"status": "Accepted"}}],
    }
    await _raw(csms, cp, "SendLocalList", update, {"status": "Accepted"})
    (state,) = (await api_get(csms, "locallists"))["localLists"]
    assert (state["listVersion"], state["idTags"]) == (5, [TAGS.valid])
    profile = {
        "chargingProfileId": 9,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 8.0}],
        },
    }
    body = {"connectorId": 1, "csChargingProfiles": profile}
    received, _ = await _raw(csms, cp, "SetChargingProfile", body, {"status": "Accepted"})
    assert received == body  # no validFrom, validTo or startSchedule added
    (stored,) = (await api_get(csms, "chargingprofiles"))["chargingProfiles"]
    assert (stored["chargingProfileId"], stored["status"]) == (9, "accepted")
    assert stored["chargingProfile"] == profile


async def test_in_process_as_over_http(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    sent = asyncio.create_task(csms.send_raw("CP_1", "Reset", {"type": "Soft"}))
    call = await cp.expect_call()
    await cp.reply(call, {"status": "Rejected"})
    reply = await sent
    assert (reply.status, reply.body["response"]) == (200, {"status": "Rejected"})


async def test_a_callerror_is_reported(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    sent = asyncio.create_task(http_async("POST", _raw_url(csms, "ClearCache"), {}))
    call = await cp.expect_call()
    error = cp.session.send_error(call.call.unique_id, "NotSupported", "no cache", {})
    await cp.websocket.send(error.text)
    reply = await sent
    assert reply.status == 200
    assert reply.body == {
        "action": "ClearCache",
        "request": {},
        "error": {"errorCode": "NotSupported", "errorDescription": "no cache", "errorDetails": {}},
    }


@pytest.mark.parametrize(
    ("action", "body", "status", "message"),
    [
        ("RemoteStopTransaction", {}, 400, "breaks the OCPP 1.6 schema"),  # nothing completed
        ("ReserveNow", {"connectorId": 1, "idTag": TAGS.valid}, 400, "breaks the OCPP 1.6 schema"),
        ("Reset", {"type": "Soft", "expiryOffset": 5}, 400, "breaks the OCPP 1.6 schema"),
        ("BootNotification", {}, 400, "sent by a charge point"),
        ("NoSuchAction", {}, 400, "unknown OCPP 1.6 action"),
    ],
)
async def test_what_cannot_be_sent_as_given_is_refused(
    csms: ReferenceCsms,
    cp: FakeChargePoint,
    action: str,
    body: dict[str, Any],
    status: int,
    message: str,
) -> None:
    reply = await http_async("POST", _raw_url(csms, action), body)
    assert reply.status == status and message in reply.body["error"]
    if "schema" in message:
        assert reply.body["request"] == body and reply.body["violations"]
    assert (await api_get(csms, "reservations"))["reservations"] == []


async def test_unknown_charge_point_bad_body_and_bad_timeout(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    unknown = await http_async("POST", _raw_url(csms, "ClearCache", cp_id="NOPE"), {})
    assert unknown.status == 404 and "is unknown" in unknown.body["error"]
    not_json = await http_async("POST", _raw_url(csms, "ClearCache"), b"[1]")
    assert not_json.status == 400 and "JSON object" in not_json.body["error"]
    bad = await http_async("POST", _raw_url(csms, "ClearCache", query="?timeout=soon"), {})
    assert bad.status == 400 and "timeout" in bad.body["error"]


async def test_no_answer_within_the_timeout_is_504(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    url = _raw_url(csms, "ClearCache", query="?timeout=0.2")
    sent = asyncio.create_task(http_async("POST", url, {}))
    await cp.expect_call()
    reply = await asyncio.wait_for(sent, WAIT)
    assert reply.status == 504 and reply.body["action"] == "ClearCache"


async def test_faults_and_variations_leave_a_raw_request_alone(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(
        faults=["request-not-sent", "reset-type-swapped"], variations=[OWN_REQUEST_FIRST]
    )
    cp = await connect(csms.ocpp_url)
    received, reply = await _raw(csms, cp, "Reset", {"type": "Hard"}, {"status": "Accepted"})
    assert received == {"type": "Hard"} and reply.body["response"] == {"status": "Accepted"}
    get = {"key": ["MeterValueSampleInterval"]}
    received, _ = await _raw(csms, cp, "GetConfiguration", get, {"configurationKey": []})
    assert received == get  # the one request asked for: no own request of the CSMS first


# -- --operator-api raw -----------------------------------------------------------------
@pytest.fixture
async def raw_csms(start_csms: StartCsms) -> ReferenceCsms:
    return await start_csms(operator_api="raw")


async def test_raw_mode_offers_health_and_the_raw_route(
    raw_csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    assert (await api_get(raw_csms, "health")) == {"status": "ok"}
    cp = await connect(raw_csms.ocpp_url)
    _, reply = await _raw(raw_csms, cp, "ReserveNow", RESERVE, {"status": "Accepted"})
    assert reply.status == 200
    assert raw_csms.store.reservations()[0].reservation_id == 77  # recorded all the same


async def test_raw_mode_serves_files(raw_csms: ReferenceCsms) -> None:
    def fetch() -> tuple[int, int]:
        url = f"{raw_csms.files_http_url}/firmware/{DEMO_FIRMWARE_NAME}"
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return response.status, len(response.read())

    assert await asyncio.to_thread(fetch) == (200, 4096)
    upload = f"{raw_csms.files_http_url}/diagnostics/raw-mode.log"
    assert (await asyncio.to_thread(_put, upload, b"log")) == 201


def _put(url: str, data: bytes) -> int:
    request = urllib.request.Request(url, data=data, method="PUT")
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        status: int = response.status
        return status


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/chargepoints"),
        ("GET", "/transactions"),
        ("GET", "/reservations"),
        ("GET", "/locallists"),
        ("GET", "/chargingprofiles"),
        ("GET", "/diagnostics"),
        ("GET", "/idtags"),
        ("PUT", "/idtags/TAG-1"),
        ("DELETE", "/chargepoints/CP_1"),
        ("POST", "/chargepoints/CP_1/requests/Reset"),
        ("DELETE", "/chargepoints/CP_1/requests/Reset"),  # any method: not offered
    ],
)
async def test_raw_mode_refuses_every_other_api_route(
    raw_csms: ReferenceCsms, method: str, path: str
) -> None:
    reply = await http_async(method, raw_csms.api_url + path, b"{}")
    assert reply.status == 404
    assert reply.body == {"error": f"/api{path} is not offered: this CSMS runs --operator-api raw"}


async def test_raw_mode_still_tells_unknown_paths_and_methods(raw_csms: ReferenceCsms) -> None:
    unknown = await http_async("GET", f"{raw_csms.api_url}/nothing")
    assert unknown.status == 404 and unknown.body["error"].startswith("no such endpoint")
    wrong = await http_async("GET", _raw_url(raw_csms, "Reset"))
    assert wrong.status == 405 and wrong.headers["Allow"] == "POST"


@pytest.mark.parametrize("mode", ["full", "raw"])
async def test_the_contract_is_served_in_both_modes(start_csms: StartCsms, mode: str) -> None:
    csms = await start_csms(operator_api=mode)
    reply = await http_async("GET", f"{csms.api_url}/openapi.json")
    assert reply.status == 200 and reply.body["openapi"] == "3.1.0"


def test_the_cli_chooses_the_mode() -> None:
    parser = cli._parser()
    assert parser.parse_args([]).operator_api == "full"
    args = parser.parse_args(["--operator-api", "raw", "--port", "0", "--db", "unused.db"])
    assert cli._build(args).settings.operator_api == "raw"
