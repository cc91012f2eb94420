"""Shared by the modules that complete and record the requests the CSMS sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

# Records the charge point's answer to a request the CSMS sent: the CALLRESULT payload, or
# None for a CALLERROR, and when the answer came.
AnswerRecorder = Callable[[dict[str, Any] | None, datetime], None]


class IncompleteRequest(ValueError):
    """The request lacks a field the CSMS cannot fill in."""


def fill_from_store(payload: dict[str, Any], key: str, found: Any | None, missing: str) -> None:
    """Give ``payload[key]`` the value the store found, unless the operator gave one;
    ``missing`` says why the request cannot be completed when the store found nothing."""
    if key in payload:
        return
    if found is None:
        raise IncompleteRequest(missing)
    payload[key] = found
