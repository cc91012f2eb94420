from simulator.runner.matching import describe, dig, match


def test_subset_match_and_mismatch_paths() -> None:
    actual = {"idTagInfo": {"status": "Invalid", "parentIdTag": "P"}, "transactionId": 3}
    assert match({"idTagInfo": {"status": "Invalid"}}, actual) == []
    [mismatch] = match({"idTagInfo": {"status": "Accepted"}}, actual)
    assert mismatch.describe() == 'idTagInfo.status: expected "Accepted", got "Invalid"'


def test_operators() -> None:
    actual = {"a": 1, "b": "x"}
    assert match({"a": {"$ne": 2}, "b": {"$in": ["x", "y"]}, "c": {"$absent": True}}, actual) == []
    assert match({"c": {"$present": True}}, actual)[0].observed == "(absent)"
    assert match({"a": {"$ne": 1}}, actual)[0].expected == "anything but 1"


def test_numbers_compare_by_value_but_not_with_booleans() -> None:
    assert match({"limit": 6}, {"limit": 6.0}) == []
    assert match({"flag": 1}, {"flag": True})


def test_dig() -> None:
    assert dig({"a": {"b": 2}}, "a.b") == 2
    assert dig({"a": {}}, "a.b") is None


def test_any_of_several_alternatives() -> None:
    empty_or_absent = {"key": {"$any": [{"$absent": True}, []]}}
    assert match(empty_or_absent, {}) == []
    assert match(empty_or_absent, {"key": []}) == []
    [mismatch] = match(empty_or_absent, {"key": ["A"]})
    assert mismatch.describe() == 'key: expected absent or an empty list, got ["A"]'


def test_each_and_from_now() -> None:
    from datetime import UTC, datetime

    every = {"list": {"$each": {"idTagInfo": {"$present": True}}}}
    assert match(every, {"list": [{"idTagInfo": {}}, {"idTagInfo": {}}]}) == []
    [mismatch] = match(every, {"list": [{"idTagInfo": {}}, {"idTag": "x"}]})
    assert mismatch.path == "list[1].idTagInfo"
    assert match(every, {})[0].expected == "a list"
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    soon = {"at": {"$from_now": {"seconds": 60, "tolerance": 2}}}
    assert match(soon, {"at": "2026-01-01T12:01:01.500Z"}, now=now) == []
    [late] = match(soon, {"at": "2026-01-01T13:00:00Z"}, now=now)
    assert "now + 3600.0 s" in late.observed


def test_describe_says_what_is_expected_in_words() -> None:
    assert describe({"$any": [{"$absent": True}, []]}) == "absent or an empty list"
    assert describe({"idTagInfo": {"status": "Accepted"}}) == 'idTagInfo.status "Accepted"'
    assert describe({"status": {"$in": ["Accepted", "Rejected"]}}) == (
        'status one of "Accepted", "Rejected"'
    )
    assert describe({"a": {"$all": [{"b": 1}, {"c": {"$present": True}}]}}) == "a.b 1, a.c present"
    assert describe({"p": {"$each": {"x": 1, "y": {"$gt": 0}}}}) == (
        "p a list, each item (x 1, y more than 0)"
    )
    assert describe({"t": {"$from_now": {"seconds": 30}}}) == "t now + 30 s (+- 5 s)"
    assert "$" not in describe({"k": {"$first": {"$min_items": 2}}, "n": {"$ne": "x"}})


def test_hex_bytes_is_an_authorization_key_form() -> None:
    """TC_073 (2025-11): at most 40 hex digits of a 16-20 byte password."""
    expected = {"value": {"$hex_bytes": [16, 20]}}
    assert match(expected, {"value": "ab" * 16}) == []
    assert match(expected, {"value": "AB" * 20}) == []
    for wrong in ["ab" * 15, "ab" * 21, "ab" * 15 + "a", "ab" * 15 + " ab", "zz" * 16, 1234, None]:
        [mismatch] = match(expected, {"value": wrong})
        assert mismatch.expected == "hex digits (at most 40) of 16 to 20 bytes"
