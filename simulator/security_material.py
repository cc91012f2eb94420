"""Test material of the Security block made at run start, when the PICS leaves it unset and
the bundled CSMS is the target (catalog §11.0 c): fresh self-signed root CA certificates.

Only their public part matters to the cases (the CSMS installs them, the charge point names
them by their hash data): each private key signs its certificate and is dropped. Nothing is
written to disk.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

VALIDITY = datetime.timedelta(days=2)
ORGANIZATION = "ocpp16-pretest demo PKI"


def self_signed_root(common_name: str) -> str:
    """A fresh self-signed root CA certificate (EC P-256, SHA-256), as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.PEM).decode()


def demo_roots() -> dict[str, str]:
    """The roots the certificate cases install, by their PICS key (security section):
    a manufacturer root (TC_075_1) and a second Central System root, "Root 2" (TC_075_2,
    TC_076, TC_078)."""
    return {
        "manufacturer_root_certificate": self_signed_root("Demo Manufacturer Root"),
        "central_system_root_certificate": self_signed_root("Demo Central System Root 2"),
    }
