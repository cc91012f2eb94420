"""The reference CSMS reads the contract's operator request (docs/operator-contract.md):
``fields`` as the operator's values, ``fromNow`` dates computed when it sends, ``context``
ignored (it keeps its own state), and a clear 400 for a malformed one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.operator_envelope import BadOperatorRequest, operator_payload
from csms_under_test.timestamps import parse_timestamp

from .helpers import FakeChargePoint, http_async, operator_request

NOW = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)


def envelope(fields: dict[str, object], **more: object) -> dict[str, object]:
    return {"action": "ReserveNow", "chargePointId": "CP_1", "fields": fields, **more}


def test_a_body_without_fields_is_the_fields() -> None:
    body = {"connectorId": 1, "idTag": "TAG"}
    assert operator_payload(body, action="ReserveNow", charge_point_id="CP_1", now=NOW) == body


def test_from_now_gives_the_reservation_offset_and_other_dates() -> None:
    reserve = envelope(
        {"connectorId": 1, "idTag": "TAG", "expiryDate": "2026-12-02T10:01:00.000Z"},
        fromNow={"expiryDate": 60},
        context={"reservations": [], "total": 0, "next": None},
        instruction="Reserve ...",
        timeout=30,
    )
    payload = operator_payload(reserve, action="ReserveNow", charge_point_id="CP_1", now=NOW)
    # The CSMS's own expiry completion takes the offset (and its faults and variations).
    assert payload == {"connectorId": 1, "idTag": "TAG", "expiryOffset": 60}
    firmware = {"fields": {"location": "http://x/f.bin"}, "fromNow": {"retrieveDate": 30}}
    payload = operator_payload(firmware, action="UpdateFirmware", charge_point_id="CP_1", now=NOW)
    assert payload == {"location": "http://x/f.bin", "retrieveDate": "2026-12-02T10:00:30.000Z"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (envelope({}, extra=1), "unknown key 'extra'"),
        (envelope({}, action="Reset"), "action 'Reset' differs from the path's 'ReserveNow'"),
        (envelope({}, chargePointId="CP_2"), "chargePointId 'CP_2' differs"),
        ({"fields": []}, "fields must be a JSON object"),
        ({"fields": {}, "context": "x"}, "context must be a JSON object"),
        ({"fields": {}, "instruction": 3}, "instruction must be a string"),
        ({"fields": {}, "fromNow": {"expiryDate": "soon"}}, "fromNow.expiryDate must be a number"),
        ({"fields": {}, "fromNow": {"expiryDate": -1}}, "fromNow.expiryDate must be a number"),
        ({"fields": {}, "fromNow": {"expiryDate": True}}, "fromNow.expiryDate must be a number"),
    ],
)
def test_a_malformed_operator_request_names_the_key(body: dict[str, object], message: str) -> None:
    with pytest.raises(BadOperatorRequest, match=message.replace("(", r"\(")):
        operator_payload(body, action="ReserveNow", charge_point_id="CP_1", now=NOW)


async def test_the_route_takes_an_operator_request(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    before = datetime.now(UTC)
    body = envelope(
        {"connectorId": 1, "idTag": "TAG-VALID-0001", "expiryDate": "2000-01-01T00:00:00.000Z"},
        fromNow={"expiryDate": 120},
        context={"reservations": [{"reservationId": 99}]},  # ignored: the CSMS has its own
    )
    sent, reply = await operator_request(csms, cp, "ReserveNow", body, {"status": "Accepted"})
    assert reply.status == 200, reply
    expiry = parse_timestamp(sent["expiryDate"])
    assert expiry is not None and abs(expiry - before - timedelta(seconds=120)) < timedelta(
        seconds=2
    )
    assert sent["reservationId"] != 99 and "usedContext" not in reply.body


async def test_the_route_answers_400_for_a_malformed_operator_request(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    url = f"{csms.api_url}/chargepoints/CP_1/requests/ReserveNow"
    reply = await http_async("POST", url, envelope({}, fields_extra=1))
    assert reply.status == 400
    assert "unknown key 'fields_extra'" in reply.body["error"]
