"""TC_080_CSMS and TC_081_CSMS end to end against the bundled CSMS: a real download of its
signed image, a real signature check with material made at run start, and honest verdicts
when the lab's material is wrong (ERROR naming the PICS keys), when the CSMS sends a
signature that verifies where it must not (FAIL), when the PICS lacks the material or the
Firmware Management feature profile (ERROR, NOT_APPLICABLE)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from csms_under_test.files import signed_demo_firmware
from reports.results import CaseResult, Verdict
from simulator.bundled import bundled_csms, with_bundled_file_locations
from simulator.cases import Case
from simulator.config import HarnessConfig, load_config
from simulator.firmware_signing import signing_material
from simulator.operator import HttpOperator
from simulator.operator.base import OperatorOutcome, OperatorRequest
from simulator.runner import RunSettings, run_case
from simulator.yamlsource import YamlSourceError

MATERIAL = signing_material(signed_demo_firmware())


def run(
    config: HarnessConfig, case: Case, *, bundled: bool = True, operator: Any = None
) -> CaseResult:
    with bundled_csms(config) as (ocpp, api):
        if bundled:
            config = with_bundled_file_locations(config, api)
        settings = RunSettings(config, ocpp, operator(api) if operator else HttpOperator(api))
        return asyncio.run(run_case(case, settings))


def reasons(result: CaseResult) -> list[str]:
    return [str(r) for r in result.reasons]


@pytest.mark.parametrize("case_id", ["TC_080_CSMS", "TC_081_CSMS"])
def test_both_cases_pass_with_run_time_material(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case], case_id: str
) -> None:
    result = run(fast_config, cases_by_id[case_id])
    assert result.verdict == Verdict.PASS, reasons(result)
    assert not result.findings
    notes = [n for s in result.steps for n in s.notes]
    verified = "RSASSA-PSS with SHA-256 verified" if case_id == "TC_080_CSMS" else "does not verify"
    assert any("signature check" in n and verified in n for n in notes), notes


def test_material_that_does_not_verify_is_a_setup_error_naming_the_keys(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    # The lab configured a signature of another image: the CSMS sends it as told.
    other = signing_material(b"another image")
    config = fast_config.with_overrides(
        security={
            "firmware_signature": other.signature,
            "firmware_signing_certificate": other.signing_certificate,
        }
    )
    result = run(config, cases_by_id["TC_080_CSMS"])
    assert result.verdict == Verdict.ERROR, reasons(result)
    [reason] = result.reasons
    assert (reason.rule, reason.step) == ("setup", "2")
    assert "not the CSMS's" in reason.message
    for key in (
        "security.firmware_signature",
        "security.firmware_signing_certificate",
        "file_transfer.signed_firmware_location",
    ):
        assert key in reason.message
    sent = [m.payload.get("status") for m in result.messages if m.action.startswith("SignedFirm")]
    assert "SignatureVerified" not in sent and "InvalidSignature" in sent


class ValidSignatureOperator(HttpOperator):
    """An operator who enters the valid signature where TC_081 asks for the invalid one."""

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        firmware = {**request.fields["firmware"], "signature": MATERIAL.signature}
        changed = dataclasses.replace(request, fields={**request.fields, "firmware": firmware})
        return await super().perform(changed)


def test_a_signature_that_verifies_fails_tc_081(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    result = run(fast_config, cases_by_id["TC_081_CSMS"], operator=ValidSignatureOperator)
    assert result.verdict == Verdict.FAIL, reasons(result)
    [reason] = result.reasons
    assert (reason.rule, reason.step) == ("signature", "2")
    assert "needs an invalid signature" in reason.message
    assert "RSASSA-PSS with SHA-256 verified" in reason.message
    assert [f.step for f in result.findings] == ["2"]  # not the configured invalid one


def test_a_configured_invalid_signature_that_verifies_is_a_setup_error(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    config = fast_config.with_overrides(security={"invalid_firmware_signature": MATERIAL.signature})
    result = run(config, cases_by_id["TC_081_CSMS"])
    assert result.verdict == Verdict.ERROR, reasons(result)
    [reason] = result.reasons
    assert reason.rule == "setup" and "security.invalid_firmware_signature" in reason.message


def test_material_the_pics_does_not_set_is_an_error_naming_the_key(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    config = fast_config.with_overrides(file_transfer={"signed_firmware_location": "http://x/fw"})
    result = run(config, cases_by_id["TC_080_CSMS"], bundled=False)
    assert result.verdict == Verdict.ERROR
    [reason] = result.reasons
    assert reason.step == "1"
    assert "the PICS does not set security.firmware_signature" in reason.message


def test_without_firmware_management_both_cases_are_not_applicable(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    profiles = tuple(p for p in fast_config.sut.feature_profiles if p != "FirmwareManagement")
    config = fast_config.with_overrides(sut={"feature_profiles": profiles})
    for case_id in ("TC_080_CSMS", "TC_081_CSMS"):
        result = run(config, cases_by_id[case_id])
        assert result.verdict == Verdict.NOT_APPLICABLE
        assert "does not declare feature profile FirmwareManagement" in result.reasons[0].message


def test_the_pics_names_the_certificate_file_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "material").mkdir()
    (tmp_path / "material" / "signing.pem").write_text(MATERIAL.signing_certificate)
    pics = tmp_path / "pics.yaml"
    pics.write_text(
        "security:\n"
        f"  firmware_signature: {MATERIAL.signature}\n"
        "  firmware_signing_certificate: material/signing.pem\n"
    )
    security = load_config(pics).security
    assert security.firmware_signing_certificate == MATERIAL.signing_certificate
    assert security.firmware_signature == MATERIAL.signature
    (tmp_path / "material" / "signing.pem").write_text("not a certificate\n")
    with pytest.raises(YamlSourceError) as caught:
        load_config(pics)
    assert caught.value.line == 3
    assert "holds no PEM X.509 certificate" in caught.value.message
    pics.write_text("security:\n  firmware_signing_certificate: missing.pem\n")
    with pytest.raises(YamlSourceError, match="cannot read") as caught:
        load_config(pics)
    assert caught.value.line == 2
    pics.write_text("security:\n  firmware_signature: not base64!\n")
    with pytest.raises(YamlSourceError) as caught:
        load_config(pics)
    assert caught.value.line == 2
