"""ChangeConfiguration AuthorizationKey: the CSMS makes the password, sends it as hex and
checks it once the charge point accepts it (Security whitepaper A01, §7; TC_073_CSMS)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from csms_under_test.faults import (
    AUTHORIZATION_KEY_NOT_STORED,
    AUTHORIZATION_KEY_PLAINTEXT,
    Faults,
)
from csms_under_test.password_change import authorization_key_sent, complete_authorization_key
from csms_under_test.security import Credential
from csms_under_test.store import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_new_password_is_twenty_random_characters_sent_as_hex() -> None:
    first, second = {"key": "AuthorizationKey"}, {"key": "AuthorizationKey"}
    complete_authorization_key(first, Faults())
    complete_authorization_key(second, Faults())
    assert len(first["value"]) == 40 and first["value"] != second["value"]
    assert len(bytes.fromhex(first["value"]).decode("utf-8")) == 20
    given = {"key": "AuthorizationKey", "value": "ab" * 16}
    complete_authorization_key(given, Faults())  # an operator's value is sent as given
    assert given["value"] == "ab" * 16
    plain = {"key": "AuthorizationKey"}
    complete_authorization_key(plain, Faults((AUTHORIZATION_KEY_PLAINTEXT,)))
    assert len(plain["value"]) == 20


def test_an_accepted_key_replaces_the_stored_password(tmp_path: Path) -> None:
    store = Store(tmp_path / "csms.sqlite3")
    store.ensure_charge_point("CP_1")
    store.set_credential("CP_1", Credential.of("old-password-0001"))
    request = {"key": "AuthorizationKey", "value": b"new-password-00001".hex()}
    for answer in ({"status": "Rejected"}, None):
        record = authorization_key_sent(
            request, charge_point_id="CP_1", store=store, faults=Faults()
        )
        assert record is not None
        record(answer, NOW)
    stored = store.credential("CP_1")
    assert stored is not None and stored.matches("old-password-0001")
    faulty = Faults((AUTHORIZATION_KEY_NOT_STORED,))
    record = authorization_key_sent(request, charge_point_id="CP_1", store=store, faults=faulty)
    assert record is not None
    record({"status": "Accepted"}, NOW)
    stored = store.credential("CP_1")
    assert stored is not None and stored.matches("old-password-0001")
    record = authorization_key_sent(request, charge_point_id="CP_1", store=store, faults=Faults())
    assert record is not None
    record({"status": "Accepted"}, NOW)
    stored = store.credential("CP_1")
    assert stored is not None and stored.matches("new-password-00001")
    other = {"key": "HeartbeatInterval", "value": "30"}
    assert (
        authorization_key_sent(other, charge_point_id="CP_1", store=store, faults=Faults()) is None
    )
    store.close()
