"""Handlers of charge point requests, one module per OCPP 1.6 feature profile (§3) and one
for the Security whitepaper."""

from __future__ import annotations

from csms_under_test.certificate_authority import CertificateAuthority
from csms_under_test.certificate_renewal import CertificateRenewal
from csms_under_test.handlers import core, firmware, security
from csms_under_test.handlers.base import (
    NO_REPLY,
    CallContext,
    ErrorReply,
    Handler,
    NoReply,
)


def all_handlers(renewal: CertificateRenewal | None = None) -> dict[str, Handler]:
    """Action name → handler, for every action the reference CSMS answers; SignCertificate
    signs with ``renewal``'s CA (default: one generated now)."""
    signer = renewal or CertificateRenewal(CertificateAuthority.generate())
    return {
        **core.HANDLERS,
        **firmware.HANDLERS,
        **security.HANDLERS,
        "SignCertificate": signer.sign_certificate,
    }


__all__ = ["NO_REPLY", "CallContext", "ErrorReply", "Handler", "NoReply", "all_handlers"]
