"""Handlers of charge point requests, one module per OCPP 1.6 feature profile (§3) and one
for the Security whitepaper."""

from __future__ import annotations

from csms_under_test.handlers import core, firmware, security
from csms_under_test.handlers.base import (
    NO_REPLY,
    CallContext,
    ErrorReply,
    Handler,
    NoReply,
)


def all_handlers() -> dict[str, Handler]:
    """Action name → handler, for every action the reference CSMS answers."""
    return {**core.HANDLERS, **firmware.HANDLERS, **security.HANDLERS}


__all__ = ["NO_REPLY", "CallContext", "ErrorReply", "Handler", "NoReply", "all_handlers"]
