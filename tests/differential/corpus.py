"""The corpus of the protocol oracle (tests/differential/test_protocol_oracle.py).

Every item is one text frame as a peer would put it on the wire, plus, for a CALLRESULT,
the action of the CALL it answers (OCPP-J 1.6 §4.2.2: a result names no action).

Payload items are derived from the OCA OCPP 1.6 JSON schemas, read straight from the
``ocpp`` package's files and listed by its ``Action`` enum (not through ``ocppj``): for every
action, its request and its response each get a minimal and a full valid payload and
one malformed payload per kind of rule the schema has (the first place, in schema order,
where that rule applies). Frame items cover the RPC framework itself (OCPP-J 1.6 §4).
Everything is built in a fixed order from fixed values: no randomness.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ocpp.v16.enums import Action

UNIQUE_ID = "c1"

# Valid sample values: minimal payloads use the first, full payloads the second (the
# boundary: maxLength strings in non-ASCII characters, the last enum value).
DATE_TIME = ("2024-01-01T12:00:00Z", "2024-06-30T23:59:59.999+02:00")
URI = ("ftp://example.com/file", "https://example.com/a/b?c=d")


@dataclass(frozen=True)
class Item:
    id: str  # "call/<Action>/<case>", "result/<Action>/<case>", "frame/<case>", ...
    text: str | bytes  # the frame as received
    # For a CALLRESULT or CALLERROR: the CALL it answers (OCPP-J 1.6 §4.1.4: same id).
    action: str = "Heartbeat"
    unique_id: str = UNIQUE_ID


def actions() -> list[str]:
    return sorted(action.value for action in Action)


@cache
def schema(action: str, *, response: bool) -> dict[str, Any]:
    name = f"{action}Response.json" if response else f"{action}.json"
    text = resources.files("ocpp").joinpath("v16", "schemas", name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def call(action: str, payload: Any, unique_id: Any = UNIQUE_ID) -> str:
    return dumps([2, unique_id, action, payload])


def result(payload: Any, unique_id: Any = UNIQUE_ID) -> str:
    return dumps([3, unique_id, payload])


# -- payloads from a schema -----------------------------------------------------------------
Path = tuple[str | int, ...]


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:  # only local refs occur: "#/definitions/<Name>"
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def sample(node: dict[str, Any], root: dict[str, Any], *, full: bool) -> Any:
    """A value that satisfies ``node``: required properties only, or every property."""
    node = _resolve(node, root)
    pick = 1 if full else 0
    kind = node.get("type")
    if kind == "object":
        names = list(node.get("properties", {})) if full else node.get("required", [])
        return {name: sample(node["properties"][name], root, full=full) for name in names}
    if kind == "array":
        return [sample(node["items"], root, full=full)] * max(node.get("minItems", 1), 1)
    if kind == "string":
        if "enum" in node:
            return node["enum"][-1 if full else 0]
        if node.get("format") == "date-time":
            return DATE_TIME[pick]
        if node.get("format") == "uri":
            return URI[pick]
        limit = node.get("maxLength", 40)
        return "Ä" * limit if full else "A1"[:limit]
    if kind == "integer":
        return 2**31 - 1 if full else 1
    if kind == "number":
        # 0.3 / 0.1 is 2.9999999999999996 in binary floats: multipleOf must not trip on it.
        return 0.3 if "multipleOf" in node else 1.5
    if kind == "boolean":
        return full
    raise AssertionError(f"no sample for schema {node}")


def sites(
    node: dict[str, Any], root: dict[str, Any], value: Any, path: Path = ()
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every value in ``value`` (a sample of ``node``) with its schema, in schema order."""
    node = _resolve(node, root)
    yield path, node
    if node.get("type") == "object" and isinstance(value, dict):
        for name, child in node.get("properties", {}).items():
            if name in value:
                yield from sites(child, root, value[name], (*path, name))
    elif node.get("type") == "array" and isinstance(value, list) and value:
        yield from sites(node["items"], root, value[0], (*path, 0))


