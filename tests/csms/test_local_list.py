"""Local authorization lists: SendLocalList completion, versions and state (OCPP 1.6 §5.15)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.store import IdTagRecord
from ocppj import validate_payload
from simulator.bundled_seed import EXPIRED_TAG_EXPIRY
from simulator.config import IdTags

from .helpers import (
    ConnectChargePoint,
    FakeChargePoint,
    StartCsms,
    api_get,
    http_async,
    operator_request,
)

TAGS = IdTags()
SEEDED = sorted([TAGS.valid, TAGS.same_parent, TAGS.parent, TAGS.blocked, TAGS.expired])
ACCEPTED = {"status": "Accepted"}


def _tags(payload: dict[str, Any]) -> list[str]:
    return [entry["idTag"] for entry in payload["localAuthorizationList"]]


async def _send(
    csms: ReferenceCsms, cp: FakeChargePoint, body: dict[str, Any], status: str = "Accepted"
) -> dict[str, Any]:
    sent, reply = await operator_request(csms, cp, "SendLocalList", body, {"status": status})
    assert reply.status == 200 and reply.body["request"] == sent
    assert validate_payload("SendLocalList", sent, response=False) == []
    return sent


async def test_full_list_holds_every_stored_id_tag_with_its_id_tag_info(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    sent = await _send(csms, cp, {"updateType": "Full"})
    assert sent["updateType"] == "Full" and sent["listVersion"] == 1
    assert sorted(_tags(sent)) == SEEDED
    assert TAGS.invalid not in _tags(sent)
    info = {entry["idTag"]: entry["idTagInfo"] for entry in sent["localAuthorizationList"]}
    # The same rules as Authorize (authorization.id_tag_info).
    assert info[TAGS.valid] == {"status": "Accepted", "parentIdTag": TAGS.parent}
    assert info[TAGS.same_parent] == {"status": "Accepted", "parentIdTag": TAGS.parent}
    assert info[TAGS.parent] == {"status": "Accepted"}
    assert info[TAGS.blocked] == {"status": "Blocked"}
    assert info[TAGS.expired] == {"status": "Expired", "expiryDate": EXPIRED_TAG_EXPIRY}


async def test_versions_increase_and_state_is_kept_only_on_accepted(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    first = await _send(csms, cp, {"updateType": "Full"}, "Failed")
    assert first["listVersion"] == 1
    state = csms.store.local_list("CP_1")
    assert state is not None
    assert (state.list_version, state.id_tags, state.last_sent_version) == (0, (), 1)
    assert state.last_sent_status == "Failed"

    second = await _send(csms, cp, {"updateType": "Full"})
    assert second["listVersion"] == 2  # never a version sent before
    state = csms.store.local_list("CP_1")
    assert state is not None
    assert (state.list_version, state.update_type) == (2, "Full")
    assert sorted(state.id_tags) == SEEDED

    for status in ("NotSupported", "VersionMismatch"):
        await _send(csms, cp, {"updateType": "Full"}, status)
    state = csms.store.local_list("CP_1")
    assert state is not None
    assert (state.list_version, state.last_sent_version) == (2, 4)
    assert sorted(state.id_tags) == SEEDED
    assert (await _send(csms, cp, {"updateType": "Differential"}))["listVersion"] == 5


async def test_differential_sends_the_id_tags_not_in_the_accepted_list(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    full = await _send(csms, cp, {"updateType": "Full"})
    csms.store.put_id_tag(IdTagRecord("TAG-NEW-0001", "Accepted", parent_id_tag=TAGS.parent))
    diff = await _send(csms, cp, {"updateType": "Differential"})
    assert diff["updateType"] == "Differential"
    assert diff["listVersion"] > full["listVersion"]
    assert diff["localAuthorizationList"] == [
        {"idTag": "TAG-NEW-0001", "idTagInfo": {"status": "Accepted", "parentIdTag": TAGS.parent}}
    ]
    state = csms.store.local_list("CP_1")
    assert state is not None and sorted(state.id_tags) == sorted([*SEEDED, "TAG-NEW-0001"])
    assert state.update_type == "Differential"
    # Nothing is missing any more: a differential update carries every stored idTag.
    again = await _send(csms, cp, {"updateType": "Differential"})
    assert sorted(_tags(again)) == sorted([*SEEDED, "TAG-NEW-0001"])
    assert all("idTagInfo" in entry for entry in again["localAuthorizationList"])


async def test_differential_without_an_accepted_list_carries_every_id_tag(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    diff = await _send(csms, cp, {"updateType": "Differential"})
    assert (diff["listVersion"], sorted(_tags(diff))) == (1, SEEDED)


async def test_differential_after_a_rejected_one_sends_the_same_missing_tags(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    await _send(csms, cp, {"updateType": "Full", "localAuthorizationList": []})
    first = await _send(csms, cp, {"updateType": "Differential"}, "Failed")
    second = await _send(csms, cp, {"updateType": "Differential"})
    assert _tags(first) == _tags(second)
    assert second["listVersion"] == first["listVersion"] + 1


async def test_explicit_values_are_kept(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    body = {
        "updateType": "Differential",
        "listVersion": 42,
        "localAuthorizationList": [{"idTag": "X-1", "idTagInfo": ACCEPTED}, {"idTag": TAGS.valid}],
    }
    await _send(csms, cp, {"updateType": "Full"})
    assert await _send(csms, cp, body) == body
    state = csms.store.local_list("CP_1")
    assert state is not None and state.list_version == 42
    # An entry without idTagInfo removes the idTag from the list (§5.15).
    assert TAGS.valid not in state.id_tags and "X-1" in state.id_tags
    assert (await _send(csms, cp, {"updateType": "Full"}))["listVersion"] == 43
    # A full list replaces whatever was there.
    await _send(csms, cp, {"updateType": "Full", "localAuthorizationList": [{"idTag": "Y-1"}]})
    state = csms.store.local_list("CP_1")
    assert state is not None and state.id_tags == ()


async def test_versions_are_per_charge_point(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    a = await connect(csms.ocpp_url, "CP_A")
    b = await connect(csms.ocpp_url, "CP_B")
    sent_a, _ = await operator_request(
        csms, a, "SendLocalList", {"updateType": "Full"}, ACCEPTED, "CP_A"
    )
    sent_a2, _ = await operator_request(
        csms, a, "SendLocalList", {"updateType": "Full"}, ACCEPTED, "CP_A"
    )
    sent_b, _ = await operator_request(
        csms, b, "SendLocalList", {"updateType": "Differential"}, ACCEPTED, "CP_B"
    )
    assert (sent_a["listVersion"], sent_a2["listVersion"], sent_b["listVersion"]) == (1, 2, 1)
    assert sorted(_tags(sent_b)) == SEEDED  # CP_A's list does not count for CP_B


async def test_callerror_answer_keeps_the_state(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    await _send(csms, cp, {"updateType": "Full"})
    url = f"{csms.api_url}/chargepoints/CP_1/requests/SendLocalList"
    sent = asyncio.create_task(http_async("POST", url, {"updateType": "Full"}))
    call = await cp.expect_call()
    await cp.send_text(cp.session.send_error(call.call.unique_id, "InternalError", "no").text)
    assert (await sent).status == 200
    state = csms.store.local_list("CP_1")
    assert state is not None
    assert (state.list_version, state.last_sent_version, state.last_sent_status) == (1, 2, None)


@pytest.mark.parametrize("body", [{}, {"updateType": "Sometimes"}])
async def test_without_a_valid_update_type_nothing_is_sent(
    csms: ReferenceCsms, cp: FakeChargePoint, body: dict[str, Any]
) -> None:
    url = f"{csms.api_url}/chargepoints/CP_1/requests/SendLocalList"
    reply = await http_async("POST", url, body)
    assert reply.status == 400 and reply.body["violations"]
    assert "localAuthorizationList" not in reply.body["request"]
    assert csms.store.local_list("CP_1") is None


async def test_get_local_list_version_is_sent_empty_and_the_answer_kept(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    sent, reply = await operator_request(csms, cp, "GetLocalListVersion", {}, {"listVersion": 0})
    assert sent == {} and reply.body["response"] == {"listVersion": 0}
    (listed,) = (await api_get(csms, "locallists"))["localLists"]
    assert (listed["reportedVersion"], listed["listVersion"]) == (0, 0)
    assert listed["reportedAt"] is not None


async def test_local_lists_endpoint(csms: ReferenceCsms, connect: ConnectChargePoint) -> None:
    assert await api_get(csms, "locallists") == {"localLists": [], "total": 0, "next": None}
    cp = await connect(csms.ocpp_url)
    await _send(csms, cp, {"updateType": "Full"})
    await _send(csms, cp, {"updateType": "Full"}, "Failed")
    everything = await api_get(csms, "locallists")
    (listed,) = everything["localLists"]
    assert listed == {
        "chargePointId": "CP_1",
        "listVersion": 1,
        "updateType": "Full",
        "acceptedAt": listed["acceptedAt"],
        "idTags": SEEDED,
        "lastSentVersion": 2,
        "lastSentStatus": "Failed",
        "reportedVersion": None,
        "reportedAt": None,
    }
    assert listed["acceptedAt"] is not None
    assert await api_get(csms, "locallists?chargePointId=CP_1") == everything
    assert await api_get(csms, "locallists?chargePointId=OTHER") == {
        "localLists": [],
        "total": 0,
        "next": None,
    }


async def test_list_versions_survive_a_restart(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms()
    cp = await connect(csms.ocpp_url)
    await _send(csms, cp, {"updateType": "Full"})
    await _send(csms, cp, {"updateType": "Full"}, "Failed")
    await cp.close()
    await csms.stop()

    again = await start_csms()  # same db_path
    (listed,) = (await api_get(again, "locallists"))["localLists"]
    assert (listed["listVersion"], listed["lastSentVersion"], listed["idTags"]) == (1, 2, SEEDED)
    cp = await connect(again.ocpp_url)
    diff = await _send(again, cp, {"updateType": "Differential"})
    assert diff["listVersion"] == 3
    assert sorted(_tags(diff)) == SEEDED  # nothing missing: every stored idTag
