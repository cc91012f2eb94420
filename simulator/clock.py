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


def ocpp_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. 2026-11-24T10:00:00.123Z."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
