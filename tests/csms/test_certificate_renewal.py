"""The reference CSMS's side of a certificate renewal (Security whitepaper A02, F06;
TC_074_CSMS, TC_077_CSMS): ExtendedTriggerMessage sent as asked, SignCertificate checked and
answered, CertificateSigned with the CA's chain after the answer, the configured or
generated CA (trusted for client certificates at profile 3), the faults and variations."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidHandshake
from websockets.typing import Subprotocol

from csms_under_test import ReferenceCsms
from csms_under_test.faults import (
    CERTIFICATE_SIGNED_NEVER_SENT,
    CERTIFICATE_SIGNED_OTHER_KEY,
    EXTENDED_TRIGGER_WITH_CONNECTOR_ID,
    SIGN_CERTIFICATE_REJECTED,
    SIGNED_CERTIFICATE_NOT_TRUSTED,
)
from csms_under_test.seed import ChargePointSeed, Seed
from csms_under_test.settings import CsmsSettings
from csms_under_test.variations import CERTIFICATE_CHAIN_LEAF_ONLY, CSR_CA_RSA
from simulator.chargepoint.renewal import (
    ClientIdentity,
    PendingRequest,
    chain_problem,
    new_request,
)
from simulator.demo_pki import DemoPki

from .helpers import WAIT, ConnectChargePoint, FakeChargePoint, StartCsms, operator_request, started

TRIGGER = {"requestedMessage": "SignChargePointCertificate"}
QUIET = 0.5  # s: nothing more comes from the CSMS within this


async def renew(cp: FakeChargePoint, pending: PendingRequest) -> tuple[str, list[x509.Certificate]]:
    """SignCertificate with ``pending``'s CSR: its status, and the chain of the
    CertificateSigned that follows it (empty when none came), answered Accepted."""
    answer = await cp.request("SignCertificate", {"csr": pending.csr_pem})
    try:
        call = await cp.expect_call(QUIET if answer["status"] != "Accepted" else WAIT)
    except TimeoutError:
        return str(answer["status"]), []
    assert call.call.action == "CertificateSigned" and call.violations == []
    chain = str(call.call.payload["certificateChain"])
    await cp.reply(call, {"status": "Accepted"})
    return str(answer["status"]), x509.load_pem_x509_certificates(chain.encode())


async def test_extended_trigger_goes_out_as_asked(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    sent, reply = await operator_request(
        csms, cp, "ExtendedTriggerMessage", TRIGGER, {"status": "Accepted"}
    )
    assert sent == TRIGGER and reply.body["response"] == {"status": "Accepted"}
    given = {"requestedMessage": "MeterValues", "connectorId": 1}
    sent, _ = await operator_request(
        csms, cp, "ExtendedTriggerMessage", given, {"status": "Accepted"}
    )
    assert sent == given


async def test_extended_trigger_with_connector_id_fault(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await started(start_csms, connect, (EXTENDED_TRIGGER_WITH_CONNECTOR_ID,))
    sent, _ = await operator_request(
        csms, cp, "ExtendedTriggerMessage", TRIGGER, {"status": "Accepted"}
    )
    assert sent == {**TRIGGER, "connectorId": 0}


async def test_an_accepted_csr_is_signed_after_the_answer(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    pending = new_request("CP_1", "Demo CPO")
    status, chain = await renew(cp, pending)
    assert status == "Accepted" and len(chain) == 2
    leaf, issuer = chain
    assert leaf.public_key() == pending.key.public_key()
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP_1"
    assert issuer == x509.load_pem_x509_certificate(csms.csr_ca_pem)
    leaf.verify_directly_issued_by(issuer)
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)
    assert chain_problem(pem, pending, 10000) is None  # what the charge point checks


async def test_the_serial_number_is_a_valid_cn_too(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    await cp.request(
        "BootNotification",
        {"chargePointVendor": "V", "chargePointModel": "M", "chargePointSerialNumber": "SN-7"},
    )
    status, chain = await renew(cp, new_request("SN-7", "Demo CPO"))
    assert status == "Accepted" and chain


@pytest.mark.parametrize(
    "csr",
    [
        new_request("CP_2", "Demo CPO").csr_pem,  # another charge point's name
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    ],
)
async def test_a_bad_csr_is_rejected_and_nothing_follows(cp: FakeChargePoint, csr: str) -> None:
    assert await cp.request("SignCertificate", {"csr": csr}) == {"status": "Rejected"}
    with pytest.raises(TimeoutError):
        await cp.expect_call(QUIET)


async def test_the_faults(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    pending = new_request("CP_1", "Demo CPO")
    _, cp = await started(start_csms, connect, (SIGN_CERTIFICATE_REJECTED,))
    assert await renew(cp, pending) == ("Rejected", [])
    await cp.close()
    _, cp = await started(start_csms, connect, (CERTIFICATE_SIGNED_NEVER_SENT,))
    assert await renew(cp, pending) == ("Accepted", [])
    await cp.close()
    _, cp = await started(start_csms, connect, (CERTIFICATE_SIGNED_OTHER_KEY,))
    status, chain = await renew(cp, pending)
    assert status == "Accepted" and chain[0].public_key() != pending.key.public_key()
    csr = x509.load_pem_x509_csr(pending.csr_pem.encode())
    assert chain[0].subject == csr.subject


async def test_the_variations(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    csms, cp = await started(start_csms, connect, (), (CSR_CA_RSA, CERTIFICATE_CHAIN_LEAF_ONLY))
    assert isinstance(csms.csr_ca.key, rsa.RSAPrivateKey)
    pending = new_request("CP_1", "Demo CPO")
    status, chain = await renew(cp, pending)
    assert status == "Accepted" and len(chain) == 1
    assert chain[0].public_key() == pending.key.public_key()


async def connects_with_a_renewed_certificate(
    csms: ReferenceCsms, pki: DemoPki, folder: Path
) -> None:
    """CP_1 connects over TLS with a certificate the CSMS's CSR CA issued for its new key."""
    pending = new_request("CP_1", "Demo CPO")
    identity = ClientIdentity.install(csms.csr_ca.issue(pending.csr_pem).chain_pem, pending)
    (folder / "chain.pem").write_text(identity.chain_pem)
    (folder / "key.pem").write_text(identity.key_pem)
    context = ssl.create_default_context(cafile=pki.ca)
    context.load_cert_chain(folder / "chain.pem", folder / "key.pem")
    websocket = await asyncio.wait_for(
        ws_connect(
            f"{csms.ocpp_url}/CP_1",
            subprotocols=[Subprotocol("ocpp1.6")],
            ssl=context,
            open_timeout=WAIT,
            close_timeout=1,
        ),
        WAIT,
    )
    await websocket.send('[2,"hb-1","Heartbeat",{}]')
    assert '"currentTime"' in await asyncio.wait_for(websocket.recv(), WAIT)
    await websocket.close()


