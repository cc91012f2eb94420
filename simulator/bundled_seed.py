"""The harness's PICS as the bundled reference CSMS's seed and settings: the one place the
harness says, in the CSMS's own terms, what it needs the CSMS to hold and how to run.

The CSMS knows nothing of the PICS (it imports only ``ocppj`` of this project): the PICS
idTags become the idTags it holds, the PICS charge point one it knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from csms_under_test.seed import ChargePointSeed, Seed
from csms_under_test.settings import CsmsSettings
from csms_under_test.store import IdTagRecord
from simulator.config import HarnessConfig

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
        charge_points=(ChargePointSeed(config.charge_point.id, _password(config)),),
    )


def _password(config: HarnessConfig) -> str | None:
    """The charge point's HTTP Basic password, when its security profile uses one."""
    security = config.security
    return security.password if security.uses_basic_auth else None


def settings_for(
    config: HarnessConfig,
    db_path: Path,
    faults: Sequence[str] = (),
    variations: Sequence[str] = (),
) -> CsmsSettings:
    """The bundled CSMS's settings for a run: loopback, free ports, the PICS's
    ``bundled_csms`` values; everything else the CSMS's own defaults."""
    return CsmsSettings(
        db_path=db_path,
        faults=tuple(faults),
        variations=tuple(variations),
        heartbeat_interval=config.bundled_csms.heartbeat_interval,
        security_profile=_bundled_profile(config),
    )


def _bundled_profile(config: HarnessConfig) -> int:
    profile = config.security.profile
    if profile >= 2:
        raise ValueError(
            f"security.profile {profile}: the bundled CSMS runs profiles 0 and 1; for "
            "profiles 2 and 3 start csms-under-test with --tls-cert and --tls-key "
            "(docs/operator-api.md) and give its URL with --csms"
        )
    return profile
