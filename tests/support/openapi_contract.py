"""Build the machine-readable operator contract: docs/operator-contract.openapi.json.

The document is OpenAPI 3.1 (JSON Schema 2020-12) for the route an operator adapter serves
(docs/operator-contract.md). The per-action ``fields`` schemas are generated from the OCA
OCPP 1.6 request schemas (``ocppj.schemas``): each is its action's request schema with
``required`` dropped at every level, a part of the payload. The bundled CSMS serves a copy
(package data of ``csms_under_test``) at ``GET /api/openapi.json``.

Regenerate both files with ``make openapi`` (``python -m tests.support.openapi_contract``);
tests/csms/test_openapi.py checks that they equal :func:`build`.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from ocppj.actions import CSMS_INITIATED
from ocppj.errors import ErrorCode
from ocppj.schemas import payload_schema
from simulator.runner.security_profile import SET_SECURITY_PROFILE

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "operator-contract.openapi.json"
# The copy the bundled CSMS serves (csms_under_test.openapi), shipped in its wheel.
SERVED_COPY = ROOT / "csms_under_test" / "operator-contract.openapi.json"

ROUTE = "/chargepoints/{chargePointId}/requests/{action}"
SERVER = "http://127.0.0.1:9001/api"  # the bundled CSMS's default (OCPP port 9000 + 1)
DIALECT = "https://json-schema.org/draft/2020-12/schema"
JSON = "application/json"

# Keywords of an OCA schema that have no place in a part of a payload inside this document.
_DROPPED = frozenset({"$schema", "$id", "id", "title", "definitions", "required"})

CONTEXT_KEYS = (
    "connectors",
    "transactions",
    "reservations",
    "localListVersion",
    "chargingProfiles",
    "installedCertificates",
)

_EXAMPLE_FIELDS = {
    "connectorId": 1,
    "idTag": "TAG-VALID-0001",
    "expiryDate": "2026-12-02T10:01:00.000Z",
}
_EXAMPLE_REQUEST = {
    "action": "ReserveNow",
    "chargePointId": "CP_1",
    "instruction": (
        "Reserve connector 1 of charge point CP_1 for idTag TAG-VALID-0001, "
        "expiring 60 seconds from now."
    ),
    "fields": _EXAMPLE_FIELDS,
    "fromNow": {"expiryDate": 60},
    "context": {
        "connectors": [
            {"connectorId": 0, "status": "Available"},
            {"connectorId": 1, "status": "Available"},
        ],
        "transactions": [],
        "reservations": [],
        "localListVersion": 0,
        "chargingProfiles": [],
        "installedCertificates": [],
    },
    "timeout": 60,
}
_EXAMPLE_SENT = {**_EXAMPLE_FIELDS, "reservationId": 1}


def fields_name(action: str) -> str:
    """The component schema of ``action``'s ``fields``."""
    return f"{action}Fields"


def build() -> dict[str, Any]:
    """The OpenAPI document, as committed."""
    actions = sorted([*CSMS_INITIATED, SET_SECURITY_PROFILE])
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": "OCPP 1.6-J operator contract",
            "version": metadata.version("ocpp16-pretest"),
            "summary": "The route an operator adapter serves to make a CSMS send an OCPP request.",
            "description": (
                "The harness (`simulate --operator http://HOST:PORT/api`) asks an operator "
                "adapter to make the CSMS under test send a CSMS-initiated OCPP 1.6 request to "
                "one charge point. Prose and examples: docs/operator-contract.md. The bundled "
                "reference CSMS serves this route (and this document, at `GET /api/openapi.json`)."
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [
            {
                "url": SERVER,
                "description": (
                    "The bundled CSMS's default; an adapter serves the same paths under the "
                    "base URL given to --operator."
                ),
            }
        ],
        "paths": {
            ROUTE: {"post": _send_request()},
            "/health": {"get": _health()},
            "/openapi.json": {"get": _openapi()},
        },
        "components": {
            "securitySchemes": {
                "operatorToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Optional: a route may want `Authorization: Bearer <token>`.",
                }
            },
            "schemas": {
                **_shared_schemas(actions),
                **{fields_name(action): _fields_schema(action) for action in actions},
            },
        },
    }


