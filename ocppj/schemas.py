"""Validation against the official OCA OCPP 1.6 JSON schemas.

The schemas are the unmodified files the ``ocpp`` package ships (``ocpp/v16/schemas``):
``<Action>.json`` for a request, ``<Action>Response.json`` for its answer. Each is
compiled once. Violations are returned as data, never raised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft4Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from ocppj.errors import ErrorCode
from ocppj.frames import clip

_SCHEMA_PACKAGE = "ocpp"
_SCHEMA_DIR = ("v16", "schemas")

# RFC 3339 date-time, as OCPP 1.6 §2.1 (dateTime) requires; timezone designator mandatory.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

# OCPP 1.6 gives integer fields no width, but beyond a signed 64-bit integer no peer's integer
# type (nor SQLite's) holds the value: such a number breaks the field's data type
# (TypeConstraintViolation), where it would otherwise fail whoever stores it.
INTEGER_RANGE = range(-(2**63), 2**63)
# How much of a jsonschema message (which quotes the offending value) a violation keeps, and
# how many violations a CALLERROR's errorDetails lists.
MAX_VIOLATION_MESSAGE = 200
MAX_VIOLATIONS_IN_DETAILS = 3

# Which OCPP-J error code fits a failed JSON-schema keyword (OCPP-J 1.6 §4.2.3).
_KEYWORD_ERROR_CODE: dict[str, ErrorCode] = {
    "required": ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
    "type": ErrorCode.TYPE_CONSTRAINT_VIOLATION,
    "additionalProperties": ErrorCode.FORMATION_VIOLATION,
    "maxItems": ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
    "minItems": ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
}


@dataclass(frozen=True)
class SchemaViolation:
    """One rule of an OCA schema that a payload breaks."""

    schema: str  # e.g. "BootNotificationResponse"
    path: str  # JSON path of the offending value, e.g. "idTagInfo.status"; "" = the payload
    keyword: str  # the JSON-schema rule, e.g. "enum", "required", "maxLength"
    message: str

    @property
    def error_code(self) -> ErrorCode:
        return _KEYWORD_ERROR_CODE.get(self.keyword, ErrorCode.PROPERTY_CONSTRAINT_VIOLATION)

    def describe(self) -> str:
        where = self.path or "(payload)"
        return f"{self.schema}: {where}: {self.message} [rule: {self.keyword}]"

    def to_dict(self) -> dict[str, str]:
        return {
            "schema": self.schema,
            "path": self.path,
            "keyword": self.keyword,
            "message": self.message,
        }


_format_checker = FormatChecker()


@_format_checker.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z"))  # raises ValueError on 2024-02-30 etc.
    return True


def _schema_dir() -> Any:
    return resources.files(_SCHEMA_PACKAGE).joinpath(*_SCHEMA_DIR)


@cache
def known_actions() -> frozenset[str]:
    """Every OCPP 1.6 action the OCA schema set defines (core, profiles and security)."""
    names = {entry.name for entry in _schema_dir().iterdir() if entry.name.endswith(".json")}
    return frozenset(
        name.removesuffix(".json")
        for name in names
        if not name.endswith("Response.json") and f"{name[:-5]}Response.json" in names
    )


def _multiple_of(
    validator: Any, step: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """multipleOf in decimal arithmetic: the OCA schemas use 0.1 (charging limits), and binary
    floats would reject legal values such as 0.3 (0.3 / 0.1 = 2.9999999999999996)."""
    if not validator.is_type(instance, "number") or isinstance(instance, bool):
        return
    quotient = Decimal(str(instance)) / Decimal(str(step))
    if quotient != quotient.to_integral_value():
        yield ValidationError(f"{instance!r} is not a multiple of {step}")


_draft4_type = Draft4Validator.VALIDATORS["type"]


def _type(validator: Any, types: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """type, where an "integer" is also within INTEGER_RANGE (a "number" may be any size)."""
    allowed = types if isinstance(types, list) else [types]
    if (
        "integer" in allowed
        and "number" not in allowed
        and isinstance(instance, int)
        and not isinstance(instance, bool)
        and instance not in INTEGER_RANGE
    ):
        yield ValidationError(
            f"{clip(str(instance), 40)} is beyond a 64-bit integer "
            f"(-2**63 to 2**63-1): not of type 'integer' here"
        )
        return
    yield from _draft4_type(validator, types, instance, schema)


_OcppValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft4Validator, {"multipleOf": _multiple_of, "type": _type}
)


@cache
def _validator(schema_name: str) -> Any:
    text = _schema_dir().joinpath(f"{schema_name}.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft4Validator.check_schema(schema)
    return _OcppValidator(schema, format_checker=_format_checker)


# -- the fast path ----------------------------------------------------------------------
# Every frame is validated both ways, and jsonschema's interpreter was over a third of the
# reference CSMS's CPU under load. fastjsonschema compiles each schema to Python; it may
# only ever say "valid": whatever it refuses, or might judge otherwise (an integer beyond 64
# bits, see _type), goes to jsonschema, which decides and describes every violation.
DRAFT_4 = "http://json-schema.org/draft-04/schema#"


def _fast_date_time(value: str) -> bool:
    try:
        return _is_date_time(value)
    except ValueError:
        return False


@cache
def _fast(schema_name: str) -> Callable[[Any], Any] | None:
    try:
        # Draft 4 for every schema, as _OcppValidator reads them (the security schemas say
        # draft-06, where 6.0 would be an integer).
        schema = {**_validator(schema_name).schema, "$schema": DRAFT_4}
        compiled: Callable[[Any], Any] = fastjsonschema.compile(
            schema, formats={"date-time": _fast_date_time}
        )
    except Exception:  # a schema it cannot compile: jsonschema alone, as before
        return None
    return compiled


def _surely_valid(schema_name: str, payload: Any) -> bool:
    fast = _fast(schema_name)
    if fast is None:
        return False
    try:
        fast(payload)
    except Exception:  # JsonSchemaException, or anything the generated code trips on
        return False
    return not _beyond_64_bits(payload)


def _beyond_64_bits(value: Any) -> bool:
    """Whether an integer in ``value`` (a JSON value: dicts, lists and scalars) is outside
    INTEGER_RANGE. Iterative, and a string (the usual leaf) costs one type check."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is str:
            continue
        if kind is dict:
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, int) and kind is not bool and item not in INTEGER_RANGE:
            return True
    return False


