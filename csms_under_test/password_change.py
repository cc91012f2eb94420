"""Changing a charge point's HTTP Basic password: ChangeConfiguration AuthorizationKey
(Security whitepaper A01, §7; TC_073_CSMS).

Asked to change the password without a value, the CSMS makes one: 20 random characters
(whitepaper A01.FR.01: 16-20 bytes; letters and digits, so that it is also the UTF-8 text
every Basic-auth stack handles) and sends it hex-encoded (§7: AuthorizationKey carries the
password as hex, at most 40 digits). Once the charge point answers Accepted the new
password replaces the stored one, so the old one stops working (A01.FR.03).
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import Any

from csms_under_test.faults import (
    AUTHORIZATION_KEY_NOT_STORED,
    AUTHORIZATION_KEY_PLAINTEXT,
    Faults,
)
from csms_under_test.outgoing import AnswerRecorder
from csms_under_test.security import Credential
from csms_under_test.store import Store

AUTHORIZATION_KEY = "AuthorizationKey"
PASSWORD_LENGTH = 20  # bytes, the whitepaper's maximum
_ALPHABET = string.ascii_letters + string.digits


def new_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))


def complete_authorization_key(payload: dict[str, Any], faults: Faults) -> None:
    """A ChangeConfiguration AuthorizationKey without a value gets a new password, hex."""
    if payload.get("key") != AUTHORIZATION_KEY or "value" in payload:
        return
    password = new_password()
    if AUTHORIZATION_KEY_PLAINTEXT in faults:
        payload["value"] = password  # the password itself, not its hex form
        return
    payload["value"] = password.encode("utf-8").hex()


def authorization_key_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store, faults: Faults
) -> AnswerRecorder | None:
    """What records the charge point's answer to a ChangeConfiguration AuthorizationKey:
    an Accepted one makes the new password the one the CSMS checks."""
    value = request.get("value")
    if request.get("key") != AUTHORIZATION_KEY or not isinstance(value, str):
        return None

    def record(answer: dict[str, Any] | None, _at: datetime) -> None:
        if answer is None or answer.get("status") != "Accepted":
            return
        if AUTHORIZATION_KEY_NOT_STORED in faults:
            return
        try:
            password = bytes.fromhex(value).decode("utf-8")
        except ValueError:  # not hex, or not UTF-8: the charge point cannot use it either
            return
        store.set_credential(charge_point_id, Credential.of(password))

    return record
