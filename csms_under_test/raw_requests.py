"""``POST /api/chargepoints/{cpId}/ocpp/{Action}``: send this OCPP request to that charge
point, exactly as given.

The minimal admin API many CSMSs have, and the one ``--operator-api raw`` leaves: the body
is the whole payload, checked against the OCA OCPP 1.6 schema and sent unchanged: nothing
completed from the store, no fault or variation applied to it. It is recorded in the store
as the completing route's requests are (reservations, local lists, charging profiles), and
answered the same way (:mod:`csms_under_test.delivery`).
"""

from __future__ import annotations

from typing import Any

from csms_under_test.connections import ConnectionRegistry
from csms_under_test.delivery import connection_for, deliver, schema_refusal
from csms_under_test.replies import ApiReply
from csms_under_test.store import Store


class RawRequests:
    def __init__(self, *, store: Store, registry: ConnectionRegistry, call_timeout: float) -> None:
        self._store = store
        self._registry = registry
        self.call_timeout = call_timeout

    async def send(
        self,
        charge_point_id: str,
        action: str,
        payload: dict[str, Any],
        timeout: float | None = None,
    ) -> ApiReply:
        """Validate and send ``payload`` as the request ``action``; wait for the answer."""
        target = connection_for(action, charge_point_id, registry=self._registry, store=self._store)
        if isinstance(target, ApiReply):
            return target
        refused = schema_refusal(action, payload)
        if refused is not None:
            return refused
        wait = self.call_timeout if timeout is None else timeout
        return await deliver(target, action, payload, store=self._store, wait=wait)
