"""Rules of OCPP 1.6 messages that the OCA JSON schemas leave out (they type connectorId as
any integer). A request that breaks one is answered with a CALLERROR
PropertyConstraintViolation ("at least one field contains an invalid value", OCPP-J 1.6
§4.2.3), as a schema violation is.
"""

from __future__ import annotations

from typing import Any

# The smallest connectorId each charge point request takes: OCPP 1.6 §6.45 StartTransaction.req
# "connectorId > 0"; §6.31 MeterValues.req and §6.47 StatusNotification.req "connectorId >= 0"
# (0 is the main meter, or the Charge Point's main controller).
MINIMUM_CONNECTOR_ID: dict[str, int] = {
    "StartTransaction": 1,
    "MeterValues": 0,
    "StatusNotification": 0,
}


def connector_violation(
    action: str, payload: dict[str, Any], number_of_connectors: int | None
) -> dict[str, str] | None:
    """The violation of ``payload``'s connectorId (as ocppj's ``SchemaViolation.to_dict``), or
    None. Above the charge point's NumberOfConnectors, when it reported one (OCPP 1.6 §9.1.21,
    §3.8: connectors are numbered 1 to NumberOfConnectors), is out of range as well."""
    minimum = MINIMUM_CONNECTOR_ID.get(action)
    connector_id = payload.get("connectorId")
    if minimum is None or not isinstance(connector_id, int):
        return None
    if connector_id < minimum:
        return _violation(action, "minimum", f"{connector_id} is less than {minimum}")
    if number_of_connectors is not None and connector_id > number_of_connectors:
        return _violation(
            action,
            "maximum",
            f"{connector_id} is above the charge point's NumberOfConnectors "
            f"({number_of_connectors})",
        )
    return None


def _violation(action: str, keyword: str, message: str) -> dict[str, str]:
    return {"schema": action, "path": "connectorId", "keyword": keyword, "message": message}
