"""What a report says of the TLS material of a run: each certificate by subject, serial
number and SHA-256 fingerprint; never a private key, never the password (issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from simulator.config import Security


def certificates_in(pem: bytes) -> list[dict[str, str]]:
    """Every certificate of a PEM text (a chain), leaf first as it is written."""
    try:
        loaded = x509.load_pem_x509_certificates(pem)
    except ValueError:
        return []
    return [
        {
            "subject": certificate.subject.rfc4514_string(),
            "serialNumber": format(certificate.serial_number, "X"),
            "sha256": certificate.fingerprint(hashes.SHA256()).hex(":").upper(),
        }
        for certificate in loaded
    ]


def security_configuration(
    security: Security, signed: tuple[bytes, bytes] | None = None
) -> dict[str, Any]:
    """The ``security`` part of a run's Test Configuration; ``signed``: the client
    certificate chain (and its key, never shown) the CSMS signed during the run."""
    shown: dict[str, Any] = {"profile": security.profile, "profiles": list(security.supported)}
    for key in ("ca_file", "client_certificate"):
        path = getattr(security, key)
        if path:
            try:
                shown[key] = certificates_in(Path(path).read_bytes())
            except OSError:
                shown[key] = []
    if signed is not None:
        shown["signed_client_certificate"] = certificates_in(signed[0])
    return shown