def payload_schema(action: str, *, response: bool) -> dict[str, Any] | None:
    """The OCA JSON schema of a request or response of ``action`` (None if it has none)."""
    if action not in known_actions():
        return None
    schema: dict[str, Any] = _validator(schema_name(action, response)).schema
    return schema


def schema_name(action: str, response: bool) -> str:
    return f"{action}Response" if response else action


def validate_payload(action: str, payload: Any, *, response: bool) -> list[SchemaViolation]:
    """Validate a request (``response=False``) or a response payload of ``action``.

    An action with no OCA schema is reported as a violation of its own.
    """
    name = schema_name(action, response)
    if action not in known_actions():
        return [SchemaViolation(name, "", "action", f"unknown OCPP 1.6 action {action!r}")]
    if _surely_valid(name, payload):
        return []
    errors = sorted(_validator(name).iter_errors(payload), key=lambda e: list(e.absolute_path))
    return [_violation(name, error) for error in errors]


def _violation(name: str, error: ValidationError) -> SchemaViolation:
    path = ".".join(
        f"[{part}]" if isinstance(part, int) else str(part) for part in error.absolute_path
    ).replace(".[", "[")
    # The message quotes the offending value: kept short, so that no answer, log line or
    # report echoes a peer's megabyte (the path follows the schema, so it stays short).
    return SchemaViolation(
        name, path, str(error.validator), clip(error.message, MAX_VIOLATION_MESSAGE)
    )


def violation_details(violations: list[SchemaViolation]) -> dict[str, Any]:
    """The errorDetails of a CALLERROR that answers a payload breaking its schema: the first
    MAX_VIOLATIONS_IN_DETAILS violations, and how many more there were."""
    details: dict[str, Any] = {
        "violations": [v.to_dict() for v in violations[:MAX_VIOLATIONS_IN_DETAILS]]
    }
    if len(violations) > MAX_VIOLATIONS_IN_DETAILS:
        details["moreViolations"] = len(violations) - MAX_VIOLATIONS_IN_DETAILS
    return details
