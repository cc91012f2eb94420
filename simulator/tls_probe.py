"""Probe a CSMS's TLS endpoint as TC_086 and TC_087 check it (catalog §11.0 b).

A single handshake cannot show that four cipher suites are supported, so the probe makes
one normal handshake (it must end at TLS 1.2 or 1.3), then one fresh TCP + TLS handshake
per suite the TCD names, offering only that suite and TLS 1.2 at most. Every handshake
verifies the server against the configured CA and the host of the CSMS URL, and presents
the charge point's client certificate when it has one (profile 3). The server certificate
checks (TC_086 only) apply to every distinct certificate seen: the ECDSA suites need an
ECDSA certificate and the RSA suites an RSA one (whitepaper A00.FR.317 note).

What the probe can tell apart: no TCP connection (INCONCLUSIVE: the CSMS is not there),
a certificate that does not verify (ERROR: the harness's configured CA or host is the
set-up to fix), and a CSMS that refuses a ClientHello once the TCP connection is open
(the suite, or the version, is not supported: FAIL).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ocppj.key_sizes import key_size_problem
from reports.results import Verdict
from simulator.transport import identity_files

# The TCD's four suites (catalog §11.0 b): OpenSSL name -> IANA name.
SUITES: dict[str, str] = {
    "ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "AES128-GCM-SHA256": "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "AES256-GCM-SHA384": "TLS_RSA_WITH_AES_256_GCM_SHA384",
}
ACCEPTED_VERSIONS = ("TLSv1.2", "TLSv1.3")  # whitepaper A00.FR.318
# The probe offers what the CSMS must refuse or must not serve (TLS 1.0/1.1, small keys),
# so it runs at OpenSSL security level 0: the CSMS's answer decides, not the harness's.
PERMISSIVE = "@SECLEVEL=0"
NORMAL = "normal"  # the handshake that offers every version and the default suites


class Ended(StrEnum):
    """How one handshake ended."""

    COMPLETED = "completed"
    REFUSED = "refused"  # the TCP connection opened, the TLS handshake failed
    UNTRUSTED = "untrusted"  # the server's certificate did not verify (CA or host name)
    UNREACHABLE = "unreachable"  # no TCP connection
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class TlsEndpoint:
    """Where the CSMS's TLS listener is and how the charge point meets it."""

    host: str  # the host of the CSMS URL: what the certificate must name
    port: int
    ca_file: str | None  # the configured CA (None: the system's CAs)
    client_certificate: tuple[bytes, bytes] | None = None  # chain and key PEM (profile 3)
    timeout: float = 10.0  # seconds, for the TCP connection and for the handshake

    @classmethod
    def of(
        cls,
        url: str,
        ca_file: str | None,
        client_certificate: tuple[bytes, bytes] | None = None,
        timeout: float = 10.0,
    ) -> TlsEndpoint | None:
        """The endpoint of a ``wss://`` CSMS URL; None for any other URL."""
        parts = urlsplit(url)
        if parts.scheme != "wss" or not parts.hostname:
            return None
        return cls(parts.hostname, parts.port or 443, ca_file, client_certificate, timeout)


@dataclass(frozen=True)
class Handshake:
    offered: str  # NORMAL or the one suite offered (OpenSSL name)
    ended: Ended
    detail: str = ""  # why it failed, in the TLS stack's words
    version: str | None = None
    cipher: str | None = None
    certificate: bytes | None = None  # the server certificate (DER)


@dataclass(frozen=True)
class ProbeCheck:
    """One TCD check (catalog §11.0 b), with what was expected and what was seen."""

    rule: str
    passed: bool
    expected: str
    observed: str
    message: str = ""


@dataclass(frozen=True)
class ProbeStop:
    """Why the probe could not decide (INCONCLUSIVE) or the set-up failed (ERROR)."""

    verdict: Verdict
    rule: str
    message: str


@dataclass
class ProbeReport:
    checks: list[ProbeCheck] = field(default_factory=list)
    stops: list[ProbeStop] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    handshakes: list[Handshake] = field(default_factory=list)


