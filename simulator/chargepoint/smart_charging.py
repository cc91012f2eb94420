"""The charge point's side of OCPP 1.6 Smart Charging (§3.13), free of I/O.

``ProfileStore`` keeps the charging profiles SetChargingProfile installs (§5.16), removes
them on ClearChargingProfile (§5.5) and at the end of their transaction (§3.13.1), and
computes the composite schedule GetCompositeSchedule asks for (§3.13.3, §5.7). Payloads are
the camelCase dicts of the wire (OCA schemas ``SetChargingProfile.json`` etc.).

Where OCPP 1.6 is silent this module chooses; every choice is stated in the docstring of the
function it concerns and summarised here:

* A profile is valid from ``validFrom`` (inclusive) to ``validTo`` (exclusive) (§7
  ChargingProfile).
* A schedule without a fixed start — kind Relative, or no ``startSchedule`` — starts at the
  transaction's start or, without a transaction, at the moment the composite is asked for
  (§7 ChargingSchedule: "If absent the schedule will be relative to start of charging").
  A Relative profile's ``startSchedule`` is ignored.
* Recurring schedules repeat every 24 h / 7 d in both directions from ``startSchedule``
  (it fixes the phase, validFrom/validTo the validity); a ``duration`` longer than the
  recurrence is cut at the next repetition.
* TxDefaultProfiles installed on a connector override those on connector 0 (§3.13.1: the
  latter are the default *for all connectors*); connector 0's composite is the
  ChargePointMaxProfile alone (§5.7: the charge point's grid connection).
* Where no profile applies at a moment inside the window, the composite uses the charge
  point's rating ``ChargingLimits.rated_current`` (OCPP 1.6 fixes no value there).
* Limits converted between A and W use ``VOLTAGE`` and are rounded down to 0.1 (the
  schema's ``multipleOf``), so a converted limit never exceeds the original.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.clock import ocpp_timestamp

# Assumption: phase-to-neutral voltage used to convert A <-> W (W = A x VOLTAGE x phases).
# OCPP 1.6 does not fix it; 230 V is the European nominal value.
VOLTAGE = 230.0
# §7 ChargingSchedulePeriod.numberPhases: "If not defined, 3 will be assumed."
DEFAULT_PHASES = 3

PURPOSES = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")
KINDS = ("Absolute", "Recurring", "Relative")
# §7 RecurrencyKindType: the schedule restarts every day / every week.
RECURRENCE = {"Daily": timedelta(days=1), "Weekly": timedelta(days=7)}

_US = timedelta(microseconds=1)
_SECOND_US = 1_000_000
_FOREVER = 10**18  # microseconds: later than any window


@dataclass(frozen=True)
class ChargingLimits:
    """The charge point's Smart Charging configuration keys (§9.4) and its rating."""

    max_stack_level: int = 10  # ChargeProfileMaxStackLevel
    allowed_units: tuple[str, ...] = ("A", "W")  # ChargingScheduleAllowedChargingRateUnit
    max_periods: int = 24  # ChargingScheduleMaxPeriods
    max_profiles: int = 20  # MaxChargingProfilesInstalled
    # Not an OCPP key: the current (A, per phase, 3 phases) the composite shows where no
    # profile applies. OCPP 1.6 leaves that value to the implementation.
    rated_current: float = 32.0


@dataclass(frozen=True)
class _Period:
    start: int  # s from the start of the schedule
    limit: float
    phases: int


@dataclass(frozen=True)
class _Profile:
    """A validated profile as installed on one connector."""

    connector_id: int
    profile_id: int
    stack_level: int
    purpose: str
    kind: str
    recurrency: str | None
    valid_from: datetime | None
    valid_to: datetime | None
    transaction_id: int | None  # TxProfile: the transaction it belongs to
    start_schedule: datetime | None  # None: starts with the transaction (or now)
    duration: int | None
    unit: str
    periods: tuple[_Period, ...]
    min_rate: float | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class _Segment:
    """Where one period of one profile applies in a window: seconds [start, end) from now."""

    start: int
    end: int
    period: _Period
    profile: _Profile


