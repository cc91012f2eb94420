"""What the runner needs to run a case: configuration, how to reach the CSMS, the operator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.channel import USUAL, Attempt, Channel, Dialer
from simulator.clock import Clock, SystemClock
from simulator.config import HarnessConfig
from simulator.operator.base import Operator


@dataclass(frozen=True)
class RunSettings:
    config: HarnessConfig
    csms_url: str  # what the report names as the CSMS under test
    operator: Operator
    clock: Clock = field(default_factory=SystemClock)
    basic_auth_password: str | None = None  # --password; else the PICS's security.password
    ca_file: str | None = None  # trusted for wss:// and for https file transfers
    dialer: Dialer | None = None  # None: the WebSocket transport to csms_url
    strict: bool = False  # --strict: findings (stricter OCPP rules, inferences) fail the case
    # Told what a long wait waits for and until when (the progress line): "TC_047_CSMS:
    # the reservation's expiryDate, until 12:04:05".
    on_wait: Callable[[str], None] | None = None

    @property
    def password(self) -> str | None:
        """The HTTP Basic password the charge point connects with (Security profiles 1, 2)."""
        if self.basic_auth_password is not None:
            return self.basic_auth_password
        return self.config.security.basic_auth_password

    async def dial(self, attempt: Attempt = USUAL) -> Channel:
        """A fresh channel to the CSMS (raises simulator.channel.TransportError)."""
        if self.dialer is not None:
            return await self.dialer(attempt)
        from simulator.transport import ConnectionSettings, WebSocketDialer

        settings = ConnectionSettings(
            self.csms_url,
            self.config.charge_point.id,
            self.password,
            self.ca_file,
            open_timeout=self.config.limits.response_timeout,
        )
        return await WebSocketDialer(settings)(attempt)
