"""AuthorizationKey rules (TC_073_CSMS, catalog §11.0 h, 2025-11 step-1 check)."""

from __future__ import annotations

import os

import pytest

from simulator.chargepoint.authorization_key import (
    authorization_key_problem,
    decoded_password,
    is_valid_authorization_key,
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
