"""Each fault changes exactly the behaviour its test case exists to catch."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from csms_under_test import FAULTS, Faults, ReferenceCsms
from simulator.config import HarnessConfig, IdTags

from .helpers import ConnectChargePoint, FakeChargePoint, StartCsms, http_async

TAGS = IdTags()


async def _with_fault(
    fault: str, start_csms: StartCsms, connect: ConnectChargePoint
) -> tuple[ReferenceCsms, FakeChargePoint]:
    csms = await start_csms(faults=[fault])
    return csms, await connect(csms.ocpp_url)


def test_the_faults() -> None:
    assert set(FAULTS) == {
        "reject-boot",
        "heartbeat-silent",
        "authorize-invalid",
        "start-transaction-invalid",
        "remote-stop-wrong-transaction",
    }
    faults = Faults(["reject-boot"])
    assert "reject-boot" in faults and "heartbeat-silent" not in faults
    assert list(faults) == ["reject-boot"]


def test_unknown_fault_is_named_with_the_known_ones(db_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown fault 'nope'.*known faults: .*reject-boot"):
        Faults(["reject-boot", "nope"])
    with pytest.raises(ValueError, match="nope"):
        ReferenceCsms(db_path=db_path, config=HarnessConfig(), faults=["nope"])


async def test_reject_boot(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    _, cp = await _with_fault("reject-boot", start_csms, connect)
    assert (await cp.boot())["status"] == "Rejected"


async def test_heartbeat_silent(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    _, cp = await _with_fault("heartbeat-silent", start_csms, connect)
    assert (await cp.boot())["status"] == "Accepted"
    outgoing = cp.session.send_call("Heartbeat", {})
    await cp.send_text(outgoing.text)
    with pytest.raises(TimeoutError):
        await cp.next_event(timeout=0.5)
    cp.session.abandon_call()
    answer = await cp.request(
        "StatusNotification", {"connectorId": 0, "status": "Available", "errorCode": "NoError"}
    )
    assert answer == {}


async def test_authorize_invalid(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    _, cp = await _with_fault("authorize-invalid", start_csms, connect)
    assert await cp.request("Authorize", {"idTag": TAGS.valid}) == {
        "idTagInfo": {"status": "Invalid"}
    }


async def test_start_transaction_invalid(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await _with_fault("start-transaction-invalid", start_csms, connect)
    assert (await cp.request("Authorize", {"idTag": TAGS.valid}))["idTagInfo"]["status"] == (
        "Accepted"
    )
    answer = await cp.start_transaction(TAGS.valid)
    assert answer["idTagInfo"] == {"status": "Invalid"}
    assert csms.store.transaction(answer["transactionId"]) is not None


@pytest.mark.parametrize("explicit", [False, True], ids=["completed", "given"])
async def test_remote_stop_wrong_transaction(
    start_csms: StartCsms, connect: ConnectChargePoint, explicit: bool
) -> None:
    csms, cp = await _with_fault("remote-stop-wrong-transaction", start_csms, connect)
    transaction_id = (await cp.start_transaction(TAGS.valid))["transactionId"]
    body = {"transactionId": transaction_id} if explicit else {}
    url = f"{csms.api_url}/chargepoints/CP_1/requests/RemoteStopTransaction"
    sent = asyncio.create_task(http_async("POST", url, body))
    call = await cp.expect_call()
    assert call.call.payload == {"transactionId": transaction_id + 1000}
    await cp.reply(call, {"status": "Rejected"})
    assert (await sent).status == 200


async def test_no_fault_no_change(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    assert len(csms.faults) == 0
    assert (await cp.boot())["status"] == "Accepted"
