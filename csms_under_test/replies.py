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


@dataclass(frozen=True)
class FileReply:
    """A reply that is not JSON: raw bytes (a firmware file under ``/files``)."""

    status: int
    content: bytes
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: HTTPStatus, message: str, **extra: Any) -> ApiReply:
    return ApiReply(status, {"error": message, **extra})


def page_reply(key: str, items: list[Any], *, offset: int, total: int) -> ApiReply:
    """One page of a list: ``{key: [...], "total": N, "next": OFFSET | null}``; ``next`` is
    the ``offset`` of the following page, null on the last."""
    following = offset + len(items)
    return ApiReply(
        HTTPStatus.OK,
        {key: items, "total": total, "next": following if following < total and items else None},
    )
