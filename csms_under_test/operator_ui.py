"""What an operator's UI lets them ask for: legal variations of the reference CSMS.

Real CSMS front ends offer choices, not free text: a "stop" button for the running
session, a list of the connectors a charge point reported, a list of the keys the CSMS
knows. The TCD's cases must pass such a CSMS (the tool scripts its answer whatever id or
key arrives: TC_028, TC_031, TC_040_1, catalog §13.1). Applied to the operator's request
before the CSMS completes it (csms_under_test.operator_requests).
"""

from __future__ import annotations

from typing import Any

from csms_under_test.operator_requests import CORE_CONFIGURATION_KEYS
from csms_under_test.password_change import AUTHORIZATION_KEY
from csms_under_test.security_profile_change import SECURITY_PROFILE
from csms_under_test.store import Store
from csms_under_test.variations import (
    CHANGE_CONFIGURATION_KNOWN_KEYS_ONLY,
    REMOTE_STOP_NAMES_RUNNING,
    UNLOCK_KNOWN_CONNECTORS_ONLY,
    Variations,
)

# CHANGE_CONFIGURATION_KNOWN_KEYS_ONLY: the key the UI's list starts with.
FIRST_OFFERED_KEY = "HeartbeatInterval"


def as_offered(
    action: str,
    payload: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    variations: Variations,
) -> dict[str, Any]:
    """``payload`` as the UI lets the operator ask for it (never modified in place)."""
    offered = dict(payload)
    if action == "RemoteStopTransaction" and REMOTE_STOP_NAMES_RUNNING in variations:
        active = store.active_transaction(charge_point_id)
        if active is not None:
            offered["transactionId"] = active.id
    elif action == "UnlockConnector" and UNLOCK_KNOWN_CONNECTORS_ONLY in variations:
        reported = {s.connector_id for s in store.connector_statuses(charge_point_id)}
        if offered.get("connectorId") not in reported - {0}:
            offered["connectorId"] = 1
    elif (
        action == "ChangeConfiguration"
        and CHANGE_CONFIGURATION_KNOWN_KEYS_ONLY in variations
        and offered.get("key") not in CORE_CONFIGURATION_KEYS
        # A security UI changes the password and raises the profile with functions of its
        # own (TC_073, TC_083).
        and offered.get("key") not in (AUTHORIZATION_KEY, SECURITY_PROFILE)
    ):
        offered["key"] = FIRST_OFFERED_KEY
    return offered
