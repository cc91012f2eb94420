"""TC_086 / TC_087's TLS probe (simulator.tls_probe) against the reference CSMS's TLS
listener on loopback: the correct CSMS passes every check, each TLS fault fails the one
it is about, and what is the harness's set-up (an absent CSMS, a CA that does not match)
is INCONCLUSIVE or ERROR, never FAIL (catalog §11.0 b)."""

from __future__ import annotations

import asyncio
import ssl
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.faults import FAULTS
from csms_under_test.security import server_tls_context
from csms_under_test.settings import CsmsSettings
from reports.results import CaseResult, Verdict
from simulator.demo_pki import DemoPki as Pki
from simulator.demo_pki import make_demo_pki
from simulator.tls_faults import MATERIAL_FAULTS, WRONG_COMMON_NAME, demo_pki_options
from simulator.tls_probe import SUITES, ProbeReport, TlsEndpoint, certificate_checks, probe

from .conftest import StartCsms

HOST = "localhost"  # what the demo server certificates name (and 127.0.0.1 as a SAN)
ECDSA_SUITES = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"]
RSA_SUITES = ["AES128-GCM-SHA256", "AES256-GCM-SHA384"]


def endpoint(csms: ReferenceCsms, ca: Path, client: tuple[Path, Path] | None = None) -> TlsEndpoint:
    url = csms.ocpp_url.replace("//127.0.0.1:", f"//{HOST}:", 1)
    identity = (client[0].read_bytes(), client[1].read_bytes()) if client else None
    found = TlsEndpoint.of(url, str(ca), identity, timeout=5.0)
    assert found is not None
    return found


def failed(report: ProbeReport) -> list[tuple[str, str]]:
    return [(c.rule, c.message) for c in report.checks if not c.passed]


def pki_for(tmp_path: Path, *faults: str) -> Pki:
    return make_demo_pki(tmp_path / "pki", "CP_1", host=HOST, **demo_pki_options(faults))


StartTls = Callable[..., Awaitable[ReferenceCsms]]  # (pki, *faults, profile=2)
TlsServer = Callable[[ssl.SSLContext], Awaitable[tuple[int, list[object]]]]


@pytest.fixture
async def start_tls(start_csms: StartCsms) -> StartTls:
    async def start(pki: Pki, *faults: str, profile: int = 2) -> ReferenceCsms:
        return await start_csms(
            security_profile=profile,
            tls_cert=pki.server_cert,
            tls_key=pki.server_key,
            tls_cert_rsa=pki.rsa_cert,
            tls_key_rsa=pki.rsa_key,
            tls_client_ca=pki.client_ca if profile == 3 else None,
            faults=faults,
        )

    return start


# -- the correct CSMS --------------------------------------------------------------------
async def test_the_correct_csms_passes_every_check(pki: Pki, start_tls: StartTls) -> None:
    csms = await start_tls(pki)
    report = await probe(endpoint(csms, pki.ca), server_certificate=True)
    assert not report.stops and not failed(report), report
    rules = [c.rule for c in report.checks]
    assert rules.count("tls-version") == 1 and rules.count("cipher-suite") == 4
    # Both chains were seen (ECDSA for the ECDHE-ECDSA suites, RSA for the static-RSA ones),
    # each checked once.
    assert rules.count("key-length") == rules.count("common-name") == 2
    observed = " ".join(c.observed for c in report.checks if c.rule == "key-length")
    assert "RSA 2048 bits" in observed and "EC secp256r1" in observed
    [version] = [c.observed for c in report.checks if c.rule == "tls-version"]
    assert version.startswith("TLSv1.3")


async def test_tc_087_checks_version_and_suites_only(pki: Pki, start_tls: StartTls) -> None:
    csms = await start_tls(pki, profile=3)
    report = await probe(
        endpoint(csms, pki.ca, (pki.client_cert, pki.client_key)), server_certificate=False
    )
    assert not report.stops and not failed(report)
    assert {c.rule for c in report.checks} == {"tls-version", "cipher-suite"}