class _Invalid(Exception):
    """A SetChargingProfile.req the charge point rejects."""


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(f"not an integer: {value!r}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"not a number: {value!r}")
    return float(value)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Invalid(f"not a date-time: {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as error:
        raise _Invalid(str(error)) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tenth_down(value: float) -> float:
    """Round down to the schema's multipleOf 0.1 (round(…, 6) first drops float noise)."""
    return math.floor(round(value * 10, 6)) / 10


def convert(limit: float, unit: str, to_unit: str, phases: int) -> float:
    """A limit in ``unit`` expressed in ``to_unit``: W = A x VOLTAGE x phases (assumption,
    see VOLTAGE), rounded down to 0.1."""
    if unit == to_unit:
        return _tenth_down(limit)
    if unit == "A":
        return _tenth_down(limit * VOLTAGE * phases)
    return _tenth_down(limit / (VOLTAGE * phases))


def _ceil_seconds(microseconds: int) -> int:
    return -(-microseconds // _SECOND_US)


@dataclass(frozen=True)
class InstalledProfile:
    profile_id: int
    connector_id: int
    purpose: str
    stack_level: int
    transaction_id: int | None


class ProfileStore:
    """The charging profiles installed on a charge point with ``connectors`` connectors."""

    def __init__(self, connectors: int, limits: ChargingLimits = ChargingLimits()) -> None:
        self.connectors = connectors
        self.limits = limits
        self._profiles: list[_Profile] = []

    # SetChargingProfile (§5.16) --------------------------------------------------------

    def set(
        self,
        connector_id: int,
        profile: dict[str, Any],
        active_transaction: tuple[int, int] | None,
    ) -> str:
        """Install ``profile`` (the request's csChargingProfiles) on ``connector_id``.

        ``active_transaction`` is (connectorId, transactionId) of the transaction running on
        that connector, or None. Returns "Accepted" or "Rejected"; "NotSupported" is left to
        the caller (a charge point without the SmartCharging feature profile).

        Rejected (nothing changes): an unknown connector; ChargePointMaxProfile on a
        connector other than 0; TxProfile without a transaction on that connector, or with a
        transactionId other than the running one (§5.16); stackLevel outside
        0..ChargeProfileMaxStackLevel; a unit not in ChargingScheduleAllowedChargingRateUnit;
        no period or more than ChargingScheduleMaxPeriods (§9.4); a first startPeriod other
        than 0 or startPeriods not strictly increasing; recurrencyKind without kind
        Recurring or Recurring without recurrencyKind; a negative limit, duration or
        minChargingRate, numberPhases outside 1..3; malformed fields; and a new profile that
        would make more than MaxChargingProfilesInstalled.

        Accepted: the profile replaces any with the same chargingProfileId (on any connector)
        and any with the same stackLevel and purpose on the same connector (§5.16, §3.13.2).
        A TxProfile without transactionId is bound to the running transaction.
        """
        try:
            new = self._parse(connector_id, profile, active_transaction)
        except _Invalid:
            return "Rejected"
        kept = [
            old
            for old in self._profiles
            if old.profile_id != new.profile_id
            and not (
                old.connector_id == new.connector_id
                and old.purpose == new.purpose
                and old.stack_level == new.stack_level
            )
        ]
        if len(kept) + 1 > self.limits.max_profiles:
            return "Rejected"
        self._profiles = [*kept, new]
        return "Accepted"

    def _parse(
        self,
        connector_id: int,
        profile: dict[str, Any],
        active_transaction: tuple[int, int] | None,
    ) -> _Profile:
        limits = self.limits
        if not 0 <= _int(connector_id) <= self.connectors:
            raise _Invalid("unknown connector")
        if not isinstance(profile, dict):
            raise _Invalid("not an object")
        purpose = profile.get("chargingProfilePurpose")
        if purpose not in PURPOSES:
            raise _Invalid("purpose")
        kind = profile.get("chargingProfileKind")
        if kind not in KINDS:
            raise _Invalid("kind")
        recurrency = profile.get("recurrencyKind")
        if (kind == "Recurring") != (recurrency is not None) or (
            recurrency is not None and recurrency not in RECURRENCE
        ):
            raise _Invalid("recurrencyKind goes with kind Recurring, and only with it")
        stack_level = _int(profile.get("stackLevel"))
        if not 0 <= stack_level <= limits.max_stack_level:
            raise _Invalid("stackLevel")
        transaction_id: int | None = None
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            raise _Invalid("ChargePointMaxProfile only on connector 0")  # §3.13.1
        if purpose == "TxProfile":  # §5.16: only with a transaction on that connector
            if connector_id == 0 or active_transaction is None:
                raise _Invalid("no transaction")
            running_connector, running_id = active_transaction
            given = profile.get("transactionId")
            if running_connector != connector_id or (
                given is not None and _int(given) != running_id
            ):
                raise _Invalid("not the running transaction")
            transaction_id = running_id
        schedule = profile.get("chargingSchedule")
        if not isinstance(schedule, dict):
            raise _Invalid("chargingSchedule")
        unit = schedule.get("chargingRateUnit")
        if unit not in limits.allowed_units:
            raise _Invalid("unit")
        raw_periods = schedule.get("chargingSchedulePeriod")
        if not isinstance(raw_periods, list) or not 1 <= len(raw_periods) <= limits.max_periods:
            raise _Invalid("periods")
        periods: list[_Period] = []
        for item in raw_periods:
            if not isinstance(item, dict):
                raise _Invalid("period")
            period = _Period(
                start=_int(item.get("startPeriod")),
                limit=_number(item.get("limit")),
                phases=_int(item.get("numberPhases", DEFAULT_PHASES)),
            )
            bad_first = not periods and period.start != 0
            if bad_first or (periods and period.start <= periods[-1].start):
                raise _Invalid("startPeriod: first 0, then strictly increasing")
            if period.limit < 0 or not 1 <= period.phases <= 3:
                raise _Invalid("limit / numberPhases")
            periods.append(period)
        duration = schedule.get("duration")
        if duration is not None and _int(duration) < 0:
            raise _Invalid("duration")
        min_rate = schedule.get("minChargingRate")
        if min_rate is not None and _number(min_rate) < 0:
            raise _Invalid("minChargingRate")
        return _Profile(
            connector_id=connector_id,
            profile_id=_int(profile.get("chargingProfileId")),
            stack_level=stack_level,
            purpose=purpose,
            kind=kind,
            recurrency=recurrency,
            valid_from=_time(profile.get("validFrom")),
            valid_to=_time(profile.get("validTo")),
            transaction_id=transaction_id,
            start_schedule=None if kind == "Relative" else _time(schedule.get("startSchedule")),
            duration=duration,
            unit=unit,
            periods=tuple(periods),
            min_rate=None if min_rate is None else float(min_rate),
            raw=copy.deepcopy(profile),
        )

    # ClearChargingProfile (§5.5) -------------------------------------------------------

    def clear(self, request: dict[str, Any]) -> str:
        """Remove the profiles a ClearChargingProfile.req names: "Accepted" or "Unknown".

        With ``id`` the other fields are ignored; otherwise every given criterion of
        connectorId (0 = the profiles installed on connector 0 only), chargingProfilePurpose
        and stackLevel must match, and an empty request clears everything. "Unknown" when
        no profile matched (§5.5).
        """
        profile_id = request.get("id")
        if profile_id is not None:
            criteria: dict[str, Any] = {"profile_id": profile_id}
        else:
            fields = {
                "connector_id": "connectorId",
                "purpose": "chargingProfilePurpose",
                "stack_level": "stackLevel",
            }
            criteria = {
                attribute: request[key]
                for attribute, key in fields.items()
                if request.get(key) is not None
            }
        kept = [
            profile
            for profile in self._profiles
            if any(getattr(profile, attribute) != value for attribute, value in criteria.items())
        ]
        if len(kept) == len(self._profiles):
            return "Unknown"
        self._profiles = kept
        return "Accepted"

    def end_transaction(self, transaction_id: int) -> None:
        """§3.13.1: a TxProfile applies to its transaction only and ends with it."""
        self._profiles = [p for p in self._profiles if p.transaction_id != transaction_id]

    def installed(self) -> list[InstalledProfile]:
        """What identifies each installed profile, oldest first."""
        return [
            InstalledProfile(
                p.profile_id, p.connector_id, p.purpose, p.stack_level, p.transaction_id
            )
            for p in self._profiles
        ]

    def profiles(self, connector_id: int | None = None) -> list[dict[str, Any]]:
        """Copies of the installed profiles (of one connector, if given), oldest first."""
        return [
            copy.deepcopy(p.raw)
            for p in self._profiles
            if connector_id is None or p.connector_id == connector_id
        ]

    # GetCompositeSchedule (§3.13.3, §5.7) ----------------------------------------------

    def composite(
        self,
        connector_id: int,
        duration: int,
        unit: str | None,
        now: datetime,
        transaction_started: datetime | None = None,
    ) -> dict[str, Any] | None:
        """The chargingSchedule of a GetCompositeSchedule.conf, or None (answer Rejected).

        The window is ``duration`` s from ``now`` (= startSchedule). The limit during second
        ``s`` is the rules applied at ``now + s``: within each purpose the valid profile with
        the highest stackLevel that has a period then wins (§3.13.2); a TxProfile overrides
        the TxDefaultProfiles, those of the connector override those of connector 0; the
        ChargePointMaxProfile caps the result (§3.13.3). Connector 0's composite is the
        ChargePointMaxProfile alone. Where nothing applies: ``limits.rated_current``.

        Limits are expressed in ``unit``; without one, in the unit every profile with a
        period in the window uses, or the first allowed unit when they differ. Equal
        adjacent periods are merged; numberPhases is always given. minChargingRate is that
        of the first profile deciding the limit (before capping) in the window, if it has
        one. None: unknown connector, duration <= 0, a unit not allowed (§9.4), or no
        profile applies anywhere in the window.
        """
        if not 0 <= connector_id <= self.connectors or duration <= 0:
            return None
        if unit is not None and unit not in self.limits.allowed_units:
            return None
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
        if transaction_started is not None and transaction_started.tzinfo is None:
            transaction_started = transaction_started.replace(tzinfo=UTC)
        anchor = transaction_started or now

        def segments(purpose: str, on: int) -> list[_Segment]:
            found: list[_Segment] = []
            for profile in self._profiles:
                if profile.purpose == purpose and profile.connector_id == on:
                    found.extend(_segments(profile, now, duration, anchor))
            return found

        cap = segments("ChargePointMaxProfile", 0)
        stacks: list[list[_Segment]] = []  # the deciding stacks, highest precedence first
        if connector_id != 0:
            stacks = [
                segments("TxProfile", connector_id),
                segments("TxDefaultProfile", connector_id),
                segments("TxDefaultProfile", 0),
            ]
        else:
            stacks, cap = [cap], []
        every = [segment for stack in [*stacks, cap] for segment in stack]
        if not every:
            return None
        if unit is None:
            units = {segment.profile.unit for segment in every}
            unit = units.pop() if len(units) == 1 else self.limits.allowed_units[0]

        moments = sorted(
            {0} | {s.start for s in every} | {s.end for s in every if s.end < duration}
        )
        periods: list[dict[str, Any]] = []
        min_rate: float | None = None
        decided = False
        for moment in moments:
            deciding = next((w for stack in stacks if (w := _winner(stack, moment))), None)
            capping = _winner(cap, moment)
            if deciding is not None and not decided:
                decided = True
                rate = deciding.profile.min_rate
                if rate is not None:
                    min_rate = convert(rate, deciding.profile.unit, unit, deciding.period.phases)
            candidates = [
                (convert(s.period.limit, s.profile.unit, unit, s.period.phases), s.period.phases)
                for s in (deciding, capping)
                if s is not None
            ]
            if not candidates:
                candidates = [(convert(self.limits.rated_current, "A", unit, 3), DEFAULT_PHASES)]
            limit, phases = min(candidates, key=lambda candidate: candidate[0])
            if periods and (periods[-1]["limit"], periods[-1]["numberPhases"]) == (limit, phases):
                continue  # merge: same limit and phases as the period before
            periods.append({"startPeriod": moment, "limit": limit, "numberPhases": phases})
        schedule: dict[str, Any] = {
            "duration": duration,
            "startSchedule": ocpp_timestamp(now),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        }
        if min_rate is not None:
            schedule["minChargingRate"] = min_rate
        return schedule


def _winner(stack: list[_Segment], moment: int) -> _Segment | None:
    """§3.13.2: of the segments covering ``moment``, the one of the highest stackLevel."""
    covering = [s for s in stack if s.start <= moment < s.end]
    return max(covering, key=lambda s: s.profile.stack_level, default=None)


def _segments(profile: _Profile, now: datetime, duration: int, anchor: datetime) -> list[_Segment]:
    """Where each period of ``profile`` applies within [now, now + duration), in whole
    seconds from ``now``: second ``s`` belongs to a period iff instant ``now + s`` does.

    Absolute: from startSchedule (or ``anchor`` when absent); Relative: from ``anchor``
    (the transaction's start, else now); Recurring: from startSchedule (or ``anchor``)
    plus every multiple of a day / a week, before and after. A schedule lasts ``duration``
    s if given (at most one recurrence), else until the next recurrence or forever (§7
    ChargingSchedule). Validity: validFrom <= t < validTo (§7 ChargingProfile).
    """

    def offset(moment: datetime) -> int:  # microseconds from now
        return (moment - now) // _US

    low = 0 if profile.valid_from is None else max(0, offset(profile.valid_from))
    high = duration * _SECOND_US
    if profile.valid_to is not None:
        high = min(high, offset(profile.valid_to))
    if low >= high:
        return []
    first = offset(profile.start_schedule or anchor)
    length = _FOREVER if profile.duration is None else profile.duration * _SECOND_US
    cycle = RECURRENCE[profile.recurrency] // _US if profile.recurrency else None
    if cycle is None:
        starts = [first]
    else:
        length = min(length, cycle)
        starts = list(range(first + (low - first) // cycle * cycle, high, cycle))
    found: list[_Segment] = []
    for begin in starts:
        end_of_run = begin + length
        for index, period in enumerate(profile.periods):
            following = profile.periods[index + 1 :]
            end = begin + following[0].start * _SECOND_US if following else end_of_run
            start_s = _ceil_seconds(max(begin + period.start * _SECOND_US, low))
            end_s = _ceil_seconds(min(end, end_of_run, high))
            if start_s < end_s:
                found.append(_Segment(start_s, end_s, period, profile))
    return found
