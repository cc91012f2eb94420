"""The charge point's certificate store (Security whitepaper M03-M05; catalog §11.0 e, h).

The charge point really holds the root certificates the CSMS installs, by type, and names
them by their ``certificateHashData`` (whitepaper §6.1 CertificateHashDataType), computed as
an OCSP CertID (RFC 6960 §4.1.1) is:

* ``issuerNameHash``: the hash of the DER issuer Name, as the certificate encodes it;
* ``issuerKeyHash``: the hash of the issuer's subjectPublicKey BIT STRING contents, without
  tag, length and the unused-bits octet (as OpenSSL's OCSP code does). The certificates here
  are self-signed roots, so the issuer is the certificate itself (catalog TC_075 note);
* ``serialNumber``: the serial in hex, without ``0x`` and leading zeros (4095 -> ``FFF``).

Hashes are written in lower-case hex, the serial number in upper case; they are compared
case-insensitively (the fields are CiStrings). Both DER fields are read from the
certificate's own bytes, so a re-encoding cannot change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from simulator.chargepoint.configuration import ConfigKey
from simulator.chargepoint.plan import Activity, Send
from simulator.chargepoint.security_events import INVALID_CENTRAL_SYSTEM_CERTIFICATE, security_event

CENTRAL_SYSTEM_ROOT = "CentralSystemRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
CERTIFICATE_TYPES = (CENTRAL_SYSTEM_ROOT, MANUFACTURER_ROOT)  # whitepaper CertificateUseEnumType
HASH_ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}
HASH_FIELDS = ("issuerNameHash", "issuerKeyHash", "serialNumber")
DEFAULT_STORE_MAX_LENGTH = 10  # CertificateStoreMaxLength: room for TC_075/076/078 (§11.0 h)


class CertificateError(ValueError):
    """Text that is not one PEM-encoded X.509 certificate."""


def load_certificate(pem: str) -> x509.Certificate:
    """The certificate in ``pem``; CertificateError when it is none."""
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise CertificateError("no PEM certificate (-----BEGIN CERTIFICATE-----)")
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise CertificateError(f"not a PEM X.509 certificate: {exc}") from None


def der_of(pem: str) -> bytes:
    """The DER bytes of the certificate in ``pem`` (line breaks and wrapping do not count)."""
    return load_certificate(pem).public_bytes(Encoding.DER)


def root_problem(certificate: x509.Certificate) -> str | None:
    """Why ``certificate`` is not a self-signed root CA certificate, or None."""
    if certificate.issuer != certificate.subject:
        return "its issuer is not its subject (not self-signed)"
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return "it has no basicConstraints extension (not a CA certificate)"
    if not constraints.value.ca:
        return "its basicConstraints say cA false (not a CA certificate)"
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError) as exc:
        return f"its signature does not verify with its own key ({exc or 'bad signature'})"
    except Exception as exc:  # InvalidSignature carries no text
        return f"its signature does not verify with its own key ({type(exc).__name__})"
    return None


def describe(certificate: x509.Certificate) -> str:
    """A certificate in words, for a report: subject, serial number, SHA-256 fingerprint."""
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    subject = certificate.subject.rfc4514_string() or "(empty subject)"
    return f"{subject}, serial {serial_hex(certificate)}, SHA-256 {fingerprint[:16]}..."


def serial_hex(certificate: x509.Certificate) -> str:
    """serialNumber as CertificateHashDataType writes it: hex, no leading zeros."""
    return format(certificate.serial_number, "X")


# -- certificateHashData ----------------------------------------------------------------
def _der_items(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(tag, element start, content start, element end) of each DER element in
    data[start:end]."""
    items, at = [], start
    while at < end:
        begin, tag, length, at = at, data[at], data[at + 1], at + 2
        if length & 0x80:  # long form: the next (length & 0x7F) octets hold the length
            count = length & 0x7F
            length, at = int.from_bytes(data[at : at + count], "big"), at + count
        items.append((tag, begin, at, at + length))
        at += length
    return items


def _issuer_and_key(certificate: x509.Certificate) -> tuple[bytes, bytes]:
    """(DER issuer Name, subjectPublicKey BIT STRING contents) as ``certificate`` encodes
    them (RFC 5280 §4.1: TBSCertificate = [0] version, serial, signature, issuer, validity,
    subject, subjectPublicKeyInfo, ...)."""
    tbs = certificate.tbs_certificate_bytes
    [(_, _, body, body_end)] = _der_items(tbs, 0, len(tbs))
    fields = _der_items(tbs, body, body_end)
    if fields[0][0] == 0xA0:  # the explicit version
        fields = fields[1:]
    _, issuer_start, _, issuer_end = fields[2]
    _, _, spki_start, spki_end = fields[5]
    _, _, bits_start, bits_end = _der_items(tbs, spki_start, spki_end)[1]
    return tbs[issuer_start:issuer_end], tbs[bits_start + 1 : bits_end]  # no unused-bits octet


def hash_data(
    certificate: x509.Certificate, algorithm: str, issuer: x509.Certificate | None = None
) -> dict[str, str]:
    """CertificateHashDataType of ``certificate`` (issued by ``issuer``, default itself)."""
    digest = HASH_ALGORITHMS[algorithm]
    issuer_name, _ = _issuer_and_key(certificate)
    _, issuer_key = _issuer_and_key(issuer or certificate)

    def hashed(data: bytes) -> str:
        context = hashes.Hash(digest())
        context.update(data)
        return context.finalize().hex()

    return {
        "hashAlgorithm": algorithm,
        "issuerNameHash": hashed(issuer_name),
        "issuerKeyHash": hashed(issuer_key),
        "serialNumber": serial_hex(certificate),
    }


