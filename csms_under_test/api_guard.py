"""What keeps the operator API from being driven by anyone but its operator (issue 16).

Checked before a request reaches its route, whatever the HTTP stack:

- **No web page can drive it** (CSRF): a request that changes something (POST, PUT,
  DELETE, PATCH) with a body must say ``Content-Type: application/json``, which a page of
  another origin cannot send without a CORS preflight this API never grants; a request
  whose ``Origin`` is not the API's own, or whose ``Sec-Fetch-Site`` is ``cross-site``, is
  refused; so is a ``Host`` that is not an address or a name of this machine (a page that
  rebinds its own DNS name to 127.0.0.1 still sends its name).
- **Optionally a bearer token** (``--api-token``): every ``/api`` route but health and the
  OpenAPI document then wants ``Authorization: Bearer <token>``.

``/files`` is not the operator's API: charge points fetch firmware and upload diagnostics
there without either (csms_under_test.files has its own rules).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from http import HTTPStatus

from csms_under_test.replies import ApiReply, error_reply

CHANGING = frozenset({"POST", "PUT", "DELETE", "PATCH"})
OPEN_PATHS = frozenset({"/api/health", "/api/openapi.json"})
LOCAL_NAMES = frozenset({"localhost"})
JSON = "application/json"


def refusal(
    method: str,
    path: str,
    headers: Mapping[str, str],
    *,
    bind_host: str,
    token: str | None,
) -> ApiReply | None:
    """The answer that refuses this request, or None when it may go on."""
    if not (path == "/api" or path.startswith("/api/")):
        return None
    host = headers.get("Host")
    if host is not None and not _own_host(host, bind_host):
        return error_reply(HTTPStatus.FORBIDDEN, f"Host {host!r} is not this CSMS's")
    origin = headers.get("Origin")
    if origin is not None and (host is None or origin.rstrip("/") not in _origins(host)):
        return error_reply(HTTPStatus.FORBIDDEN, f"cross-origin requests are refused ({origin})")
    if headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return error_reply(HTTPStatus.FORBIDDEN, "cross-site requests are refused")
    if token is not None and path not in OPEN_PATHS and not _bearer(headers, token):
        reply = error_reply(HTTPStatus.UNAUTHORIZED, "this API wants Authorization: Bearer <token>")
        return ApiReply(reply.status, reply.body, {"WWW-Authenticate": 'Bearer realm="csms"'})
    if method in CHANGING and _has_body(headers) and not _is_json(headers.get("Content-Type")):
        return error_reply(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"send the body as JSON (Content-Type: {JSON}), not {headers.get('Content-Type')!r}",
        )
    return None


def _own_host(host: str, bind_host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    if name in LOCAL_NAMES or name == bind_host.strip("[]").lower():
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _origins(host: str) -> set[str]:
    return {f"http://{host}", f"https://{host}"}


def _bearer(headers: Mapping[str, str], token: str) -> bool:
    scheme, _, given = headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def _has_body(headers: Mapping[str, str]) -> bool:
    """A body is announced (a malformed Content-Length is the route's 400 to give)."""
    length = headers.get("Content-Length", "0").strip()
    return (length.isdigit() and int(length) > 0) or "Transfer-Encoding" in headers


def _is_json(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";")[0].strip().lower() == JSON
