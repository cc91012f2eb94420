"""What the charge point does in a certificate renewal (Security whitepaper A02, F06;
TC_074_CSMS, TC_077_CSMS) once it answered the CSMS.

- ExtendedTriggerMessage Accepted: the requested message; for SignChargePointCertificate
  SignCertificate.req with the CSR made when it accepted (model.renewal).
- CertificateSigned Accepted: the chain and the new key become its TLS client identity
  (model.client_certificate, what profile 3 presents) and, as hardware does, it drops the
  connection and reconnects with them; the CSMS must take the new certificate.
- CertificateSigned Rejected: SecurityEventNotification InvalidChargePointCertificate
  (whitepaper §8, TC_077).
"""

from __future__ import annotations

from typing import Any

from simulator.chargepoint.behaviour import triggered
from simulator.chargepoint.model import ChargePoint
from simulator.chargepoint.plan import Activity, Connect, Disconnect, Send
from simulator.chargepoint.renewal import (
    SIGN_CHARGE_POINT_CERTIFICATE,
    ClientIdentity,
    new_request,
)
from simulator.chargepoint.security_events import INVALID_CHARGE_POINT_CERTIFICATE, security_event


def extended_triggered(cp: ChargePoint, request: dict[str, Any]) -> Activity:
    """ExtendedTriggerMessage accepted (whitepaper F06): send the requested message."""
    message = str(request.get("requestedMessage"))
    if message == SIGN_CHARGE_POINT_CERTIFICATE:
        yield from sign_certificate(cp)
    elif message == "LogStatusNotification":
        yield Send("LogStatusNotification", {"status": "Idle"})
    elif message == "FirmwareStatusNotification":
        # Whitepaper F06: the secure firmware status (SignedFirmwareStatusNotification).
        yield Send("SignedFirmwareStatusNotification", {"status": "Idle"})
    else:
        yield from triggered(cp, message, request.get("connectorId"))


def sign_certificate(cp: ChargePoint) -> Activity:
    """SignCertificate.req with the pending CSR (A02.FR.02); a CSR the CSMS does not accept
    is dropped with its key."""
    if cp.renewal is None:  # the answer was scripted: the key pair is made now
        cp.renewal = new_request(
            cp.config.serial_number or cp.config.id, cp.configuration["CpoName"].value
        )
    answer = yield Send("SignCertificate", {"csr": cp.renewal.csr_pem})
    if answer is None or answer.get("status") != "Accepted":
        cp.renewal = None


def certificate_installed(cp: ChargePoint, request: dict[str, Any]) -> Activity:
    """CertificateSigned accepted: install the chain with the pending key and reconnect
    with it (A02.FR.08; TC_074 step 7). A chain that cannot be installed (the Accepted was
    scripted) is not: the charge point keeps its certificate and its connection."""
    pending, problem = cp.renewal, cp.certificate_problem(request)
    if pending is None or problem is not None:
        cp.log(f"the signed certificate was not installed: {problem}")
        return
    identity = ClientIdentity.install(str(request["certificateChain"]), pending)
    cp.client_certificate = (identity.chain_pem.encode("ascii"), identity.key_pem.encode("ascii"))
    cp.renewal = None
    cp.log("installed the new client certificate")
    yield Disconnect("a new client certificate was installed")
    yield Connect("with the new client certificate", csms_decides=True)


def certificate_rejected(cp: ChargePoint, request: dict[str, Any]) -> Activity:
    """CertificateSigned rejected: report InvalidChargePointCertificate (A02.FR.09, TC_077);
    the pending key is dropped."""
    problem = cp.certificate_problem(request)
    cp.renewal = None
    yield security_event(INVALID_CHARGE_POINT_CERTIFICATE, cp.timestamp(), problem)
