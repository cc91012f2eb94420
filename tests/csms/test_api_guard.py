"""The operator API cannot be driven from a web page, takes an optional bearer token, and
answers bad input with 4xx, never 500 (issue 16, item 3)."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.api_guard import refusal

from .conftest import StartCsms
from .helpers import FakeChargePoint

JSON = {"Content-Type": "application/json"}


def raw_request(
    csms: ReferenceCsms,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    address = urlsplit(csms.api_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=15)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}"), dict(response.getheaders())
    finally:
        connection.close()


async def request(
    csms: ReferenceCsms, *args: Any, **kwargs: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    return await asyncio.to_thread(raw_request, csms, *args, **kwargs)


# -- CSRF --------------------------------------------------------------------------------
async def test_a_text_plain_post_from_another_origin_changes_nothing(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    """The probe: a page's form-like POST (text/plain, foreign Origin) ran a ChangeConfiguration."""
    body = json.dumps({"key": "HeartbeatInterval", "value": "1"}).encode()
    path = "/api/chargepoints/CP_1/requests/ChangeConfiguration"
    status, answer, _ = await request(
        csms, "POST", path, body, {"Content-Type": "text/plain", "Origin": "https://evil.example"}
    )
    assert status == 403 and "cross-origin" in answer["error"]
    status, answer, _ = await request(csms, "POST", path, body, {"Content-Type": "text/plain"})
    assert status == 415 and "application/json" in answer["error"]
    with pytest.raises(TimeoutError):  # the charge point never got a request
        await asyncio.wait_for(cp.expect_call(), 0.3)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Host": "evil.example:9001"}, 403),  # a page that rebound its name to 127.0.0.1
        ({"Origin": "http://127.0.0.1:1"}, 403),  # another port is another origin
        ({"Origin": "null"}, 403),
    ],
)
async def test_foreign_requests_are_refused(
    csms: ReferenceCsms, headers: dict[str, str], status: int
) -> None:
    reply = await request(
        csms, "PUT", "/api/idtags/TAG-CSRF", b'{"status": "Accepted"}', {**JSON, **headers}
    )
    assert reply[0] == status
    assert (await request(csms, "GET", "/api/idtags/TAG-CSRF"))[0] == 404  # nothing stored


async def test_the_api_s_own_origin_is_welcome(csms: ReferenceCsms) -> None:
    own = "http://" + urlsplit(csms.api_url).netloc
    reply = await request(
        csms, "PUT", "/api/idtags/TAG-OWN", b'{"status": "Accepted"}', {**JSON, "Origin": own}
    )
    assert reply[0] == 201


def test_the_guard_leaves_files_to_their_own_rules() -> None:
    headers = {"Content-Type": "application/octet-stream", "Content-Length": "5", "Origin": "x"}
    assert (
        refusal("PUT", "/files/diagnostics/a.zip", headers, bind_host="127.0.0.1", token="t")
        is None
    )


# -- bearer token ------------------------------------------------------------------------
async def test_a_token_guards_every_route_but_health(start_csms: StartCsms) -> None:
    csms = await start_csms(api_token="s3cret-token")
    status, _, headers = await request(csms, "GET", "/api/chargepoints")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        await request(csms, "GET", "/api/chargepoints", headers={"Authorization": "Bearer nope"})
    )[0] == 401
    assert (
        await request(
            csms, "GET", "/api/chargepoints", headers={"Authorization": "Bearer s3cret-token"}
        )
    )[0] == 200
    assert (await request(csms, "GET", "/api/health"))[0] == 200
    assert (await request(csms, "GET", "/api/openapi.json"))[0] == 200


# -- no 500 for bad input ----------------------------------------------------------------
@pytest.mark.parametrize("timeout", ["1e308", "inf", "nan", "0", "-1", "3601", "x"])
async def test_a_bad_timeout_is_400(csms: ReferenceCsms, timeout: str) -> None:
    path = f"/api/chargepoints/CP_1/requests/Reset?timeout={timeout}"
    status, answer, _ = await request(csms, "POST", path, b'{"type": "Soft"}', JSON)
    assert status == 400 and "timeout" in answer["error"]


async def test_a_body_shorter_than_its_content_length_is_4xx(csms: ReferenceCsms) -> None:
    address = urlsplit(csms.api_url)

    def short_body() -> bytes:
        with socket.create_connection(
            (address.hostname or "", address.port or 0), timeout=15
        ) as sock:
            sock.sendall(
                b"PUT /api/idtags/TAG-SHORT HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"status"'
            )
            sock.shutdown(socket.SHUT_WR)  # the rest never comes
            answer = b""
            while chunk := sock.recv(65536):  # HTTP/1.0: the server closes when done
                answer += chunk
            return answer

    answer = await asyncio.to_thread(short_body)
    status = int(answer.split(b" ", 2)[1])
    assert status == 400 and b"fewer than its Content-Length 100" in answer


# -- paging ------------------------------------------------------------------------------
async def test_every_list_pages(csms: ReferenceCsms) -> None:
    for n in range(5):
        await request(csms, "PUT", f"/api/idtags/TAG-PAGE-{n}", b'{"status": "Accepted"}', JSON)
    _, first, _ = await request(csms, "GET", "/api/idtags?limit=2")
    total = first["total"]
    assert len(first["idTags"]) == 2 and first["next"] == 2 and total >= 5
    _, last, _ = await request(csms, "GET", f"/api/idtags?offset={total - 1}&limit=2")
    assert len(last["idTags"]) == 1 and last["next"] is None
    seen = []
    offset: int | None = 0
    while offset is not None:  # walking the pages gives every row once
        _, page, _ = await request(csms, "GET", f"/api/idtags?offset={offset}&limit=2")
        seen += [row["idTag"] for row in page["idTags"]]
        offset = page["next"]
    assert len(seen) == len(set(seen)) == total
    for path in (
        "chargepoints",
        "transactions",
        "reservations",
        "locallists",
        "chargingprofiles",
        "connections",
        "diagnostics",
    ):
        status, body, _ = await request(csms, "GET", f"/api/{path}?limit=1")
        assert status == 200 and {"total", "next"} <= set(body), path


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x", "offset=-1", "offset=1.5"])
async def test_a_bad_page_is_400(csms: ReferenceCsms, query: str) -> None:
    status, answer, _ = await request(csms, "GET", f"/api/transactions?{query}")
    assert status == 400 and query.split("=")[0] in answer["error"]
