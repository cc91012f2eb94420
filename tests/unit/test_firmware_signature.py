"""Firmware signature verification (Security whitepaper L01; catalog §11.0 f) and the run-time
signing material of the bundled CSMS (TC_080, TC_081): each scheme a signer may have used
verifies and is named, anything else does not."""

from __future__ import annotations

import base64
import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from simulator.chargepoint.firmware_signature import signing_certificate, verify_signature
from simulator.firmware_signing import invalid_signature, signing_material
from simulator.runner.matching import match

IMAGE = b"firmware image bytes " * 50
SHA256 = hashes.SHA256()


def _certificate(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Signer")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, SHA256)
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_rsa_pss_and_pkcs1_v1_5_verify_and_are_named(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _certificate(rsa_key)
    pss = padding.PSS(mgf=padding.MGF1(SHA256), salt_length=padding.PSS.MAX_LENGTH)
    check = verify_signature(IMAGE, _b64(rsa_key.sign(IMAGE, pss, SHA256)), pem)
    assert check.ok and check.scheme == "RSASSA-PSS"
    assert "RSASSA-PSS with SHA-256 verified" in check.detail and "CN=Test Signer" in check.detail
    check = verify_signature(IMAGE, _b64(rsa_key.sign(IMAGE, padding.PKCS1v15(), SHA256)), pem)
    assert check.ok and check.scheme == "RSASSA-PKCS1-v1_5"


def test_ecdsa_der_and_raw_r_s_verify(ec_key: ec.EllipticCurvePrivateKey) -> None:
    pem = _certificate(ec_key)
    der = ec_key.sign(IMAGE, ec.ECDSA(SHA256))
    check = verify_signature(IMAGE, _b64(der), pem)
    assert check.ok and check.scheme == "ECDSA (DER)"
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    check = verify_signature(IMAGE, _b64(raw), pem)
    assert check.ok and check.scheme == "ECDSA (raw r||s)"


def test_what_does_not_verify_says_why(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _certificate(rsa_key)
    good = _b64(rsa_key.sign(IMAGE, padding.PKCS1v15(), SHA256))
    tampered = verify_signature(IMAGE + b"!", good, pem)
    assert not tampered.ok and tampered.scheme is None
    assert "does not verify over 1051 bytes" in tampered.detail
    assert "tried RSASSA-PSS, RSASSA-PKCS1-v1_5" in tampered.detail
    assert not verify_signature(IMAGE, invalid_signature(good), pem).ok
    assert verify_signature(IMAGE, "not base64!", pem).detail == "firmware.signature is not Base64"
    assert verify_signature(IMAGE, "", pem).detail == "firmware.signature is empty"
    other = _certificate(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert not verify_signature(IMAGE, good, other).ok
    no_pem = verify_signature(IMAGE, good, "MIIB...")
    assert no_pem.detail == "firmware.signingCertificate holds no PEM X.509 certificate"


def test_the_invalid_signature_keeps_its_length_and_never_verifies() -> None:
    material = signing_material(IMAGE)
    assert material.invalid_signature != material.signature
    assert len(material.invalid_signature) == len(material.signature) <= 800
    assert invalid_signature(material.signature) == material.invalid_signature


def test_run_time_material_verifies_with_rsa_pss_and_chains_to_its_root() -> None:
    material = signing_material(IMAGE)
    check = verify_signature(IMAGE, material.signature, material.signing_certificate)
    assert check.ok and check.scheme == "RSASSA-PSS"
    assert not verify_signature(IMAGE, material.invalid_signature, material.signing_certificate).ok
    leaf = signing_certificate(material.signing_certificate)
    root = signing_certificate(material.manufacturer_root)
    assert leaf is not None and root is not None
    leaf.verify_directly_issued_by(root)  # raises when the root did not issue it
    assert len(material.signing_certificate) <= 5500


def test_the_certificate_operator_compares_der_not_text(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _certificate(rsa_key)
    same = {"$certificate": pem}
    assert match(same, "\r\n".join(pem.splitlines()) + "\r\n", "c") == []
    bare = "".join(line for line in pem.splitlines() if "-----" not in line)
    assert match(same, bare, "c")
    assert match(same, _certificate(rsa.generate_private_key(65537, 2048)), "c")
    assert "Test Signer" in match(same, bare, "c")[0].expected
