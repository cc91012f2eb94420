"""``verification: succeeds | fails`` of an ``expect_csms: SignedUpdateFirmware`` step: the
outcome of the charge point's real signature check the case needs (catalog §11.0 f).

TC_080 needs the configured material to verify: when it does not, the charge point said
InvalidSignature (it never fakes SignatureVerified) and the case ends in a set-up ERROR
naming the PICS keys, for the material is the lab's, not the CSMS's (the step's match has
already checked that the CSMS sent the configured values). TC_081 needs an invalid
signature: one that verifies is the CSMS's FAIL, unless it is the configured invalid
signature itself (then the PICS is wrong: ERROR).
"""

from __future__ import annotations

from typing import Any

from reports.results import Verdict
from simulator.runner.context import StepRun

SUCCEEDS = "succeeds"
_MATERIAL = (
    "security.firmware_signature, security.firmware_signing_certificate and the file at "
    "file_transfer.signed_firmware_location"
)


def check_verification(needed: str, run: StepRun, payload: dict[str, Any]) -> None:
    """Decide the step by the charge point's last signature check against ``needed``."""
    checks = run.context.model.signature_checks
    outcome = run.outcome
    if not checks:
        if not outcome.reasons:  # e.g. a failed download, which transfer: reports already
            outcome.reason(
                Verdict.INCONCLUSIVE,
                "verification",
                f"this case needs a signature check that {needed}, but the charge point "
                "verified no firmware signature (see its answer and the transfer above)",
            )
        return
    check = checks[-1]
    if check.ok == (needed == SUCCEEDS):
        outcome.note(f"the charge point's signature check: {check.detail}")
        return
    if needed == SUCCEEDS:
        outcome.reason(
            Verdict.ERROR,
            "setup",
            "set-up error, not the CSMS's: the configured firmware material does not verify "
            f"({check.detail}), so the charge point reported InvalidSignature; check "
            f"{_MATERIAL}",
        )
        return
    firmware = payload.get("firmware")
    sent = firmware.get("signature") if isinstance(firmware, dict) else None
    configured = run.context.variables.get("invalid_firmware_signature")
    if sent is not None and sent == configured:
        outcome.reason(
            Verdict.ERROR,
            "setup",
            "set-up error, not the CSMS's: the configured invalid signature verifies "
            f"({check.detail}); set security.invalid_firmware_signature to one that does not",
        )
        return
    outcome.check(
        "signature",
        False,
        "firmware.signature: an invalid signature (it must not verify)",
        f"a signature that verifies: {check.detail}",
        f"SignedUpdateFirmware.req firmware.signature verifies ({check.detail}); the case "
        "needs an invalid signature",
    )
