"""The CSMS's CSR-signing CA (TC_074/TC_077_CSMS)."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from csms_under_test.certificate_authority import CertificateAuthority, csr_problem


def _csr(cn: str, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Demo CPO"),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.mark.parametrize("rsa_ca", [False, True])
@pytest.mark.parametrize("include_root", [False, True])
def test_issued_leaf_carries_the_csr_key_and_subject(rsa_ca: bool, include_root: bool) -> None:
    ca = CertificateAuthority.generate(rsa_key=rsa_ca)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = _csr("SN-0001", key)
    assert csr_problem(csr, {"SN-0001", "CP_1"}) is None
    issued = ca.issue(csr, include_root=include_root)
    chain = x509.load_pem_x509_certificates(issued.chain_pem.encode())
    assert len(chain) == (2 if include_root else 1)
    leaf = chain[0]
    assert leaf.public_key() == key.public_key()
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "SN-0001"
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    leaf.verify_directly_issued_by(ca.certificate)
    assert issued.sha256_fingerprint == leaf.fingerprint(hashes.SHA256()).hex()


def test_csr_problems_are_named() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    assert "CN" in (csr_problem(_csr("other", key), {"SN-0001"}) or "")
    assert "PEM" in (csr_problem("garbage", {"SN-0001"}) or "")
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert "1024" in (csr_problem(_csr("SN-0001", small), {"SN-0001"}) or "")
    small_ec = ec.generate_private_key(ec.SECP192R1())
    assert "192" in (csr_problem(_csr("SN-0001", small_ec), {"SN-0001"}) or "")
