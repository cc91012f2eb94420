"""Charge point configuration keys (OCPP 1.6 §9.1 Core Profile keys, §9.4 Local Auth List)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulator.chargepoint.authorization_key import is_valid_authorization_key

DEFAULT_CPO_NAME = "Pretest Demo CPO"


@dataclass
class ConfigKey:
    value: str
    readonly: bool = False
    validate: Callable[[str], bool] | None = None
    writeonly: bool = False  # never reported by GetConfiguration (AuthorizationKey, §11.0 h)


def _non_negative_int(value: str) -> bool:
    return value.isdigit()


def _boolean(value: str) -> bool:
    return value.lower() in ("true", "false")


def _security_profile(value: str) -> bool:
    return value in ("0", "1", "2", "3")


def _csl(value: str) -> bool:
    return all(part.strip() for part in value.split(",")) if value else True


def core_keys(connectors: int, feature_profiles: str) -> dict[str, ConfigKey]:
    """The Core profile keys TC_019_1_CSMS lists, with their accessibility."""

    def rw_int(value: str) -> ConfigKey:
        return ConfigKey(value, validate=_non_negative_int)

    def rw_bool(value: str) -> ConfigKey:
        return ConfigKey(value, validate=_boolean)

    return {
        "AllowOfflineTxForUnknownId": rw_bool("false"),
        "AuthorizeRemoteTxRequests": rw_bool("true"),
        "ClockAlignedDataInterval": rw_int("0"),
        "ConnectionTimeOut": rw_int("30"),
        "ConnectorPhaseRotation": ConfigKey("Unknown", validate=_csl),
        "GetConfigurationMaxKeys": ConfigKey("50", readonly=True),
        "HeartbeatInterval": rw_int("300"),
        "LocalAuthorizeOffline": rw_bool("true"),
        "LocalPreAuthorize": rw_bool("false"),
        "MeterValuesAlignedData": ConfigKey("Energy.Active.Import.Register", validate=_csl),
        "MeterValuesSampledData": ConfigKey("Energy.Active.Import.Register", validate=_csl),
        "MeterValueSampleInterval": rw_int("0"),
        "NumberOfConnectors": ConfigKey(str(connectors), readonly=True),
        "ResetRetries": rw_int("3"),
        "StopTransactionOnEVSideDisconnect": rw_bool("true"),
        "StopTransactionOnInvalidId": rw_bool("true"),
        "StopTxnAlignedData": ConfigKey("", validate=_csl),
        "StopTxnSampledData": ConfigKey("", validate=_csl),
        "SupportedFeatureProfiles": ConfigKey(feature_profiles, readonly=True),
        "TransactionMessageAttempts": rw_int("3"),
        "TransactionMessageRetryInterval": rw_int("60"),
        "UnlockConnectorOnEVSideDisconnect": rw_bool("true"),
        # Local Auth List Management profile (§9.4)
        "LocalAuthListEnabled": rw_bool("true"),
        "LocalAuthListMaxLength": ConfigKey("100", readonly=True),
        # Smart Charging profile (§9.4)
        "ChargeProfileMaxStackLevel": ConfigKey("10", readonly=True),
        "ChargingScheduleAllowedChargingRateUnit": ConfigKey("Current,Power", readonly=True),
        "ChargingScheduleMaxPeriods": ConfigKey("24", readonly=True),
        "MaxChargingProfilesInstalled": ConfigKey("20", readonly=True),
        # Reservation profile (§9.5)
        "ReserveConnectorZeroSupported": ConfigKey("true", readonly=True),
        "SendLocalListMaxLength": ConfigKey("100", readonly=True),
        # Security white paper §7 (TC_073_CSMS): write-only Basic-auth password, hex form
        "AuthorizationKey": ConfigKey("", validate=is_valid_authorization_key, writeonly=True),
        # Security white paper §2, §7: the profile the charge point connects in (0: none)
        "SecurityProfile": ConfigKey("0", validate=_security_profile),
        # Security white paper §7 (TC_074, TC_077): the CSR's O RDN; the longest chain taken
        "CpoName": ConfigKey(DEFAULT_CPO_NAME),
        "CertificateSignedMaxChainSize": ConfigKey("10000", readonly=True),
    }
