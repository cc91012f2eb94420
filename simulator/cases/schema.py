"""JSON schema of a case file (and of a reusable-state file). Documented in docs/case-language.md."""

from __future__ import annotations

from typing import Any

from simulator.cases.blocks import BLOCKS
from simulator.chargepoint.behaviour import ACTIVITIES
from simulator.chargepoint.model import HARDWARE_FLAGS
from simulator.ocppj.actions import CHARGE_POINT_INITIATED, CSMS_INITIATED

_FIELDS = {
    "type": "object",
    "description": "a payload fragment: OCPP camelCase keys, values may be $variables",
}
_SAVE = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "variable name -> dotted path into the payload, e.g. {transaction_id: transactionId}",
}
_SECONDS = {
    "oneOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": "^\\$[a-z_][a-z0-9_]*$"},
    ],
    "description": "seconds, or a $variable",
}
_ANSWERS = {
    "type": "object",
    "propertyNames": {"enum": sorted(CHARGE_POINT_INITIATED)},
    "additionalProperties": {"type": "object"},
    "description": "action -> fields the CSMS's answers to it must have",
}
_COMMON = {
    "title": {"type": "string", "description": "what the step does, in the catalog's words"},
    "ref": {
        "type": "string",
        "description": "where the rule comes from (catalog case, OCPP 1.6 section)",
    },
}


def _step(keyword: str, properties: dict[str, Any], hint: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [keyword],
        "additionalProperties": False,
        "properties": {**_COMMON, **properties},
        "description": hint,
    }


STEP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "a step has exactly one of: send, expect_csms, operator, wait, do",
    "oneOf": [
        _step(
            "send",
            {
                "send": {
                    "enum": sorted(CHARGE_POINT_INITIATED),
                    "description": "a charge-point-initiated OCPP 1.6 action",
                },
                "with": _FIELDS,
                "expect": {**_FIELDS, "description": "fields the CSMS's answer must have"},
                "save": _SAVE,
                "each_connector": {"type": "boolean"},
                "warn": {
                    **_FIELDS,
                    "description": "fields the answer should have; otherwise a warning (OCTT: tolerated with a warning)",
                },
            },
            "send: ACTION, with: {fields}, expect: {fields}, save: {var: path}",
        ),
        _step(
            "expect_csms",
            {
                "expect_csms": {
                    "enum": sorted(CSMS_INITIATED),
                    "description": "a CSMS-initiated OCPP 1.6 action",
                },
                "match": {**_FIELDS, "description": "fields the CSMS's request must have"},
                "reply": {
                    **_FIELDS,
                    "description": "the charge point's answer (default: the model's)",
                },
                "save": _SAVE,
                "answers": _ANSWERS,
                "transfer": {
                    "enum": ["succeeds", "fails"],
                    "description": "the outcome of the charge point's real download or upload "
                    "this case needs (UpdateFirmware, GetDiagnostics); another outcome is INCONCLUSIVE",
                },
            },
            "expect_csms: ACTION, match: {fields}, reply: {payload}, answers: {ACTION: {fields}}, "
            "transfer: succeeds|fails",
        ),
        _step(
            "do",
            {
                "do": {"enum": sorted(ACTIVITIES), "description": "a charge point activity"},
                "with": {
                    "type": "object",
                    "properties": {"connector": {}, "id_tag": {}},
                    "additionalProperties": False,
                    "description": "connector (default $connector_id), id_tag",
                },
                "answers": _ANSWERS,
                "save": {
                    **_SAVE,
                    "description": "variable -> Action.path, e.g. StartTransaction.transactionId",
                },
            },
            "do: ACTIVITY, with: {connector, id_tag}, answers: {ACTION: {fields}}",
        ),
        _step(
            "operator",
            {
                "operator": {
                    "enum": sorted(CSMS_INITIATED),
                    "description": "the request the CSMS must be made to send",
                },
                "request": {
                    **_FIELDS,
                    "description": "what to ask the CSMS for; it fills in the rest",
                },
                "instruction": {"type": "string", "description": "what a human operator should do"},
            },
            "operator: ACTION, request: {fields}, instruction: text",
        ),
        _step("wait", {"wait": _SECONDS, "at_most": _SECONDS}, "wait: SECONDS or $variable"),
    ],
}

STATE_NAMES = ("booted", "authorized", "charging")

CASE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "block", "reference", "steps", "faults"],
    "properties": {
        "id": {
            "type": "string",
            "pattern": "^TC_[0-9]{3}(_[0-9])?_CSMS$",
            "description": "e.g. TC_003_CSMS",
        },
        "title": {"type": "string", "minLength": 1},
        "block": {"enum": [b.name for b in BLOCKS]},
        "reference": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "given": {
            "enum": ["none", *STATE_NAMES],
            "description": "the reusable state the case starts from",
        },
        "faults": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string"},
            "description": "faults of the reference CSMS under which this case must FAIL",
        },
        "steps": {"type": "array", "minItems": 1, "items": STEP_SCHEMA},
        "setup": {
            "type": "object",
            "additionalProperties": False,
            "description": "the charge point's state before the case: configuration, cache, hardware",
            "properties": {
                "configuration": {"type": "object", "additionalProperties": {"type": "string"}},
                "cached_id_tags": {"type": "array", "items": {"type": "string"}},
                **{flag: {"type": "boolean"} for flag in HARDWARE_FLAGS},
            },
        },
    },
}

STATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "reference", "steps"],
    "properties": {
        "name": {"type": "string"},
        "requires": {"enum": [None, *STATE_NAMES]},
        "reference": {"type": "string"},
        "steps": {"type": "array", "minItems": 1, "items": STEP_SCHEMA},
    },
}
