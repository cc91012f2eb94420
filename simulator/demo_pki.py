"""Throw-away TLS material for security profiles 2 and 3, made at run time (no private key
is ever committed): what the bundled CSMS serves and what the virtual charge point trusts
and presents (catalog §11.0 a, b).

- A Central System root signs the CSMS's two server certificates, one RSA and one ECDSA:
  the four cipher suites the TCD requires need both (whitepaper A00.FR.317 note). The
  charge point trusts this root (``security.ca_file``).
- A separate charge point CA signs the charge point's first client certificate (profile
  3); the CSMS trusts it for client certificates. (The CSRs of SignCertificate, TC_074,
  are signed by the CSMS's own CSR CA: csms_under_test.certificate_authority.)

Every file is written into one folder the caller owns (a temporary one); keys are PKCS#8,
unencrypted, readable by the owner only.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

VALIDITY = datetime.timedelta(days=2)  # long enough for any run, short enough to be spent
CENTRAL_SYSTEM_ROOT_CN = "Pretest Demo Central System Root"
CHARGE_POINT_CA_CN = "Pretest Demo Charge Point CA"


@dataclass(frozen=True)
class DemoPki:
    folder: Path
    ca: Path  # the Central System root (PEM): what a charge point trusts for wss://
    server_cert: Path  # the ECDSA server certificate (P-256)
    server_key: Path
    rsa_cert: Path  # the RSA server certificate
    rsa_key: Path
    client_ca: Path  # the charge point CA: what the CSMS trusts for client certificates
    client_ca_key: Path  # ... and signs more client certificates with (DemoPki.client)
    client_cert: Path  # the charge point's first client certificate (profile 3)
    client_key: Path

    def client(self, common_name: str) -> tuple[Path, Path]:
        """Another client certificate and key, for ``common_name``, from the charge point CA."""
        issuer = _load(self.client_ca, self.client_ca_key)
        stem = self.folder / f"client-{common_name}"
        _write(stem, *issue(common_name, issuer, ec.generate_private_key(ec.SECP256R1())))
        return stem.with_suffix(".pem"), stem.with_suffix(".key")


def make_demo_pki(
    folder: Path,
    charge_point_id: str,
    *,
    host: str = "localhost",
    rsa_bits: int = 2048,
    server_common_name: str | None = None,
) -> DemoPki:
    """Generate the material into ``folder``. The server certificates name ``host`` as
    their commonName (``server_common_name`` instead, for a fault) and carry ``host`` and
    127.0.0.1 as subjectAltNames, so a loopback connection verifies either way. The client
    certificate's commonName is ``charge_point_id`` (A00.FR.404 names the serial number;
    the CSMS cannot know it before the first BootNotification)."""
    folder.mkdir(parents=True, exist_ok=True)
    root = new_root(CENTRAL_SYSTEM_ROOT_CN)
    _write(folder / "central-system-root", *root)
    server_cn = server_common_name or host
    _write(
        folder / "server-ec", *issue(server_cn, root, ec.generate_private_key(ec.SECP256R1()), host)
    )
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    _write(folder / "server-rsa", *issue(server_cn, root, rsa_key, host))
    client_ca = new_root(CHARGE_POINT_CA_CN)
    _write(folder / "charge-point-ca", *client_ca)
    client = issue(charge_point_id, client_ca, ec.generate_private_key(ec.SECP256R1()))
    _write(folder / "client", *client)
    return DemoPki(
        folder=folder,
        ca=folder / "central-system-root.pem",
        server_cert=folder / "server-ec.pem",
        server_key=folder / "server-ec.key",
        rsa_cert=folder / "server-rsa.pem",
        rsa_key=folder / "server-rsa.key",
        client_ca=folder / "charge-point-ca.pem",
        client_ca_key=folder / "charge-point-ca.key",
        client_cert=folder / "client.pem",
        client_key=folder / "client.key",
    )


def self_signed_root(common_name: str) -> str:
    """A fresh self-signed root CA certificate (EC P-256, SHA-256) as PEM; its key is dropped."""
    certificate, _key = new_root(common_name)
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def demo_roots() -> dict[str, str]:
    """The roots the certificate cases install, by their PICS key (security section):
    a manufacturer root (TC_075_1) and a second Central System root, "Root 2" (TC_075_2,
    TC_076, TC_078). Only their public part matters: the charge point names them by the
    hash data it computes."""
    return {
        "manufacturer_root_certificate": self_signed_root("Demo Manufacturer Root"),
        "central_system_root_certificate": self_signed_root("Demo Central System Root 2"),
    }


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_root(common_name: str) -> tuple[x509.Certificate, PrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def issue(
    common_name: str,
    issuer: tuple[x509.Certificate, PrivateKey],
    key: PrivateKey,
    server_host: str | None = None,
    *,
    usage: x509.ObjectIdentifier | None = None,
) -> tuple[x509.Certificate, PrivateKey]:
    """A certificate for ``key`` from ``issuer``: a server one naming ``server_host``, else
    one for ``usage`` (default: a client one)."""
    root, root_key = issuer
    if usage is None:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server_host else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if server_host:
        names: list[x509.GeneralName] = [x509.DNSName(server_host)]
        names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(root_key, hashes.SHA256()), key


def _write(stem: Path, certificate: x509.Certificate, key: PrivateKey) -> None:
    stem.with_suffix(".pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path = stem.with_suffix(".key")
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _load(certificate: Path, key: Path) -> tuple[x509.Certificate, PrivateKey]:
    loaded = serialization.load_pem_private_key(key.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"{key}: not an EC or RSA private key")
    return x509.load_pem_x509_certificate(certificate.read_bytes()), loaded
