import json

import pytest

from ocppj import (
    MAX_ERROR_DESCRIPTION,
    MAX_NESTING_DEPTH,
    Call,
    CallError,
    CallResult,
    ErrorCode,
    FrameError,
    bounded_error,
    parse_frame,
)


def test_call_round_trip() -> None:
    call = Call("42", "Heartbeat", {})
    assert parse_frame(call.to_json()) == call
    assert json.loads(call.to_json()) == [2, "42", "Heartbeat", {}]


def test_callresult_and_callerror_round_trip() -> None:
    result = CallResult("1", {"currentTime": "2024-01-01T00:00:00Z"})
    error = CallError("2", "NotImplemented", "no", {"a": 1})
    assert parse_frame(result.to_json()) == result
    assert parse_frame(error.to_json()) == error


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("not json", ErrorCode.FORMATION_VIOLATION, "not JSON"),
        ("{}", ErrorCode.FORMATION_VIOLATION, "not a JSON array"),
        ("[]", ErrorCode.FORMATION_VIOLATION, "not a JSON array"),
        ('[7, "1", {}]', ErrorCode.PROTOCOL_ERROR, "unknown message type id 7"),
        ('[true, "1", {}]', ErrorCode.PROTOCOL_ERROR, "unknown message type id"),
        ('[2, 5, "Heartbeat", {}]', ErrorCode.FORMATION_VIOLATION, "uniqueId"),
        ('[2, "1", "Heartbeat"]', ErrorCode.FORMATION_VIOLATION, "CALL must be"),
        ('[2, "1", "Heartbeat", []]', ErrorCode.FORMATION_VIOLATION, "CALL must be"),
        ('[3, "1"]', ErrorCode.FORMATION_VIOLATION, "CALLRESULT must be"),
        ('[4, "1", "NotImplemented", "x"]', ErrorCode.FORMATION_VIOLATION, "CALLERROR must be"),
        (
            '[4, "1", "Oops", "x", {}]',
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "not an OCPP 1.6 error code",
        ),
        (json.dumps([2, "x" * 37, "Heartbeat", {}]), ErrorCode.FORMATION_VIOLATION, "36"),
    ],
)
def test_malformed_frames_name_the_problem(text: str, code: ErrorCode, fragment: str) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(text)
    assert info.value.error_code == code
    assert fragment in str(info.value)


def test_unique_id_kept_when_readable_so_an_error_can_be_sent() -> None:
    with pytest.raises(FrameError) as info:
        parse_frame('[2, "abc", "Heartbeat"]')
    assert info.value.unique_id == "abc"


def test_error_codes_use_the_1_6_spelling() -> None:
    assert ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION.value == "OccurenceConstraintViolation"
    assert ErrorCode.FORMATION_VIOLATION.value == "FormationViolation"


def test_binary_utf8_frames_are_decoded() -> None:
    assert parse_frame(b'[2,"1","Heartbeat",{}]') == Call("1", "Heartbeat", {})


@pytest.mark.parametrize(
    "text",
    [
        '[3, "abc"]',
        '[4, "abc", "Oops", "x", {}]',
        '[2, "%s", "Heartbeat"]' % ("x" * 40),
    ],
)
def test_malformed_results_and_overlong_ids_are_not_answered(text: str) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(text)
    assert info.value.unique_id is None


def test_an_unknown_message_type_is_answered() -> None:
    with pytest.raises(FrameError) as info:
        parse_frame('[5, "abc", {}]')
    assert info.value.unique_id == "abc"
    assert info.value.error_code == ErrorCode.PROTOCOL_ERROR


# Found by the protocol oracle (tests/differential, docs/protocol-oracle.md).
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[2, "1", "Heartbeat", {"a": NaN}]', "NaN is not a JSON value"),
        ('[4, "1", "GenericError", "", {"a": Infinity}]', "Infinity is not a JSON value"),
        ('[4, "1", "GenericError", "", {"a": -Infinity}]', "-Infinity is not a JSON value"),
        ('[4, "1", "GenericError", "", {"a": 1e400}]', "out of the range of a double"),
        ('[2, "1", "Heartbeat", {"a": %s}]' % ("9" * 5000), "RFC 8259"),
    ],
)
def test_numbers_that_are_not_json_or_not_representable_are_formation_violations(
    text: str, fragment: str
) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(text)
    assert info.value.error_code == ErrorCode.FORMATION_VIOLATION
    assert fragment in str(info.value)


@pytest.mark.parametrize("type_id", ["2.0", "3.0", "4.0", "2e0"])
def test_a_message_type_id_is_a_json_integer(type_id: str) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(f'[{type_id}, "abc", "Heartbeat", {{}}]')
    assert info.value.error_code == ErrorCode.PROTOCOL_ERROR
    assert info.value.unique_id == "abc"


