"""Connected charge points and the requests the CSMS sends them.

One :class:`ChargePointConnection` per WebSocket: it owns the connection's
:class:`~ocppj.Session` and serializes CSMS→CP requests, so there is at most one
outstanding CALL per direction (OCPP-J 1.6 §4.1.1).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from websockets.exceptions import ConnectionClosed

from csms_under_test.ocpp_connection import OcppConnection
from csms_under_test.variations import SERIALISATION, Variations, numeric_ids, reserialise
from ocppj import IncomingCallError, IncomingCallResult, Session

logger = logging.getLogger(__name__)

CallOutcome = IncomingCallResult | IncomingCallError


class CallTimeout(Exception):
    """The charge point did not answer a CSMS request in time."""


class ChargePointDisconnected(Exception):
    """The charge point's connection closed before it answered."""


class ChargePointConnection:
    def __init__(
        self,
        charge_point_id: str,
        websocket: OcppConnection,
        variations: Variations | None = None,
        serial: int = 0,
    ) -> None:
        self.charge_point_id = charge_point_id
        self.serial = serial  # tells this connection from the charge point's earlier ones
        self.websocket = websocket
        self.variations = variations or Variations()
        reserialised = SERIALISATION in self.variations
        self.session = Session(numeric_ids() if reserialised else None)
        # idTags this connection authorized with Authorize.req (read by a fault only)
        self.authorized_id_tags: set[str] = set()
        self._call_lock = asyncio.Lock()
        self._pending: asyncio.Future[CallOutcome] | None = None
        self._lost = False

    async def send_text(self, text: str) -> None:
        await self.websocket.send(self._outgoing(text))

    def send_now(self, text: str) -> bool:
        """Write ``text`` at once (an answer: nothing to wait for); False if the connection
        is closed already."""
        return self.websocket.send_now(self._outgoing(text))

    def _outgoing(self, text: str) -> str:
        if SERIALISATION in self.variations:
            text = reserialise(text)
        logger.debug("%s <- %s", self.charge_point_id, text)
        return text

    async def call(
        self,
        action: str,
        payload: dict[str, Any],
        timeout: float,
        sent: asyncio.Event | None = None,
    ) -> CallOutcome:
        """Send a CALL and wait for the CALLRESULT or CALLERROR (``sent`` is set once the
        frame is out).

        ``timeout`` covers waiting for an earlier request of the CSMS to finish as well.
        Raises CallTimeout or ChargePointDisconnected.
        """
        try:
            async with asyncio.timeout(timeout), self._call_lock:
                return await self._call_locked(action, payload, sent)
        except TimeoutError:
            raise CallTimeout(
                f"{self.charge_point_id} did not answer {action} within {timeout:g} s"
            ) from None
        except ConnectionClosed:
            raise ChargePointDisconnected(
                f"{self.charge_point_id} disconnected before answering {action}"
            ) from None

    async def _call_locked(
        self, action: str, payload: dict[str, Any], sent: asyncio.Event | None
    ) -> CallOutcome:
        if self._lost:
            raise ChargePointDisconnected(f"{self.charge_point_id} is not connected")
        outgoing = self.session.send_call(action, payload)
        pending: asyncio.Future[CallOutcome] = asyncio.get_running_loop().create_future()
        self._pending = pending
        try:
            await self.send_text(outgoing.text)
            if sent is not None:
                sent.set()
            return await pending
        finally:
            self._pending = None
            if pending.done() and not pending.cancelled():
                # A disconnect during the send fails the send itself; the future's own
                # exception is then read here, never left unretrieved.
                pending.exception()
            if self.session.outstanding is outgoing.frame:
                # Timed out or disconnected: a late answer is reported as late, not matched.
                self.session.abandon_call()

    @property
    def busy(self) -> bool:
        """A CSMS request is outstanding or queued: its answer must be read first."""
        return self._call_lock.locked()

    def answer_received(self, outcome: CallOutcome) -> None:
        """The receive loop got the answer to the outstanding CSMS request."""
        if self._pending is not None and not self._pending.done():
            self._pending.set_result(outcome)

    def connection_lost(self) -> None:
        self._lost = True
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(
                ChargePointDisconnected(f"{self.charge_point_id} disconnected before answering")
            )

    async def close(self, reason: str, code: int = 1000) -> None:
        await self.websocket.close(code=code, reason=reason)


class ConnectionRegistry:
    """The current connection of each charge point id."""

    def __init__(self) -> None:
        self._by_id: dict[str, ChargePointConnection] = {}

    def add(self, connection: ChargePointConnection) -> ChargePointConnection | None:
        """Register ``connection``; returns the connection it replaces, if any."""
        previous = self._by_id.get(connection.charge_point_id)
        self._by_id[connection.charge_point_id] = connection
        return previous

    def remove(self, connection: ChargePointConnection) -> None:
        """Forget ``connection`` unless a newer one has replaced it already."""
        if self._by_id.get(connection.charge_point_id) is connection:
            del self._by_id[connection.charge_point_id]

    def get(self, charge_point_id: str) -> ChargePointConnection | None:
        return self._by_id.get(charge_point_id)

    def connected_ids(self) -> frozenset[str]:
        return frozenset(self._by_id)