# -- one handshake --------------------------------------------------------------------
def client_context(
    endpoint: TlsEndpoint, suite: str | None, identity: tuple[Path, Path] | None
) -> ssl.SSLContext:
    """The charge point's TLS client for one probe: verifying against the configured CA
    and host; ``suite``: offering only it, at TLS 1.2 at most; None: every version from
    1.0 (so that a CSMS answering with 1.0 or 1.1 is seen, and failed)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname
    if endpoint.ca_file is not None:
        context.load_verify_locations(endpoint.ca_file)
    else:
        context.load_default_certs()
    with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        if suite is None:
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.set_ciphers(f"DEFAULT:{PERMISSIVE}")
        else:
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers(f"{suite}:{PERMISSIVE}")
    if identity is not None:
        context.load_cert_chain(*identity)
    return context


async def handshake(
    endpoint: TlsEndpoint,
    suite: str | None,
    identity: tuple[Path, Path] | None = None,
    *,
    verify: bool = True,
) -> Handshake:
    """One fresh TCP connection and TLS handshake (then closed); ``verify`` False only to
    see what an unverifiable server presents."""
    offered = suite or NORMAL
    context = client_context(endpoint, suite, identity)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        async with asyncio.timeout(endpoint.timeout):
            _, writer = await asyncio.open_connection(endpoint.host, endpoint.port)
    except TimeoutError:
        return Handshake(offered, Ended.TIMEOUT, f"no TCP connection in {endpoint.timeout:g} s")
    except OSError as exc:
        return Handshake(offered, Ended.UNREACHABLE, exc.strerror or str(exc))
    try:
        async with asyncio.timeout(endpoint.timeout):
            await writer.start_tls(context, server_hostname=endpoint.host)
        tls = writer.get_extra_info("ssl_object")
        cipher = tls.cipher()
        return Handshake(
            offered,
            Ended.COMPLETED,
            version=tls.version(),
            cipher=cipher[0] if cipher else None,
            certificate=tls.getpeercert(binary_form=True),
        )
    except TimeoutError:
        return Handshake(offered, Ended.TIMEOUT, f"no TLS handshake in {endpoint.timeout:g} s")
    except ssl.SSLCertVerificationError as exc:
        return Handshake(offered, Ended.UNTRUSTED, exc.verify_message or str(exc))
    except (OSError, EOFError) as exc:  # an alert, a reset, a close: the CSMS said no
        return Handshake(offered, Ended.REFUSED, _said(exc))
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(endpoint.timeout):
                await writer.wait_closed()


def _said(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason.lower().replace("_", " ")
    if isinstance(exc, ConnectionResetError):
        return "the CSMS reset the connection"
    if isinstance(exc, EOFError | ConnectionAbortedError):
        return "the CSMS closed the connection"
    return str(exc) or type(exc).__name__


# -- the probe ------------------------------------------------------------------------
async def probe(endpoint: TlsEndpoint, *, server_certificate: bool) -> ProbeReport:
    """The normal handshake, one per suite, and (``server_certificate``, TC_086) the
    certificate checks on every distinct server certificate seen."""
    report = ProbeReport()
    try:
        with identity_files(endpoint.client_certificate) as identity:
            client_context(endpoint, None, identity)  # the CA and the identity load
            await _probe(endpoint, identity, report)
    except (OSError, ssl.SSLError, ValueError) as exc:
        report.stops.append(
            ProbeStop(
                Verdict.ERROR,
                "tls-config",
                f"the charge point's TLS material cannot be used: {exc} (the configured CA "
                f"{endpoint.ca_file or '(system)'}, the client certificate)",
            )
        )
        return report
    if server_certificate and not report.stops:
        _certificate_checks(endpoint.host, report)
    return report


async def _probe(
    endpoint: TlsEndpoint, identity: tuple[Path, Path] | None, report: ProbeReport
) -> None:
    where = f"{endpoint.host}:{endpoint.port}"
    normal = await handshake(endpoint, None, identity)
    report.handshakes.append(normal)
    if normal.ended in (Ended.UNREACHABLE, Ended.TIMEOUT):
        report.stops.append(
            ProbeStop(
                Verdict.INCONCLUSIVE,
                f"transport:{normal.ended}",
                f"no TLS handshake with the CSMS at {where}: {normal.detail}",
            )
        )
        return
    if normal.ended is Ended.UNTRUSTED:
        presented = await handshake(endpoint, None, identity, verify=False)
        report.stops.append(_untrusted(endpoint, normal, presented))
        return
    expected = "a normal handshake ends at TLS 1.2 or 1.3"
    if normal.ended is Ended.REFUSED:
        observed = f"the CSMS refused a ClientHello offering TLS 1.0 to 1.3 ({normal.detail})"
        report.checks.append(ProbeCheck("tls-version", False, expected, observed))
    else:
        passed = normal.version in ACCEPTED_VERSIONS
        observed = f"{normal.version} with {normal.cipher}"
        message = "" if passed else f"the CSMS negotiated {normal.version}, below TLS 1.2"
        report.checks.append(ProbeCheck("tls-version", passed, expected, observed, message))
    for suite, iana in SUITES.items():
        one = await handshake(endpoint, suite, identity)
        report.handshakes.append(one)
        expected = f"a TLS 1.2 handshake offering only {iana} completes with it"
        if one.ended is Ended.COMPLETED:
            passed = one.cipher == suite
            observed = f"completed: {one.version} with {one.cipher}"
            report.checks.append(ProbeCheck("cipher-suite", passed, expected, observed))
        elif one.ended is Ended.REFUSED:
            observed = f"refused: {one.detail}"
            message = f"cipher suite {iana} ({suite}) is not supported: {one.detail}"
            report.checks.append(ProbeCheck("cipher-suite", False, expected, observed, message))
        elif one.ended is Ended.UNTRUSTED:
            presented = await handshake(endpoint, suite, identity, verify=False)
            report.stops.append(_untrusted(endpoint, one, presented))
        else:
            report.stops.append(
                ProbeStop(
                    Verdict.INCONCLUSIVE,
                    f"transport:{one.ended}",
                    f"the handshake offering only {iana} could not be made: {one.detail}",
                )
            )


def _untrusted(endpoint: TlsEndpoint, failed: Handshake, presented: Handshake) -> ProbeStop:
    """A certificate that does not verify: the harness's set-up (its configured CA, or the
    host it connects to), never the CSMS's FAIL."""
    offered = "" if failed.offered == NORMAL else f" offering only {failed.offered}"
    seen = (
        f"; it presented {describe_certificate(presented.certificate)}"
        if presented.certificate
        else ""
    )
    return ProbeStop(
        Verdict.ERROR,
        "tls-trust",
        f"set-up: the CSMS's certificate in the handshake{offered} does not verify against "
        f"the configured CA ({endpoint.ca_file or 'the system CAs'}) for host "
        f"{endpoint.host}: {failed.detail}{seen}",
    )


