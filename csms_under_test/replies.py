"""What an operator API service answers: an HTTP status and a JSON object (every body, errors
included, is an object; an error body has a string ``error``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any


@dataclass(frozen=True)
class ApiReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: HTTPStatus, message: str, **extra: Any) -> ApiReply:
    return ApiReply(status, {"error": message, **extra})
