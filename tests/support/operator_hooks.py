"""Operator hooks for the python adapter's tests (named as module:function)."""

import json
import threading
import urllib.request

from simulator.operator import OperatorRequest

API_URL = {"value": ""}  # set by the test to the bundled CSMS's operator API
CALLS: list[OperatorRequest] = []


async def via_operator_api(request: OperatorRequest) -> object:
    """What a vendor's hook would do: call their own back office to make the CSMS act."""
    CALLS.append(request)
    url = f"{API_URL['value']}/chargepoints/{request.charge_point_id}/requests/{request.action}"
    body = json.dumps(request.as_json()).encode()
    http_request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    import asyncio

    def post() -> object:
        with urllib.request.urlopen(http_request, timeout=request.timeout) as answer:
            return json.loads(answer.read())

    return await asyncio.to_thread(post)


def broken(request: OperatorRequest) -> None:
    raise RuntimeError("back office unreachable")


LOOP_FLAG = threading.Event()  # set by the test from the event loop


def waits_for_the_loop(request: OperatorRequest) -> object:
    """A synchronous hook that blocks until the event loop has run a callback: it can only
    return True when it runs off the loop."""
    return {"loop_ran": LOOP_FLAG.wait(timeout=2.0)}
