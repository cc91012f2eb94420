"""Wall-clock time as OCPP writes it: UTC, milliseconds, ``Z`` (OCPP 1.6 §3.2 "Time notations")."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def ocpp_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. ``2026-11-24T10:00:00.123Z``."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    if utc.year < 1000:  # as before: strftime's %Y has no leading zeros there, isoformat has
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.isoformat(timespec="milliseconds") + "Z"


def parse_timestamp(text: str) -> datetime | None:
    """Parse an RFC 3339 timestamp; ``None`` if it is not one. Naive times are taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
