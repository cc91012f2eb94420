"""Injected time: a monotonic clock for latencies and deadlines, wall time only for OCPP
timestamps (UTC, milliseconds; OCPP 1.6 §3.2 "Time notations")."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def now(self) -> datetime: ...
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def ocpp_timestamp(moment: datetime, milliseconds: bool = True) -> str:
    """RFC 3339 UTC, e.g. 2026-11-24T10:00:00.123Z (or ...T10:00:00Z without milliseconds)."""
    utc = moment.astimezone(UTC)
    if not milliseconds:
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
