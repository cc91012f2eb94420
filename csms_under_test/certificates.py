"""Certificate management the CSMS does for an operator (Security whitepaper M03-M05).

- InstallCertificate: the operator gives ``certificateType`` and the ``certificate`` (PEM);
  the CSMS sends them as given.
- GetInstalledCertificateIds: the operator gives ``certificateType``; the CSMS stores the
  ``certificateHashData`` the charge point answers (an empty list for NotFound), per type.
- DeleteCertificate: the operator names the certificate by the ``serialNumber`` the CSMS
  listed (``certificateHashData: {serialNumber}``, the other fields may be given too); the
  CSMS completes the hash data from what the charge point last reported, so the
  ``hashAlgorithm`` and hashes are the charge point's own (as real CSMSs do: they cannot
  know which algorithm a charge point uses until it says).

Faults and legal variations that change what goes out live here too.
"""

from __future__ import annotations

import re
import textwrap
from datetime import datetime as DateTime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from csms_under_test.certificate_authority import CertificateAuthority
from csms_under_test.faults import (
    DELETE_CERTIFICATE_FIRST_LISTED,
    DELETE_CERTIFICATE_FIXED_ALGORITHM,
    DELETE_CERTIFICATE_WRONG_SERIAL,
    GET_INSTALLED_IDS_WRONG_TYPE,
    INSTALL_CERTIFICATE_ALTERED,
    INSTALL_CERTIFICATE_WRONG_TYPE,
    Faults,
)
from csms_under_test.outgoing import AnswerRecorder, IncompleteRequest
from csms_under_test.store import Store
from csms_under_test.timestamps import ocpp_timestamp
from csms_under_test.variations import HASH_DATA_OTHER_CASE, PEM_REWRAPPED, Variations

CERTIFICATE_TYPES = ("CentralSystemRootCertificate", "ManufacturerRootCertificate")
HASH_FIELDS = ("issuerNameHash", "issuerKeyHash", "serialNumber")
_PEM = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)


def complete_install_certificate(
    payload: dict[str, Any], faults: Faults, variations: Variations | None
) -> None:
    """InstallCertificate (in place): sent as the operator gave it, but for the faults."""
    if INSTALL_CERTIFICATE_WRONG_TYPE in faults:
        payload["certificateType"] = _other_type(payload.get("certificateType"))
    certificate = payload.get("certificate")
    if not isinstance(certificate, str):
        return
    if INSTALL_CERTIFICATE_ALTERED in faults:
        certificate = look_alike(certificate)
    if variations is not None and PEM_REWRAPPED in variations:
        certificate = rewrapped(certificate)
    payload["certificate"] = certificate


def complete_get_installed_ids(payload: dict[str, Any], faults: Faults) -> None:
    """GetInstalledCertificateIds (in place): the type the operator asked for."""
    if GET_INSTALLED_IDS_WRONG_TYPE in faults:
        payload["certificateType"] = _other_type(payload.get("certificateType"))


def installed_ids_sent(
    request: dict[str, Any], *, charge_point_id: str, store: Store
) -> AnswerRecorder:
    """Record what the charge point answers: the hash data it holds of the type."""
    certificate_type = str(request.get("certificateType"))

    def record(answer: dict[str, Any] | None, at: DateTime) -> None:
        if answer is None or answer.get("status") not in ("Accepted", "NotFound"):
            return
        listed = answer.get("certificateHashData") if answer["status"] == "Accepted" else []
        hash_data = [item for item in listed or [] if isinstance(item, dict)]
        store.record_installed_certificates(
            charge_point_id, certificate_type, hash_data, ocpp_timestamp(at)
        )

    return record


def complete_delete_certificate(
    payload: dict[str, Any],
    *,
    charge_point_id: str,
    store: Store,
    faults: Faults,
    variations: Variations | None,
) -> None:
    """DeleteCertificate (in place): the certificate the operator names, with the hash data
    the charge point reported for it (the fields the operator gave count as given)."""
    given = payload.get("certificateHashData")
    given = dict(given) if isinstance(given, dict) else {}
    if not all(name in given for name in ("hashAlgorithm", *HASH_FIELDS)):
        given = {**_reported(given, charge_point_id, store), **given}
    if DELETE_CERTIFICATE_FIRST_LISTED in faults:
        listed = [
            i for items in store.installed_certificates(charge_point_id).values() for i in items
        ]
        given = dict(listed[0]) if listed else given
    if DELETE_CERTIFICATE_WRONG_SERIAL in faults and isinstance(given.get("serialNumber"), str):
        given["serialNumber"] = format(int(given["serialNumber"], 16) + 1, "X")
    if DELETE_CERTIFICATE_FIXED_ALGORITHM in faults:
        given["hashAlgorithm"] = "SHA256"
    if variations is not None and HASH_DATA_OTHER_CASE in variations:
        given.update({name: str(given[name]).swapcase() for name in HASH_FIELDS})
    payload["certificateHashData"] = given


def _reported(given: dict[str, Any], charge_point_id: str, store: Store) -> dict[str, Any]:
    """The one certificate the charge point reported that has every field ``given`` names
    (hex compared case-insensitively, a serial number without leading zeros)."""
    reported = [
        item for listed in store.installed_certificates(charge_point_id).values() for item in listed
    ]
    if not reported:
        raise IncompleteRequest(
            f"the CSMS knows no installed certificate of charge point {charge_point_id}: "
            "ask for GetInstalledCertificateIds first, or give the whole certificateHashData"
        )
    found = [item for item in reported if all(_same(k, v, item.get(k)) for k, v in given.items())]
    if len(found) != 1:
        named = ", ".join(f"{k} {v}" for k, v in given.items()) or "nothing"
        how_many = "no" if not found else f"{len(found)}"
        raise IncompleteRequest(
            f"{how_many} certificate of charge point {charge_point_id} has {named} "
            f"(it reported serial numbers {', '.join(str(i.get('serialNumber')) for i in reported)})"
        )
    return dict(found[0])


def _same(name: str, given: Any, reported: Any) -> bool:
    if not isinstance(given, str) or not isinstance(reported, str):
        return bool(given == reported)
    if name == "serialNumber":
        return (given.casefold().lstrip("0") or "0") == (reported.casefold().lstrip("0") or "0")
    return given.casefold() == reported.casefold()


def _other_type(certificate_type: Any) -> Any:
    if certificate_type not in CERTIFICATE_TYPES:
        return certificate_type
    return CERTIFICATE_TYPES[1 - CERTIFICATE_TYPES.index(certificate_type)]


def rewrapped(pem: str) -> str:
    """PEM_REWRAPPED: the same certificate with base64 lines of 76 characters, CRLF line
    ends and no trailing newline."""
    match = _PEM.search(pem)
    if match is None:
        return pem
    body = "".join(match.group(1).split())
    lines = ["-----BEGIN CERTIFICATE-----", *textwrap.wrap(body, 76), "-----END CERTIFICATE-----"]
    return "\r\n".join(lines)


def look_alike(pem: str) -> str:
    """INSTALL_CERTIFICATE_ALTERED: a fresh self-signed root with the subject of the one in
    ``pem`` (or a demo subject when ``pem`` holds none): another certificate, same name."""
    try:
        name = x509.load_pem_x509_certificate(pem.encode()).subject
    except ValueError:
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Look-alike root")])
    certificate = CertificateAuthority.generate(subject=name).certificate
    return certificate.public_bytes(Encoding.PEM).decode()
