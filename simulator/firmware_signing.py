"""Throw-away firmware signing material for the signed firmware cases (TC_080, TC_081;
catalog §11.0 c), made at run time: no private key is ever committed or written.

A generated manufacturer root (self-signed, EC P-256; simulator.demo_pki) issues a firmware signing
certificate (RSA 2048, extended key usage codeSigning) whose key signs the image with
RSASSA-PSS and SHA-256 (whitepaper L01.FR.04). The invalid signature TC_081 needs is the
valid one with its last byte changed: same length, still Base64, never verifies.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from simulator.demo_pki import issue, new_root

MANUFACTURER_ROOT_CN = "Pretest Demo Manufacturer Root"
SIGNING_CN = "Pretest Demo Firmware Signing"


@dataclass(frozen=True)
class SigningMaterial:
    manufacturer_root: str  # PEM: the root that issued the signing certificate
    signing_certificate: str  # PEM: SignedUpdateFirmware.req firmware.signingCertificate
    signature: str  # Base64: firmware.signature over the image (TC_080)
    invalid_signature: str  # Base64: one that does not verify (TC_081)


def invalid_signature(signature: str) -> str:
    """``signature`` (Base64) with its last byte changed: the same length, never valid."""
    raw = bytearray(base64.b64decode(signature))
    if raw:
        raw[-1] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@functools.cache
def signing_material(image: bytes) -> SigningMaterial:
    """Material for ``image``, made once per process (a run may start many CSMSs)."""
    root = new_root(MANUFACTURER_ROOT_CN)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate, _ = issue(SIGNING_CN, root, key, usage=ExtendedKeyUsageOID.CODE_SIGNING)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    signature = base64.b64encode(key.sign(image, pss, hashes.SHA256())).decode()
    return SigningMaterial(
        manufacturer_root=_pem(root[0]),
        signing_certificate=_pem(certificate),
        signature=signature,
        invalid_signature=invalid_signature(signature),
    )


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
