"""Who may connect as which charge point: the security profiles of the OCPP 1.6 Security
whitepaper (edition 2, §2), decided in the WebSocket handshake.

| profile | transport | the charge point proves itself with |
|---|---|---|
| 0 | ws:// or wss:// | nothing (a test bench only) |
| 1 | ws:// | HTTP Basic: user = its id, password = its AuthorizationKey |
| 2 | wss:// (TLS 1.2+) | HTTP Basic, as 1 |
| 3 | wss:// (TLS 1.2+) | a client certificate whose subject CN names it |

A charge point the CSMS does not know is refused unless ``accept_unknown``. Passwords are
stored salted and hashed (SHA-256): an AuthorizationKey is 16-20 random bytes (whitepaper
§2.1), so a slow password hash would only slow every handshake down, not protect a weak
secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from csms_under_test.faults import (
    TLS_ECDSA_CERTIFICATE_MISSING,
    TLS_RSA_KEY_SHORT,
    TLS_STATIC_RSA_DISABLED,
    Faults,
)

SECURITY_PROFILES = (0, 1, 2, 3)
# Security whitepaper §2.1 (and TC_073): the Basic-auth password is 16 to 20 bytes.
PASSWORD_MIN_BYTES = 16
PASSWORD_MAX_BYTES = 20
REALM = "OCPP"


def password_problem(password: str) -> str | None:
    """What is wrong with ``password`` as an AuthorizationKey, or None."""
    size = len(password.encode("utf-8"))
    if not PASSWORD_MIN_BYTES <= size <= PASSWORD_MAX_BYTES:
        return (
            f"a charge point password has {PASSWORD_MIN_BYTES} to {PASSWORD_MAX_BYTES} bytes "
            f"(Security whitepaper §2.1), this one {size}"
        )
    return None


@dataclass(frozen=True)
class Credential:
    """A stored password: its salt and SHA-256(salt + password), both hex."""

    salt: str
    digest: str

    @classmethod
    def of(cls, password: str) -> Credential:
        salt = secrets.token_hex(16)
        return cls(salt, _digest(salt, password))

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(self.digest, _digest(self.salt, password))


def _digest(salt: str, password: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + password.encode("utf-8")).hexdigest()


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic ...`` header (RFC 7617), or None."""
    if header is None:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


@dataclass(frozen=True)
class Refusal:
    """Why a handshake is refused: the HTTP status and a line for the log and the API."""

    status: HTTPStatus
    reason: str

    @property
    def headers(self) -> dict[str, str]:
        if self.status == HTTPStatus.UNAUTHORIZED:
            return {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'}
        return {}


# The four suites TC_086/TC_087 probe one by one (catalog §11.0 b; whitepaper A00.FR.317):
# two ECDHE-ECDSA ones for the ECDSA chain, two static-RSA ones for the RSA chain. TLS 1.3
# keeps OpenSSL's default suites (set_ciphers does not touch them).
ECDSA_SUITES = ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384")
STATIC_RSA_SUITES = ("AES128-GCM-SHA256", "AES256-GCM-SHA384")
# OpenSSL's security level 2 refuses an RSA key below 2048 bits; fault tls-rsa-key-short
# serves one, so it needs level 1.
WEAK_KEY_SECURITY_LEVEL = 1


def server_tls_context(
    chains: Sequence[tuple[Path, Path]], client_ca: Path | None, faults: Faults | None = None
) -> ssl.SSLContext:
    """TLS 1.2 or later (whitepaper §2.3, A00.FR.318) with the server ``chains`` (certificate
    chain, key): one ECDSA and one RSA, since OpenSSL keeps one chain per key type and picks
    it by the suite (A00.FR.317 note); ``faults`` may drop one or weaken the set-up (TC_086).
    With ``client_ca`` a client certificate is asked for and, when sent, verified against it.
    It stays optional in TLS so profile 2 and 3 charge points share the listener; admission
    refuses a profile 3 charge point without one (whitepaper §2.4)."""
    faults = faults or Faults()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    suites = ECDSA_SUITES if TLS_STATIC_RSA_DISABLED in faults else ECDSA_SUITES + STATIC_RSA_SUITES
    level = f":@SECLEVEL={WEAK_KEY_SECURITY_LEVEL}" if TLS_RSA_KEY_SHORT in faults else ""
    context.set_ciphers(":".join(suites) + level)
    key_types: dict[str, Path] = {}
    for cert, key in chains:
        key_type = _key_type(cert)
        if key_type in key_types:
            raise ValueError(
                f"{cert} and {key_types[key_type]} both hold {key_type} keys: a TLS server "
                "keeps one chain per key type (give one ECDSA and one RSA chain)"
            )
        key_types[key_type] = cert
        if key_type == "ECDSA" and TLS_ECDSA_CERTIFICATE_MISSING in faults:
            continue
        context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_OPTIONAL
        context.load_verify_locations(client_ca)
    return context


def _key_type(cert: Path) -> str:
    """ "ECDSA", "RSA" or another key type: the first certificate of a PEM chain's (a file
    that is no PEM certificate is "unreadable": load_cert_chain then says why, as SSLError)."""
    try:
        key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    except (OSError, ValueError):
        return f"unreadable {cert}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ECDSA"
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA"
    return type(key).__name__


def certificate_common_names(peer: object) -> list[str]:
    """The subject commonNames of a certificate as ``SSLSocket.getpeercert()`` gives it."""
    if not isinstance(peer, dict):
        return []
    names: list[str] = []
    for rdn in peer.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                names.append(str(value))
    return names
