"""Raising a charge point's security profile: ChangeConfiguration SecurityProfile
(Security whitepaper A05, §7; TC_083_CSMS).

The value is sent as the operator gave it. Once the charge point answers Accepted the CSMS
admits it in the new profile only: its next connection in the old one is refused
(A05.FR.07; TC_083 steps 11-12).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csms_under_test.faults import (
    SECURITY_PROFILE_NOT_ENFORCED,
    SECURITY_PROFILE_NOT_RAISED,
    Faults,
)
from csms_under_test.outgoing import AnswerRecorder
from csms_under_test.store import Store

SECURITY_PROFILE = "SecurityProfile"


def complete_security_profile(payload: dict[str, Any], faults: Faults) -> None:
    value = payload.get("value")
    if payload.get("key") != SECURITY_PROFILE or not isinstance(value, str) or not value.isdigit():
        return
    if SECURITY_PROFILE_NOT_RAISED in faults:
        payload["value"] = str(max(int(value) - 1, 0))  # the profile it runs now


def security_profile_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store, faults: Faults
) -> AnswerRecorder | None:
    """What records the answer to a ChangeConfiguration SecurityProfile: an Accepted one
    makes the new profile the one the charge point is admitted in."""
    value = request.get("value")
    if request.get("key") != SECURITY_PROFILE or not isinstance(value, str):
        return None
    if not value.isdigit() or not 1 <= int(value) <= 3:
        return None

    def record(answer: dict[str, Any] | None, _at: datetime) -> None:
        if answer is None or answer.get("status") != "Accepted":
            return
        if SECURITY_PROFILE_NOT_ENFORCED not in faults:
            store.set_security_profile(charge_point_id, int(value))

    return record