# -- each fault fails the check it is about ---------------------------------------------
async def test_static_rsa_disabled_fails_the_two_rsa_suites(
    pki: Pki,
    start_tls: StartTls,
) -> None:
    csms = await start_tls(pki, "tls-static-rsa-disabled")
    report = await probe(endpoint(csms, pki.ca), server_certificate=True)
    assert not report.stops
    assert [rule for rule, _ in failed(report)] == ["cipher-suite", "cipher-suite"]
    messages = " ".join(message for _, message in failed(report))
    assert "TLS_RSA_WITH_AES_128_GCM_SHA256 (AES128-GCM-SHA256) is not supported" in messages
    assert "TLS_RSA_WITH_AES_256_GCM_SHA384" in messages and "ECDSA" not in messages


async def test_ecdsa_certificate_missing_fails_the_two_ecdsa_suites(
    pki: Pki,
    start_tls: StartTls,
) -> None:
    csms = await start_tls(pki, "tls-ecdsa-certificate-missing")
    report = await probe(endpoint(csms, pki.ca), server_certificate=True)
    assert not report.stops
    messages = [message for _, message in failed(report)]
    assert len(messages) == 2 and all("ECDHE_ECDSA" in m for m in messages), messages
    # Only the RSA certificate was seen, and it passes its own checks.
    [key_length] = [c for c in report.checks if c.rule == "key-length"]
    assert key_length.passed and key_length.observed.startswith("RSA 2048 bits")


async def test_rsa_key_short_fails_the_key_length_of_the_rsa_certificate(
    tmp_path: Path, start_tls: StartTls
) -> None:
    pki = pki_for(tmp_path, "tls-rsa-key-short")
    csms = await start_tls(pki, "tls-rsa-key-short")
    report = await probe(endpoint(csms, pki.ca), server_certificate=True)
    assert not report.stops
    [(rule, message)] = failed(report)
    assert rule == "key-length" and "RSA key of 1024 bits" in message
    assert "AES128-GCM-SHA256" in message  # it names the handshakes that presented it


async def test_a_1024_bit_key_is_refused_without_the_fault(tmp_path: Path) -> None:
    """The correct CSMS keeps OpenSSL's security level: it will not serve a weak key."""
    pki = pki_for(tmp_path, "tls-rsa-key-short")
    chains = [(pki.server_cert, pki.server_key), (pki.rsa_cert, pki.rsa_key)]
    with pytest.raises(ssl.SSLError, match="too small"):
        server_tls_context(chains, None)


async def test_server_cn_mismatch_fails_the_common_name_only(
    tmp_path: Path, start_tls: StartTls
) -> None:
    pki = pki_for(tmp_path, "tls-server-cn-mismatch")
    csms = await start_tls(pki, "tls-server-cn-mismatch")
    report = await probe(endpoint(csms, pki.ca), server_certificate=True)
    assert not report.stops  # the SAN still names the host: the certificates verify
    problems = failed(report)
    assert [rule for rule, _ in problems] == ["common-name", "common-name"]
    assert all(f"is {WRONG_COMMON_NAME}, not {HOST}" in message for _, message in problems)


def test_the_material_faults_are_csms_faults() -> None:
    assert set(MATERIAL_FAULTS) <= set(FAULTS)
    assert demo_pki_options(["reject-boot"]) == {}
    both = demo_pki_options(["tls-rsa-key-short", "tls-server-cn-mismatch"])
    assert both == {"rsa_bits": 1024, "server_common_name": WRONG_COMMON_NAME}


