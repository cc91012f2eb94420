"""The SecurityEventNotification a charge point sends (Security whitepaper §8): one place
builds it, whatever the event."""

from __future__ import annotations

from typing import Any

from simulator.chargepoint.plan import Send

# The whitepaper §8 events the cases make the charge point report.
FIRMWARE_UPDATED = "FirmwareUpdated"  # TC_080 step 15
INVALID_CENTRAL_SYSTEM_CERTIFICATE = "InvalidCentralSystemCertificate"  # TC_078
INVALID_CHARGE_POINT_CERTIFICATE = "InvalidChargePointCertificate"  # TC_077
# TC_081: noted in the security log only; the TCD's tool does not send it (catalog note).
INVALID_FIRMWARE_SIGNATURE = "InvalidFirmwareSignature"  # L01.FR.03
MAX_TECH_INFO = 255  # SecurityEventNotification.techInfo (its schema's maxLength)


def security_event(kind: str, timestamp: str, tech_info: str | None = None) -> Send:
    """SecurityEventNotification.req for ``kind`` at ``timestamp``, ``tech_info`` cut to
    what the schema allows."""
    fields: dict[str, Any] = {"type": kind, "timestamp": timestamp}
    if tech_info:
        fields["techInfo"] = tech_info[:MAX_TECH_INFO]
    return Send("SecurityEventNotification", fields)
