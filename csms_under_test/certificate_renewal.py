"""Renewing a charge point's client certificate (Security whitepaper A02; TC_074_CSMS,
TC_077_CSMS).

The operator asks for it with ExtendedTriggerMessage SignChargePointCertificate; the charge
point sends SignCertificate.req with a CSR. The CSMS checks the CSR
(:func:`~csms_under_test.certificate_authority.csr_problem`: it parses, its signature
verifies, the key is large enough, CN = the charge point's serial number or id), answers
Accepted or Rejected and, once Accepted has gone out, sends CertificateSigned.req with the
chain its CA signed (A02.FR.06). The CA is the configured one (``--csr-ca-cert/--csr-ca-key``)
or one generated at start; the TLS listener trusts it for client certificates, so the
charge point can reconnect with the new certificate at profile 3.

Faults here: ``sign-certificate-rejected``, ``certificate-signed-never-sent``,
``certificate-signed-other-key``; variation ``certificate-chain-leaf-only``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from csms_under_test.certificate_authority import CertificateAuthority, csr_problem
from csms_under_test.delivery import deliver
from csms_under_test.faults import (
    CERTIFICATE_SIGNED_NEVER_SENT,
    CERTIFICATE_SIGNED_OTHER_KEY,
    SIGN_CERTIFICATE_REJECTED,
)
from csms_under_test.store import Store
from csms_under_test.variations import CERTIFICATE_CHAIN_LEAF_ONLY, Variations

if TYPE_CHECKING:  # handlers.base is imported by the handlers package, which imports this
    from csms_under_test.connections import ChargePointConnection
    from csms_under_test.handlers.base import CallContext, ErrorReply

logger = logging.getLogger(__name__)

CERTIFICATE_SIGNED = "CertificateSigned"


class CertificateRenewal:
    """The SignCertificate handler, and the CertificateSigned.req that follows its answer."""

    def __init__(
        self,
        ca: CertificateAuthority,
        *,
        call_timeout: float = 30.0,
        variations: Variations | None = None,
    ) -> None:
        self.ca = ca
        self.call_timeout = call_timeout
        self._variations = variations or Variations()

    def sign_certificate(
        self, ctx: CallContext, payload: dict[str, Any]
    ) -> dict[str, Any] | ErrorReply:
        """Whitepaper A02.FR.03-06: Accepted for a CSR the CA signs, then CertificateSigned."""
        csr = str(payload["csr"])
        record = ctx.store.charge_point(ctx.charge_point_id)
        names = {ctx.charge_point_id}
        if record is not None and record.serial_number:
            names.add(record.serial_number)  # A00.FR.404: CN = the serial number
        problem = csr_problem(csr, names)
        if SIGN_CERTIFICATE_REJECTED in ctx.faults:
            problem = problem or "(fault sign-certificate-rejected)"
        if problem is not None:
            logger.info("%s: SignCertificate rejected: %s", ctx.charge_point_id, problem)
            return {"status": "Rejected"}
        if CERTIFICATE_SIGNED_NEVER_SENT not in ctx.faults:
            if CERTIFICATE_SIGNED_OTHER_KEY in ctx.faults:
                csr = _same_subject_other_key(csr)
            chain = self.ca.issue(
                csr, include_root=CERTIFICATE_CHAIN_LEAF_ONLY not in self._variations
            ).chain_pem
            ctx.follow_ups.append(
                lambda connection: self._send_signed(connection, chain, ctx.store)
            )
        return {"status": "Accepted"}

    async def _send_signed(
        self, connection: ChargePointConnection, chain: str, store: Store
    ) -> None:
        reply = await deliver(
            connection,
            CERTIFICATE_SIGNED,
            {"certificateChain": chain},
            store=store,
            wait=self.call_timeout,
        )
        answer = reply.body.get("response") or reply.body.get("error") or reply.body
        logger.info("%s: CertificateSigned answered %s", connection.charge_point_id, answer)


def _same_subject_other_key(csr_pem: str) -> str:
    """CERTIFICATE_SIGNED_OTHER_KEY: a CSR of the same subject for a key the CSMS made."""
    subject = x509.load_pem_x509_csr(csr_pem.encode("ascii")).subject
    other = ec.generate_private_key(ec.SECP256R1())
    built = (
        x509.CertificateSigningRequestBuilder().subject_name(subject).sign(other, hashes.SHA256())
    )
    return built.public_bytes(serialization.Encoding.PEM).decode("ascii")
