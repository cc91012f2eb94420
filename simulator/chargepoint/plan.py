"""What charge point behaviour asks the runner to do, free of I/O.

Behaviour is a generator (an Activity) that yields instructions and receives, for each
Send, the CSMS's answer payload (None when there was no usable answer), and for each
Download / Upload a :class:`TransferResult` as a dict (``{"ok": True, "data": bytes}`` or
``{"ok": False, "error": "..."}``). The runner executes the instructions on the live
connection and the network, and checks every answer.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Send:
    action: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Wait:
    seconds: float
    why: str = ""


@dataclass(frozen=True)
class Disconnect:
    """The charge point drops its connection (reboot, power cut, connectivity lost)."""

    why: str = ""


@dataclass(frozen=True)
class Connect:
    """The charge point opens a fresh connection to the CSMS. ``csms_decides``: the case
    tests that the CSMS accepts it (new credentials, TC_073): a refusal is a FAIL."""

    why: str = ""
    csms_decides: bool = False


@dataclass(frozen=True)
class Download:
    """Fetch a file (UpdateFirmware's location, OCPP 1.6 §5.19): http, https or ftp."""

    url: str


@dataclass(frozen=True)
class Upload:
    """Store ``data`` as ``filename`` at ``url`` (GetDiagnostics' location, OCPP 1.6 §5.9)."""

    url: str
    filename: str
    data: bytes


Instruction = Send | Wait | Disconnect | Connect | Download | Upload
Activity = Generator[Instruction, dict[str, Any] | None, None]
