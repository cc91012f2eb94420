"""The six functional blocks of OCA's OCPP 1.6 certification (catalog §1), and the
Security whitepaper block certified on top of them (catalog §11)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    name: str  # the id used in case files and on the command line
    title: str  # as a certification report names it
    feature_profile: str  # OCPP 1.6 SupportedFeatureProfiles value (Security: the PICS's)
    description: str


BLOCKS: tuple[Block, ...] = (
    Block(
        "core",
        "Core",
        "Core",
        "Basic charge point functionality: boot, authorization, transactions, remote control, configuration",
    ),
    Block(
        "firmware-management",
        "Firmware Management",
        "FirmwareManagement",
        "Firmware update and diagnostics upload",
    ),
    Block(
        "smart-charging",
        "Smart Charging",
        "SmartCharging",
        "Charging profiles and composite schedules",
    ),
    Block("reservation", "Reservation", "Reservation", "Reserving a connector or the charge point"),
    Block(
        "local-auth-list",
        "Local Authorization List Management",
        "LocalAuthListManagement",
        "Managing the charge point's local authorization list",
    ),
    Block(
        "remote-trigger",
        "Remote Trigger",
        "RemoteTrigger",
        "The CSMS asking the charge point to send a message",
    ),
    Block(
        "security",
        "Security",
        "Security",
        "The OCPP 1.6 Security whitepaper: security profiles, certificates, security "
        "events and logs, signed firmware",
    ),
)


def block_by_name(name: str) -> Block | None:
    return next((b for b in BLOCKS if b.name == name), None)
