import asyncio
from datetime import UTC, datetime

from ocppj import validate_payload
from simulator.chargepoint import ChargePoint
from simulator.config import ChargePointConfig


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime(2026, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)


def model() -> tuple[ChargePoint, FakeClock]:
    clock = FakeClock()
    return ChargePoint(
        ChargePointConfig(connectors=2, connector_id=1, meter_start_wh=1000), clock
    ), clock


def test_built_requests_are_schema_valid() -> None:
    cp, _ = model()
    for action, fields in [
        ("BootNotification", {}),
        ("StatusNotification", {"status": "Preparing"}),
        ("StartTransaction", {"idTag": "T"}),
        ("MeterValues", {}),
        ("Heartbeat", {}),
    ]:
        payload = cp.build_request(action, fields)
        assert validate_payload(action, payload, response=False) == [], action
    assert cp.build_request("StatusNotification", {})["timestamp"] == "2026-01-01T12:00:00.123Z"


def test_a_field_given_as_none_is_left_out() -> None:
    cp, _ = model()
    assert "firmwareVersion" not in cp.build_request("BootNotification", {"firmwareVersion": None})


def test_transaction_and_meter() -> None:
    cp, clock = model()
    start = cp.build_request("StartTransaction", {"idTag": "T"})
    assert start["meterStart"] == 1000
    cp.on_response(
        "StartTransaction", start, {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}
    )
    assert cp.auth_cache["T"] == {"status": "Accepted"}
    clock.t += 3600  # one hour at 7.4 kW
    stop = cp.build_request("StopTransaction", {"reason": "Remote"})
    assert stop["transactionId"] == 7 and stop["meterStop"] == 1000 + 7400
    assert validate_payload("StopTransaction", stop, response=False) == []
    cp.on_response("StopTransaction", stop, {})
    assert cp.transactions == {}
    assert cp.meter_wh(1) == 8400  # the register keeps its value


def test_status_notification_updates_the_connector() -> None:
    cp, _ = model()
    cp.on_request_sent(
        "StatusNotification", {"connectorId": 2, "status": "Faulted", "errorCode": "GroundFailure"}
    )
    assert cp.connectors[2].status == "Faulted"


def test_default_answers_are_schema_valid_and_stateful() -> None:
    cp, _ = model()
    assert cp.answer("RemoteStopTransaction", {"transactionId": 1}).payload == {
        "status": "Rejected"
    }
    assert cp.answer("UnlockConnector", {"connectorId": 3}).payload == {"status": "NotSupported"}
    assert cp.answer(
        "ChangeConfiguration", {"key": "NumberOfConnectors", "value": "4"}
    ).payload == {"status": "Rejected"}
    assert cp.answer(
        "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "-1"}
    ).payload == {"status": "Rejected"}
    assert cp.answer(
        "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "60"}
    ).payload == {"status": "Accepted"}
    assert cp.answer("ChangeConfiguration", {"key": "Nope", "value": "1"}).payload == {
        "status": "NotSupported"
    }
    keys = cp.answer("GetConfiguration", {"key": ["MeterValueSampleInterval", "Nope"]}).payload
    assert keys == {
        "configurationKey": [{"key": "MeterValueSampleInterval", "readonly": False, "value": "60"}],
        "unknownKey": ["Nope"],
    }
    everything = cp.answer("GetConfiguration", {}).payload
    assert everything is not None and len(everything["configurationKey"]) >= 21
    for action in ("Reset", "ClearCache", "DataTransfer", "TriggerMessage", "GetLocalListVersion"):
        answer = cp.answer(action, {})
        assert answer.payload is not None
        assert validate_payload(action, answer.payload, response=True) == [], action
    assert cp.answer("NoSuchAction", {}).error is not None
