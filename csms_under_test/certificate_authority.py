"""The CA that signs charge point CSRs (Security white paper A02, TC_074/TC_077_CSMS).

The bundled CSMS generates one at run start (no committed key); a deployment passes its own
certificate + key. `csr_problem` validates a SignCertificate.req CSR; `issue` signs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ocppj.key_sizes import key_size_problem

# Security white paper §4.1: RSA/DSA at least 2048 bits, elliptic curve at least 224 bits.
LEAF_VALIDITY = dt.timedelta(days=365)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def csr_problem(pem: str, expected_cn: set[str]) -> str | None:
    """Why the CSR is unacceptable, or None: parses, self-signature valid, key size, CN."""
    try:
        csr = x509.load_pem_x509_csr(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        return f"not a PEM PKCS#10 request ({exc})"
    if not csr.is_signature_valid:
        return "the CSR signature does not verify"
    problem = key_size_problem(csr.public_key())
    if problem is not None:
        return problem
    cns = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if not cns or str(cns[0]) not in expected_cn:
        return f"subject CN {cns[0] if cns else None!r} is not one of {sorted(expected_cn)}"
    return None


@dataclass(frozen=True)
class Issued:
    serial: int
    subject: str
    sha256_fingerprint: str
    chain_pem: str  # leaf first, then the CA certificate (CertificateSigned.certificateChain)


class CertificateAuthority:
    def __init__(self, certificate: x509.Certificate, key: PrivateKey) -> None:
        self.certificate = certificate
        self.key = key

    @classmethod
    def generate(
        cls,
        *,
        rsa_key: bool = False,
        name: str = "CSMS demo CSR CA",
        subject: x509.Name | None = None,
    ) -> CertificateAuthority:
        """A fresh self-signed CA for one run (never written to the repository), named
        ``name`` or, given, ``subject``."""
        key: PrivateKey = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if rsa_key
            else ec.generate_private_key(ec.SECP256R1())
        )
        if subject is None:
            subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key)

    @classmethod
    def load(cls, cert_pem: bytes, key_pem: bytes) -> CertificateAuthority:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError("the CSR CA key must be RSA or EC")
        return cls(x509.load_pem_x509_certificate(cert_pem), key)

    def issue(self, csr_pem: str, *, include_root: bool = True) -> Issued:
        """Sign the CSR's key and subject: a clientAuth leaf valid for a year."""
        csr = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
        now = dt.datetime.now(dt.UTC)
        leaf = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.certificate.subject)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + LEAF_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        parts = [leaf] + ([self.certificate] if include_root else [])
        chain = "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in parts)
        return Issued(
            leaf.serial_number,
            leaf.subject.rfc4514_string(),
            leaf.fingerprint(hashes.SHA256()).hex(),
            chain,
        )
