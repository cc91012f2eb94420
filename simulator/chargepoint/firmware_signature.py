"""Firmware signature verification at the charge point (Security whitepaper edition 3, L01;
catalog §11.0 f): the Base64-decoded ``firmware.signature`` is checked over the whole
downloaded file with the public key of ``firmware.signingCertificate``, SHA-256 digest.

L01.FR.04 names RSA-PSS; material made for or by OCTT may use PKCS#1 v1.5, and an ECDSA
key signs DER or raw r||s (catalog §11.0 f [I]): each is tried, and the result names the
scheme that verified. Only pyca/cryptography does the cryptography.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from simulator.chargepoint.certificates import CertificateError, describe, load_certificate

# Verifies data; raises InvalidSignature (or ValueError) when it does not verify.
_Verifier = Callable[[bytes], None]


@dataclass(frozen=True)
class SignatureCheck:
    """One verification: whether it verified, and how (or why not), in words."""

    ok: bool
    detail: str
    scheme: str | None = None  # the scheme that verified


def signing_certificate(pem: object) -> x509.Certificate | None:
    """The first certificate of a PEM text; None when it holds no X.509 certificate."""
    if not isinstance(pem, str):
        return None
    try:
        return load_certificate(pem)
    except CertificateError:
        return None


def verify_signature(image: bytes, signature: object, certificate_pem: object) -> SignatureCheck:
    """Verify ``signature`` (Base64) over ``image`` with the certificate's public key."""
    try:
        raw = base64.b64decode(str(signature), validate=True) if signature else b""
    except (binascii.Error, ValueError):
        return SignatureCheck(False, "firmware.signature is not Base64")
    if not raw:
        return SignatureCheck(False, "firmware.signature is empty")
    certificate = signing_certificate(certificate_pem)
    if certificate is None:
        return SignatureCheck(False, "firmware.signingCertificate holds no PEM X.509 certificate")
    key = certificate.public_key()
    whose = f"the signing certificate {describe(certificate)}"
    for scheme, check in _schemes(key, raw):
        try:
            check(image)
        except (InvalidSignature, ValueError):
            continue
        return SignatureCheck(True, f"{scheme} with SHA-256 verified against {whose}", scheme)
    tried = ", ".join(name for name, _ in _schemes(key, raw)) or "none for this key type"
    return SignatureCheck(
        False, f"the signature does not verify over {len(image)} bytes with {whose} (tried {tried})"
    )


def _schemes(key: object, raw: bytes) -> list[tuple[str, _Verifier]]:
    """The schemes a key of this type can have signed with, each as a verifier of data."""
    digest = hashes.SHA256()
    if isinstance(key, rsa.RSAPublicKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
        return [
            ("RSASSA-PSS", lambda data: key.verify(raw, data, pss, digest)),
            ("RSASSA-PKCS1-v1_5", lambda data: key.verify(raw, data, padding.PKCS1v15(), digest)),
        ]
    if isinstance(key, ec.EllipticCurvePublicKey):
        schemes: list[tuple[str, _Verifier]] = [
            ("ECDSA (DER)", lambda data: key.verify(raw, data, ec.ECDSA(digest)))
        ]
        size = (key.curve.key_size + 7) // 8
        if len(raw) == 2 * size:
            r, s = int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big")
            der = encode_dss_signature(r, s)
            schemes.append(
                ("ECDSA (raw r||s)", lambda data: key.verify(der, data, ec.ECDSA(digest)))
            )
        return schemes
    return []
