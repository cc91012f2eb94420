"""The operator request the harness hands an adapter (docs/operator-contract.md): the
values the instruction names, dates relative to now, the charge point's context, and the
context the adapter says it used."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from reports.results import Verdict
from simulator.chargepoint import ChargePoint
from simulator.clock import SystemClock
from simulator.config import ChargePointConfig
from simulator.operator import HttpOperator, ManualOperator, OperatorOutcome, OperatorRequest
from simulator.operator.context import wire_context
from tests.support.scripted_csms import ScriptedCsms, only_reason, run, write_case

RESERVE = """
- operator: ReserveNow
  request: {connectorId: 1, idTag: TAG-1, reservationId: 5}
  from_now: {expiryDate: 90}
  instruction: Reserve connector 1 for TAG-1, expiring 90 seconds from now.
- expect_csms: ReserveNow
  match: {connectorId: 1, idTag: TAG-1}
"""


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_context_is_what_the_charge_point_holds() -> None:
    cp = ChargePoint(ChargePointConfig(connectors=2), SystemClock())
    cp.on_response(
        "StartTransaction",
        {"connectorId": 1, "idTag": "TAG-1", "meterStart": 0, "timestamp": cp.timestamp()},
        {"transactionId": 41, "idTagInfo": {"status": "Accepted"}},
    )
    expiry = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    cp.reserve({"connectorId": 2, "idTag": "TAG-2", "reservationId": 7, "expiryDate": expiry})
    cp.answer("SendLocalList", {"listVersion": 3, "updateType": "Full"})
    profile = {
        "chargingProfileId": 12,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
        },
    }
    assert cp.answer(
        "SetChargingProfile", {"connectorId": 2, "csChargingProfiles": profile}
    ).payload == {"status": "Accepted"}

    context = wire_context(cp)

    assert context["transactions"] == [{"transactionId": 41, "connectorId": 1, "idTag": "TAG-1"}]
    assert context["reservations"] == [
        {"reservationId": 7, "connectorId": 2, "idTag": "TAG-2", "expiryDate": expiry}
    ]
    assert context["localListVersion"] == 3
    assert context["chargingProfiles"] == [
        {
            "chargingProfileId": 12,
            "connectorId": 2,
            "chargingProfilePurpose": "TxDefaultProfile",
            "stackLevel": 1,
            "transactionId": None,
        }
    ]
    assert [c["connectorId"] for c in context["connectors"]] == [0, 1, 2]
    json.dumps(context)  # it goes on the wire as it is


async def test_from_now_dates_are_computed_when_the_operator_is_asked(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    before = datetime.now(UTC)
    result = await run(write_case(tmp_path, RESERVE, given="booted"), peer)
    after = datetime.now(UTC)
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    [request] = peer.operator.requests
    assert request.from_now == {"expiryDate": 90}
    expiry = parse(request.fields["expiryDate"])
    assert before + timedelta(seconds=89) <= expiry <= after + timedelta(seconds=91)
    assert request.as_json()["fromNow"] == {"expiryDate": 90}
    assert request.context["reservations"] == [] and request.context["transactions"] == []
    [step] = [s for s in result.steps if s.kind == "operator"]
    assert step.operator is not None
    assert step.operator["from_now"] == {"expiryDate": 90}
    assert step.operator["context"] == request.context


async def test_a_from_now_that_is_not_seconds_is_an_error(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    steps = RESERVE.replace("from_now: {expiryDate: 90}", "from_now: {expiryDate: $valid_id_tag}")
    result = await run(write_case(tmp_path, steps, given="booted"), peer)
    assert result.verdict == Verdict.ERROR
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "variable")
    assert "from_now needs a number of seconds" in reason.message
    assert peer.operator.requests == []  # the operator was never asked


class _UsesContext:
    """An adapter that builds the request from the charge point's context, and says so."""

    name = "context-user"

    def __init__(self, peer: ScriptedCsms) -> None:
        self.peer = peer

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        outcome = await self.peer.operator.perform(request)
        return OperatorOutcome(
            outcome.ok, outcome.detail, outcome.response, used_context=("reservations",)
        )


async def test_the_context_an_adapter_used_is_recorded(tmp_path: Path, peer: ScriptedCsms) -> None:
    result = await run(
        write_case(tmp_path, RESERVE, given="booted"), peer, operator=_UsesContext(peer)
    )
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    [step] = [s for s in result.steps if s.kind == "operator"]
    assert step.operator is not None and step.operator["used_context"] == ["reservations"]


class _Recorder(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]] = []
    paths: list[str] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Recorder.bodies.append(json.loads(self.rfile.read(length)))
        _Recorder.paths.append(self.path)
        answer = json.dumps(
            {
                "action": "ReserveNow",
                "request": {},
                "response": {},
                "usedContext": ["reservations", 3],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Any:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.bodies.clear()
    _Recorder.paths.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


REQUEST = OperatorRequest(
    charge_point_id="CP 1/a",
    action="ReserveNow",
    fields={"connectorId": 1, "idTag": "TAG-1", "expiryDate": "2026-12-02T10:01:00.000Z"},
    instruction="Reserve connector 1 for TAG-1, expiring 60 seconds from now.",
    timeout=5.0,
    from_now={"expiryDate": 60},
    context={"transactions": [], "reservations": [], "localListVersion": 0},
)


async def test_the_http_adapter_posts_the_operator_request(recorder: str) -> None:
    outcome = await HttpOperator(recorder).perform(REQUEST)
    assert outcome.ok
    assert outcome.used_context == ("reservations",)  # what is not a string names nothing
    [body] = _Recorder.bodies
    assert body == {
        "action": "ReserveNow",
        "chargePointId": "CP 1/a",
        "instruction": REQUEST.instruction,
        "fields": REQUEST.fields,
        "fromNow": {"expiryDate": 60},
        "context": REQUEST.context,
        "timeout": 5.0,
    }
    assert _Recorder.paths == ["/api/chargepoints/CP%201%2Fa/requests/ReserveNow?timeout=5"]


async def test_the_manual_adapter_shows_fields_dates_and_context() -> None:
    lines: list[str] = []
    outcome = await ManualOperator(lines.append).perform(REQUEST)
    assert not outcome.confirmed
    [prompt] = lines
    assert '"idTag": "TAG-1"' in prompt
    assert "expiryDate 60 s from now" in prompt
    assert '"localListVersion": 0' in prompt


async def test_the_http_adapter_sends_the_token_from_the_environment(
    recorder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPERATOR_TOKEN", "t0ken")
    seen: list[str | None] = []
    original = _Recorder.do_POST

    def recording(handler: _Recorder) -> None:
        seen.append(handler.headers.get("Authorization"))
        original(handler)

    monkeypatch.setattr(_Recorder, "do_POST", recording)
    assert (await HttpOperator(recorder).perform(REQUEST)).ok
    monkeypatch.delenv("OPERATOR_TOKEN")
    assert (await HttpOperator(recorder).perform(REQUEST)).ok
    assert seen == ["Bearer t0ken", None]
