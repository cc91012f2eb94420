"""CP-side CSR and CertificateSigned chain checks, and the charge point in the renewal flow
(TC_074/TC_077_CSMS)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from csms_under_test.certificate_authority import CertificateAuthority
from simulator.chargepoint.model import ChargePoint
from simulator.chargepoint.plan import Activity, Connect, Disconnect, Instruction, Send
from simulator.chargepoint.reactions import reaction
from simulator.chargepoint.renewal import ClientIdentity, chain_problem, new_request
from simulator.chargepoint.renewal_flow import extended_triggered
from simulator.clock import SystemClock
from simulator.config import ChargePointConfig
from simulator.runner.matching import match


@pytest.mark.parametrize("use_rsa", [False, True])
def test_csr_subject_key_and_signature(use_rsa: bool) -> None:
    pending = new_request("SN-42", "Demo CPO", use_rsa=use_rsa)
    csr = x509.load_pem_x509_csr(pending.csr_pem.encode())
    assert csr.is_signature_valid
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "SN-42"
    assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Demo CPO"
    assert csr.public_key() == pending.key.public_key()
    kind = rsa.RSAPublicKey if use_rsa else ec.EllipticCurvePublicKey
    assert isinstance(csr.public_key(), kind)
    assert new_request("SN-42", "Demo CPO").key.public_key() != pending.key.public_key()


def test_chain_checks() -> None:
    ca = CertificateAuthority.generate()
    pending = new_request("SN-42", "Demo CPO")
    chain = ca.issue(pending.csr_pem).chain_pem
    assert chain_problem(chain, pending, 10000) is None
    other = new_request("SN-42", "Demo CPO")
    assert "public key" in (chain_problem(chain, other, 10000) or "")
    assert "CertificateSignedMaxChainSize" in (chain_problem(chain, pending, 100) or "")
    assert "PEM" in (chain_problem("junk", pending, 10000) or "")
    assert "pending" in (chain_problem(chain, None, 10000) or "")
    identity = ClientIdentity.install(chain, pending)
    assert "PRIVATE KEY" in identity.key_pem and "PRIVATE" not in repr(identity)


# -- the charge point in the renewal flow (chargepoint.renewal_flow; TC_074, TC_077) ------
def charge_point() -> ChargePoint:
    config = ChargePointConfig(id="CP_9", serial_number="SN-9", connectors=2, connector_id=1)
    return ChargePoint(config, SystemClock())


def run(activity: Activity, answers: dict[str, dict[str, Any]]) -> list[Instruction]:
    """Drive ``activity``, answering each Send with ``answers[action]``."""
    done: list[Instruction] = []
    answer: dict[str, Any] | None = None
    while True:
        try:
            instruction = activity.send(answer)
        except StopIteration:
            return done
        done.append(instruction)
        answer = answers.get(instruction.action) if isinstance(instruction, Send) else None


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        ({"requestedMessage": "SignChargePointCertificate"}, "Accepted"),
        ({"requestedMessage": "Heartbeat"}, "Accepted"),
        ({"requestedMessage": "StatusNotification", "connectorId": 2}, "Accepted"),
        ({"requestedMessage": "MeterValues", "connectorId": 3}, "Rejected"),
        ({"requestedMessage": "DiagnosticsStatusNotification"}, "NotImplemented"),
    ],
)
def test_extended_trigger_answers(request_: dict[str, Any], status: str) -> None:
    cp = charge_point()
    assert cp.answer("ExtendedTriggerMessage", request_).payload == {"status": status}
    made = cp.renewal is not None
    assert made == (
        status == "Accepted" and request_["requestedMessage"] == "SignChargePointCertificate"
    )


def test_accepting_the_trigger_makes_a_csr_of_serial_and_cpo_name_and_sends_it() -> None:
    cp = charge_point()
    cp.configuration["CpoName"].value = "Some CPO"
    request = {"requestedMessage": "SignChargePointCertificate"}
    cp.answer("ExtendedTriggerMessage", request)
    assert cp.renewal is not None and cp.facts() == {"csr": cp.renewal.csr_pem}
    subject = x509.load_pem_x509_csr(cp.renewal.csr_pem.encode()).subject
    assert subject.rfc4514_string() == "O=Some CPO,CN=SN-9"
    activity = reaction(cp, "ExtendedTriggerMessage", request, {"status": "Accepted"})
    assert activity is not None
    [sent] = run(activity, {"SignCertificate": {"status": "Accepted"}})
    assert sent == Send("SignCertificate", {"csr": cp.renewal.csr_pem})
    # A rejected CSR is dropped with its key.
    activity = reaction(cp, "ExtendedTriggerMessage", request, {"status": "Accepted"})
    assert activity is not None
    run(activity, {"SignCertificate": {"status": "Rejected"}})
    assert cp.renewal is None and cp.facts() == {}
    # Other messages: what they name (F06).
    sends = run(extended_triggered(cp, {"requestedMessage": "FirmwareStatusNotification"}), {})
    assert sends == [Send("SignedFirmwareStatusNotification", {"status": "Idle"})]


def test_a_good_chain_is_accepted_installed_and_reconnected_with() -> None:
    cp = charge_point()
    cp.answer("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"})
    assert cp.renewal is not None
    pending = cp.renewal
    chain = CertificateAuthority.generate().issue(pending.csr_pem).chain_pem
    request = {"certificateChain": chain}
    answer = cp.answer("CertificateSigned", request).payload
    assert answer == {"status": "Accepted"}
    activity = reaction(cp, "CertificateSigned", request, answer)
    assert activity is not None
    steps = run(activity, {})
    assert [type(s) for s in steps] == [Disconnect, Connect]
    assert isinstance(steps[1], Connect) and steps[1].csms_decides
    assert cp.client_certificate is not None and cp.renewal is None
    installed_chain, key_pem = cp.client_certificate
    assert installed_chain == chain.encode()
    key = serialization.load_pem_private_key(key_pem, None)
    assert key.public_key() == pending.key.public_key()


def test_a_bad_chain_is_rejected_and_reported() -> None:
    cp = charge_point()
    cp.answer("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"})
    other = new_request("SN-9", "x")
    request = {"certificateChain": CertificateAuthority.generate().issue(other.csr_pem).chain_pem}
    answer = cp.answer("CertificateSigned", request).payload
    assert answer == {"status": "Rejected"}
    # A scripted Accepted does not install what cannot be installed.
    activity = reaction(cp, "CertificateSigned", request, {"status": "Accepted"})
    assert activity is not None and run(activity, {}) == []
    assert cp.client_certificate is None
    activity = reaction(cp, "CertificateSigned", request, answer)
    assert activity is not None
    [sent] = run(activity, {})
    assert isinstance(sent, Send) and sent.action == "SecurityEventNotification"
    assert sent.fields["type"] == "InvalidChargePointCertificate"
    assert "public key" in sent.fields["techInfo"] and cp.renewal is None


def test_the_certifies_operator() -> None:
    pending = new_request("SN-9", "x")
    chain = CertificateAuthority.generate(rsa_key=True).issue(pending.csr_pem).chain_pem
    assert match({"$certifies": pending.csr_pem}, chain) == []
    other = new_request("SN-9", "x").csr_pem
    [mismatch] = match({"certificateChain": {"$certifies": other}}, {"certificateChain": chain})
    assert mismatch.path == "certificateChain" and "another key" in mismatch.observed
    assert "PEM" in match({"$certifies": other}, "junk")[0].observed


def test_renewal_keys() -> None:
    keys = charge_point().configuration
    assert not keys["CpoName"].readonly and keys["CertificateSignedMaxChainSize"].readonly


def test_the_new_private_key_is_not_in_the_models_repr() -> None:
    cp = charge_point()
    cp.answer("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"})
    assert cp.renewal is not None
    chain = CertificateAuthority.generate().issue(cp.renewal.csr_pem).chain_pem
    activity = reaction(
        cp, "CertificateSigned", {"certificateChain": chain}, {"status": "Accepted"}
    )
    assert activity is not None
    run(activity, {})
    assert cp.client_certificate is not None and "PRIVATE KEY" not in repr(cp)