def render(document: dict[str, Any]) -> str:
    """The committed form: sorted keys, indent 2, a trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- paths ------------------------------------------------------------------------------


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, **examples: Any) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if examples:
        content["examples"] = {name: {"value": value} for name, value in examples.items()}
    return {"description": description, "content": {JSON: content}}


def _error(description: str, message: str, **extra: Any) -> dict[str, Any]:
    return _json(_ref("OperatorError"), description, example={"error": message, **extra})


def _send_request() -> dict[str, Any]:
    return {
        "operationId": "sendRequest",
        "summary": "Make the CSMS send one OCPP request to one charge point",
        "description": (
            "Answer once the charge point has answered the CSMS, or give up before `timeout`. "
            "To the harness, 200 means the CSMS acted; any other status means the operator "
            "could not make it act (the case is INCONCLUSIVE, not FAIL)."
        ),
        "parameters": [
            {
                "name": "chargePointId",
                "in": "path",
                "required": True,
                "description": (
                    "The charge point to send the request to (the last path segment of its "
                    "OCPP URL), percent-encoded."
                ),
                "schema": {"type": "string", "minLength": 1},
            },
            {
                "name": "action",
                "in": "path",
                "required": True,
                "description": "The OCPP 1.6 request the CSMS must send.",
                "schema": _ref("Action"),
            },
            {
                "name": "timeout",
                "in": "query",
                "required": False,
                "description": (
                    "Seconds the harness waits for the answer (the same as the body's "
                    "`timeout`); the bundled CSMS waits its own call timeout without it."
                ),
                "schema": {"type": "number", "exclusiveMinimum": 0},
            },
        ],
        "security": [{}, {"operatorToken": []}],
        "requestBody": {
            "required": True,
            "description": (
                "The operator request. (The bundled CSMS also takes a body without `fields` "
                "as the fields themselves: a shorthand for curl, not part of the contract.)"
            ),
            "content": {
                JSON: {
                    "schema": _ref("OperatorRequest"),
                    "examples": {"ReserveNow": {"value": _EXAMPLE_REQUEST}},
                }
            },
        },
        "responses": {
            "200": _json(
                _ref("OperatorAnswer"),
                "The CSMS sent the request and the charge point answered it: a CALLRESULT "
                "(`response`) or a CALLERROR (`error`).",
                callResult={
                    "action": "ReserveNow",
                    "request": _EXAMPLE_SENT,
                    "response": {"status": "Accepted"},
                },
                callError={
                    "action": "ReserveNow",
                    "request": _EXAMPLE_SENT,
                    "error": {
                        "errorCode": "NotSupported",
                        "errorDescription": "reservations are not supported",
                        "errorDetails": {},
                    },
                },
            ),
            "400": _json(
                _ref("BadOperatorRequest"),
                "The operator request is malformed, or the CSMS cannot make the request "
                "from it (an unknown action, an action a charge point sends, a request that "
                "would break the OCPP 1.6 schema: `request` and `violations`).",
                example={"error": "unknown key 'foo' in the operator request"},
            ),
            "404": _error(
                "The charge point is unknown or not connected.",
                "charge point 'CP_1' is not connected",
            ),
            "502": _error(
                "The charge point disconnected before answering.",
                "the charge point disconnected before answering",
                action="ReserveNow",
                request=_EXAMPLE_SENT,
            ),
            "401": _error(
                "The route wants a bearer token and the request had none or another one "
                "(the harness sends `$OPERATOR_TOKEN`; the bundled CSMS: `--api-token`).",
                "this API wants Authorization: Bearer <token>",
            ),
            "503": _error("The CSMS is shutting down.", "the CSMS is shutting down"),
            "504": _error(
                "No answer within the timeout.",
                "no answer within 60 s",
                action="ReserveNow",
                request=_EXAMPLE_SENT,
            ),
            "default": _error(
                "Any other status (the bundled CSMS: 403 for a foreign Origin or Host, 405 for "
                "another method, 413 for a body over 1 MiB, 415 for a body that is not JSON, 500 "
                "for its own fault): the operator could not make the CSMS act.",
                "the body exceeds 1048576 bytes",
            ),
        },
    }


def _health() -> dict[str, Any]:
    return {
        "operationId": "health",
        "summary": "Whether the CSMS is up",
        "responses": {
            "200": _json(_ref("Health"), "The CSMS is up.", example={"status": "ok"}),
            "default": _error("The CSMS cannot answer.", "the CSMS is shutting down"),
        },
    }


def _openapi() -> dict[str, Any]:
    return {
        "operationId": "openapi",
        "summary": "This document",
        "description": "The bundled CSMS serves this document; an adapter need not.",
        "responses": {
            "200": _json(
                {"type": "object", "required": ["openapi"], "properties": {"openapi": {}}},
                "This OpenAPI document.",
            ),
        },
    }


# -- component schemas ------------------------------------------------------------------


def _oca_enum(action: str, *path: str) -> list[str]:
    """The enum of a field of an OCA request schema (``path``: property names)."""
    schema = payload_schema(action, response=False)
    assert schema is not None, action
    for name in path:
        schema = schema["properties"][name]
    enum: list[str] = schema["enum"]
    return enum


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    """An object with exactly ``properties``, all of them required."""
    return {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "required": sorted(properties),
        "properties": properties,
    }


def _hash_data_schema() -> dict[str, Any]:
    """CertificateHashDataType as the OCA DeleteCertificate schema has it (every field is
    there: the charge point's answer has them all)."""
    schema = payload_schema("DeleteCertificate", response=False)
    assert schema is not None
    return _part(schema["properties"]["certificateHashData"], schema.get("definitions", {}))


def _shared_schemas(actions: list[str]) -> dict[str, Any]:
    integer = {"type": "integer"}
    id_tag = {"type": "string", "maxLength": 20}
    violation = _object(
        {
            "schema": {"type": "string", "description": "e.g. ReserveNowResponse"},
            "path": {
                "type": "string",
                "description": 'JSON path of the offending value ("" = the payload)',
            },
            "keyword": {"type": "string", "description": "the JSON-schema rule broken"},
            "message": {"type": "string"},
        },
        "One rule of an OCA OCPP 1.6 schema that a payload breaks.",
    )
    return {
        "Action": {
            "type": "string",
            "description": (
                "A CSMS-initiated OCPP 1.6 action (core, profiles and security), or "
                "SetSecurityProfile (the CSMS's own configuration, no OCPP request)."
            ),
            "enum": actions,
        },
        "OperatorRequest": {
            "type": "object",
            "description": (
                "What the harness asks for. `action` and `chargePointId` are those of the "
                "path. `fields` is a part of the action's request payload: what the "
                "instruction names. What it leaves to the CSMS (the transactionId to stop, a "
                "new reservationId, listVersion or chargingProfileId, an Absolute profile's "
                "dates) is not there: the CSMS fills it in."
            ),
            "additionalProperties": False,
            "required": [
                "action",
                "chargePointId",
                "instruction",
                "fields",
                "fromNow",
                "context",
                "timeout",
            ],
            "properties": {
                "action": _ref("Action"),
                "chargePointId": {"type": "string", "minLength": 1},
                "instruction": {
                    "type": "string",
                    "description": "What a person at the CSMS's UI would be told, in words.",
                },
                "fields": {
                    "type": "object",
                    "description": (
                        "Every value the instruction names, in OCPP's field names and "
                        "shapes (the schema per action: components/schemas/<Action>Fields)."
                    ),
                },
                "fromNow": {
                    "type": "object",
                    "description": (
                        "Date fields of `fields` the instruction states relative to now: "
                        "seconds from the moment of asking (`fields` holds the same as a "
                        "date, computed then)."
                    ),
                    "additionalProperties": {"type": "number", "minimum": 0},
                },
                "context": _ref("Context"),
                "timeout": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "description": "Seconds the harness waits for the CSMS's request.",
                },
            },
            "allOf": [_per_action(action) for action in actions],
        },
        "Context": _object(
            {
                "connectors": {
                    "type": "array",
                    "description": "Connector 0 and each connector, with the status it last reported.",
                    "items": _object(
                        {
                            "connectorId": {"type": "integer", "minimum": 0},
                            "status": {
                                "type": "string",
                                "enum": _oca_enum("StatusNotification", "status"),
                            },
                        },
                        "A connector.",
                    ),
                },
                "transactions": {
                    "type": "array",
                    "description": "The transactions running now, with the id the CSMS gave.",
                    "items": _object(
                        {"transactionId": integer, "connectorId": integer, "idTag": id_tag},
                        "A running transaction.",
                    ),
                },
                "reservations": {
                    "type": "array",
                    "description": "The reservations the charge point holds.",
                    "items": _object(
                        {
                            "reservationId": integer,
                            "connectorId": integer,
                            "idTag": id_tag,
                            "expiryDate": {"type": "string", "format": "date-time"},
                        },
                        "A reservation.",
                    ),
                },
                "localListVersion": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "The version of the local authorization list it holds (0: none).",
                },
                "chargingProfiles": {
                    "type": "array",
                    "description": "The charging profiles it has installed.",
                    "items": _object(
                        {
                            "chargingProfileId": integer,
                            "connectorId": integer,
                            "chargingProfilePurpose": {
                                "type": "string",
                                "enum": _oca_enum(
                                    "SetChargingProfile",
                                    "csChargingProfiles",
                                    "chargingProfilePurpose",
                                ),
                            },
                            "stackLevel": integer,
                            "transactionId": {"type": ["integer", "null"]},
                        },
                        "An installed charging profile.",
                    ),
                },
                "installedCertificates": {
                    "type": "array",
                    "description": (
                        "The root certificates it has installed, as GetInstalledCertificateIds "
                        "would name them now (Security whitepaper M03)."
                    ),
                    "items": _object(
                        {
                            "certificateType": {
                                "type": "string",
                                "enum": [
                                    "CentralSystemRootCertificate",
                                    "ManufacturerRootCertificate",
                                ],
                            },
                            "certificateHashData": _hash_data_schema(),
                        },
                        "An installed certificate.",
                    ),
                },
            },
            (
                "What the charge point knows from the wire, taken when the harness asks: for "
                "a CSMS whose API cannot look it up. Using it is the adapter's choice, and it "
                "says so in `usedContext`."
            ),
        ),
        "OperatorAnswer": {
            "description": "The 200 body: the charge point's CALLRESULT or CALLERROR.",
            "oneOf": [_ref("CallResultAnswer"), _ref("CallErrorAnswer")],
        },
        "CallResultAnswer": {
            "type": "object",
            "description": "The charge point answered with a CALLRESULT.",
            "required": ["action", "request", "response"],
            "properties": {
                "action": _ref("Action"),
                "request": {"type": "object", "description": "The payload the CSMS sent."},
                "response": {"type": "object", "description": "The CALLRESULT payload."},
                "usedContext": _ref("UsedContext"),
                "responseViolations": {
                    "type": "array",
                    "description": "Where the CALLRESULT payload breaks the OCA schema.",
                    "items": _ref("SchemaViolation"),
                },
            },
        },
        "CallErrorAnswer": {
            "type": "object",
            "description": "The charge point answered with a CALLERROR.",
            "required": ["action", "request", "error"],
            "not": {"required": ["response"]},
            "properties": {
                "action": _ref("Action"),
                "request": {"type": "object", "description": "The payload the CSMS sent."},
                "error": _object(
                    {
                        "errorCode": {"type": "string", "enum": [code.value for code in ErrorCode]},
                        "errorDescription": {"type": "string"},
                        "errorDetails": {"type": "object"},
                    },
                    "The CALLERROR (OCPP-J 1.6 §4.2.3).",
                ),
                "usedContext": _ref("UsedContext"),
            },
        },
        "UsedContext": {
            "type": "array",
            "description": "The keys of the request's `context` the adapter used.",
            "items": {"type": "string", "enum": list(CONTEXT_KEYS)},
        },
        "OperatorError": {
            "type": "object",
            "description": (
                "The operator could not make the CSMS act. Only `error` is required; "
                "`action` and `request` (the payload sent, or that would have been) help "
                "the report."
            ),
            "required": ["error"],
            "properties": {
                "error": {"type": "string"},
                "action": {"type": "string"},
                "request": {"type": "object"},
            },
        },
        "BadOperatorRequest": {
            "description": "A 400 body: an error, with the schema violations when there are.",
            "allOf": [
                _ref("OperatorError"),
                {
                    "properties": {
                        "violations": {
                            "type": "array",
                            "description": "Where the request would break the OCA schema.",
                            "items": _ref("SchemaViolation"),
                        }
                    }
                },
            ],
        },
        "SchemaViolation": violation,
        "Health": _object({"status": {"const": "ok"}}, "The CSMS is up."),
    }