def replaced(value: Any, path: Path, new: Any) -> Any:
    copied = copy.deepcopy(value)
    *parent, last = path
    target = copied
    for part in parent:
        target = target[part]
    target[last] = new
    return copied


def without(value: Any, path: Path) -> Any:
    copied = copy.deepcopy(value)
    *parent, last = path
    target = copied
    for part in parent:
        target = target[part]
    del target[last]
    return copied


def show(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


_WRONG_TYPE = {
    "string": 12,
    "integer": "12",
    "number": "1.5",
    "boolean": "true",
    "array": {},
    "object": [],
}


def variants(node: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(case, payload) pairs: the full sample with one rule of ``node`` broken once, or one
    value pushed to an edge (``huge-integer``: 2**63 is still a JSON integer).

    Each kind is applied at the first place in schema order where it fits; the nested
    kinds at the first place below the top level.
    """
    full = sample(node, node, full=True)
    places = list(sites(node, node, full))
    top = [(p, s) for p, s in places if len(p) == 1]
    nested = [(p, s) for p, s in places if len(p) > 1]
    required = node.get("required", [])

    if required:
        yield "empty-payload", {}
        yield f"missing:{required[0]}", without(full, (required[0],))
    for path, sub in nested:
        if sub.get("type") == "object" and sub.get("required"):
            yield (
                f"missing:{show((*path, sub['required'][0]))}",
                without(full, (*path, sub["required"][0])),
            )
            yield f"empty-object:{show(path)}", replaced(full, path, {})
            break
    for path, sub in places:
        if sub.get("type") == "array" and sub.get("minItems", 0) >= 1:
            yield f"empty-array:{show(path)}", replaced(full, path, [])
            break
    yield "additional-property", {**full, "vendorExtension": 1}
    for path, sub in nested:
        if sub.get("type") == "object":
            yield f"additional-property:{show(path)}", replaced(full, (*path, "vendorExtension"), 1)
            break
    for group in (top, nested):
        for path, sub in group[:1]:
            yield f"wrong-type:{show(path)}", replaced(full, path, _WRONG_TYPE[sub["type"]])
    kinds: list[tuple[str, Callable[[dict[str, Any]], bool], Callable[[dict[str, Any]], Any]]] = [
        # (case, where it applies, the value put there)
        ("too-long", lambda s: "maxLength" in s, lambda s: "x" * (s["maxLength"] + 1)),
        ("enum-case", lambda s: "enum" in s, lambda s: _other_case(s["enum"][0])),
        ("enum-unknown", lambda s: "enum" in s, lambda s: "NotInTheEnum"),
        ("date-time-invalid", _is_date_time, lambda s: "2024-02-30T12:00:00Z"),
        ("date-time-no-offset", _is_date_time, lambda s: "2024-01-01T12:00:00"),
        ("date-time-not-a-date", _is_date_time, lambda s: "yesterday"),
        ("fraction-for-integer", _is_integer, lambda s: 1.5),
        ("integral-float-for-integer", _is_integer, lambda s: 1.0),
        ("boolean-for-integer", _is_integer, lambda s: True),
        ("huge-integer", _is_integer, lambda s: 2**63),
        ("negative-integer", _is_integer, lambda s: -(2**63) - 1),
        ("not-a-multiple", lambda s: "multipleOf" in s, lambda s: 0.35),
    ]
    for case, fits, bad in kinds:
        for path, sub in places:
            if path and fits(sub):
                yield f"{case}:{show(path)}", replaced(full, path, bad(sub))
                break


def _other_case(word: str) -> str:
    return word.lower() if word.lower() != word else word.upper()


def _is_date_time(node: dict[str, Any]) -> bool:
    return node.get("format") == "date-time"


def _is_integer(node: dict[str, Any]) -> bool:
    return node.get("type") == "integer"


def payload_items() -> Iterator[Item]:
    for action in actions():
        for response in (False, True):
            node = schema(action, response=response)
            cases = [
                ("minimal", sample(node, node, full=False)),
                ("full", sample(node, node, full=True)),
                *variants(node),
            ]
            for case, payload in cases:
                if response:
                    yield Item(f"result/{action}/{case}", result(payload), action)
                else:
                    yield Item(f"call/{action}/{case}", call(action, payload), action)


# -- the RPC framework (OCPP-J 1.6 §4) ------------------------------------------------------
BOOT = {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}
BOOT_RESULT = {"status": "Accepted", "currentTime": DATE_TIME[0], "interval": 300}
HEARTBEAT_RESULT = {"currentTime": DATE_TIME[0]}
ERROR_CODES_1_6 = (  # OCPP-J 1.6 §4.2.3, table 7, spelled as the spec does
    "NotImplemented",
    "NotSupported",
    "InternalError",
    "ProtocolError",
    "SecurityError",
    "FormationViolation",
    "PropertyConstraintViolation",
    "OccurenceConstraintViolation",
    "TypeConstraintViolation",
    "GenericError",
)


def _with_number(literal: str) -> str:
    """A SetChargingProfile CALL whose first charging limit is the raw JSON ``literal``."""
    node = schema("SetChargingProfile", response=False)
    payload = sample(node, node, full=False)
    payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = "#"
    return call("SetChargingProfile", payload).replace('"#"', literal)


def frame_items() -> Iterator[Item]:
    heartbeat = call("Heartbeat", {})
    yield Item("frame/heartbeat", heartbeat)
    yield Item(
        "frame/pretty-printed", json.dumps([2, UNIQUE_ID, "BootNotification", BOOT], indent=2)
    )

    # Not JSON, or JSON but not an array (OCPP-J 1.6 §4.1.2, §4.2).
    for case, text in {
        "not-json": "not json",
        "empty-text": "",
        "truncated": heartbeat[:-2],
        "trailing-garbage": heartbeat + " x",
        "single-quotes": heartbeat.replace('"', "'"),
        "object": "{}",
        "string": '"2"',
        "number": "2",
        "null": "null",
        "empty-array": "[]",
        "type-id-only": "[2]",
    }.items():
        yield Item(f"frame/{case}", text)

    # The message type id (OCPP-J 1.6 §4.1.3): 2, 3 or 4.
    for case, type_id in {
        "0": 0,
        "1": 1,
        "5": 5,
        "-2": -2,
        "2.0": 2.0,
        "2.5": 2.5,
        "string-2": "2",
        "true": True,
        "null": None,
        "2**63": 2**63,
        "array": [2],
    }.items():
        yield Item(f"frame/type-id-{case}", dumps([type_id, UNIQUE_ID, "Heartbeat", {}]))
    yield Item("frame/type-id-3.0", dumps([3.0, UNIQUE_ID, HEARTBEAT_RESULT]))
    yield Item("frame/type-id-4.0", dumps([4.0, UNIQUE_ID, "GenericError", "", {}]))

    # Arity (OCPP-J 1.6 §4.2.1-§4.2.3: 4, 3 and 5 elements).
    yield Item("frame/call-3-elements", dumps([2, UNIQUE_ID, "Heartbeat"]))
    yield Item("frame/call-5-elements", dumps([2, UNIQUE_ID, "Heartbeat", {}, {}]))
    yield Item("frame/result-2-elements", dumps([3, UNIQUE_ID]))
    yield Item("frame/result-4-elements", dumps([3, UNIQUE_ID, HEARTBEAT_RESULT, "Heartbeat"]))
    yield Item("frame/error-4-elements", dumps([4, UNIQUE_ID, "GenericError", "x"]))
    yield Item("frame/error-6-elements", dumps([4, UNIQUE_ID, "GenericError", "x", {}, {}]))

    # The message id (OCPP-J 1.6 §4.1.4: a string of at most 36 characters).
    for case, unique_id in {
        "int": 5,
        "null": None,
        "array": ["c1"],
        "empty": "",
        "36-chars": "x" * 36,
        "37-chars": "x" * 37,
        "36-non-ascii": "é" * 36,
        "37-non-ascii": "é" * 37,
        "uuid": "7c5f7ba9-7f2e-4d3c-8ab5-3a4a40d3f8b1",
    }.items():
        yield Item(f"frame/call-id-{case}", call("Heartbeat", {}, unique_id))
    for case, unique_id in {"36-chars": "y" * 36, "37-chars": "y" * 37}.items():
        yield Item(
            f"frame/result-id-{case}", result(HEARTBEAT_RESULT, unique_id), unique_id=unique_id
        )
    yield Item("frame/result-id-int", result(HEARTBEAT_RESULT, 1), unique_id="1")

    # The action (OCPP-J 1.6 §4.2.1: the case-sensitive name of an OCPP 1.6 action).
    for case, action in {
        "int": 5,
        "null": None,
        "unknown": "FooBar",
        "empty": "",
        "trailing-space": "Heartbeat ",
        "non-ascii": "Héartbeat",
        "2.0.1-only": "NotifyReport",
        "response-schema-name": "BootNotificationResponse",
        "path": "../../v201/schemas/HeartbeatRequest",
    }.items():
        payload = BOOT_RESULT if case == "response-schema-name" else {}
        yield Item(f"frame/call-action-{case}", dumps([2, UNIQUE_ID, action, payload]))

    # The payload: a JSON object; "no payload" may be null (OCPP-J 1.6 §4.2.1, §4.2.2).
    bodies: dict[str, Any] = {"null": None, "array": [], "string": "x", "number": 1}
    for case, body in bodies.items():
        yield Item(f"frame/call-payload-{case}", call("Heartbeat", body))
    yield Item("frame/call-payload-null-required", call("BootNotification", None))
    yield Item("frame/result-payload-null", result(None), "StatusNotification")
    yield Item("frame/result-payload-null-required", result(None), "Heartbeat")
    yield Item("frame/result-payload-array", result([]), "StatusNotification")
    yield Item("frame/call-two-violations", call("BootNotification", {"chargePointVendor": 5}))
    yield Item("frame/call-duplicate-key", '[2,"c1","Authorize",{"idTag":"A","idTag":"B"}]')

    # CALLERROR (OCPP-J 1.6 §4.2.3).
    for code in ERROR_CODES_1_6:
        yield Item(f"callerror/{code}", dumps([4, UNIQUE_ID, code, "description", {}]))
    for case, frame in {
        "code-unknown": [4, UNIQUE_ID, "Oops", "", {}],
        "code-2.0.1-spelling": [4, UNIQUE_ID, "FormatViolation", "", {}],
        "code-2.1-spelling": [4, UNIQUE_ID, "OccurrenceConstraintViolation", "", {}],
        "code-2.0.1-only": [4, UNIQUE_ID, "MessageTypeNotSupported", "", {}],
        "code-lower-case": [4, UNIQUE_ID, "notimplemented", "", {}],
        "code-int": [4, UNIQUE_ID, 5, "", {}],
        "description-empty": [4, UNIQUE_ID, "GenericError", "", {}],
        "description-int": [4, UNIQUE_ID, "GenericError", 5, {}],
        "description-null": [4, UNIQUE_ID, "GenericError", None, {}],
        "details-null": [4, UNIQUE_ID, "GenericError", "", None],
        "details-array": [4, UNIQUE_ID, "GenericError", "", []],
        "details-free-form": [4, UNIQUE_ID, "GenericError", "", {"a": [1, {"b": None}]}],
        "id-37-chars": [4, "z" * 37, "GenericError", "", {}],
    }.items():
        unique_id = "z" * 37 if case == "id-37-chars" else UNIQUE_ID
        yield Item(f"callerror/{case}", dumps(frame), unique_id=unique_id)

    # Characters (OCPP-J 1.6 §4.1.2: valid JSON in UTF-8).
    yield Item("text/non-ascii", call("Authorize", {"idTag": "Ünïcødé-ÄÖÜ"}))
    yield Item("text/non-ascii-escaped", json.dumps([2, UNIQUE_ID, "Authorize", {"idTag": "Ünï"}]))
    yield Item("text/surrogate-pair-escaped", '[2,"c1","Authorize",{"idTag":"\\ud83d\\ude00"}]')
    yield Item("text/escaped-backslash-u", '[2,"c1","Authorize",{"idTag":"\\\\ud800"}]')
    yield Item("text/lone-surrogate-in-value", '[2,"c1","Authorize",{"idTag":"\\ud800"}]')
    yield Item("text/lone-low-surrogate", '[2,"c1","Authorize",{"idTag":"a\\udc00"}]')
    yield Item("text/lone-surrogate-in-id", '[2,"\\ud800","Heartbeat",{}]')
    yield Item("text/lone-surrogate-in-key", '[2,"c1","Heartbeat",{"\\udfff":1}]')
    yield Item("text/lone-surrogate-in-error", '[4,"c1","GenericError","\\ud800",{}]')
    yield Item("text/nul-escaped", '[2,"c1","Authorize",{"idTag":"\\u0000"}]')
    yield Item("text/control-character-raw", '[2,"c1","Authorize",{"idTag":"a\tb"}]')
    yield Item("bytes/utf-8", heartbeat.encode())
    yield Item("bytes/invalid-utf-8", b'[2,"c1","Authorize",{"idTag":"\xff"}]')
    yield Item("bytes/utf-8-bom", b"\xef\xbb\xbf" + heartbeat.encode())
    yield Item("bytes/utf-16", heartbeat.encode("utf-16-le"))
    yield Item("text/bom", "\ufeff" + heartbeat)

    # Size and numbers (RFC 8259 §9 lets a parser limit depth and number range).
    yield Item("text/deeply-nested", "[" * 100_000 + "]" * 100_000)
    deep: Any = {}
    for _ in range(200):
        deep = {"a": deep}
    yield Item("text/nested-200-in-details", dumps([4, UNIQUE_ID, "GenericError", "", deep]))
    # ocppj's nesting limit (ocppj.frames.MAX_NESTING_DEPTH, 64 levels, the frame's array
    # included): the details object and 62 more inside it are at the limit, one more is over.
    for case, levels in {"at-the-nesting-limit": 62, "over-the-nesting-limit": 63}.items():
        nested: Any = {}
        for _ in range(levels):
            nested = {"a": nested}
        yield Item(f"text/{case}", dumps([4, UNIQUE_ID, "GenericError", "", nested]))
    yield Item("text/integer-5000-digits", heartbeat.replace("{}", '{"a":' + "9" * 5000 + "}"))
    yield Item(
        "text/integer-5000-digits-in-details",
        dumps([4, UNIQUE_ID, "GenericError", "", {}]).replace("{}", '{"a":' + "9" * 5000 + "}"),
    )
    # The edges of a signed 64-bit integer (ocppj refuses an integer field beyond them).
    for case, number in {"2**63-1": 2**63 - 1, "-2**63": -(2**63)}.items():
        payload = {"connectorId": 1, "idTag": "A1", "meterStart": number, "timestamp": DATE_TIME[0]}
        yield Item(f"number/integer-{case}", call("StartTransaction", payload))
    yield Item("number/limit-0.3", _with_number("0.3"))
    yield Item("number/limit-1e2", _with_number("1e2"))
    yield Item("number/limit-1e400", _with_number("1e400"))
    yield Item("number/limit-NaN", _with_number("NaN"))
    yield Item("number/limit-Infinity", _with_number("Infinity"))
    yield Item("number/limit--Infinity", _with_number("-Infinity"))
    yield Item("number/details-NaN", '[4,"c1","GenericError","",{"a":NaN}]')
    yield Item("number/details-1e400", '[4,"c1","GenericError","",{"a":1e400}]')


def corpus() -> list[Item]:
    items = [*payload_items(), *frame_items()]
    ids = [item.id for item in items]
    assert len(ids) == len(set(ids)), "corpus ids must be unique"
    return items
