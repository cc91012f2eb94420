"""CP-side CSR and CertificateSigned chain checks (TC_074/TC_077_CSMS)."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from csms_under_test.certificate_authority import CertificateAuthority
from simulator.chargepoint.renewal import ClientIdentity, chain_problem, new_request


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
