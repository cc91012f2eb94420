"""The ``context`` of an operator request: what the charge point knows from the wire.

A CSMS whose admin API cannot look up its own state (the running transaction, the
reservations it made, the list version it set, the profile ids it gave) can take it from
here (docs/operator-contract.md). It is a snapshot of the charge point model when the
operator is asked, in the wire's own names.
"""

from __future__ import annotations

from typing import Any

from simulator.chargepoint.certificates import CERTIFICATE_TYPES
from simulator.chargepoint.model import ChargePoint
from simulator.clock import ocpp_timestamp


def wire_context(cp: ChargePoint) -> dict[str, Any]:
    return {
        "connectors": [
            {"connectorId": number, "status": connector.reported_status or connector.status}
            for number, connector in sorted(cp.connectors.items())
        ],
        "transactions": [
            {
                "transactionId": transaction.transaction_id,
                "connectorId": transaction.connector_id,
                "idTag": transaction.id_tag,
            }
            for transaction in cp.transactions.values()
            if transaction.transaction_id > 0  # not one still waiting for its id offline
        ],
        "reservations": [
            {
                "reservationId": reservation.reservation_id,
                "connectorId": reservation.requested_connector,
                "idTag": reservation.id_tag,
                "expiryDate": ocpp_timestamp(reservation.expiry),
            }
            for reservation in cp.reservations.values()
        ],
        "localListVersion": max(cp.local_list.version, 0),
        "chargingProfiles": [
            {
                "chargingProfileId": profile.profile_id,
                "connectorId": profile.connector_id,
                "chargingProfilePurpose": profile.purpose,
                "stackLevel": profile.stack_level,
                "transactionId": profile.transaction_id,
            }
            for profile in cp.smart_charging.installed()
        ],
        # Security whitepaper M03: as GetInstalledCertificateIds would answer now.
        "installedCertificates": [
            {"certificateType": kind, "certificateHashData": data}
            for kind in CERTIFICATE_TYPES
            for data in cp.certificates.hash_data_of(kind)
        ],
    }
