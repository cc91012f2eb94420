"""The charge point's transfer records and diagnostics file (OCPP 1.6 §5.9 GetDiagnostics):
pure helpers, used by the model and the Firmware Management activities."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.clock import ocpp_timestamp


@dataclass(frozen=True)
class TransferRecord:
    """One firmware download or diagnostics upload, after all its attempts."""

    kind: str  # "download" | "upload"
    url: str
    ok: bool
    attempts: int
    detail: str  # what was moved, or the last attempt's error

    def describe(self) -> str:
        tries = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        outcome = "succeeded" if self.ok else "failed"
        return f"the {self.kind} {outcome} after {tries} ({self.url}): {self.detail}"


def compact_json(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str)


def diagnostics_file_name(charge_point_id: str, now: datetime, kind: str = "diagnostics") -> str:
    """A name any file server takes: ``<kind>-<id>-<UTC time>.log``, [A-Za-z0-9._-]."""
    safe_id = re.sub(r"[^A-Za-z0-9._-]", "_", charge_point_id).lstrip(".") or "cp"
    stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"
    return f"{kind}-{safe_id}-{stamp}.log"


def diagnostics_log(
    header: Iterable[str],
    events: Iterable[tuple[datetime, str]],
    start: datetime | None,
    stop: datetime | None,
) -> bytes:
    """The diagnostics file: a header, then the logged events within [start, stop] (the
    GetDiagnostics startTime / stopTime, OCPP 1.6 §5.9; an open end when not given)."""
    lines = [f"# {line}" for line in header]
    window = f"{ocpp_timestamp(start) if start else 'the beginning'} to {ocpp_timestamp(stop) if stop else 'now'}"
    lines.append(f"# events from {window}")
    lines.extend(
        f"{ocpp_timestamp(moment)} {event}"
        for moment, event in events
        if (start is None or moment >= start) and (stop is None or moment <= stop)
    )
    return ("\n".join(lines) + "\n").encode()
