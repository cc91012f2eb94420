"""AuthorizationKey, the HTTP Basic password of security profiles 1 and 2.

Security white paper §7 / catalog §11.0 h: the key is write-only (never returned by
GetConfiguration) and its value is the hex form of a 16-20 byte password, at most 40 hex
digits. TC_073_CSMS: after accepting it the charge point reconnects with the hex-DECODED
password (catalog TC_073 notes [I]).
"""

from __future__ import annotations

from typing import Any

MIN_PASSWORD_BYTES = 16
MAX_PASSWORD_BYTES = 20


def hex_bytes_problem(value: str, low: int, high: int) -> str | None:
    """Why ``value`` is not the hex form (two digits a byte, at most ``2 * high``) of
    ``low`` to ``high`` bytes, or None when it is (the ``$hex_bytes`` match operator)."""
    if len(value) > 2 * high:
        return f"{len(value)} characters, more than {2 * high} hex digits"
    try:
        decoded = bytes.fromhex(value)
    except ValueError:
        return "not an even-length string of hex digits"
    if any(ch.isspace() for ch in value):
        return "contains whitespace"
    if not low <= len(decoded) <= high:
        return f"decodes to {len(decoded)} bytes, not {low}-{high}"
    return None


def authorization_key_problem(value: str) -> str | None:
    """Why `value` is not a valid AuthorizationKey, or None when it is (2025-11 TC_073 step 1)."""
    return hex_bytes_problem(value, MIN_PASSWORD_BYTES, MAX_PASSWORD_BYTES)


def is_valid_authorization_key(value: str) -> bool:
    return authorization_key_problem(value) is None


def decoded_password(value: str) -> bytes:
    """The password bytes the charge point puts in the Basic Authorization header."""
    problem = authorization_key_problem(value)
    if problem is not None:
        raise ValueError(f"invalid AuthorizationKey: {problem}")
    return bytes.fromhex(value)


def without_secrets(action: str, payload: Any) -> Any:
    """``payload`` as transcripts and the charge point's log keep it: a new HTTP Basic
    password (ChangeConfiguration AuthorizationKey, TC_073) is shown by its length only,
    like the PICS's password, which no output holds."""
    if (
        action == "ChangeConfiguration"
        and isinstance(payload, dict)
        and payload.get("key") == "AuthorizationKey"
        and isinstance(payload.get("value"), str)
    ):
        return {**payload, "value": f"(hidden: {len(payload['value'])} characters)"}
    return payload
