"""What the CSMS adds to an operator's request before sending it to a charge point.

The operator may leave out what the CSMS knows itself; the CSMS fills it in from its store.
"""

from __future__ import annotations

from typing import Any

from csms_under_test.faults import REMOTE_STOP_WRONG_TRANSACTION, Faults
from csms_under_test.store import Store

# How far off the transactionId is with the remote-stop-wrong-transaction fault.
WRONG_TRANSACTION_OFFSET = 1000


class IncompleteRequest(ValueError):
    """The request lacks a field the CSMS cannot fill in."""


def complete_request(
    action: str,
    payload: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
) -> dict[str, Any]:
    """The payload to send: ``payload`` plus what the CSMS fills in (never modified in place)."""
    completed = dict(payload)
    if action == "RemoteStopTransaction":
        _complete_remote_stop(completed, charge_point_id, store, faults)
    return completed


def _complete_remote_stop(
    payload: dict[str, Any], charge_point_id: str, store: Store, faults: Faults
) -> None:
    # OCPP 1.6 §5.12: RemoteStopTransaction.req names the transaction to stop.
    if "transactionId" not in payload:
        active = store.active_transaction(charge_point_id)
        if active is None:
            raise IncompleteRequest(
                f"charge point {charge_point_id} has no active transaction to stop; "
                "give transactionId"
            )
        payload["transactionId"] = active.id
    transaction_id = payload["transactionId"]
    if (
        REMOTE_STOP_WRONG_TRANSACTION in faults
        and isinstance(transaction_id, int)
        and not isinstance(transaction_id, bool)
    ):
        payload["transactionId"] = transaction_id + WRONG_TRANSACTION_OFFSET
