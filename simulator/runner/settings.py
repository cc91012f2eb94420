"""What the runner needs to run a case: configuration, how to reach the CSMS, the operator."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from simulator.channel import USUAL, Attempt, Channel, Dialer, TransportError
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
        """The HTTP Basic password the charge point connects with in profiles 1 and 2."""
        if self.basic_auth_password is not None:
            return self.basic_auth_password
        return self.config.security.password or None

    def trusted_ca(self) -> str | None:
        """The CA file the CSMS's certificates verify against (--ca-file, else the PICS's)."""
        return self.ca_file or self.config.security.ca_file or None

    def url_for(self, profile: int) -> str:
        """The CSMS base URL a charge point in ``profile`` connects to: wss:// for 2 and 3
        (whitepaper §2.3), the ``security.tls_url`` when the CSMS URL is ws://."""
        if profile < 2 or self.csms_url.startswith("wss://"):
            return self.csms_url
        if self.config.security.tls_url:
            return self.config.security.tls_url
        raise TransportError(
            "tls-config",
            f"security profile {profile} connects over wss://, but the CSMS URL "
            f"{self.csms_url} is ws:// and the PICS gives no security.tls_url",
        )

    def client_certificate(self) -> tuple[bytes, bytes] | None:
        """The configured client certificate chain and key (PEM), for profile 3."""
        security = self.config.security
        if not security.client_certificate:
            return None
        try:
            return (
                Path(security.client_certificate).read_bytes(),
                Path(security.client_key).read_bytes(),
            )
        except OSError as exc:
            raise TransportError(
                "tls-config", f"cannot read security.client_certificate or client_key: {exc}"
            ) from None

    def profile_of(self, attempt: Attempt) -> int:
        """The security profile ``attempt`` connects in (the configured one unless it says)."""
        return attempt.profile if attempt.profile is not None else self.config.security.profile

    def presented_certificate(self, attempt: Attempt) -> tuple[bytes, bytes] | None:
        """The client certificate chain and key ``attempt`` presents: in profile 3 its own
        (one the CSMS signed) or the configured one; none in other profiles. Raises
        TransportError "tls-config" when profile 3 has none."""
        if self.profile_of(attempt) != 3:
            return None
        client = attempt.client_certificate or self.client_certificate()
        if client is None:
            raise TransportError(
                "tls-config",
                "security profile 3 connects with a client certificate: the PICS gives "
                "no security.client_certificate and client_key",
            )
        return client

    async def dial(self, attempt: Attempt = USUAL) -> Channel:
        """A fresh channel to the CSMS in the attempt's security profile (whitepaper §2:
        Basic auth in 1 and 2, TLS in 2 and 3, a client certificate in 3); raises
        simulator.channel.TransportError."""
        if self.dialer is not None:
            return await self.dialer(attempt)
        from simulator.transport import ConnectionSettings, WebSocketDialer

        profile = self.profile_of(attempt)
        client = self.presented_certificate(attempt)
        settings = ConnectionSettings(
            self.url_for(profile),
            self.config.charge_point.id,
            self.password if profile in (1, 2) else None,
            self.trusted_ca(),
            open_timeout=self.config.limits.response_timeout,
            client_certificate=client,
        )
        basic = attempt if profile in (1, 2) else dataclasses.replace(attempt, basic_auth=False)
        return await WebSocketDialer(settings)(basic)
