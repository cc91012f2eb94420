import pytest

from ocppj import (
    ErrorCode,
    IncomingCall,
    IncomingCallError,
    IncomingCallResult,
    InvalidFrame,
    OutstandingCallError,
    Session,
    UnmatchedReply,
    known_actions,
    validate_payload,
    violation_details,
)
from ocppj.session import counter_ids

BOOT = {"chargePointVendor": "V", "chargePointModel": "M"}
BOOT_CONF = '{"status":"Accepted","currentTime":"2024-01-01T00:00:00.000Z","interval":10}'


def test_result_is_paired_with_its_call() -> None:
    session = Session(counter_ids("cp-"))
    outgoing = session.send_call("BootNotification", BOOT)
    assert (
        outgoing.text
        == '[2,"cp-1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'
    )
    event = session.receive(f'[3,"cp-1",{BOOT_CONF}]')
    assert isinstance(event, IncomingCallResult)
    assert event.call.action == "BootNotification"
    assert event.violations == []
    assert session.outstanding is None


def test_one_outstanding_call_per_direction() -> None:
    session = Session()
    session.send_call("Heartbeat", {})
    with pytest.raises(OutstandingCallError, match="still unanswered"):
        session.send_call("Heartbeat", {})


def test_answer_with_unknown_unique_id_is_unmatched() -> None:
    session = Session(counter_ids())
    session.send_call("Heartbeat", {})
    event = session.receive('[3,"999",{"currentTime":"2024-01-01T00:00:00Z"}]')
    assert isinstance(event, UnmatchedReply)
    assert session.outstanding is not None


def test_callerror_is_paired() -> None:
    session = Session(counter_ids())
    session.send_call("Heartbeat", {})
    event = session.receive('[4,"1","InternalError","boom",{}]')
    assert isinstance(event, IncomingCallError)
    assert event.error.error_code == "InternalError"


def test_schema_violations_of_a_result_are_data() -> None:
    session = Session(counter_ids())
    session.send_call("Authorize", {"idTag": "A"})
    event = session.receive('[3,"1",{"idTagInfo":{"status":"Maybe"}}]')
    assert isinstance(event, IncomingCallResult)
    [violation] = event.violations
    assert violation.path == "idTagInfo.status"
    assert violation.keyword == "enum"
    assert "AuthorizeResponse" in violation.describe()


def test_incoming_call_violations_suggest_an_error_code() -> None:
    session = Session()
    event = session.receive('[2,"a","Reset",{}]')
    assert isinstance(event, IncomingCall)
    assert event.suggested_error == ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION
    event = session.receive('[2,"b","NoSuchAction",{}]')
    assert isinstance(event, IncomingCall)
    assert event.suggested_error == ErrorCode.NOT_IMPLEMENTED
    assert event.overlapping  # "a" is still unanswered


def test_answering_an_incoming_call_validates_our_payload() -> None:
    session = Session()
    session.receive('[2,"a","Reset",{"type":"Hard"}]')
    outgoing = session.send_result("a", {"status": "Maybe"})
    assert outgoing.action == "Reset"
    assert outgoing.violations and outgoing.violations[0].keyword == "enum"
    assert session.unanswered == []


def test_invalid_frame_with_readable_id_gets_a_callerror_reply() -> None:
    event = Session().receive('[2,"x","Heartbeat"]')
    assert isinstance(event, InvalidFrame)
    assert event.reply is not None
    assert event.reply.text.startswith('[4,"x","FormationViolation"')
    assert isinstance(Session().receive("garbage"), InvalidFrame)


def test_a_late_answer_after_abandoning_is_marked_late() -> None:
    session = Session(counter_ids())
    session.send_call("Heartbeat", {})
    session.abandon_call()
    session.send_call("Heartbeat", {})  # allowed again after giving up
    event = session.receive('[3,"1",{"currentTime":"2024-01-01T00:00:00Z"}]')
    assert isinstance(event, IncomingCallResult) and event.late


def test_date_time_format_is_checked() -> None:
    bad = {"currentTime": "yesterday"}
    assert validate_payload("Heartbeat", bad, response=True)[0].keyword == "format"
    assert validate_payload("Heartbeat", {"currentTime": "2024-02-30T00:00:00Z"}, response=True)
    assert not validate_payload(
        "Heartbeat", {"currentTime": "2024-02-28T10:00:00.123+01:00"}, response=True
    )


def test_all_core_actions_have_schemas() -> None:
    for action in (
        "BootNotification",
        "StartTransaction",
        "RemoteStopTransaction",
        "GetConfiguration",
    ):
        assert action in known_actions()


