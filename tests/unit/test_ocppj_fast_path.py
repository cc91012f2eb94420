"""The schema fast path (fastjsonschema) may only ever say "valid": over every payload of
the protocol corpus (valid samples and one variant per rule of every action's request and
response schema) it never accepts what jsonschema, the authority, refuses."""

from __future__ import annotations

import pytest

from ocppj import schemas
from tests.differential.corpus import actions, sample, schema, variants


def _payloads() -> list[tuple[str, bool, object]]:
    found = []
    for action in actions():
        for response in (False, True):
            node = schema(action, response=response)
            cases = [sample(node, node, full=False), sample(node, node, full=True)]
            cases += [payload for _, payload in variants(node)]
            found += [(action, response, payload) for payload in cases]
    return found


PAYLOADS = _payloads()


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(PAYLOADS) > 700


def test_the_fast_path_never_accepts_what_jsonschema_refuses() -> None:
    wrong = []
    fast_valid = 0
    for action, response, payload in PAYLOADS:
        name = schemas.schema_name(action, response)
        if schemas._surely_valid(name, payload):
            fast_valid += 1
            if list(schemas._validator(name).iter_errors(payload)):
                wrong.append((name, payload))
    assert not wrong, wrong[:3]
    assert fast_valid > 150  # it does take the valid samples (else it would only cost time)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_an_integer_beyond_64_bits_goes_to_jsonschema(value: int) -> None:
    payload = {
        "connectorId": value,
        "idTag": "TAG",
        "meterStart": 0,
        "timestamp": "2026-01-01T00:00:00Z",
    }
    assert not schemas._surely_valid("StartTransaction", payload)
    [violation] = schemas.validate_payload("StartTransaction", payload, response=False)
    assert (violation.path, violation.keyword) == ("connectorId", "type")
