"""Provisioning over the operator API: GET/PUT/DELETE /api/idtags[/{idTag}] and
PUT/DELETE /api/chargepoints/{id} (docs/operator-api.md, "Provisioning")."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest

from csms_under_test import ReferenceCsms
from simulator.config import IdTags

from .helpers import ConnectChargePoint, FakeChargePoint, StartCsms, http_async

TAGS = IdTags()


def _tag_url(csms: ReferenceCsms, id_tag: str) -> str:
    return f"{csms.api_url}/idtags/{quote(id_tag, safe='')}"


async def test_the_seeded_idtags_are_listed(csms: ReferenceCsms) -> None:
    reply = await http_async("GET", f"{csms.api_url}/idtags")
    assert reply.status == 200
    listed = {row["idTag"]: row for row in reply.body["idTags"]}
    assert listed[TAGS.valid] == {
        "idTag": TAGS.valid,
        "status": "Accepted",
        "expiryDate": None,
        "parentIdTag": TAGS.parent,
    }
    assert listed[TAGS.blocked]["status"] == "Blocked"
    assert TAGS.invalid not in listed


async def test_get_one_idtag_case_insensitively(csms: ReferenceCsms) -> None:
    reply = await http_async("GET", _tag_url(csms, TAGS.parent.lower()))
    assert (reply.status, reply.body["idTag"]) == (200, TAGS.parent)
    unknown = await http_async("GET", _tag_url(csms, TAGS.invalid))
    assert unknown.status == 404 and unknown.body == {"error": f"idTag {TAGS.invalid!r} is unknown"}


async def test_put_creates_then_replaces_and_authorize_follows(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    url = _tag_url(csms, "TAG NEW/1")  # any IdToken, percent-encoded in the path
    created = await http_async("PUT", url, {"status": "Accepted", "parentIdTag": TAGS.parent})
    assert created.status == 201
    assert created.body == {
        "idTag": "TAG NEW/1",
        "status": "Accepted",
        "expiryDate": None,
        "parentIdTag": TAGS.parent,
    }
    info = (await cp.request("Authorize", {"idTag": "TAG NEW/1"}))["idTagInfo"]
    assert info == {"status": "Accepted", "parentIdTag": TAGS.parent}
    body = {"status": "Accepted", "expiryDate": "2020-06-01T00:00:00Z", "parentIdTag": None}
    replaced = await http_async("PUT", _tag_url(csms, "tag new/1"), body)
    assert replaced.status == 200 and replaced.body["idTag"] == "tag new/1"
    info = (await cp.request("Authorize", {"idTag": "TAG NEW/1"}))["idTagInfo"]
    assert info == {"status": "Expired", "expiryDate": "2020-06-01T00:00:00Z"}
    listed = (await http_async("GET", f"{csms.api_url}/idtags")).body["idTags"]
    assert [row["idTag"] for row in listed].count("tag new/1") == 1


async def test_delete_makes_an_idtag_unknown(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    deleted = await http_async("DELETE", _tag_url(csms, TAGS.blocked))
    assert (deleted.status, deleted.body["status"]) == (200, "Blocked")
    info = (await cp.request("Authorize", {"idTag": TAGS.blocked}))["idTagInfo"]
    assert info == {"status": "Invalid"}
    again = await http_async("DELETE", _tag_url(csms, TAGS.blocked))
    assert again.status == 404 and "is unknown" in again.body["error"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "the body is not valid JSON"),
        (b"[]", "the body must be a JSON object"),
        ({}, "status: missing"),
        ({"status": "Fine"}, "status: 'Fine' is not one of Accepted, Blocked, Expired"),
        ({"status": "Accepted", "expiry": "x"}, "expiry: unknown key"),
        (
            {"status": "Accepted", "expiryDate": "tomorrow"},
            "expiryDate: 'tomorrow' is not an RFC 3339",
        ),
        (
            {"status": "Accepted", "parentIdTag": ""},
            "parentIdTag: an idTag has 1 to 20 characters (IdToken), '' has 0",
        ),
        ({"status": "Accepted", "parentIdTag": 7}, "parentIdTag: 7 is not of type 'string'"),
    ],
)
async def test_a_bad_idtag_body_is_400_naming_the_field(
    csms: ReferenceCsms, body: bytes | dict[str, object], error: str
) -> None:
    reply = await http_async("PUT", _tag_url(csms, "TAG-BAD"), body)
    assert reply.status == 400 and reply.body["error"].startswith(error), reply.body
    assert (await http_async("GET", _tag_url(csms, "TAG-BAD"))).status == 404


async def test_an_idtag_longer_than_an_idtoken_is_400(csms: ReferenceCsms) -> None:
    reply = await http_async("PUT", _tag_url(csms, "X" * 21), {"status": "Accepted"})
    assert reply.status == 400 and reply.body["error"].startswith("idTag: an idTag has 1 to 20")


async def test_register_and_forget_a_charge_point(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    url = f"{csms.api_url}/chargepoints/CP%202"
    created = await http_async("PUT", url, {})
    assert (created.status, created.body) == (
        201,
        {"id": "CP 2", "hasPassword": False, "securityProfile": 0},
    )
    assert (await http_async("PUT", url, {})).status == 200  # known already
    listed = (await http_async("GET", f"{csms.api_url}/chargepoints")).body["chargePoints"]
    assert [(row["id"], row["connected"]) for row in listed] == [("CP 2", False), ("CP_1", False)]
    offline = await http_async("POST", f"{url}/requests/ClearCache", {})
    assert offline.status == 404 and "is not connected" in offline.body["error"]
    forgotten = await http_async("DELETE", url)
    assert (forgotten.status, forgotten.body) == (200, {"id": "CP 2"})
    assert (await http_async("DELETE", url)).status == 404
    unknown = await http_async("POST", f"{url}/requests/ClearCache", {})
    assert unknown.status == 404 and "is unknown" in unknown.body["error"]


async def test_a_connected_charge_point_is_not_forgotten(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    reply = await http_async("DELETE", f"{csms.api_url}/chargepoints/CP_1")
    assert reply.status == 409 and "is connected" in reply.body["error"]
    await cp.close()
    for _ in range(50):  # the CSMS notices the close asynchronously
        reply = await http_async("DELETE", f"{csms.api_url}/chargepoints/CP_1")
        if reply.status != 409:
            break
        await asyncio.sleep(0.02)
    assert reply.status == 200


async def test_a_charge_point_takes_only_a_password_of_16_to_20_bytes(csms: ReferenceCsms) -> None:
    url = f"{csms.api_url}/chargepoints/CP_9"
    reply = await http_async("PUT", url, {"password": "x"})
    assert reply.status == 400 and reply.body["error"].startswith(
        "password: a charge point password has 16 to 20 bytes"
    )
    reply = await http_async("PUT", url, {"colour": "red"})
    assert reply.status == 400 and reply.body["error"].startswith("colour: unknown key")
    reply = await http_async("PUT", url, {"password": "0123456789abcdef"})
    assert (reply.status, reply.body) == (
        201,
        {"id": "CP_9", "hasPassword": True, "securityProfile": 0},
    )
    reply = await http_async("PUT", url, {})  # absent: kept
    assert reply.body == {"id": "CP_9", "hasPassword": True, "securityProfile": 0}
    reply = await http_async("PUT", url, {"password": None})  # null: removed
    assert reply.body == {"id": "CP_9", "hasPassword": False, "securityProfile": 0}


async def test_a_charge_point_has_its_own_security_profile(csms: ReferenceCsms) -> None:
    """Whitepaper §2: per charge point; null goes back to the CSMS's --security-profile."""
    url = f"{csms.api_url}/chargepoints/CP_9"
    reply = await http_async("PUT", url, {"securityProfile": 2})
    assert reply.body["securityProfile"] == 2
    assert csms.admission is not None and csms.admission.profile_of("CP_9") == 2
    reply = await http_async("PUT", url, {"securityProfile": 4})
    assert reply.status == 400 and reply.body["error"].startswith("securityProfile")
    reply = await http_async("PUT", url, {"securityProfile": None})
    assert reply.body["securityProfile"] == 0


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/idtags", "GET"),
        ("POST", "/idtags/TAG-1", "GET, PUT, DELETE"),
        ("GET", "/chargepoints/CP_1", "PUT, DELETE"),
    ],
)
async def test_other_methods_are_405(
    csms: ReferenceCsms, method: str, path: str, allow: str
) -> None:
    reply = await http_async(method, csms.api_url + path, b"{}")
    assert reply.status == 405 and reply.headers["Allow"] == allow


async def test_provisioned_data_survives_a_restart(start_csms: StartCsms) -> None:
    csms = await start_csms()
    await http_async("PUT", _tag_url(csms, "TAG-KEEP"), {"status": "ConcurrentTx"})
    await http_async("PUT", _tag_url(csms, TAGS.valid), {"status": "Blocked"})
    await csms.stop()
    again = await start_csms()  # the same database and seed
    kept = await http_async("GET", _tag_url(again, "TAG-KEEP"))
    assert (kept.status, kept.body["status"]) == (200, "ConcurrentTx")
    reseeded = await http_async("GET", _tag_url(again, TAGS.valid))
    assert reseeded.body["status"] == "Accepted"  # the seed names it: the seed's entry