@pytest.mark.parametrize(
    ("text", "unique_id"),
    [
        (r'[2, "abc", "Authorize", {"idTag": "\ud800"}]', "abc"),
        (r'[2, "abc", "Authorize", {"idTag": "a\udfff"}]', "abc"),
        (r'[2, "abc", "Heartbeat", {"\udc00": 1}]', "abc"),
        (r'[2, "\ud800", "Heartbeat", {}]', None),
        (r'[3, "abc", {"currentTime": "\ud800"}]', None),
        (r'[4, "abc", "GenericError", "\ud800", {}]', None),
    ],
)
def test_a_lone_surrogate_is_a_formation_violation(text: str, unique_id: str | None) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(text)
    assert info.value.error_code == ErrorCode.FORMATION_VIOLATION
    assert "surrogate" in str(info.value)
    assert info.value.unique_id == unique_id


@pytest.mark.parametrize(
    ("text", "id_tag"),
    [
        (r'[2, "1", "Authorize", {"idTag": "\ud83d\ude00"}]', "\N{GRINNING FACE}"),
        (r'[2, "1", "Authorize", {"idTag": "\\ud800"}]', "\\ud800"),
        ('[2, "1", "Authorize", {"idTag": "Ünï"}]', "Ünï"),
    ],
)
def test_surrogate_pairs_and_escaped_backslashes_are_characters(text: str, id_tag: str) -> None:
    assert parse_frame(text) == Call("1", "Authorize", {"idTag": id_tag})


def test_a_null_payload_is_the_empty_payload() -> None:
    # OCPP-J 1.6 §4.2.1, §4.2.2: "no payload" may be null or {}.
    assert parse_frame('[2, "1", "Heartbeat", null]') == Call("1", "Heartbeat", {})
    assert parse_frame('[3, "1", null]') == CallResult("1", {})


# Found by probing the reference CSMS with hostile frames (issue 16).
def _nested(levels: int) -> str:
    """A CALL whose frame nests ``levels`` deep in all (the array, the payload, ...)."""
    inner = "[" * (levels - 2) + "]" * (levels - 2)
    return f'[2, "deep", "Heartbeat", {{"a": {inner}}}]'


def test_nesting_is_refused_beyond_the_limit_before_parsing() -> None:
    assert MAX_NESTING_DEPTH == 64
    # At the limit the frame is read (Heartbeat's schema then rejects the unknown key).
    assert parse_frame(_nested(MAX_NESTING_DEPTH)).unique_id == "deep"
    for levels in (MAX_NESTING_DEPTH + 1, 990, 100_000):
        with pytest.raises(FrameError) as info:
            parse_frame(_nested(levels))
        assert info.value.error_code == ErrorCode.FORMATION_VIOLATION
        assert "nested deeper than 64" in str(info.value)
        assert info.value.unique_id == "deep"  # read from the start: the CALL is answered


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps([2, "s", "DataTransfer", {"vendorId": "v", "data": "[{" * 500}])
    assert parse_frame(text) == Call("s", "DataTransfer", {"vendorId": "v", "data": "[{" * 500})


@pytest.mark.parametrize(
    ("text", "unique_id"),
    [
        ('[2, "c1", "Heartbeat", ', "c1"),  # truncated
        ('[2,"c2","Heartbeat",{}] x', "c2"),  # trailing garbage
        ('[2, "c3", "Heartbeat", {"a": NaN}]', "c3"),
        ('[3, "r1", ', None),  # a reply is never answered
        ('[2, "%s", "Heartbeat", ' % ("x" * 37), None),  # no id a CALLERROR may carry
        ('[2, "a\\"b", "Heartbeat", ', None),  # an escaped id is not guessed at
    ],
)
def test_text_that_is_no_json_is_answered_when_it_starts_as_a_call(
    text: str, unique_id: str | None
) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(text)
    assert info.value.error_code == ErrorCode.FORMATION_VIOLATION
    assert info.value.unique_id == unique_id


@pytest.mark.parametrize(
    ("text", "unique_id"),
    [
        ('[2, "", "Heartbeat", {}]', ""),
        ('[3, "", {}]', None),
        ('[4, "", "GenericError", "", {}]', None),
    ],
)
def test_an_empty_unique_id_is_a_formation_violation(text: str, unique_id: str | None) -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(text)
    assert info.value.error_code == ErrorCode.FORMATION_VIOLATION
    assert "§4.1.4" in str(info.value)
    assert info.value.unique_id == unique_id


def test_error_messages_quote_a_peer_value_briefly() -> None:
    with pytest.raises(FrameError) as info:
        parse_frame(json.dumps(["y" * 100_000, "t", "Heartbeat", {}]))
    assert info.value.error_code == ErrorCode.PROTOCOL_ERROR
    assert len(str(info.value)) < 200
    with pytest.raises(FrameError) as info:
        parse_frame(json.dumps([4, "t", "z" * 100_000, "", {}]))
    assert len(str(info.value)) < 200


def test_a_callerror_to_send_stays_small() -> None:
    error = bounded_error("1", "GenericError", "d" * 10_000, {"big": "é" * 5000})
    assert len(error.error_description) == MAX_ERROR_DESCRIPTION
    assert error.error_description.endswith("...")
    assert error.error_details == {"omitted": "errorDetails over 2048 bytes"}
    assert len(error.to_json().encode("utf-8")) < 1024
    small = bounded_error("2", "GenericError", "short", {"a": 1})
    assert (small.error_description, small.error_details) == ("short", {"a": 1})