def _per_action(action: str) -> dict[str, Any]:
    """``fields`` (and ``fromNow``) when the body's ``action`` is ``action``."""
    dates = _date_paths(action)
    from_now: dict[str, Any] = {"propertyNames": {"enum": dates}} if dates else {"maxProperties": 0}
    return {
        "if": {"required": ["action"], "properties": {"action": {"const": action}}},
        "then": {"properties": {"fields": _ref(fields_name(action)), "fromNow": from_now}},
    }


def _date_paths(action: str) -> list[str]:
    """The request's date-time fields, nested ones as dotted paths (firmware.retrieveDateTime)."""
    if action == SET_SECURITY_PROFILE:
        return []
    schema = payload_schema(action, response=False)
    assert schema is not None, action

    definitions = schema.get("definitions", {})

    def paths(properties: dict[str, Any], prefix: str) -> list[str]:
        found: list[str] = []
        for name, given in properties.items():
            ref = given.get("$ref", "")
            field = definitions.get(ref.removeprefix("#/definitions/"), given) if ref else given
            if field.get("format") == "date-time":
                found.append(prefix + name)
            elif isinstance(field.get("properties"), dict):
                found += paths(field["properties"], f"{prefix}{name}.")
        return found

    return sorted(paths(schema.get("properties", {}), ""))


