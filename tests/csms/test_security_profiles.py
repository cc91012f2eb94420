"""Security profiles 0-3 of the OCPP 1.6 Security whitepaper (§2) in the reference CSMS's
handshake, and who may replace a charge point's connection (issue 16, items 1 and 2)."""

from __future__ import annotations

import asyncio
import base64
import ssl
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from csms_under_test import ReferenceCsms
from csms_under_test.seed import ChargePointSeed, Seed
from csms_under_test.settings import CsmsSettings
from simulator.demo_pki import DemoPki as Pki

from .conftest import StartCsms
from .helpers import WAIT, http_async

PASSWORD = "0123456789abcdef"  # 16 bytes: the shortest AuthorizationKey (whitepaper §2.1)
SEED = Seed(charge_points=(ChargePointSeed("CP_1", PASSWORD), ChargePointSeed("CP_2")))


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def open_as(
    csms: ReferenceCsms,
    charge_point_id: str,
    headers: dict[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
) -> ClientConnection:
    return await asyncio.wait_for(
        connect(
            f"{csms.ocpp_url}/{charge_point_id}",
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers=headers or {},
            ssl=tls,
            open_timeout=WAIT,
            close_timeout=1,
        ),
        WAIT,
    )


async def refused(
    csms: ReferenceCsms,
    charge_point_id: str,
    headers: dict[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
) -> Any:
    with pytest.raises(InvalidStatus) as refusal:
        await open_as(csms, charge_point_id, headers, tls)
    return refusal.value.response


async def heartbeat(websocket: ClientConnection) -> Any:
    await websocket.send('[2,"hb-1","Heartbeat",{}]')
    return await asyncio.wait_for(websocket.recv(), WAIT)


def client_tls(pki: Pki, client: tuple[Path, Path] | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=pki.ca)
    if client is not None:
        context.load_cert_chain(*client)
    return context


@pytest.fixture
async def profile_1(start_csms: StartCsms) -> AsyncIterator[ReferenceCsms]:
    yield await start_csms(security_profile=1, accept_unknown=False, seed=SEED)


# -- profile 0 ---------------------------------------------------------------------------
async def test_profile_0_refuses_an_unknown_charge_point(start_csms: StartCsms) -> None:
    csms = await start_csms(accept_unknown=False, seed=SEED)
    assert (await refused(csms, "CP_9")).status_code == 404
    websocket = await open_as(csms, "CP_2")  # registered, no password needed at profile 0
    assert '"currentTime"' in await heartbeat(websocket)
    await websocket.close()


# -- profile 1 ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "why"),
    [
        (None, "no HTTP Basic credentials"),
        (basic("CP_1", "wrong-password-16"), "wrong password"),
        (basic("CP_2", PASSWORD), "the user name is not the charge point id"),
        ({"Authorization": "Basic !!!"}, "no HTTP Basic credentials"),
        ({"Authorization": f"Bearer {PASSWORD}"}, "no HTTP Basic credentials"),
    ],
)
async def test_profile_1_refuses_a_missing_or_wrong_password_with_401(
    profile_1: ReferenceCsms, headers: dict[str, str] | None, why: str
) -> None:
    response = await refused(profile_1, "CP_1", headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="OCPP"')
    events = (await http_async("GET", f"{profile_1.api_url}/connections")).body["connections"]
    assert events[-1]["decision"] == "refused" and events[-1]["reason"] == why
    assert events[-1]["status"] == 401 and events[-1]["chargePointId"] == "CP_1"


async def test_profile_1_lets_the_right_password_in(profile_1: ReferenceCsms) -> None:
    websocket = await open_as(profile_1, "CP_1", basic("CP_1", PASSWORD))
    assert '"currentTime"' in await heartbeat(websocket)
    await websocket.close()


async def test_profile_1_answers_an_unknown_id_and_a_passwordless_one_as_a_wrong_password(
    profile_1: ReferenceCsms,
) -> None:
    assert (await refused(profile_1, "CP_9", basic("CP_9", PASSWORD))).status_code == 401
    assert (await refused(profile_1, "CP_2", basic("CP_2", PASSWORD))).status_code == 401


async def test_a_hijacker_without_the_password_cannot_replace_the_charge_point(
    profile_1: ReferenceCsms,
) -> None:
    real = await open_as(profile_1, "CP_1", basic("CP_1", PASSWORD))
    for _ in range(5):
        assert (
            await refused(profile_1, "CP_1", basic("CP_1", "guess-guess-guess"))
        ).status_code == 401
    assert '"currentTime"' in await heartbeat(real)  # still the one connected
    decisions = [e.decision for e in profile_1.admission.events("CP_1")]  # type: ignore[union-attr]
    assert decisions == ["accepted", *["refused"] * 5]
    await real.close()


async def test_passwords_come_from_the_api_too(profile_1: ReferenceCsms) -> None:
    url = f"{profile_1.api_url}/chargepoints/CP_2"
    assert (await http_async("PUT", url, {"password": "fedcba9876543210"})).status == 200
    websocket = await open_as(profile_1, "CP_2", basic("CP_2", "fedcba9876543210"))
    await websocket.close()
    assert (await http_async("PUT", url, {"password": None})).status == 200
    assert (await refused(profile_1, "CP_2", basic("CP_2", "fedcba9876543210"))).status_code == 401


async def test_accept_unknown_lets_an_unregistered_charge_point_in(start_csms: StartCsms) -> None:
    csms = await start_csms(security_profile=1, accept_unknown=True, seed=SEED)
    websocket = await open_as(csms, "CP_NEW", basic("CP_NEW", "any-password-at-all"))
    await websocket.close()
    # A registered password still has to match.
    assert (await refused(csms, "CP_1", basic("CP_1", "any-password-at-all"))).status_code == 401


# -- replacing a connection --------------------------------------------------------------
async def test_replacing_a_connection_is_rate_limited(start_csms: StartCsms) -> None:
    csms = await start_csms(replace_limit=2, replace_window=60.0, seed=SEED)
    first = await open_as(csms, "CP_1")
    second = await open_as(csms, "CP_1")  # replaces the first
    third = await open_as(csms, "CP_1")  # replaces the second
    response = await refused(csms, "CP_1")  # a third replacement within the window
    assert response.status_code == 429
    assert '"currentTime"' in await heartbeat(third)  # the connection that is up stays
    decisions = [e.decision for e in csms.admission.events("CP_1")]  # type: ignore[union-attr]
    assert decisions == ["accepted", "replaced", "replaced", "refused"]
    for websocket in (first, second, third):
        await websocket.close()


# -- profiles 2 and 3: TLS ---------------------------------------------------------------
async def test_profile_2_is_tls_1_2_or_later_with_basic_auth(
    start_csms: StartCsms, pki: Pki
) -> None:
    csms = await start_csms(
        security_profile=2,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        accept_unknown=False,
        seed=SEED,
    )
    assert csms.ocpp_url.startswith("wss://127.0.0.1:")
    websocket = await open_as(csms, "CP_1", basic("CP_1", PASSWORD), client_tls(pki))
    assert '"currentTime"' in await heartbeat(websocket)
    await websocket.close()
    assert (await refused(csms, "CP_1", None, client_tls(pki))).status_code == 401
    with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        old = client_tls(pki)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.set_ciphers("DEFAULT:@SECLEVEL=0")  # the client would, the server must not
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await open_as(csms, "CP_1", basic("CP_1", PASSWORD), old)
    tls_1_2 = client_tls(pki)
    tls_1_2.maximum_version = ssl.TLSVersion.TLSv1_2
    websocket = await open_as(csms, "CP_1", basic("CP_1", PASSWORD), tls_1_2)
    ssl_object = websocket.transport.get_extra_info("ssl_object")
    assert ssl_object.version() == "TLSv1.2"
    await websocket.close()


async def test_profile_3_takes_the_charge_point_from_its_client_certificate(
    start_csms: StartCsms, pki: Pki
) -> None:
    csms = await start_csms(
        security_profile=3,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        tls_client_ca=pki.client_ca,
        accept_unknown=False,
        seed=SEED,
    )
    websocket = await open_as(csms, "CP_1", None, client_tls(pki, pki.client("CP_1")))
    assert '"currentTime"' in await heartbeat(websocket)
    await websocket.close()
    response = await refused(csms, "CP_1", None, client_tls(pki, pki.client("CP_2")))
    assert response.status_code == 403
    # No client certificate: TLS takes it (profile 2 charge points share the listener) and
    # the upgrade is refused (whitepaper §2.4).
    response = await refused(csms, "CP_1", None, client_tls(pki))
    assert response.status_code == 403
    events = csms.admission.events("CP_1")  # type: ignore[union-attr]
    assert [e.decision for e in events] == ["accepted", "refused", "refused"]
    assert "no client certificate" in events[-1].reason


async def test_each_charge_point_is_held_to_its_own_profile(
    start_csms: StartCsms, pki: Pki
) -> None:
    """ws:// and wss:// side by side (settings.tls_port): a profile 1 charge point on the
    plain listener, a profile 2 one only over TLS (TC_083_CSMS: after a raise from 1 the
    plain connection is refused), a profile 3 one only with its certificate."""
    seed = Seed(
        charge_points=(
            ChargePointSeed("CP_1", PASSWORD),
            ChargePointSeed("CP_2", PASSWORD, security_profile=2),
            ChargePointSeed("CP_3", security_profile=3),
        )
    )
    csms = await start_csms(
        security_profile=1,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        tls_client_ca=pki.client_ca,
        tls_port=0,
        accept_unknown=False,
        seed=seed,
    )
    assert csms.ocpp_url.startswith("ws://") and csms.ocpp_tls_url is not None
    websocket = await open_as(csms, "CP_1", basic("CP_1", PASSWORD))
    await websocket.close()
    assert (await refused(csms, "CP_2", basic("CP_2", PASSWORD))).status_code == 403
    tls_csms = cast(ReferenceCsms, _TlsUrl(csms))
    websocket = await open_as(tls_csms, "CP_2", basic("CP_2", PASSWORD), client_tls(pki))
    await websocket.close()
    assert (await refused(tls_csms, "CP_3", None, client_tls(pki))).status_code == 403
    websocket = await open_as(tls_csms, "CP_3", None, client_tls(pki, pki.client("CP_3")))
    await websocket.close()


class _TlsUrl:
    """The CSMS as seen on its wss:// listener."""

    def __init__(self, csms: ReferenceCsms) -> None:
        assert csms.ocpp_tls_url is not None
        self.ocpp_url = csms.ocpp_tls_url


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"security_profile": 4}, "security_profile must be 0, 1, 2 or 3"),
        ({"security_profile": 2}, "security profile 2 runs over TLS"),
        (
            {"security_profile": 1, "tls_cert": "c.pem", "tls_key": "k.pem"},
            "profile 1 runs over ws://",
        ),
        ({"tls_cert": "c.pem"}, "tls_cert and tls_key go together"),
        ({"security_profile": 3, "tls_cert": "c.pem", "tls_key": "k.pem"}, "tls_client_ca"),
        ({"tls_port": 9443}, "tls_port is the wss:// listener"),
        ({"tls_client_ca": "ca.pem"}, "tls_client_ca is for TLS connections"),
        ({"replace_limit": 0}, "replace_limit must be at least 1"),
    ],
)
def test_settings_refuse_a_profile_they_cannot_run(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CsmsSettings(db_path=Path("x.db"), **fields)


# -- the harness's charge point against a profile 2 CSMS ---------------------------------
@pytest.mark.parametrize(
    ("password", "verdict"), [(PASSWORD, "PASS"), ("not-the-password", "ERROR")]
)
def test_the_harness_connects_at_profile_2_with_its_password(
    tmp_path: Path, pki: Pki, password: str, verdict: str
) -> None:
    """simulate --password --ca-file against a wss:// CSMS: the right password passes a
    case; a wrong one is refused in the handshake, an ERROR naming the 401, not a FAIL."""
    from csms_under_test.background import BackgroundCsms
    from simulator.bundled_seed import seed_for
    from simulator.config import load_config
    from simulator.runner.suite import SuiteSession, Target
    from tests.support.shipped import shipped_case

    config = load_config(Path(__file__).parents[1] / "data" / "fast.yaml")
    config = config.with_overrides(timing={"reconnect_attempts": 1})
    base = seed_for(config)
    seed = Seed(base.id_tags, (ChargePointSeed(config.charge_point.id, PASSWORD),))
    settings = CsmsSettings(
        db_path=tmp_path / "csms.sqlite3",
        security_profile=2,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        heartbeat_interval=2,
    )
    with BackgroundCsms(settings, seed=seed) as csms:
        target = Target(csms_url=csms.ocpp_url, password=password, ca_file=str(pki.ca))
        with SuiteSession(config, target) as suite:
            result = asyncio.run(suite.run([shipped_case("TC_003_CSMS", config.edition)]))
    [case] = result.cases
    assert case.verdict == verdict, [str(r) for r in case.reasons]
    if verdict == "ERROR":
        assert "401" in case.reasons[0].message


# -- the faults TC_085 names --------------------------------
async def test_basic_auth_not_required_lets_a_passwordless_handshake_in(
    start_csms: StartCsms,
) -> None:
    csms = await start_csms(
        security_profile=1, accept_unknown=False, seed=SEED, faults=("basic-auth-not-required",)
    )
    websocket = await open_as(csms, "CP_1")
    assert '"currentTime"' in await heartbeat(websocket)
    await websocket.close()
    # A wrong password is still refused: only the missing header is let through.
    assert (await refused(csms, "CP_1", basic("CP_1", "wrong-password-16"))).status_code == 401


async def test_basic_auth_hex_password_refuses_the_plain_password(
    start_csms: StartCsms,
) -> None:
    csms = await start_csms(
        security_profile=1, accept_unknown=False, seed=SEED, faults=("basic-auth-hex-password",)
    )
    assert (await refused(csms, "CP_1", basic("CP_1", PASSWORD))).status_code == 401