# -- the server certificate checks (TC_086) --------------------------------------------
def _certificate_checks(host: str, report: ProbeReport) -> None:
    seen: dict[bytes, list[str]] = {}
    for one in report.handshakes:
        if one.ended is Ended.COMPLETED and one.certificate:
            handshake_name = "the normal handshake" if one.offered == NORMAL else one.offered
            seen.setdefault(one.certificate, []).append(handshake_name)
    for der, names in seen.items():
        report.checks.extend(certificate_checks(der, host, ", ".join(names)))


def certificate_checks(der: bytes, host: str, presented_for: str = "") -> list[ProbeCheck]:
    """TC_086 step 2 on one server certificate (catalog §11.0 b): X.509, key length,
    serial number, subject commonName = the host of the CSMS URL (case-insensitive)."""
    label = f" (presented for {presented_for})" if presented_for else ""
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        return [
            ProbeCheck(
                "certificate",
                False,
                "the server certificate parses as X.509",
                f"it does not{label}: {exc}",
            )
        ]
    name = describe_certificate(der)
    checks = [ProbeCheck("certificate", True, "the server certificate parses as X.509", name)]
    problem = key_size_problem(certificate.public_key())
    checks.append(
        ProbeCheck(
            "key-length",
            problem is None,
            "an RSA or DSA key of at least 2048 bits, or an EC key of at least 224 bits",
            f"{_key(certificate)}: {name}{label}",
            f"{problem} in the server certificate {name}{label}: at least 2048 bits (RSA, DSA) "
            "or 224 (EC)"
            if problem
            else "",
        )
    )
    checks.append(
        ProbeCheck(
            "serial-number",
            certificate.serial_number is not None,
            "the server certificate has a serial number",
            f"serial {certificate.serial_number:x}{label}",
        )
    )
    names = [str(a.value) for a in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    wanted = host.rstrip(".").lower()
    matches = any(n.rstrip(".").lower() == wanted for n in names)
    shown = ", ".join(names) or "no commonName"
    checks.append(
        ProbeCheck(
            "common-name",
            matches,
            f"the subject commonName is the host of the CSMS URL, {host}",
            f"subject commonName: {shown}{label}",
            "" if matches else f"the server certificate's commonName is {shown}, not {host}{label}",
        )
    )
    return checks


def _key(certificate: x509.Certificate) -> str:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size} bits"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name} ({key.curve.key_size} bits)"
    return type(key).__name__.removesuffix("PublicKey").removeprefix("_")


def describe_certificate(der: bytes | None) -> str:
    """``subject (issuer ..., serial ...)`` of a DER certificate, for the report."""
    if not der:
        return "no certificate"
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        return f"a certificate that does not parse ({len(der)} bytes)"
    return (
        f"{certificate.subject.rfc4514_string() or '(empty subject)'} "
        f"(issuer {certificate.issuer.rfc4514_string()}, serial {certificate.serial_number:x})"
    )