# -- the version check -------------------------------------------------------------------
@pytest.fixture
async def tls_server() -> AsyncIterator[TlsServer]:
    """A bare TLS listener on loopback (what the reference CSMS cannot be made to do);
    it records each client's certificate."""
    servers: list[asyncio.Server] = []

    async def serve(context: ssl.SSLContext) -> tuple[int, list[object]]:
        peers: list[object] = []

        async def handle(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peers.append(writer.get_extra_info("peercert"))
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
        servers.append(server)
        return server.sockets[0].getsockname()[1], peers

    yield serve
    for server in servers:
        server.close()
        await server.wait_closed()


async def test_a_csms_answering_with_tls_1_1_fails_the_version(
    pki: Pki, tls_server: TlsServer
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.load_cert_chain(pki.server_cert, pki.server_key)
    port, _ = await tls_server(context)
    report = await probe(TlsEndpoint(HOST, port, str(pki.ca), timeout=5.0), server_certificate=True)
    version = next(c for c in report.checks if c.rule == "tls-version")
    assert not version.passed and "TLSv1.1, below TLS 1.2" in version.message
    assert [c.passed for c in report.checks if c.rule == "cipher-suite"] == [False] * 4


async def test_the_probe_presents_the_client_certificate(pki: Pki, tls_server: TlsServer) -> None:
    """A listener that requires a client certificate: the TLS 1.2 suites fail without one
    and complete with it, and the listener saw it in every handshake (TC_087 step 3)."""
    chains = [(pki.server_cert, pki.server_key), (pki.rsa_cert, pki.rsa_key)]
    context = server_tls_context(chains, pki.client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    port, peers = await tls_server(context)
    bare = TlsEndpoint(HOST, port, str(pki.ca), timeout=5.0)
    report = await probe(bare, server_certificate=False)
    assert [c.passed for c in report.checks if c.rule == "cipher-suite"] == [False] * 4
    identity = (pki.client_cert.read_bytes(), pki.client_key.read_bytes())
    peers.clear()
    with_identity = TlsEndpoint(HOST, port, str(pki.ca), identity, timeout=5.0)
    report = await probe(with_identity, server_certificate=False)
    assert not failed(report) and not report.stops
    await asyncio.sleep(0.1)  # the listener's last handler
    subjects = {str(peer) for peer in peers}
    assert len(peers) == 1 + len(SUITES) and all("CP_1" in s for s in subjects), peers


# -- the harness's set-up is never the CSMS's FAIL ---------------------------------------
async def test_no_csms_is_inconclusive(pki: Pki) -> None:
    report = await probe(TlsEndpoint(HOST, 9, str(pki.ca), timeout=2.0), server_certificate=True)
    assert not report.checks
    [stop] = report.stops
    assert stop.verdict is Verdict.INCONCLUSIVE and stop.rule == "transport:unreachable"


async def test_a_certificate_the_configured_ca_does_not_sign_is_an_error(
    pki: Pki,
    start_tls: StartTls,
) -> None:
    csms = await start_tls(pki)
    report = await probe(endpoint(csms, pki.client_ca), server_certificate=True)
    assert not report.checks
    [stop] = report.stops
    assert stop.verdict is Verdict.ERROR and stop.rule == "tls-trust"
    assert "set-up" in stop.message and "Pretest Demo Central System Root" in stop.message


async def test_an_unreadable_ca_file_is_an_error(tmp_path: Path) -> None:
    report = await probe(
        TlsEndpoint(HOST, 9, str(tmp_path / "none.pem"), timeout=2.0), server_certificate=True
    )
    [stop] = report.stops
    assert stop.verdict is Verdict.ERROR and stop.rule == "tls-config"


def test_a_certificate_that_does_not_parse_fails_the_x509_check() -> None:
    [check] = certificate_checks(b"not a certificate", HOST)
    assert check.rule == "certificate" and not check.passed


def test_the_common_name_is_matched_without_case(pki: Pki) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(pki.server_cert.read_bytes()).public_bytes(Encoding.DER)
    [common_name] = [c for c in certificate_checks(der, "LocalHost.") if c.rule == "common-name"]
    assert common_name.passed
    [other] = [c for c in certificate_checks(der, "csms.example") if c.rule == "common-name"]
    assert not other.passed and "is localhost, not csms.example" in other.message


# -- the CSMS's settings -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tls_cert_rsa": "r.pem"}, "tls_cert_rsa and tls_key_rsa go together"),
        ({"tls_cert_rsa": "r.pem", "tls_key_rsa": "r.key"}, "give tls_cert and tls_key"),
    ],
)
def test_settings_refuse_a_lone_rsa_chain(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CsmsSettings(db_path=Path("x.db"), **fields)  # type: ignore[arg-type]


def test_two_chains_of_one_key_type_are_refused(pki: Pki) -> None:
    with pytest.raises(ValueError, match="one chain per key type"):
        server_tls_context([(pki.rsa_cert, pki.rsa_key), (pki.rsa_cert, pki.rsa_key)], None)


# -- the shipped case, through the runner -----------------------------------------------
PASSWORD = "0123456789abcdef"  # 16 bytes: the shortest AuthorizationKey (whitepaper §2.1)


def run_tc_086(settings: CsmsSettings, ca_file: str | None = None) -> CaseResult:
    """TC_086 as ``simulate --csms URL --ca-file`` runs it, the PICS saying profile 2."""
    from csms_under_test.background import BackgroundCsms
    from csms_under_test.seed import ChargePointSeed, Seed
    from simulator.bundled_seed import seed_for
    from simulator.config import load_config
    from simulator.runner.suite import SuiteSession, Target
    from tests.support.shipped import shipped_case

    config = load_config(Path(__file__).parents[1] / "data" / "fast.yaml")
    config = config.with_overrides(
        timing={"reconnect_attempts": 1}, security={"profile": 2, "password": PASSWORD}
    )
    base = seed_for(config)
    seed = Seed(base.id_tags, (ChargePointSeed(config.charge_point.id, PASSWORD),))
    with BackgroundCsms(settings, seed=seed) as csms:
        url = csms.ocpp_url.replace("//127.0.0.1:", f"//{HOST}:", 1)
        with SuiteSession(config, Target(csms_url=url, ca_file=ca_file)) as suite:
            result = asyncio.run(suite.run([shipped_case("TC_086_CSMS", config.edition)]))
    [case] = result.cases
    return case


@pytest.mark.parametrize(
    ("fault", "rule"),
    [
        ("", ""),
        ("tls-static-rsa-disabled", "cipher-suite"),
        ("tls-ecdsa-certificate-missing", "cipher-suite"),
        ("tls-rsa-key-short", "key-length"),
        ("tls-server-cn-mismatch", "common-name"),
    ],
)
def test_tc_086_in_profile_2_against_the_reference_csms(
    tmp_path: Path, fault: str, rule: str
) -> None:
    """PASS against the correct CSMS, FAIL at the probe step for the check each fault is
    about (what the mutation run proves for the bundled CSMS once it runs profile 2)."""
    faults = (fault,) if fault else ()
    pki = pki_for(tmp_path, *faults)
    settings = CsmsSettings(
        db_path=tmp_path / "csms.sqlite3",
        security_profile=2,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        tls_cert_rsa=pki.rsa_cert,
        tls_key_rsa=pki.rsa_key,
        faults=faults,
        heartbeat_interval=2,
    )
    case = run_tc_086(settings, str(pki.ca))
    if not fault:
        assert case.verdict == "PASS", [str(r) for r in case.reasons]
        assert [s.status for s in case.steps] == ["passed"] * 4
        assert len([c for c in case.checks if c.step == "1"]) == 13  # 1 + 4 suites + 2 x 4
        assert any(m.action == "StatusNotification" for m in case.messages)
        return
    assert case.verdict == "FAIL", [str(r) for r in case.reasons]
    assert {r.rule for r in case.reasons} == {rule}
    assert all(r.step == "1" and "T190" in r.reference for r in case.reasons)


def test_tc_086_on_a_ws_url_is_a_set_up_error(tmp_path: Path) -> None:
    """A PICS that says profile 2 with a ws:// CSMS URL and no security.tls_url: no TLS
    endpoint, an ERROR naming the URL, not a FAIL of the CSMS."""
    case = run_tc_086(CsmsSettings(db_path=tmp_path / "csms.sqlite3", security_profile=1))
    assert case.verdict == "ERROR", [str(r) for r in case.reasons]
    [reason] = case.reasons
    assert "tls-config" in reason.rule and "is ws://" in reason.message


def test_the_cli_takes_the_rsa_chain(pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    from csms_under_test.cli import main

    tls = ["--security-profile", "2", "--tls-cert", str(pki.server_cert)]
    tls += ["--tls-key", str(pki.server_key), "--tls-cert-rsa", "/nonexistent/rsa.pem"]
    assert main([*tls, "--tls-key-rsa", str(pki.rsa_key)]) == 2
    assert "--tls-cert-rsa /nonexistent/rsa.pem: no such file" in capsys.readouterr().err
    assert main(tls) == 2
    assert "tls_cert_rsa and tls_key_rsa go together" in capsys.readouterr().err


def test_a_chain_that_is_no_certificate_is_an_ssl_error(tmp_path: Path, pki: Pki) -> None:
    """As before the two chains: the CLI reports it as a start-up error (an OSError)."""
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ssl.SSLError):
        server_tls_context([(junk, pki.server_key)], None)
