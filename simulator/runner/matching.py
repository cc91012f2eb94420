"""Compare a payload against the fields a case expects.

An expected mapping is a subset: keys it does not name are not checked. A value may be a
literal (equality; ints and floats compare by value) or an operator mapping:
``{$ne: v}``, ``{$in: [a, b]}``, ``{$present: true}``, ``{$absent: true}``, and
``{$any: [x, y]}`` (passes when any alternative, a value or an operator, matches),
``{$gt: n}``, ``{$lt: n}`` (a number above / below n), ``{$all: [x, y]}`` (passes when every one matches), ``{$each: x}`` (a list whose every
item matches x), ``{$first: x}`` (a non-empty list whose first item matches x: "the first
chargingSchedulePeriod"), ``{$min_items: n}`` (a list of at least n items) and
``{$from_now: {seconds: S, tolerance: T}}`` (a date-time S seconds after the payload was
received, within T). For certificates (catalog §11.0 e, TC_075/TC_076): ``{$certificate:
PEM}`` (a PEM text holding the same certificate: compared as DER, so line breaks, wrapping
and JSON escaping do not count) and ``{$hash_data_of: PEM}`` (a certificateHashData naming
that self-signed certificate: issuerNameHash, issuerKeyHash and serialNumber as the charge
point computes them with the hashAlgorithm given, each compared as hex, case-insensitively);
``{$certifies: CSR}`` (a PEM X.509 chain whose leaf carries the public key of the PEM CSR,
TC_074/TC_077).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from simulator.chargepoint.authorization_key import hex_bytes_problem
from simulator.chargepoint.certificates import (
    HASH_ALGORITHMS,
    CertificateError,
    hash_data,
    load_certificate,
    same_hash_data,
)
from simulator.chargepoint.certificates import describe as describe_certificate
from simulator.chargepoint.renewal import certifies_problem

_MISSING = object()
OPERATORS = frozenset(
    {
        "$ne",
        "$in",
        "$present",
        "$absent",
        "$gt",
        "$lt",
        "$any",
        "$all",
        "$from_now",
        "$each",
        "$first",
        "$min_items",
        "$hex_bytes",
        "$certificate",
        "$hash_data_of",
        "$certifies",
    }
)


@dataclass(frozen=True)
class Mismatch:
    path: str
    expected: str
    observed: str

    def describe(self) -> str:
        return f"{self.path}: expected {self.expected}, got {self.observed}"


def show(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False)


def _is_operator(expected: Any) -> bool:
    return isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)) in OPERATORS


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return bool(expected == actual)


def match(
    expected: Any, actual: Any, path: str = "", now: datetime | None = None
) -> list[Mismatch]:
    """Mismatches of ``actual`` against ``expected``; ``now`` is the time ``$from_now``
    compares with (the moment the payload was received)."""
    where = path or "(payload)"
    if _is_operator(expected) and "$from_now" in expected:
        return _from_now(expected["$from_now"], actual, where, now)
    if _is_operator(expected) and "$each" in expected:
        if not isinstance(actual, list):
            return [Mismatch(where, "a list", show(actual))]
        found: list[Mismatch] = []
        for index, item in enumerate(actual):
            found += match(expected["$each"], item, f"{path}[{index}]", now)
        return found
    if _is_operator(expected) and "$all" in expected:
        return [m for part in expected["$all"] for m in match(part, actual, path, now)]
    if _is_operator(expected) and "$first" in expected:
        if not isinstance(actual, list) or not actual:
            return [Mismatch(where, "a non-empty list", show(actual))]
        return match(expected["$first"], actual[0], f"{path}[0]", now)
    if _is_operator(expected) and "$min_items" in expected:
        wanted = int(expected["$min_items"])
        if isinstance(actual, list) and len(actual) >= wanted:
            return []
        return [Mismatch(where, describe(expected), show(actual))]
    if _is_operator(expected) and "$hex_bytes" in expected:
        low, high = (int(n) for n in expected["$hex_bytes"])
        if _hex_bytes(actual, low, high):
            return []
        return [Mismatch(where, describe(expected), show(actual))]
    if _is_operator(expected) and "$certificate" in expected:
        return _same_certificate(str(expected["$certificate"]), actual, where)
    if _is_operator(expected) and "$hash_data_of" in expected:
        return _hash_data_of(str(expected["$hash_data_of"]), actual, path)
    if _is_operator(expected) and "$certifies" in expected:
        problem = certifies_problem(actual, expected["$certifies"])
        if problem is None:
            return []
        return [Mismatch(where, describe(expected), f"{_brief(actual)} ({problem})")]
    if _is_operator(expected) and "$any" in expected:
        alternatives = expected["$any"]
        if any(not match(alternative, actual, path, now) for alternative in alternatives):
            return []
        return [Mismatch(where, describe(expected), show(actual))]
    if _is_operator(expected):
        op, operand = next(iter(expected.items()))
        ok = {
            "$ne": lambda: actual is not _MISSING and not _equal(operand, actual),
            "$in": lambda: any(_equal(o, actual) for o in operand),
            "$present": lambda: (actual is not _MISSING) == bool(operand),
            "$absent": lambda: (actual is _MISSING) == bool(operand),
            "$gt": lambda: _number(actual) and bool(actual > operand),
            "$lt": lambda: _number(actual) and bool(actual < operand),
        }[op]()
        if ok:
            return []
        return [Mismatch(where, describe(expected), show(actual))]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Mismatch(where, "an object", show(actual))]
        mismatches: list[Mismatch] = []
        for key, value in expected.items():
            mismatches += match(
                value, actual.get(key, _MISSING), f"{path}.{key}" if path else key, now
            )
        return mismatches
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [Mismatch(where, show(expected), show(actual))]
        mismatches = []
        for index, (item, got) in enumerate(zip(expected, actual, strict=True)):
            mismatches += match(item, got, f"{path}[{index}]", now)
        return mismatches
    return [] if _equal(expected, actual) else [Mismatch(where, show(expected), show(actual))]


def _from_now(
    operand: dict[str, Any], actual: Any, where: str, now: datetime | None
) -> list[Mismatch]:
    """``{$from_now: {seconds: S, tolerance: T}}``: a date-time S seconds after now, +- T."""
    seconds, tolerance = float(operand["seconds"]), float(operand.get("tolerance", 5))
    wanted = f"now + {seconds:g} s (+- {tolerance:g} s)"
    if now is None or not isinstance(actual, str):
        return [Mismatch(where, wanted, show(actual))]
    try:
        moment = datetime.fromisoformat(actual.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return [Mismatch(where, wanted, show(actual))]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    offset = (moment - now).total_seconds()
    if abs(offset - seconds) <= tolerance:
        return []
    return [Mismatch(where, wanted, f"{show(actual)} (now + {offset:.1f} s)")]


def _same_certificate(pem: str, actual: Any, where: str) -> list[Mismatch]:
    """``{$certificate: PEM}``: ``actual`` is a PEM text of the same certificate (same DER)."""
    wanted = load_certificate(pem)
    expected = f"the certificate {describe_certificate(wanted)}"
    if not isinstance(actual, str):
        return [Mismatch(where, expected, show(actual))]
    try:
        got = load_certificate(actual)
    except CertificateError as exc:
        return [Mismatch(where, expected, f"{exc} ({_shorten(actual)})")]
    if got.public_bytes(Encoding.DER) == wanted.public_bytes(Encoding.DER):
        return []
    return [Mismatch(where, expected, f"another certificate: {describe_certificate(got)}")]


def _hash_data_of(pem: str, actual: Any, path: str) -> list[Mismatch]:
    """``{$hash_data_of: PEM}``: each hash field of ``actual`` is the certificate's own,
    computed with the hashAlgorithm ``actual`` names."""
    where = path or "(payload)"
    certificate = load_certificate(pem)
    if not isinstance(actual, dict):
        return [
            Mismatch(where, f"the hash data of {describe_certificate(certificate)}", show(actual))
        ]
    algorithm = actual.get("hashAlgorithm", _MISSING)
    if algorithm not in HASH_ALGORITHMS:
        named = ", ".join(HASH_ALGORITHMS)
        return [
            Mismatch(
                f"{path}.hashAlgorithm" if path else "hashAlgorithm",
                f"one of {named}",
                show(algorithm),
            )
        ]
    wanted = hash_data(certificate, str(algorithm))
    return [
        Mismatch(
            f"{path}.{name}" if path else name,
            f"{show(wanted[name])} (of {describe_certificate(certificate)}, {algorithm}; "
            "hex, any case)",
            show(actual.get(name, _MISSING)),
        )
        for name in same_hash_data(actual, wanted)
    ]


def _shorten(text: str, limit: int = 60) -> str:
    return show(text if len(text) <= limit else text[:limit] + "...")


def describe(expected: Any) -> str:
    """An expected value in words, for a reader: ``{"$any": [{"$absent": true}, []]}``
    reads "absent or an empty list", ``{"idTagInfo": {"status": "Accepted"}}`` reads
    ``idTagInfo.status "Accepted"`` (the fields of a mapping by their dotted paths)."""
    if _is_operator(expected):
        return _describe_operator(*next(iter(expected.items())))
    if isinstance(expected, dict):
        return ", ".join(_fields(expected, "")) if expected else "an object"
    if isinstance(expected, list):
        if not expected:
            return "an empty list"
        if any(isinstance(item, dict | list) for item in expected):
            return "[" + ", ".join(describe(item) for item in expected) + "]"
    return show(expected)


def _fields(expected: dict[str, Any], prefix: str) -> list[str]:
    """``{"a": {"b": 1}, "c": {"$present": true}}`` as ``["a.b 1", "c present"]``."""
    parts: list[str] = []
    for key, value in expected.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and not _is_operator(value):
            parts += _fields(value, path)
        elif _is_operator(value) and "$all" in value and all(_plain_dict(p) for p in value["$all"]):
            for part in value["$all"]:
                parts += _fields(part, path)
        else:
            parts.append(f"{path} {describe(value)}")
    return parts


def _plain_dict(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and not _is_operator(value)


def _nested(expected: Any) -> str:
    """``describe`` in parentheses when it lists several fields (inside other words)."""
    text = describe(expected)
    return f"({text})" if _plain_dict(expected) and len(expected) > 1 else text


def _describe_operator(op: str, operand: Any) -> str:
    if op == "$ne":
        return f"anything but {show(operand)}"
    if op == "$in":
        return "one of " + ", ".join(show(item) for item in operand)
    if op == "$any":
        return " or ".join(_nested(alternative) for alternative in operand)
    if op == "$each":
        return f"a list, each item {_nested(operand)}"
    if op in ("$gt", "$lt"):
        return f"{'more' if op == '$gt' else 'less'} than {show(operand)}"
    if op == "$all":
        return " and ".join(_nested(part) for part in operand)
    if op == "$first":
        return f"a list whose first item is {_nested(operand)}"
    if op == "$min_items":
        return f"a list of at least {operand} item{'s' if operand != 1 else ''}"
    if op == "$hex_bytes":
        low, high = operand
        return f"hex digits (at most {2 * high}) of {low} to {high} bytes"
    if op in ("$certificate", "$hash_data_of"):
        try:
            named = describe_certificate(load_certificate(str(operand)))
        except CertificateError:
            named = "(not a certificate)"
        what = "the certificate" if op == "$certificate" else "the hash data of"
        return f"{what} {named}"
    if op == "$certifies":
        return "a PEM certificate chain for the charge point's CSR (its leaf has the CSR's key)"
    if op == "$from_now":
        seconds, tolerance = operand.get("seconds"), operand.get("tolerance", 5)
        if _number(seconds) and _number(tolerance):
            return f"now + {seconds:g} s (+- {tolerance:g} s)"
        return f"now + {seconds} s (+- {tolerance} s)"
    present = bool(operand) if op == "$present" else not operand
    return "present" if present else "absent"


def _brief(value: Any, limit: int = 80) -> str:
    """``show(value)``, cut to ``limit`` characters (a PEM chain is long)."""
    text = show(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _hex_bytes(value: Any, low: int, high: int) -> bool:
    """``value`` is hex digits, two per byte, of ``low`` to ``high`` bytes (TC_073 2025-11:
    an AuthorizationKey is at most 40 hex digits of a 16-20 byte password)."""
    return isinstance(value, str) and hex_bytes_problem(value, low, high) is None


def dig(payload: Any, dotted: str) -> Any:
    """The value at a dotted path (``idTagInfo.status``), or None."""
    value = payload
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value
