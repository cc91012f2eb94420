"""``connect: accepted | refused``: the charge point drops its connection and makes one
deliberate connection attempt (Security cases, catalog §11.0 a): what it offers and which
credentials it sends, and whether the CSMS must accept or refuse it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from simulator.cases.steps.base import StepBase
from simulator.channel import SUBPROTOCOL, Attempt

OUTCOMES = ("accepted", "refused")


@dataclass(frozen=True)
class ConnectStep(StepBase):
    keyword: ClassVar[str] = "connect"
    properties: ClassVar[dict[str, Any]] = {
        "connect": {
            "enum": list(OUTCOMES),
            "description": "accepted: the CSMS must upgrade the connection (on ocpp1.6) and "
            "it becomes the charge point's; refused: the CSMS must not upgrade it",
        },
        "offer": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},
            "description": "the subprotocols offered in Sec-WebSocket-Protocol, in order "
            f"(default [{SUBPROTOCOL}])",
        },
        "basic_auth": {
            "type": "boolean",
            "description": "false: no Authorization header, whatever the security profile",
        },
        "password": {
            "type": "string",
            "minLength": 1,
            "description": "the HTTP Basic password instead of the configured one; may be a $variable",
        },
        "profile": {
            "oneOf": [{"enum": [0, 1, 2, 3]}, {"type": "string", "pattern": "^\\$[a-z_]+$"}],
            "description": "the security profile to connect in instead of the charge point's "
            "(TC_083: the old one, $security_profile); a number or a $variable",
        },
    }
    hint: ClassVar[str] = (
        "connect: accepted | refused, with offer: [...], basic_auth: false, password: ..., "
        "profile: N"
    )
    substituted: ClassVar[tuple[str, ...]] = ("password", "profile")

    expect: str = "accepted"
    offer: tuple[str, ...] = (SUBPROTOCOL,)
    basic_auth: bool = True
    password: str | None = None
    profile: int | str | None = None  # a $variable until the step is resolved

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(
            **common,
            expect=raw["connect"],
            offer=tuple(raw.get("offer", (SUBPROTOCOL,))),
            basic_auth=raw.get("basic_auth", True),
            password=raw.get("password"),
            profile=raw.get("profile"),
        )

    @property
    def attempt(self) -> Attempt:
        profile = None if self.profile is None else int(self.profile)
        return Attempt(self.offer, self.basic_auth, self.password, profile=profile)

    def describe(self) -> str:
        return f"connect ({self.expect})"
