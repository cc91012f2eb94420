"""AuthorizationKey rules (TC_073_CSMS, catalog §11.0 h, 2025-11 step-1 check)."""

from __future__ import annotations

import os

import pytest

from simulator.chargepoint.authorization_key import (
    authorization_key_problem,
    decoded_password,
    is_valid_authorization_key,
    without_secrets,
)


@pytest.mark.parametrize("size", [16, 17, 20])
def test_random_passwords_of_legal_size_are_valid(size: int) -> None:
    password = os.urandom(size)
    assert is_valid_authorization_key(password.hex())
    assert is_valid_authorization_key(password.hex().upper())
    assert decoded_password(password.hex().upper()) == password


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("00" * 15, "15 bytes"),
        ("00" * 21, "more than 40"),
        ("00" * 32, "more than 40"),
        ("not-hex-password-xyz", "hex digits"),
        ("abc", "hex digits"),
        ("00 " * 16, "hex"),
    ],
)
def test_invalid_values_name_the_rule(value: str, fragment: str) -> None:
    problem = authorization_key_problem(value)
    assert problem is not None and fragment in problem
    with pytest.raises(ValueError):
        decoded_password(value)


def test_authorization_key_is_write_only_and_validated() -> None:
    from simulator.chargepoint.configuration import core_keys

    keys = core_keys(1, "Core")
    key = keys["AuthorizationKey"]
    assert key.writeonly and not key.readonly
    assert key.validate is not None
    assert key.validate("ab" * 16) and not key.validate("ab" * 21)


def test_charge_point_accepts_stores_and_hides_authorization_key() -> None:
    from simulator.chargepoint import ChargePoint
    from simulator.clock import SystemClock
    from simulator.config import ChargePointConfig

    cp = ChargePoint(ChargePointConfig(connectors=1, connector_id=1), SystemClock())
    new = os.urandom(20).hex().upper()
    assert cp.answer("ChangeConfiguration", {"key": "AuthorizationKey", "value": new}).payload == {
        "status": "Accepted"
    }
    bad = {"key": "AuthorizationKey", "value": "plaintext-password"}
    assert cp.answer("ChangeConfiguration", bad).payload == {"status": "Rejected"}
    assert cp.configuration["AuthorizationKey"].value == new
    listed = cp.answer("GetConfiguration", {}).payload["configurationKey"]
    assert "AuthorizationKey" not in {k["key"] for k in listed}
    named = cp.answer("GetConfiguration", {"key": ["AuthorizationKey"]}).payload
    assert named == {"configurationKey": [], "unknownKey": ["AuthorizationKey"]}
    # Its log (what GetDiagnostics and GetLog upload) holds the request, not the password.
    logged = "\n".join(event for _, event in cp.events)
    assert "ChangeConfiguration" in logged
    assert new not in logged and "plaintext-password" not in logged


def test_a_new_password_is_kept_out_of_the_charge_points_log() -> None:
    """Transcripts and the charge point's logs show a new password by its length only."""
    request = {"key": "AuthorizationKey", "value": "ab" * 20}
    assert without_secrets("ChangeConfiguration", request) == {
        "key": "AuthorizationKey",
        "value": "(hidden: 40 characters)",
    }
    other = {"key": "HeartbeatInterval", "value": "30"}
    assert without_secrets("ChangeConfiguration", other) is other