async def test_with_the_fault_profile_3_refuses_what_the_csr_ca_signed(
    start_csms: StartCsms, pki: DemoPki, tmp_path: Path
) -> None:
    csms = await start_csms(
        security_profile=3,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        tls_client_ca=pki.client_ca,
        accept_unknown=False,
        seed=Seed(charge_points=(ChargePointSeed("CP_1"),)),
        faults=[SIGNED_CERTIFICATE_NOT_TRUSTED],
    )
    with pytest.raises((ssl.SSLError, InvalidHandshake, ConnectionError)):
        await connects_with_a_renewed_certificate(csms, pki, tmp_path)


@pytest.mark.parametrize("configured", [True, False])
async def test_profile_3_trusts_what_the_csr_ca_signed(
    start_csms: StartCsms, pki: DemoPki, tmp_path: Path, configured: bool
) -> None:
    """The launcher's CA (--csr-ca-cert/--csr-ca-key) or the one generated at start signs;
    what it issued is a client certificate the TLS listener takes (TC_074's reconnection)."""
    options = {"csr_ca_cert": pki.client_ca, "csr_ca_key": pki.client_ca_key} if configured else {}
    csms = await start_csms(
        security_profile=3,
        tls_cert=pki.server_cert,
        tls_key=pki.server_key,
        tls_client_ca=pki.client_ca,
        accept_unknown=False,
        seed=Seed(charge_points=(ChargePointSeed("CP_1"),)),
        **options,
    )
    ca = x509.load_pem_x509_certificate(csms.csr_ca_pem)
    assert (ca == x509.load_pem_x509_certificate(pki.client_ca.read_bytes())) == configured
    await connects_with_a_renewed_certificate(csms, pki, tmp_path)


def test_the_ca_certificate_and_key_go_together(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csr_ca_cert and csr_ca_key"):
        CsmsSettings(db_path=tmp_path / "db", csr_ca_cert=tmp_path / "ca.pem")
