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