def test_multiple_of_is_decimal_not_binary_float() -> None:
    def profile(limit: float) -> dict[str, object]:
        period = {"startPeriod": 0, "limit": limit}
        schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [period]}
        return {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 1,
                "stackLevel": 0,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Absolute",
                "chargingSchedule": schedule,
            },
        }

    for legal in (0.3, 6.0, 6, 16.1, 6000.0, 0.7):
        assert validate_payload("SetChargingProfile", profile(legal), response=False) == [], legal
    [violation] = validate_payload("SetChargingProfile", profile(6.05), response=False)
    assert violation.keyword == "multipleOf"
    assert violation.path == "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"


def test_a_null_payload_is_validated_as_the_empty_one() -> None:
    session = Session(counter_ids())
    heartbeat = session.receive('[2,"a","Heartbeat",null]')
    boot = session.receive('[2,"b","BootNotification",null]')
    assert isinstance(heartbeat, IncomingCall) and heartbeat.suggested_error is None
    assert isinstance(boot, IncomingCall)
    assert boot.suggested_error == ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION


def test_a_lone_surrogate_is_answered_with_a_frame_that_can_be_sent() -> None:
    event = Session().receive(r'[2,"a","Authorize",{"idTag":"\ud800"}]')
    assert isinstance(event, InvalidFrame) and event.reply is not None
    assert event.reply.text.encode("utf-8").startswith(b'[4,"a","FormationViolation",')


# Found by probing the reference CSMS with hostile frames (issue 16).
START = {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "2024-01-01T00:00:00Z"}


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**30])
def test_an_integer_field_beyond_64_bits_is_a_type_constraint_violation(number: int) -> None:
    violations = validate_payload(
        "StartTransaction", {**START, "meterStart": number}, response=False
    )
    assert [(v.path, v.keyword, v.error_code) for v in violations] == [
        ("meterStart", "type", ErrorCode.TYPE_CONSTRAINT_VIOLATION)
    ]
    assert "64-bit" in violations[0].message


@pytest.mark.parametrize("number", [2**63 - 1, -(2**63)])
def test_the_edges_of_a_64_bit_integer_are_integers(number: int) -> None:
    assert (
        validate_payload("StartTransaction", {**START, "meterStart": number}, response=False) == []
    )


def test_a_number_field_may_be_any_size() -> None:
    payload = {"connectorId": 1, "duration": 60}
    result = {
        "status": "Accepted",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10**30}],
        },
    }
    assert validate_payload("GetCompositeSchedule", payload, response=False) == []
    assert validate_payload("GetCompositeSchedule", result, response=True) == []


def test_a_violation_quotes_the_offending_value_briefly() -> None:
    (violation,) = validate_payload("Authorize", {"idTag": "x" * 700_000}, response=False)
    assert violation.keyword == "maxLength"
    assert len(violation.message) <= 200 and violation.message.endswith("...")


def test_violation_details_list_a_few_violations_and_count_the_rest() -> None:
    payload = {"meterValue": [{"timestamp": "x", "sampledValue": [{"value": 1}] * 10}]}
    violations = validate_payload("MeterValues", {"connectorId": 1, **payload}, response=False)
    assert len(violations) > 3
    details = violation_details(violations)
    assert len(details["violations"]) == 3
    assert details["moreViolations"] == len(violations) - 3
    assert "moreViolations" not in violation_details(violations[:2])


def test_every_callerror_the_session_writes_is_bounded() -> None:
    session = Session()
    call = session.receive('[2,"a","Authorize",{"idTag":"%s"}]' % ("x" * 700_000))
    assert isinstance(call, IncomingCall)
    reply = session.send_error(
        "a", call.suggested_error or "", call.violations[0].describe() * 10, {"v": "x" * 10_000}
    )
    assert len(reply.text.encode("utf-8")) < 1024
    invalid = Session().receive('["%s","b","Heartbeat",{}]' % ("y" * 700_000))
    assert isinstance(invalid, InvalidFrame) and invalid.reply is not None
    assert len(invalid.reply.text) < 512


def test_a_request_answered_elsewhere_is_no_longer_unanswered() -> None:
    session = Session()
    session.receive('[2,"a","Heartbeat",{}]')
    dropped = session.drop_unanswered("a")
    assert dropped is not None and dropped.action == "Heartbeat"
    assert session.unanswered == [] and session.drop_unanswered("a") is None
    overlap = session.receive('[2,"b","Heartbeat",{}]')
    assert isinstance(overlap, IncomingCall) and not overlap.overlapping
