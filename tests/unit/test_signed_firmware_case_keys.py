"""The case-language pieces the signed firmware cases added (TC_080, TC_081):
``feature_profiles``, ``expect_csms ... verification``, ``from_now`` with a dotted path and
the ``$certificate`` operator, checked when a case file loads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from csms_under_test.operator_envelope import BadOperatorRequest, operator_payload
from simulator.cases import CaseLoadError, load_case
from simulator.cases.steps import ExpectCsmsStep, OperatorStep
from simulator.firmware_signing import signing_material
from simulator.runner.executors.operator import _set_path
from simulator.runner.matching import match

CASE = """\
id: TC_998_CSMS
title: A signed firmware case
block: security
reference: test
feature_profiles: [FirmwareManagement]
faults: [signed-firmware-location-rewritten]
steps:
  - operator: SignedUpdateFirmware
    request: {firmware: {location: $signed_firmware_location}}
    from_now: {firmware.retrieveDateTime: 0}
  - expect_csms: SignedUpdateFirmware
    match: {firmware: {signingCertificate: {$certificate: $firmware_signing_certificate}}}
    verification: succeeds
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "security" / "TC_998_CSMS.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_the_keys_load(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, CASE))
    assert case.feature_profiles == ("FirmwareManagement",)
    operator, expect = case.steps
    assert isinstance(operator, OperatorStep)
    assert operator.from_now == {"firmware.retrieveDateTime": 0}
    assert isinstance(expect, ExpectCsmsStep) and expect.verification == "succeeds"


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("[FirmwareManagement]", "[Firmware]", "feature_profiles"),
        ("verification: succeeds", "verification: works", "verification"),
        ("firmware.retrieveDateTime: 0", "firmware..retrieveDateTime: 0", "from_now"),
    ],
)
def test_a_bad_value_names_the_key(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    with pytest.raises(CaseLoadError) as caught:
        load_case(write(tmp_path, CASE.replace(old, new)))
    assert fragment in str(caught.value)


def test_from_now_sets_a_dotted_path_in_a_copy_of_the_fields() -> None:
    fields: dict[str, object] = {"firmware": {"location": "x"}}
    _set_path(fields, "firmware.retrieveDateTime", "T")
    assert fields == {"firmware": {"location": "x", "retrieveDateTime": "T"}}
    _set_path(fields, "log.oldestTimestamp", "T")
    assert fields["log"] == {"oldestTimestamp": "T"}


def test_the_csms_sets_a_dotted_from_now_and_refuses_a_path_through_a_value() -> None:
    now = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)
    fields = {"firmware": {"location": "x"}}
    body = {"fields": fields, "fromNow": {"firmware.retrieveDateTime": 60}}
    payload = operator_payload(body, action="SignedUpdateFirmware", charge_point_id="CP", now=now)
    assert payload["firmware"] == {"location": "x", "retrieveDateTime": "2026-12-02T10:01:00.000Z"}
    assert fields == {"firmware": {"location": "x"}}  # the body is left as it was
    body = {"fields": {"firmware": "x"}, "fromNow": {"firmware.retrieveDateTime": 0}}
    with pytest.raises(BadOperatorRequest, match=r"fields\.firmware is not an object"):
        operator_payload(body, action="SignedUpdateFirmware", charge_point_id="CP", now=now)


def test_a_certificate_mismatch_says_what_was_seen() -> None:
    [mismatch] = match(
        {"$certificate": signing_material(b"image").signing_certificate}, "bare", "c"
    )
    assert mismatch.path == "c" and "bare" in mismatch.observed
