"""The machine-readable operator contract, docs/operator-contract.openapi.json: current with
its generator, valid OpenAPI 3.1, served by the bundled CSMS, and true to what the bundled
CSMS answers on the route and to what the harness's HTTP adapter sends.

Regenerate the document (and the copy the CSMS serves) with ``make openapi``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from csms_under_test import ReferenceCsms
from csms_under_test.openapi import openapi_document
from ocppj.actions import CSMS_INITIATED
from ocppj.schemas import payload_schema
from simulator.bundled import bundled_csms
from simulator.cases import Case
from simulator.cases.steps import OperatorStep
from simulator.chargepoint import ChargePoint
from simulator.clock import SystemClock, ocpp_timestamp
from simulator.config import ChargePointConfig, HarnessConfig, IdTags, load_config
from simulator.editions import DEFAULT_EDITION, EDITIONS
from simulator.operator import HttpOperator, OperatorOutcome, OperatorRequest
from simulator.operator.context import wire_context
from simulator.runner.preconditions import CarryOver
from simulator.runner.settings import RunSettings
from simulator.runner.suite import SuiteSession
from tests.support.openapi_contract import DOCUMENT, ROUTE, SERVED_COPY, build, render
from tests.support.shipped import shipped_cases

from .conftest import StartCsms
from .helpers import FakeChargePoint, HttpReply, http_async, operator_request

REGENERATE = "regenerate it with `make openapi` (python -m tests.support.openapi_contract)"
JSON = "application/json"
URI = "urn:ocpp16-pretest:operator-contract"  # the document's base URI for its own $refs
TAGS = IdTags()
FAST_CONFIG = DOCUMENT.parents[1] / "tests" / "data" / "fast.yaml"


@functools.cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    return Registry().with_resource(URI, resource)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def validator(*pointer: str) -> Draft202012Validator:
    """A Draft 2020-12 validator for the schema at ``pointer`` (keys) in the document, its
    ``$ref``s resolved in the document."""
    fragment = "/".join(_escape(key) for key in pointer)
    return Draft202012Validator(
        {"$ref": f"{URI}#/{fragment}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(schema: Draft202012Validator, instance: Any) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
        for e in schema.iter_errors(instance)
    ]


def answer_schema(status: int, path: str = ROUTE, method: str = "post") -> Draft202012Validator:
    """The schema the document gives the body of ``status`` (or else its ``default``)."""
    responses = document()["paths"][path][method]["responses"]
    key = str(status) if str(status) in responses else "default"
    return validator("paths", path, method, "responses", key, "content", JSON, "schema")


def request_body() -> Draft202012Validator:
    return validator("paths", ROUTE, "post", "requestBody", "content", JSON, "schema")


def assert_documented(
    reply: HttpReply, status: int, path: str = ROUTE, method: str = "post"
) -> None:
    assert reply.status == status, reply
    assert errors(answer_schema(status, path, method), reply.body) == [], reply


# -- the document -----------------------------------------------------------------------


def test_the_committed_document_is_the_generated_one() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(build()), (
        f"{DOCUMENT} is stale: {REGENERATE}"
    )


def test_the_bundled_csms_ships_the_same_document() -> None:
    assert SERVED_COPY.read_bytes() == DOCUMENT.read_bytes(), (
        f"{SERVED_COPY.name} differs from {DOCUMENT.name}: {REGENERATE}"
    )
    assert openapi_document() == document()


def test_the_document_is_valid_openapi_3_1() -> None:
    doc = document()
    validate(doc, cls=OpenAPIV31SpecValidator)
    assert doc["openapi"] == "3.1.0"
    assert doc["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    [server] = doc["servers"]
    assert server["url"] == "http://127.0.0.1:9001/api"
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    route = doc["paths"][ROUTE]["post"]
    assert sorted(route["responses"]) == [
        "200",
        "400",
        "401",
        "404",
        "502",
        "503",
        "504",
        "default",
    ]
    assert route["security"] == [{}, {"operatorToken": []}]  # a token is optional
    assert {p["name"]: p["in"] for p in route["parameters"]} == {
        "chargePointId": "path",
        "action": "path",
        "timeout": "query",
    }
    assert sorted(doc["paths"]) == [ROUTE, "/health", "/openapi.json"]


def test_the_examples_follow_the_schemas() -> None:
    checked = 0
    for path, methods in document()["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {"content": {}})["content"].get(JSON, {})
            for example in body.get("examples", {}).values():
                assert errors(request_body(), example["value"]) == [], path
                checked += 1
            for key, response in operation["responses"].items():
                schema = validator(
                    "paths", path, method, "responses", key, "content", JSON, "schema"
                )
                for name, example in response["content"][JSON].get("examples", {}).items():
                    assert errors(schema, example["value"]) == [], (path, key, name)
                    checked += 1
    assert checked >= 10


def _walk(schema: Any) -> list[Any]:
    if isinstance(schema, dict):
        return [schema, *(node for value in schema.values() for node in _walk(value))]
    if isinstance(schema, list):
        return [node for value in schema for node in _walk(value)]
    return []


@pytest.mark.parametrize("action", sorted(CSMS_INITIATED))
def test_the_fields_of_an_action_are_a_part_of_its_oca_request(action: str) -> None:
    schemas = document()["components"]["schemas"]
    fields = schemas[f"{action}Fields"]
    oca = payload_schema(action, response=False)
    assert oca is not None
    assert sorted(fields["properties"]) == sorted(oca["properties"])
    assert not any(
        "required" in node or "$ref" in node or "$schema" in node for node in _walk(fields)
    )
    assert schemas["Action"]["enum"] == sorted([*CSMS_INITIATED, "SetSecurityProfile"])
    body = _operator_request(action, {}).as_json()
    assert errors(request_body(), body) == []  # no field at all is a part too
    body["fields"] = {"notAnOcppField": 1}
    assert errors(request_body(), body), "a key that is not an OCPP field must be refused"


def test_the_request_body_checks_fields_from_now_and_context() -> None:
    good = _operator_request(
        "ReserveNow",
        {"connectorId": 1, "idTag": TAGS.valid, "expiryDate": "2026-12-02T10:01:00.000Z"},
        from_now={"expiryDate": 60},
    ).as_json()
    assert errors(request_body(), good) == []
    bad: list[tuple[str, Any]] = [
        ("fields", {"connectorId": "one"}),
        ("fields", {"idTag": "X" * 21}),
        ("fromNow", {"expiryDate": -1}),
        ("fromNow", {"connectorId": 5}),  # not a date field of ReserveNow
        ("context", {**good["context"], "extra": []}),
        ("context", {k: v for k, v in good["context"].items() if k != "connectors"}),
        ("timeout", 0),
        ("chargePointId", 7),
    ]
    for key, value in bad:
        assert errors(request_body(), {**good, key: value}), (key, value)
    assert errors(request_body(), {**good, "action": "BootNotification"})
    assert errors(request_body(), {k: v for k, v in good.items() if k != "instruction"})


# -- served by the bundled CSMS ---------------------------------------------------------


async def test_the_bundled_csms_serves_the_document(csms: ReferenceCsms) -> None:
    reply = await http_async("GET", f"{csms.api_url}/openapi.json")  # checks the Content-Type
    assert reply.status == 200
    assert reply.body == document()
    assert_documented(reply, 200, "/openapi.json", "get")
    assert_documented(await http_async("GET", f"{csms.api_url}/health"), 200, "/health", "get")


# -- every status the bundled CSMS gives on the route, against the document ---------------


def _operator_request(
    action: str,
    fields: dict[str, Any],
    *,
    from_now: dict[str, float] | None = None,
    cp_id: str = "CP_1",
    timeout: float = 2.0,
) -> OperatorRequest:
    cp = ChargePoint(ChargePointConfig(id=cp_id), SystemClock())
    return OperatorRequest(
        charge_point_id=cp_id,
        action=action,
        fields=fields,
        instruction=f"Send {action} to {cp_id}.",
        timeout=timeout,
        from_now=from_now or {},
        context=wire_context(cp),
    )


def _url(csms: ReferenceCsms, action: str, cp_id: str = "CP_1", query: str = "") -> str:
    return f"{csms.api_url}/chargepoints/{cp_id}/requests/{action}{query}"


async def test_200_callresult(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    expiry = ocpp_timestamp(datetime.now(UTC) + timedelta(seconds=60))
    fields = {"connectorId": 1, "idTag": TAGS.valid, "expiryDate": expiry}
    body = _operator_request("ReserveNow", fields, from_now={"expiryDate": 60}).as_json()
    sent, reply = await operator_request(csms, cp, "ReserveNow", body, {"status": "Accepted"})
    assert_documented(reply, 200)
    assert reply.body["response"] == {"status": "Accepted"} and reply.body["request"] == sent
    # An answer that breaks the OCA schema comes back with its violations.
    body = _operator_request("ClearCache", {}).as_json()
    _, reply = await operator_request(csms, cp, "ClearCache", body, {"status": "Maybe"})
    assert_documented(reply, 200)
    assert reply.body["responseViolations"][0]["keyword"] == "enum"


async def test_200_callerror(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    body = _operator_request("Reset", {"type": "Soft"}).as_json()
    sent = asyncio.create_task(http_async("POST", _url(csms, "Reset"), body))
    call = await cp.expect_call()
    error = cp.session.send_error(call.call.unique_id, "NotSupported", "no reset here", {"a": 1})
    await cp.send_text(error.text)
    reply = await sent
    assert_documented(reply, 200)
    assert reply.body["error"]["errorCode"] == "NotSupported" and "response" not in reply.body


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("ClearCache", b"{not json", "not valid JSON"),
        ("ClearCache", b"[1]", "JSON object"),
        ("ClearCache", {"fields": {}, "foo": 1}, "unknown key 'foo'"),
        ("ClearCache", {"fields": {}, "chargePointId": "CP_2"}, "differs from the path"),
        ("ReserveNow", {"fields": {}, "fromNow": {"expiryDate": -5}}, "fromNow.expiryDate"),
        ("NoSuchAction", {"fields": {}}, "unknown OCPP 1.6 action"),
        ("BootNotification", {"fields": {}}, "sent by a charge point"),
        ("RemoteStopTransaction", {"fields": {}}, "no active transaction"),
    ],
)
async def test_400(
    csms: ReferenceCsms, cp: FakeChargePoint, action: str, body: Any, message: str
) -> None:
    reply = await http_async("POST", _url(csms, action), body)
    assert_documented(reply, 400)
    assert message in reply.body["error"]


async def test_400_schema_violation_and_bad_timeout(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    body = _operator_request("Reset", {"type": "Sideways"}).as_json()
    reply = await http_async("POST", _url(csms, "Reset"), body)
    assert_documented(reply, 400)
    assert reply.body["request"] == {"type": "Sideways"} and reply.body["violations"]
    reply = await http_async("POST", _url(csms, "Reset", query="?timeout=0"), body)
    assert_documented(reply, 400)


async def test_404_unknown_and_not_connected(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    body = _operator_request("ClearCache", {}, cp_id="NOPE").as_json()
    reply = await http_async("POST", _url(csms, "ClearCache", cp_id="NOPE"), body)
    assert_documented(reply, 404)
    assert "unknown" in reply.body["error"]
    await cp.close()
    body = _operator_request("ClearCache", {}).as_json()
    for _ in range(50):  # the CSMS notices the close asynchronously
        reply = await http_async("POST", _url(csms, "ClearCache"), body)
        if reply.status == 404:
            break
        await asyncio.sleep(0.02)
    assert_documented(reply, 404)
    assert "not connected" in reply.body["error"]


async def test_502_the_charge_point_disconnects(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    body = _operator_request("ClearCache", {}).as_json()
    sent = asyncio.create_task(http_async("POST", _url(csms, "ClearCache"), body))
    await cp.expect_call()
    await cp.close()
    reply = await sent
    assert_documented(reply, 502)
    assert reply.body["action"] == "ClearCache" and reply.body["request"] == {}


async def test_504_no_answer_in_time(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    body = _operator_request("ClearCache", {}, timeout=0.3).as_json()
    sent = asyncio.create_task(
        http_async("POST", _url(csms, "ClearCache", query="?timeout=0.3"), body)
    )
    await cp.expect_call()
    reply = await sent
    assert_documented(reply, 504)
    assert reply.body["action"] == "ClearCache"


async def test_401_without_the_token(start_csms: StartCsms) -> None:
    csms = await start_csms(api_token="contract-token")
    body = _operator_request("ClearCache", {}).as_json()
    reply = await http_async("POST", _url(csms, "ClearCache"), body)
    assert_documented(reply, 401)


async def test_503_shutting_down(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    api = csms._api  # what stop() does first: refuse what comes, cancel what waits
    assert api is not None
    api.refuse_new_requests()
    body = _operator_request("ClearCache", {}).as_json()
    assert_documented(await http_async("POST", _url(csms, "ClearCache"), body), 503)


def _too_large(url: str) -> HttpReply:
    """A POST that announces a body over 1 MiB (and sends none: the CSMS answers first)."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=5)
    try:
        connection.putrequest("POST", address.path)
        connection.putheader("Content-Type", JSON)
        connection.putheader("Content-Length", str((1 << 20) + 1))
        connection.endheaders()
        answer = connection.getresponse()
        return HttpReply(answer.status, json.loads(answer.read()), dict(answer.headers))
    finally:
        connection.close()


