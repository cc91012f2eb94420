"""Charge point certificate renewal (Security white paper A02; TC_074/TC_077_CSMS).

The charge point makes a NEW key pair for every SignChargePointCertificate trigger and keeps
the private key; `chain_problem` is its check of CertificateSigned.req before it installs
the chain as its TLS client identity. What it sends and does in the flow:
chargepoint.renewal_flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID

from ocppj.key_sizes import key_size_problem

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

SIGN_CHARGE_POINT_CERTIFICATE = "SignChargePointCertificate"
# Security whitepaper §5 MessageTriggerEnumType: every value this charge point can send.
EXTENDED_TRIGGERABLE = frozenset(
    {
        "BootNotification",
        "LogStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        SIGN_CHARGE_POINT_CERTIFICATE,
        "StatusNotification",
    }
)


def extended_trigger_status(message: object, connector_id: object, connectors: int) -> str:
    """ExtendedTriggerMessage.conf status (whitepaper F06): NotImplemented for a message it
    cannot send, Rejected for a connector it does not have, else Accepted."""
    if message not in EXTENDED_TRIGGERABLE:
        return "NotImplemented"
    if connector_id is not None and not (
        isinstance(connector_id, int)
        and not isinstance(connector_id, bool)
        and 0 <= connector_id <= connectors
    ):
        return "Rejected"
    return "Accepted"


@dataclass
class PendingRequest:
    """A CSR sent in SignCertificate.req, with the key it certifies (never leaves the CP)."""

    key: PrivateKey
    csr_pem: str


def new_request(serial_number: str, cpo_name: str, *, use_rsa: bool = False) -> PendingRequest:
    """A fresh key pair and a SHA-256 PKCS#10 CSR: CN = serial number, O = CpoName (A00.FR.404/405)."""
    key: PrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if use_rsa
        else ec.generate_private_key(ec.SECP256R1())
    )
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, serial_number)]
    if cpo_name:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, cpo_name))
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name(attributes))
        .sign(key, hashes.SHA256())
    )
    return PendingRequest(key, csr.public_bytes(serialization.Encoding.PEM).decode("ascii"))


def chain_problem(
    chain_pem: str, pending: PendingRequest | None, max_chain_size: int
) -> str | None:
    """Why the charge point rejects CertificateSigned.req, or None (then it installs it)."""
    if pending is None:
        return "no SignCertificate request is pending"
    if len(chain_pem) > max_chain_size:
        return f"chain of {len(chain_pem)} characters exceeds CertificateSignedMaxChainSize {max_chain_size}"
    leaf, problem = _leaf_for(chain_pem, pending.key.public_key())
    if leaf is None:
        return problem
    return key_size_problem(leaf.public_key())


@dataclass
class ClientIdentity:
    """The TLS client certificate chain + key the charge point presents (profile 3)."""

    chain_pem: str
    key_pem: str = field(repr=False)

    @classmethod
    def install(cls, chain_pem: str, pending: PendingRequest) -> ClientIdentity:
        key_pem = pending.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        return cls(chain_pem, key_pem)


def certifies_problem(chain_pem: object, csr_pem: object) -> str | None:
    """Why ``chain_pem`` is not a signed certificate for the CSR ``csr_pem``, or None: it
    parses as PEM X.509 and its first (leaf) certificate carries the CSR's public key
    (catalog TC_077 step 5 [I]; TC_074 2025-11 step 5). The case's `$certifies` operator."""
    if not isinstance(chain_pem, str):
        return "not a string"
    try:
        csr = x509.load_pem_x509_csr(str(csr_pem).encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return "no CSR to compare with"
    return _leaf_for(chain_pem, csr.public_key())[1]


def _leaf_for(
    chain_pem: str, key: CertificatePublicKeyTypes
) -> tuple[x509.Certificate | None, str | None]:
    """The chain's first (leaf) certificate when it carries ``key``; else None and why."""
    try:
        leaf = x509.load_pem_x509_certificates(chain_pem.encode("ascii"))[0]
    except (ValueError, UnicodeEncodeError, IndexError):
        return None, "not a PEM X.509 certificate chain"
    if leaf.public_key() != key:
        subject = leaf.subject.rfc4514_string()
        return None, f"a certificate for another key: not the CSR's public key (subject {subject})"
    return leaf, None
