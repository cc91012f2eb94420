"""JSON schema of a case file (and of a reusable-state file). Documented in docs/case-language.md."""

from __future__ import annotations

from typing import Any

from simulator.cases.blocks import BLOCKS
from simulator.cases.steps import step_schema
from simulator.chargepoint.model import HARDWARE_FLAGS
from simulator.config import FEATURE_PROFILES, SECURITY_PROFILES
from simulator.editions import CHANGES, ONLY_IN, changes_schema, only_in_schema

STATE_NAMES = ("booted", "authorized", "charging")


FAULT_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
# Case keys an edition may change (in_edition); steps change per step.
EDITION_KEYS = ("title", "description", "reference", "given", "faults", "finding_faults", "setup")


def case_schema() -> dict[str, Any]:
    """The schema of a case file, with every registered step kind."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "block", "reference", "steps"],
        "properties": {
            CHANGES: changes_schema(EDITION_KEYS),
            ONLY_IN: {
                **only_in_schema(),
                "description": "the Test Case Document editions that have this case "
                "(default: all); in another it is NOT_APPLICABLE",
            },
            "id": {
                "type": "string",
                "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                "description": "e.g. TC_003_CSMS (a vendor's own case may use any id of "
                "letters, digits, _ . -); the file is <id>.yaml",
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
                **FAULT_LIST,
                "description": "faults of the reference CSMS under which this case must FAIL "
                "(each a fault, or faults and variations joined by +); a vendor's own case "
                "may name none",
            },
            "finding_faults": {
                **FAULT_LIST,
                "description": "faults the case reports as a finding only (a stricter OCPP rule "
                "or an inference): PASS with a finding, FAIL with --strict",
            },
            "security_profiles": {
                "type": "array",
                "uniqueItems": True,
                "minItems": 1,
                "items": {"enum": [p for p in SECURITY_PROFILES if p > 0]},
                "description": "the security profiles the case's pre-condition names (catalog "
                "§11): it runs in one of them the CSMS supports (security.profiles), after the "
                "operator's SetSecurityProfile; none supported makes it NOT_APPLICABLE",
            },
            "raises_security_profile": {
                "type": "boolean",
                "description": "the case raises the profile by one (TC_083): it runs only in a "
                "profile whose next one the CSMS supports too; $security_profile and "
                "$raised_security_profile name the two",
            },
            "feature_profiles": {
                "type": "array",
                "uniqueItems": True,
                "minItems": 1,
                "items": {"enum": list(FEATURE_PROFILES)},
                "description": "feature profiles the case's pre-condition needs beside its "
                "block's (TC_080: FirmwareManagement): one the PICS does not declare makes it "
                "NOT_APPLICABLE",
            },
            "steps": {"type": "array", "minItems": 1, "items": step_schema()},
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


def state_schema() -> dict[str, Any]:
    """The schema of a reusable-state file."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "reference", "steps"],
        "properties": {
            "name": {"type": "string"},
            "requires": {"enum": [None, *STATE_NAMES]},
            "reference": {"type": "string"},
            "steps": {"type": "array", "minItems": 1, "items": step_schema()},
        },
    }