def _fields_schema(action: str) -> dict[str, Any]:
    if action == SET_SECURITY_PROFILE:
        return {
            "type": "object",
            "description": (
                "`fields` of a SetSecurityProfile operator request. Not an OCPP request: the "
                "CSMS sends nothing, and admits the charge point's next connection in this "
                "security profile only (whitepaper §2). The harness asks for it between cases, "
                "to run a case in a profile the PICS says the CSMS supports."
            ),
            "properties": {"securityProfile": {"type": "integer", "enum": [0, 1, 2, 3]}},
            "required": ["securityProfile"],
            "additionalProperties": False,
        }
    schema = payload_schema(action, response=False)
    assert schema is not None, action
    part = _part(schema, schema.get("definitions", {}))
    part["description"] = (
        f"`fields` of a {action} operator request: a part of the {action} request payload "
        f"(the OCA schema {action}.json with every `required` dropped)."
    )
    return part


def _part(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """``schema`` without ``required`` at any level, its ``#/definitions`` refs inlined."""
    ref = schema.get("$ref")
    if ref is not None:
        prefix = "#/definitions/"
        assert ref.startswith(prefix) and len(schema) == 1, schema
        return _part(definitions[ref.removeprefix(prefix)], definitions)
    part: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            part[key] = {name: _part(sub, definitions) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            part[key] = _part(value, definitions)
        else:
            part[key] = value
    return part


def main() -> int:
    text = render(build())
    for path in (DOCUMENT, SERVED_COPY):
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
