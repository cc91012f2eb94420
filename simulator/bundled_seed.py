"""The harness's PICS as the bundled reference CSMS's seed and settings: the one place the
harness says, in the CSMS's own terms, what it needs the CSMS to hold and how to run.

The CSMS knows nothing of the PICS (it imports only ``ocppj`` of this project): the PICS
idTags become the idTags it holds, the PICS charge point one it knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csms_under_test.seed import ChargePointSeed, Seed
from csms_under_test.settings import CsmsSettings
from csms_under_test.store import IdTagRecord
from simulator.config import HarnessConfig
from simulator.demo_pki import DemoPki

# The expiryDate the PICS "expired" idTag is seeded with: any date in the past makes it
# Expired (OCPP 1.6 §7.2 AuthorizationStatus), whatever its stored status.
EXPIRED_TAG_EXPIRY = "2020-01-01T00:00:00.000Z"


def seed_for(config: HarnessConfig) -> Seed:
    """The idTags of the PICS (``valid`` and ``same_parent`` share the ``parent``) and its
    charge point. The ``invalid`` idTag is deliberately left out: the CSMS must not know it."""
    tags = config.id_tags
    return Seed(
        id_tags=(
            IdTagRecord(tags.valid, "Accepted", parent_id_tag=tags.parent),
            IdTagRecord(tags.same_parent, "Accepted", parent_id_tag=tags.parent),
            IdTagRecord(tags.parent, "Accepted"),
            IdTagRecord(tags.blocked, "Blocked"),
            IdTagRecord(tags.expired, "Accepted", expiry_date=EXPIRED_TAG_EXPIRY),
        ),
        charge_points=(
            ChargePointSeed(
                config.charge_point.id,
                config.security.password or None,
                # Its own profile, so the run can move it (SetSecurityProfile); 0 is the default.
                security_profile=config.security.profile or None,
            ),
        ),
    )


def settings_for(
    config: HarnessConfig,
    db_path: Path,
    faults: Sequence[str] = (),
    variations: Sequence[str] = (),
    pki: DemoPki | None = None,
) -> CsmsSettings:
    """The bundled CSMS's settings for a run: loopback, free ports, the PICS's
    ``bundled_csms`` values and security profile; everything else the CSMS's own defaults."""
    return CsmsSettings(
        db_path=db_path,
        faults=tuple(faults),
        variations=tuple(variations),
        heartbeat_interval=config.bundled_csms.heartbeat_interval,
        security_profile=config.security.profile,
        **_tls_settings(pki),
    )


def _tls_settings(pki: DemoPki | None) -> dict[str, Any]:
    """With TLS material: a wss:// listener on a free port beside the ws:// one, trusting
    the charge point CA for client certificates (profile 3)."""
    if pki is None:
        return {}
    return {
        "tls_cert": pki.server_cert,
        "tls_key": pki.server_key,
        "tls_client_ca": pki.client_ca,
        "tls_port": 0,
    }
