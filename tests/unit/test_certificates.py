"""The charge point's certificate store and certificateHashData (catalog §11.0 e), and the
match operators $certificate / $hash_data_of. Expected hashes come from cryptography's OCSP
request builder (an OCSP CertID, RFC 6960), independently of the store's own DER walk."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from csms_under_test.certificates import rewrapped
from simulator.chargepoint.certificates import (
    CertificateStore,
    hash_data,
    root_problem,
)
from simulator.demo_pki import demo_roots, self_signed_root
from simulator.runner.matching import match

NOW = datetime.datetime.now(datetime.UTC)
ALGORITHMS = {"SHA256": hashes.SHA256(), "SHA384": hashes.SHA384(), "SHA512": hashes.SHA512()}


def root(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, serial: int) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Root 2")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW - datetime.timedelta(minutes=1))
        .not_valid_after(NOW + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


@pytest.mark.parametrize("kind", ["rsa", "ec"])
@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_hash_data_is_the_ocsp_cert_id(kind: str, algorithm: str) -> None:
    key = (
        rsa.generate_private_key(65537, 2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    certificate = root(key, 4095)
    expected = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, certificate, ALGORITHMS[algorithm])
        .build()
    )
    assert hash_data(certificate, algorithm) == {
        "hashAlgorithm": algorithm,
        "issuerNameHash": expected.issuer_name_hash.hex(),
        "issuerKeyHash": expected.issuer_key_hash.hex(),
        "serialNumber": "FFF",  # catalog §11.0 e: 4095 -> FFF
    }


def test_the_store_installs_lists_and_deletes_by_all_four_fields() -> None:
    pem = self_signed_root("Root 2")
    store = CertificateStore(hash_algorithm="SHA384")
    install = {"now": NOW, "max_length": 2, "additional_root_check": False}
    assert store.install("CentralSystemRootCertificate", "garbage", **install) == "Rejected"
    assert store.install("CentralSystemRootCertificate", rewrapped(pem), **install) == "Accepted"
    [listed] = store.hash_data_of("CentralSystemRootCertificate")
    assert listed["hashAlgorithm"] == "SHA384"
    assert store.hash_data_of("ManufacturerRootCertificate") == []
    assert store.delete({**listed, "serialNumber": listed["serialNumber"] + "0"}) == "NotFound"
    upper = {k: v.upper() for k, v in listed.items()}
    assert store.delete(upper) == "Accepted"  # hex compared case-insensitively
    assert store.delete(listed) == "NotFound"


def test_a_full_store_and_a_rejecting_tool_answer_rejected() -> None:
    install = {"now": NOW, "max_length": 1, "additional_root_check": False}
    store = CertificateStore()
    assert (
        store.install("ManufacturerRootCertificate", self_signed_root("A"), **install) == "Accepted"
    )
    assert (
        store.install("ManufacturerRootCertificate", self_signed_root("B"), **install) == "Rejected"
    )
    assert not store.refused_as_invalid  # M05.FR.03: full, not invalid
    rejecting = CertificateStore(rejects_all=True)  # TC_078
    assert (
        rejecting.install("CentralSystemRootCertificate", self_signed_root("C"), **install)
        == "Rejected"
    )
    assert rejecting.refused_as_invalid


def test_the_demo_roots_are_self_signed_root_cas() -> None:
    for pem in demo_roots().values():
        assert root_problem(x509.load_pem_x509_certificate(pem.encode())) is None


def test_certificate_operator_compares_der_not_text() -> None:
    pem = self_signed_root("Root 2")
    assert match({"$certificate": pem}, rewrapped(pem)) == []
    [other] = match({"$certificate": pem}, self_signed_root("Root 2"), "certificate")
    assert other.path == "certificate" and "another certificate" in other.observed
    [garbage] = match({"$certificate": pem}, "not a pem", "certificate")
    assert "no PEM certificate" in garbage.observed


def test_hash_data_operator_checks_each_field() -> None:
    pem = self_signed_root("Root 2")
    certificate = x509.load_pem_x509_certificate(pem.encode())
    data = hash_data(certificate, "SHA512")
    assert match({"$hash_data_of": pem}, {k: v.upper() for k, v in data.items()}) == []
    wrong = {**data, "issuerKeyHash": "00" + data["issuerKeyHash"][2:]}
    [mismatch] = match({"$hash_data_of": pem}, wrong, "certificateHashData")
    assert mismatch.path == "certificateHashData.issuerKeyHash"
    [algorithm] = match({"$hash_data_of": pem}, {**data, "hashAlgorithm": "MD5"}, "h")
    assert algorithm.path == "h.hashAlgorithm"
    assert certificate.public_bytes(Encoding.DER)  # the PEM really held a certificate