async def test_any_other_status_is_the_default_error(csms: ReferenceCsms) -> None:
    assert_documented(await http_async("GET", _url(csms, "ClearCache")), 405)
    assert_documented(await asyncio.to_thread(_too_large, _url(csms, "ClearCache")), 413)


# -- what the harness's HTTP adapter sends --------------------------------------------


def test_the_context_of_a_busy_charge_point_fits_the_document() -> None:
    cp = ChargePoint(ChargePointConfig(connectors=2), SystemClock())
    cp.on_response(
        "StartTransaction",
        {"connectorId": 1, "idTag": TAGS.valid, "meterStart": 0, "timestamp": cp.timestamp()},
        {"transactionId": 41, "idTagInfo": {"status": "Accepted"}},
    )
    expiry = ocpp_timestamp(datetime.now(UTC) + timedelta(minutes=5))
    cp.reserve({"connectorId": 2, "idTag": TAGS.valid, "reservationId": 7, "expiryDate": expiry})
    cp.answer("SendLocalList", {"listVersion": 3, "updateType": "Full"})
    profile = {
        "chargingProfileId": 12,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "transactionId": 41,
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
        },
    }
    cp.answer("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile})
    context = wire_context(cp)
    assert all(context[key] for key in ("transactions", "reservations", "chargingProfiles"))
    assert errors(validator("components", "schemas", "Context"), context) == []
    request = dataclasses.replace(_operator_request("RemoteStopTransaction", {}), context=context)
    assert errors(request_body(), json.loads(json.dumps(request.as_json()))) == []


class RecordingHttpOperator(HttpOperator):
    """The harness's HTTP adapter, keeping each body it posts and each 200 body it gets."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.sent: list[dict[str, Any]] = []
        self.answers: list[Any] = []

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        self.sent.append(json.loads(json.dumps(request.as_json())))  # the body it posts
        outcome = await super().perform(request)
        if outcome.ok:
            self.answers.append(outcome.response)
        return outcome


def _operator_cases() -> list[tuple[str, Case]]:
    """Every shipped case with an operator step, in the default edition, and those that
    differ in another edition there."""
    runs = []
    for edition in EDITIONS:
        for case in shipped_cases(edition):
            if edition != DEFAULT_EDITION and not case.varies:
                continue
            if any(isinstance(step, OperatorStep) for step in case.steps):
                runs.append((edition, case))
    return runs


def _run(config: HarnessConfig, runs: list[tuple[str, Case]]) -> RecordingHttpOperator:
    """``runs`` one after the other on a bundled CSMS of their own, through the recorder."""
    with bundled_csms(config) as bundled:
        ocpp_url, api_url = bundled
        operator = RecordingHttpOperator(api_url)
        located = bundled.harness_config(config)
        carry = CarryOver()  # what the charge point keeps from case to case (TC_073's password)
        for edition, case in runs:
            settings = RunSettings(
                dataclasses.replace(located, edition=edition), ocpp_url, operator
            )
            session = SuiteSession.with_settings(settings)
            session.carry = carry
            asyncio.run(session.run([case]))
        return operator


@pytest.mark.slow
def test_what_the_http_adapter_sends_in_the_shipped_cases_fits_the_document() -> None:
    """Every operator request of the shipped cases, run against the bundled CSMS (six
    CSMSes side by side: the runs mostly wait), and every answer it gave."""
    config = load_config(FAST_CONFIG)
    runs = _operator_cases()
    chunks = [runs[i::6] for i in range(6)]
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        operators = list(pool.map(lambda chunk: _run(config, chunk), chunks))
    sent = [body for operator in operators for body in operator.sent]
    answers = [answer for operator in operators for answer in operator.answers]
    actions = {s.action for _, case in runs for s in case.steps if isinstance(s, OperatorStep)}
    assert len(runs) >= 47 and len(sent) >= len(runs)
    # ... and SetSecurityProfile, to run the cases for profiles 2 and 3 (security.profiles).
    assert {body["action"] for body in sent} == actions | {"SetSecurityProfile"}
    wrong = {
        f"{body['action']} {json.dumps(body['fields'])}": found
        for body in sent
        if (found := errors(request_body(), body))
    }
    assert not wrong, wrong
    assert answers and all(errors(answer_schema(200), a) == [] for a in answers), answers
