"""The operator request of the contract (docs/operator-contract.md), read by this CSMS.

The body of ``POST /api/chargepoints/{cpId}/requests/{Action}`` is an operator request:
``fields`` (the values the operator was told, in OCPP names), ``fromNow`` (date fields
stated relative to now), ``instruction``, ``context`` and ``timeout``. This CSMS keeps
its own state, so it ignores ``context``; it completes the rest from its own store.

A body without ``fields`` is this CSMS's shorthand for people with curl: the body is the
fields. (No CSMS-initiated OCPP 1.6 request has a field named ``fields``.)
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from csms_under_test.reservations import EXPIRY_OFFSET
from csms_under_test.timestamps import ocpp_timestamp

FIELDS = "fields"
ENVELOPE_KEYS = frozenset(
    {"action", "chargePointId", "instruction", FIELDS, "fromNow", "context", "timeout"}
)


class BadOperatorRequest(ValueError):
    """The body is not an operator request; the message names the key."""


def operator_payload(
    body: dict[str, Any], *, action: str, charge_point_id: str, now: datetime
) -> dict[str, Any]:
    """What the operator asks for, as this CSMS's completion takes it (never ``body``)."""
    if FIELDS not in body:
        return dict(body)
    unknown = sorted(set(body) - ENVELOPE_KEYS)
    if unknown:
        raise BadOperatorRequest(
            f"unknown key {unknown[0]!r} in the operator request; allowed: "
            + ", ".join(sorted(ENVELOPE_KEYS))
        )
    for key, expected in (("action", action), ("chargePointId", charge_point_id)):
        if key in body and body[key] != expected:
            raise BadOperatorRequest(f"{key} {body[key]!r} differs from the path's {expected!r}")
    for key in ("instruction",):
        if key in body and not isinstance(body[key], str):
            raise BadOperatorRequest(f"{key} must be a string")
    for key in (FIELDS, "fromNow", "context"):
        if key in body and not isinstance(body[key], dict):
            raise BadOperatorRequest(f"{key} must be a JSON object")
    payload = dict(body[FIELDS])
    for name, seconds in body.get("fromNow", {}).items():
        if not _seconds(seconds):
            raise BadOperatorRequest(
                f"fromNow.{name} must be a number of seconds (0 or more), not {seconds!r}"
            )
        if action == "ReserveNow" and name == "expiryDate":
            # The CSMS's own expiry completion (its faults and variations) takes the offset.
            payload.pop(name, None)
            payload[EXPIRY_OFFSET] = seconds
        else:
            _set_path(payload, name, ocpp_timestamp(now + timedelta(seconds=seconds)))
    return payload


def _set_path(payload: dict[str, Any], name: str, value: Any) -> None:
    """Set ``name``, a field or a dotted path into objects (``firmware.retrieveDateTime``,
    SignedUpdateFirmware), copying each object on the way (``body`` stays as it was)."""
    *parents, last = name.split(".")
    target = payload
    for parent in parents:
        inner = target.get(parent)
        if not isinstance(inner, dict):
            raise BadOperatorRequest(f"fromNow.{name}: fields.{parent} is not an object")
        target[parent] = target = dict(inner)
    target[last] = value


def _seconds(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= 10 * 365 * 86400
    )
