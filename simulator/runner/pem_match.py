"""``{$same_certificate: PEM}``: the same X.509 certificate(s) as the PEM text given, by
their DER encoding, so line endings and line lengths do not count (TC_080: the configured
signing certificate, which a CSMS may store and send with CRLF line ends)."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding


def _certificates(value: Any) -> list[x509.Certificate] | None:
    if not isinstance(value, str):
        return None
    try:
        return x509.load_pem_x509_certificates(value.encode())
    except ValueError:
        return None


def same_certificates(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` is PEM text of the certificates ``expected`` holds, in order."""
    wanted, seen = _certificates(expected), _certificates(actual)
    if not wanted or seen is None:
        return False
    return [c.public_bytes(Encoding.DER) for c in wanted] == [
        c.public_bytes(Encoding.DER) for c in seen
    ]


def describe_certificates(value: Any) -> str:
    """The certificates of a PEM text in words: subject and SHA-256 fingerprint."""
    found = _certificates(value)
    if not found:
        return "no PEM X.509 certificate"
    return ", ".join(
        f"{c.subject.rfc4514_string() or '(no subject)'} "
        f"(SHA-256 {c.fingerprint(hashes.SHA256()).hex()[:16]}…)"
        for c in found
    )