def same_hash_data(given: dict[str, Any], wanted: dict[str, str]) -> list[str]:
    """The fields of ``given`` that differ from ``wanted`` (hex compared case-insensitively,
    a serial number also without leading zeros)."""
    differ = []
    if given.get("hashAlgorithm") != wanted["hashAlgorithm"]:
        differ.append("hashAlgorithm")
    for name in HASH_FIELDS:
        value = given.get(name)
        if not isinstance(value, str) or _hex(value, name) != _hex(wanted[name], name):
            differ.append(name)
    return differ


def _hex(value: str, name: str) -> str:
    folded = value.casefold()
    return (folded.lstrip("0") or "0") if name == "serialNumber" else folded


# -- the store --------------------------------------------------------------------------
@dataclass(frozen=True)
class Installed:
    certificate_type: str
    certificate: x509.Certificate
    pem: str  # as the CSMS sent it


@dataclass
class CertificateStore:
    """The installed root certificates; ``hash_algorithm`` is the tool's
    "<Configured HashAlgorithm>" (TC_076), ``rejects_all`` the TC_078 tool that rejects
    any certificate."""

    hash_algorithm: str = "SHA256"
    rejects_all: bool = False
    installed: list[Installed] = field(default_factory=list)
    refused_as_invalid: bool = False  # the last InstallCertificate was an invalid certificate

    def install(
        self,
        certificate_type: str,
        pem: str,
        *,
        now: datetime,
        max_length: int,
        additional_root_check: bool,
    ) -> str:
        """InstallCertificate.conf status (whitepaper M05): Accepted once stored; Rejected
        for what is not a valid X.509 certificate, a full store (M05.FR.03) or, with
        AdditionalRootCertificateCheck, a Central System root the installed one did not
        sign (M05.FR.08-10)."""
        self.refused_as_invalid = True
        if self.rejects_all:
            return "Rejected"
        try:
            certificate = load_certificate(pem)
        except CertificateError:
            return "Rejected"
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            return "Rejected"  # expired or not yet valid
        self.refused_as_invalid = False
        if self.find(certificate) is not None:
            return "Accepted"  # already installed: nothing to add
        previous = self.of_type(CENTRAL_SYSTEM_ROOT)
        if additional_root_check and certificate_type == CENTRAL_SYSTEM_ROOT and previous:
            try:
                certificate.verify_directly_issued_by(previous[-1].certificate)
            except Exception:  # not signed by the installed root
                self.refused_as_invalid = True
                return "Rejected"
            # M05.FR.09: the new root replaces the old one.
            self.installed = [i for i in self.installed if i not in previous]
        if len(self.installed) >= max_length:
            return "Rejected"
        self.installed.append(Installed(certificate_type, certificate, pem))
        return "Accepted"

    def hold(self, certificate_type: str, pem: str) -> None:
        """A root the charge point holds before any case (its TLS trust anchor: the
        Central System root it verifies the CSMS with in profiles 2 and 3)."""
        certificate = load_certificate(pem)
        if self.find(certificate) is None:
            self.installed.append(Installed(certificate_type, certificate, pem))

    def of_type(self, certificate_type: str) -> list[Installed]:
        return [i for i in self.installed if i.certificate_type == certificate_type]

    def find(self, certificate: x509.Certificate) -> Installed | None:
        der = certificate.public_bytes(Encoding.DER)
        return next(
            (i for i in self.installed if i.certificate.public_bytes(Encoding.DER) == der), None
        )

    def hash_data_of(self, certificate_type: str) -> list[dict[str, str]]:
        """The hash data of every installed certificate of the type (GetInstalledCertificateIds)."""
        return [
            hash_data(i.certificate, self.hash_algorithm) for i in self.of_type(certificate_type)
        ]

    def delete(self, given: dict[str, Any]) -> str:
        """DeleteCertificate.conf status (whitepaper M04): Accepted after deleting the
        certificate whose four hash fields all match ``given``, else NotFound."""
        algorithm = given.get("hashAlgorithm")
        if algorithm not in HASH_ALGORITHMS:
            return "NotFound"
        for installed in self.installed:
            if not same_hash_data(given, hash_data(installed.certificate, str(algorithm))):
                self.installed.remove(installed)
                return "Accepted"
        return "NotFound"


def certificate_keys() -> dict[str, ConfigKey]:
    """The whitepaper §7 keys of certificate management (catalog §11.0 h): a store with
    room for the block's roots, and no AdditionalRootCertificateCheck (Root 2 is an
    unrelated root)."""
    return {
        "CertificateStoreMaxLength": ConfigKey(str(DEFAULT_STORE_MAX_LENGTH), readonly=True),
        "AdditionalRootCertificateCheck": ConfigKey("false", readonly=True),
    }


def invalid_certificate_event(
    store: CertificateStore, certificate_type: str, timestamp: str
) -> Activity | None:
    """After a Rejected InstallCertificate of an invalid Central System root: the security
    event InvalidCentralSystemCertificate (whitepaper §8; catalog TC_078 step 3), or None
    (a full store is no security event)."""
    if certificate_type != CENTRAL_SYSTEM_ROOT or not store.refused_as_invalid:
        return None
    return _one(security_event(INVALID_CENTRAL_SYSTEM_CERTIFICATE, timestamp))


def _one(instruction: Send) -> Activity:
    yield instruction


def use_hash_algorithm(store: CertificateStore, algorithm: str) -> Activity:
    """``do: use_hash_algorithm``: the tool's <Configured HashAlgorithm> becomes
    ``algorithm`` (TC_076 2025-11 runs once per algorithm). Nothing is sent."""
    if algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"hash_algorithm {algorithm!r}: not one of {', '.join(HASH_ALGORITHMS)}")
    store.hash_algorithm = algorithm
    yield from ()
