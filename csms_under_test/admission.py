"""Whether a WebSocket handshake may become a charge point's connection (csms_under_test.security).

Every decision is logged and kept (the last ``LOG_SIZE``), for ``GET /api/connections``: who
asked to connect as which charge point, from where, and whether it was accepted, replaced
the connection that was up, or refused and why.

A new connection for a charge point that is connected replaces the old one (OCPP-J 1.6
§3.1.1 leaves this to the CSMS; a charge point that rebooted must get back in) only once it
has passed the profile's authentication, and at most ``replace_limit`` times in
``replace_window`` seconds: a peer reconnecting every 200 ms cannot keep the real one off.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from csms_under_test.connections import ConnectionRegistry
from csms_under_test.faults import BASIC_AUTH_HEX_PASSWORD, BASIC_AUTH_NOT_REQUIRED, Faults
from csms_under_test.security import (
    Refusal,
    basic_credentials,
    certificate_common_names,
)
from csms_under_test.store import Store
from csms_under_test.timestamps import ocpp_timestamp, utc_now

logger = logging.getLogger(__name__)

LOG_SIZE = 500


@dataclass(frozen=True)
class ConnectionEvent:
    at: str  # OCPP timestamp
    charge_point_id: str
    remote: str
    decision: str  # accepted | replaced | refused
    reason: str
    status: int | None = None  # the HTTP status of a refusal

    def to_json(self) -> dict[str, object]:
        return {
            "at": self.at,
            "chargePointId": self.charge_point_id,
            "remote": self.remote,
            "decision": self.decision,
            "reason": self.reason,
            "status": self.status,
        }


class Admission:
    def __init__(
        self,
        *,
        store: Store,
        registry: ConnectionRegistry,
        security_profile: int,
        accept_unknown: bool,
        replace_limit: int,
        replace_window: float,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._registry = registry
        self.security_profile = security_profile
        self._accept_unknown = accept_unknown
        self._replace_limit = replace_limit
        self._replace_window = replace_window
        self._clock = clock
        self._faults = faults or Faults()
        self._replacements: dict[str, deque[float]] = {}
        self._log: deque[ConnectionEvent] = deque(maxlen=LOG_SIZE)

    # -- the decision ------------------------------------------------------------------
    def profile_of(self, charge_point_id: str) -> int:
        """The security profile ``charge_point_id`` runs: its own (registered, or raised with
        ChangeConfiguration SecurityProfile), else the CSMS's default."""
        own = self._store.security_profile(charge_point_id)
        return own if own is not None else self.security_profile

    def refusal(
        self,
        charge_point_id: str,
        authorization: str | None,
        peer_certificate: object,
        *,
        tls: bool = False,
    ) -> Refusal | None:
        """Why this handshake may not connect as ``charge_point_id``, or None. ``tls``: it
        came over TLS; ``peer_certificate`` the client certificate TLS verified (if any)."""
        profile = self.profile_of(charge_point_id)
        record = self._store.charge_point(charge_point_id)
        if record is None and not self._accept_unknown:
            # Profiles 1 and 2 answer an unknown id as a wrong password: no one learns
            # which ids exist.
            if profile in (1, 2):
                return Refusal(HTTPStatus.UNAUTHORIZED, "unknown charge point")
            return Refusal(HTTPStatus.NOT_FOUND, "unknown charge point")
        if profile >= 2 and not tls:
            # Whitepaper §2.2, §2.3: profiles 2 and 3 connect over TLS only; after a raise
            # from 1 (TC_083_CSMS) the plain connection is refused.
            return Refusal(
                HTTPStatus.FORBIDDEN,
                f"security profile {profile}: connect over TLS (wss://), not ws://",
            )
        if profile in (1, 2):
            refused = self._basic_refusal(charge_point_id, authorization)
            if refused is not None:
                return refused
        if profile == 3:
            names = certificate_common_names(peer_certificate)
            serial = record.serial_number if record is not None else None
            if not names:
                return Refusal(
                    HTTPStatus.FORBIDDEN,
                    "security profile 3: no client certificate (whitepaper §2.4)",
                )
            if charge_point_id not in names and (serial is None or serial not in names):
                # Whitepaper A00.FR.404: the certificate's CN is the charge point's serial
                # number; here its id or the serialNumber it booted with.
                return Refusal(
                    HTTPStatus.FORBIDDEN,
                    f"the client certificate names {', '.join(names)}, not {charge_point_id}",
                )
        if self._registry.get(charge_point_id) is not None and self._replacing_too_often(
            charge_point_id
        ):
            return Refusal(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"replaced {self._replace_limit} times in {self._replace_window:g} s; "
                "the connection that is up stays",
            )
        return None

    def _basic_refusal(self, charge_point_id: str, authorization: str | None) -> Refusal | None:
        if authorization is None and BASIC_AUTH_NOT_REQUIRED in self._faults:
            return None
        credentials = basic_credentials(authorization)
        if credentials is None:
            return Refusal(HTTPStatus.UNAUTHORIZED, "no HTTP Basic credentials")
        user, password = credentials
        if BASIC_AUTH_HEX_PASSWORD in self._faults:
            password = password.encode("utf-8").hex()
        if user != charge_point_id:
            # Whitepaper §2.1: the user name is the charge point's identity.
            return Refusal(HTTPStatus.UNAUTHORIZED, "the user name is not the charge point id")
        credential = self._store.credential(charge_point_id)
        if credential is None:
            if self._accept_unknown:
                return None
            return Refusal(HTTPStatus.UNAUTHORIZED, "no password is registered for it")
        if not credential.matches(password):
            return Refusal(HTTPStatus.UNAUTHORIZED, "wrong password")
        return None

    def _replacing_too_often(self, charge_point_id: str) -> bool:
        times = self._replacements.get(charge_point_id)
        if times is None:
            return False
        since = self._clock() - self._replace_window
        while times and times[0] < since:
            times.popleft()
        return len(times) >= self._replace_limit

    # -- what happened -----------------------------------------------------------------
    def refused(self, charge_point_id: str, remote: str, refusal: Refusal) -> None:
        logger.info(  # a refusal is the server working; the API lists it too
            "%s: connection from %s refused (%d): %s",
            charge_point_id,
            remote,
            refusal.status,
            refusal.reason,
        )
        self._record(charge_point_id, remote, "refused", refusal.reason, int(refusal.status))

    def accepted(self, charge_point_id: str, remote: str, *, replaced: bool) -> None:
        if replaced:
            times = self._replacements.setdefault(charge_point_id, deque())
            times.append(self._clock())
            reason = "authenticated; replaces the connection that was up"
        else:
            profile = self.profile_of(charge_point_id)
            reason = f"authenticated (profile {profile})" if profile else "security profile 0"
        self._record(charge_point_id, remote, "replaced" if replaced else "accepted", reason)

    def _record(
        self,
        charge_point_id: str,
        remote: str,
        decision: str,
        reason: str,
        status: int | None = None,
    ) -> None:
        self._log.append(
            ConnectionEvent(
                ocpp_timestamp(utc_now()), charge_point_id, remote, decision, reason, status
            )
        )

    def events(self, charge_point_id: str | None = None) -> list[ConnectionEvent]:
        return [
            e for e in self._log if charge_point_id is None or e.charge_point_id == charge_point_id
        ]
