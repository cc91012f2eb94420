"""Case variables: ``$name`` is replaced by a value, ``${name}`` inside a longer string is
interpolated, ``$$`` is a literal dollar sign."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from simulator.config import ROOT_CERTIFICATE_KEYS, FileTransfer, HarnessConfig, IdTags
from simulator.errors import UnknownVariable

_WHOLE = re.compile(r"^\$([a-z_][a-z0-9_]*)$")
_INNER = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")


def config_variables(config: HarnessConfig) -> dict[str, Any]:
    """The variables every case can use, taken from the configuration."""
    cp, tags = config.charge_point, config.id_tags
    local_list = local_authorization_list(tags)
    return {
        "charge_point_id": cp.id,
        "vendor": cp.vendor,
        "model": cp.model,
        "connectors": cp.connectors,
        "connector_id": cp.connector_id,
        "unknown_connector_id": cp.connectors + 1,
        "valid_id_tag": tags.valid,
        "invalid_id_tag": tags.invalid,
        "expired_id_tag": tags.expired,
        "blocked_id_tag": tags.blocked,
        "parent_id_tag": tags.parent,
        "same_parent_id_tag": tags.same_parent,
        # TC_043_x: a full list of the idTags the CSMS holds (catalog §10), each with the
        # idTagInfo its Authorize.conf gives; and their idTags in words, for instructions.
        "local_authorization_list": local_list,
        "local_list_id_tags": ", ".join(entry["idTag"] for entry in local_list),
        "response_timeout": config.limits.response_timeout,
        "authorize_response_time": config.limits.authorize_response_time,
        "heartbeat_max": config.waits.heartbeat_max,
        "operator_wait": config.waits.operator,
        "connection_timeout": config.waits.connection_timeout,
        "reservation_expiry_offset": config.waits.reservation_expiry_offset,
        "reservation_expiry_tolerance": config.waits.reservation_expiry_tolerance,
        "stack_level": config.smart_charging.stack_level,
        "stack_level_plus_1": config.smart_charging.stack_level + 1,  # TC_067's s+1, s+2
        "stack_level_plus_2": config.smart_charging.stack_level + 2,
        "charging_rate_unit": config.smart_charging.rate_unit,
        "charging_limit": config.smart_charging.limit,
        "schedule_duration": config.smart_charging.duration,
        "start_period": config.smart_charging.start_period,
        "number_phases": config.smart_charging.number_phases,
        # TC_056's numberPhases, a match value: the configured one; when that is OCPP 1.6's
        # default 3, the field may be left out (§7.8; catalog §13.1).
        "expected_number_phases": expected_number_phases(config.smart_charging.number_phases),
        **{
            name: value for name in PICS_LOCATIONS if (value := getattr(config.file_transfer, name))
        },
        "hash_algorithm": config.security.hash_algorithm,
        # The profile a case runs in and the next (TC_083); the run sets them per case.
        "security_profile": str(config.security.profile),
        # The PICS password as AuthorizationKey carries it (hex; the end of a run restores it).
        "configured_authorization_key": config.security.password.encode().hex(),
        "raised_security_profile": str(config.security.profile + 1),
        **root_certificate_variables(config),
        **firmware_signing_variables(config),
    }


def root_certificate_variables(config: HarnessConfig) -> dict[str, str]:
    """The certificate cases' roots (catalog §11.0 c), each as PEM
    (``central_system_root_certificate``) and its serial number in hex as hash data writes it
    (``central_system_root_serial``, how an operator names the certificate to delete)."""
    from simulator.chargepoint.certificates import load_certificate, serial_hex

    found: dict[str, str] = {}
    for key in ROOT_CERTIFICATE_KEYS:
        pem = getattr(config.security, key.replace("_certificate", "_pem"))
        if pem:
            found[key] = pem
            found[key.replace("_certificate", "_serial")] = serial_hex(load_certificate(pem))
    return found


def firmware_signing_variables(config: HarnessConfig) -> dict[str, str]:
    """The signed firmware material the PICS sets (TC_080, TC_081); the invalid signature,
    when not configured, is the valid one with its last byte changed."""
    from simulator.firmware_signing import invalid_signature

    security = config.security
    values = {name: getattr(security, name) for name in PICS_SIGNING_MATERIAL}
    if not values["invalid_firmware_signature"] and security.firmware_signature:
        values["invalid_firmware_signature"] = invalid_signature(security.firmware_signature)
    return {name: value for name, value in values.items() if value}


def local_authorization_list(tags: IdTags) -> list[dict[str, Any]]:
    """The PICS idTags the CSMS must hold, as SendLocalList entries (OCPP 1.6 §5.15): the
    invalid one is unknown to the CSMS, so it is not in the list."""
    with_parent = {"status": "Accepted", "parentIdTag": tags.parent}
    return [
        {"idTag": tags.valid, "idTagInfo": with_parent},
        {"idTag": tags.same_parent, "idTagInfo": with_parent},
        {"idTag": tags.parent, "idTagInfo": {"status": "Accepted"}},
        {"idTag": tags.blocked, "idTagInfo": {"status": "Blocked"}},
        {"idTag": tags.expired, "idTagInfo": {"status": "Expired"}},
    ]


def expected_number_phases(configured: int) -> Any:
    """numberPhases as TC_056 expects it: ``configured``, or for 3 (the value OCPP 1.6 §7.8
    assumes when the field is absent) ``{$any: [3, {$absent: true}]}``."""
    return {"$any": [configured, {"$absent": True}]} if configured == 3 else configured


# Variables only a PICS that sets the key defines (there is no sensible default): a case
# using one while it is unset ends in ERROR naming the key.
# variable -> PICS key: one per field of the file_transfer section, named alike.
PICS_LOCATIONS: dict[str, str] = {
    name: f"file_transfer.{name}" for name in FileTransfer.__dataclass_fields__
}

# variable -> PICS key, for the certificate cases' roots (security section).
PICS_CERTIFICATES: dict[str, str] = {
    variable: f"security.{key}"
    for key in ROOT_CERTIFICATE_KEYS
    for variable in (key, key.replace("_certificate", "_serial"))
}
# variable -> the PICS keys that give it: the signed firmware material (catalog §11.0 c).
PICS_SIGNING_MATERIAL: dict[str, str] = {
    "firmware_signature": "security.firmware_signature",
    "firmware_signing_certificate": "security.firmware_signing_certificate",
    "invalid_firmware_signature": (
        "security.invalid_firmware_signature (or security.firmware_signature)"
    ),
}
# Every variable only the PICS defines -> the keys to set.
PICS_KEYS: dict[str, str] = {**PICS_LOCATIONS, **PICS_CERTIFICATES, **PICS_SIGNING_MATERIAL}

CONFIG_VARIABLE_NAMES: frozenset[str] = frozenset(config_variables(HarnessConfig())) | frozenset(
    PICS_KEYS
)


def substitute(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole:
            return _lookup(whole.group(1), variables)
        text = _INNER.sub(lambda m: str(_lookup(m.group(1), variables)), value)
        return text.replace("$$", "$")
    if isinstance(value, dict):
        return {key: substitute(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    if isinstance(value, tuple):
        return tuple(substitute(item, variables) for item in value)
    return value


def references(value: Any) -> Iterator[str]:
    """Every variable name used in a value."""
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole:
            yield whole.group(1)
        else:
            yield from _INNER.findall(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from references(item)


def _lookup(name: str, variables: dict[str, Any]) -> Any:
    if name not in variables:
        raise UnknownVariable(name)
    return variables[name]
