"""What charge point behaviour asks the runner to do, free of I/O.

Behaviour is a generator (an Activity) that yields instructions and receives, for each
Send, the CSMS's answer payload (None when there was no usable answer). The runner
executes the instructions on the live connection and checks every answer.
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
    """The charge point opens a fresh connection to the CSMS."""

    why: str = ""


Instruction = Send | Wait | Disconnect | Connect
Activity = Generator[Instruction, dict[str, Any] | None, None]
