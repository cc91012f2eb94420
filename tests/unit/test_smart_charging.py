"""OCPP 1.6 Smart Charging on the charge point side (§3.13, §5.5, §5.7, §5.16)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocppj import validate_payload
from simulator.chargepoint.smart_charging import ChargingLimits, ProfileStore
from simulator.clock import ocpp_timestamp

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
TX = (1, 42)  # (connectorId, transactionId) running on connector 1


def ts(moment: datetime) -> str:
    return ocpp_timestamp(moment, milliseconds=False)


def profile(
    profile_id: int,
    stack_level: int = 0,
    purpose: str = "TxDefaultProfile",
    periods: Sequence[tuple[float, ...]] = ((0, 16),),
    *,
    kind: str = "Absolute",
    unit: str = "A",
    start: datetime | None = None,
    duration: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A csChargingProfiles payload; ``extra`` keys go to the profile, ``minChargingRate``
    to its schedule."""
    schedule: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [
            {"startPeriod": p[0], "limit": p[1], **({"numberPhases": p[2]} if len(p) > 2 else {})}
            for p in periods
        ],
    }
    if start is not None:
        schedule["startSchedule"] = ts(start)
    if duration is not None:
        schedule["duration"] = duration
    if "minChargingRate" in extra:
        schedule["minChargingRate"] = extra.pop("minChargingRate")
    return {
        "chargingProfileId": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": schedule,
        **extra,
    }


def store_with(
    *installs: tuple[int, dict[str, Any]], tx: tuple[int, int] | None = None
) -> ProfileStore:
    store = ProfileStore(connectors=2)
    for connector, body in installs:
        assert store.set(connector, body, tx if tx and tx[0] == connector else None) == "Accepted"
    return store


def limits(schedule: dict[str, Any] | None) -> list[tuple[int, float]]:
    assert schedule is not None
    return [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]]


def answer_is_valid(schedule: dict[str, Any]) -> bool:
    """Schema-valid, with multipleOf 0.1 checked exactly: jsonschema's float test rejects
    about a third of the tenths (0.3 / 0.1 = 2.9999999999999996)."""
    payload = {"status": "Accepted", "connectorId": 1, "chargingSchedule": schedule}
    violations = validate_payload("GetCompositeSchedule", payload, response=True)
    numbers = [p["limit"] for p in schedule["chargingSchedulePeriod"]]
    numbers += [schedule["minChargingRate"]] if "minChargingRate" in schedule else []
    tenths = all(abs(n * 10 - round(n * 10)) < 1e-6 for n in numbers)
    return tenths and all(v.keyword == "multipleOf" for v in violations)


# GetCompositeSchedule: worked examples (§3.13.3, §5.7) ----------------------------------


def test_single_tx_default_profile() -> None:
    store = store_with(
        (1, profile(1, periods=[(0, 16), (7200, 10)], start=NOW - timedelta(hours=1)))
    )
    schedule = store.composite(1, 7200, None, NOW)
    assert schedule == {
        "duration": 7200,
        "startSchedule": "2026-01-01T12:00:00.000Z",
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
            {"startPeriod": 3600, "limit": 10.0, "numberPhases": 3},
        ],
    }
    assert answer_is_valid(schedule)


def test_tx_default_on_connector_zero_is_the_default_of_every_connector() -> None:
    store = store_with((0, profile(1, periods=[(0, 16)], start=NOW)))
    assert limits(store.composite(1, 60, None, NOW)) == [(0, 16.0)]
    assert limits(store.composite(2, 60, None, NOW)) == [(0, 16.0)]
    # ... a connector's own TxDefaultProfile overrides it (choice, §3.13.1)
    store.set(
        2, profile(2, stack_level=0, periods=[(0, 10)], start=NOW + timedelta(seconds=30)), None
    )
    assert limits(store.composite(2, 60, None, NOW)) == [(0, 16.0), (30, 10.0)]
    # connector 0's composite is the ChargePointMaxProfile alone: none here
    assert store.composite(0, 60, None, NOW) is None


def test_stacking_two_levels_with_validity_windows() -> None:
    midnight = datetime(2026, 1, 1, tzinfo=UTC)
    base = profile(1, 0, periods=[(0, 16)], start=midnight)
    evening = profile(
        2,
        1,
        periods=[(0, 10)],
        start=midnight,
        validFrom=ts(NOW + timedelta(minutes=10)),
        validTo=ts(NOW + timedelta(minutes=20)),
    )
    store = store_with((1, base), (1, evening))
    assert limits(store.composite(1, 3600, None, NOW)) == [(0, 16.0), (600, 10.0), (1200, 16.0)]
    # a higher level that is valid but whose schedule has ended lets the lower one through
    store.set(1, profile(3, 2, periods=[(0, 6)], start=NOW, duration=300), None)
    assert limits(store.composite(1, 3600, None, NOW)) == [
        (0, 6.0),
        (300, 16.0),
        (600, 10.0),
        (1200, 16.0),
    ]


def test_tx_profile_overrides_tx_default() -> None:
    started = NOW - timedelta(seconds=100)
    store = store_with(
        (1, profile(1, 5, periods=[(0, 16)], start=NOW)),
        (1, profile(2, 0, "TxProfile", [(0, 8), (300, 12)], kind="Relative", duration=900)),
        tx=TX,
    )
    # relative to the transaction's start (100 s ago); after its duration the default applies
    assert limits(store.composite(1, 1800, None, NOW, started)) == [
        (0, 8.0),
        (200, 12.0),
        (800, 16.0),
    ]
    assert store.composite(2, 1800, None, NOW) is None  # the TxProfile is connector 1's


def test_charge_point_max_profile_caps() -> None:
    store = store_with(
        (0, profile(1, 0, "ChargePointMaxProfile", [(0, 20)], start=NOW)),
        (1, profile(2, 0, periods=[(0, 32), (600, 10)], start=NOW)),
    )
    assert limits(store.composite(1, 1200, None, NOW)) == [(0, 20.0), (600, 10.0)]
    assert limits(store.composite(0, 1200, None, NOW)) == [(0, 20.0)]


def test_daily_recurring_profile_crossing_midnight() -> None:
    late = datetime(2026, 1, 1, 23, 0, tzinfo=UTC)
    night = profile(
        1,
        1,
        periods=[(0, 10), (10800, 32)],  # 22:00-01:00 10 A, then 32 A until 22:00
        kind="Recurring",
        recurrencyKind="Daily",
        start=datetime(2025, 12, 20, 22, 0, tzinfo=UTC),
    )
    store = store_with((1, night))
    assert limits(store.composite(1, 86400, None, late)) == [(0, 10.0), (7200, 32.0), (82800, 10.0)]
    # the same with a duration: after 3 h it contributes nothing and the level 0 default rules
    night["chargingProfileId"], night["chargingSchedule"]["duration"] = 2, 10800
    store.set(1, night, None)  # replaces: same stackLevel and purpose on the same connector
    store.set(1, profile(3, 0, periods=[(0, 16)], start=late - timedelta(days=3)), None)
    assert limits(store.composite(1, 86400, None, late)) == [(0, 10.0), (7200, 16.0), (82800, 10.0)]


def test_weekly_recurring_profile() -> None:
    store = store_with(
        (
            1,
            profile(
                1,
                periods=[(0, 6), (3600, 16)],
                kind="Recurring",
                recurrencyKind="Weekly",
                start=NOW - timedelta(days=14, seconds=60),
            ),
        )
    )
    assert limits(store.composite(1, 7200, None, NOW)) == [(0, 6.0), (3540, 16.0)]
    # the repetition also applies before startSchedule (choice): one week earlier
    assert limits(store.composite(1, 120, None, NOW - timedelta(days=21))) == [(0, 6.0)]


def test_relative_profile_with_and_without_a_transaction() -> None:
    store = store_with((1, profile(1, periods=[(0, 6), (600, 20)], kind="Relative")))
    started = NOW - timedelta(seconds=100)
    assert limits(store.composite(1, 1200, None, NOW, started)) == [(0, 6.0), (500, 20.0)]
    assert limits(store.composite(1, 1200, None, NOW)) == [(0, 6.0), (600, 20.0)]


def test_absolute_profile_without_start_schedule_starts_with_the_transaction() -> None:
    store = store_with((1, profile(1, periods=[(0, 6), (600, 20)])))
    started = NOW - timedelta(seconds=60)
    assert limits(store.composite(1, 1200, None, NOW, started)) == [(0, 6.0), (540, 20.0)]
    assert limits(store.composite(1, 1200, None, NOW)) == [(0, 6.0), (600, 20.0)]


@pytest.mark.parametrize(
    ("unit", "periods", "requested", "expected"),
    [
        ("A", [(0, 16)], "W", [(0, 11040.0)]),  # 16 A x 230 V x 3
        ("A", [(0, 16, 1)], "W", [(0, 3680.0)]),  # one phase
        ("W", [(0, 11000)], "A", [(0, 15.9)]),  # 15.942 A, rounded down
        ("W", [(0, 7360, 1)], "A", [(0, 32.0)]),
        ("W", [(0, 7360, 1)], None, [(0, 7360.0)]),  # no unit asked: the profile's
    ],
)
def test_unit_conversion(
    unit: str,
    periods: list[tuple[int, float]],
    requested: str | None,
    expected: list[tuple[int, float]],
) -> None:
    store = store_with((1, profile(1, periods=periods, unit=unit, start=NOW)))
    schedule = store.composite(1, 60, requested, NOW)
    assert schedule is not None and schedule["chargingRateUnit"] == (requested or unit)
    assert limits(schedule) == expected
    assert answer_is_valid(schedule)


def test_cap_compared_across_units() -> None:
    store = store_with(
        (0, profile(1, 0, "ChargePointMaxProfile", [(0, 11040)], unit="W", start=NOW)),  # = 16 A
        (1, profile(2, 0, periods=[(0, 20), (60, 10)], start=NOW)),
    )
    schedule = store.composite(1, 120, None, NOW)  # mixed units, none asked: A
    assert schedule is not None and schedule["chargingRateUnit"] == "A"
    assert limits(schedule) == [(0, 16.0), (60, 10.0)]
    assert limits(store.composite(1, 120, "W", NOW)) == [(0, 11040.0), (60, 6900.0)]


def test_duration_cuts_the_schedule() -> None:
    store = store_with(
        (1, profile(1, periods=[(0, 10), (300, 12), (900, 14)], start=NOW, duration=600))
    )
    # after 600 s the profile contributes nothing: the rating (32 A) until the window's end
    assert limits(store.composite(1, 1200, None, NOW)) == [(0, 10.0), (300, 12.0), (600, 32.0)]


def test_min_charging_rate_is_carried_through() -> None:
    store = store_with((1, profile(1, periods=[(0, 16)], start=NOW, minChargingRate=6.0)))
    schedule = store.composite(1, 60, None, NOW)
    assert schedule is not None and schedule["minChargingRate"] == 6.0
    schedule = store.composite(1, 60, "W", NOW)
    assert schedule is not None and schedule["minChargingRate"] == 4140.0


def test_sub_second_now_rounds_boundaries_up_to_whole_seconds() -> None:
    now = NOW + timedelta(milliseconds=123)
    store = store_with((1, profile(1, periods=[(0, 10), (10, 16)], start=NOW)))
    schedule = store.composite(1, 60, None, now)
    assert schedule is not None and schedule["startSchedule"] == "2026-01-01T12:00:00.123Z"
    assert limits(schedule) == [(0, 10.0), (10, 16.0)]  # 16 A from 9.877 s: second 10 onwards


def test_no_composite() -> None:
    store = ProfileStore(connectors=2, limits=ChargingLimits(allowed_units=("A",)))
    assert store.composite(1, 600, None, NOW) is None  # nothing installed
    store.set(1, profile(1, start=NOW + timedelta(hours=1), duration=60), None)
    assert store.composite(1, 600, None, NOW) is None  # nothing in the window
    assert store.composite(1, 7200, None, NOW) is not None
    assert store.composite(3, 7200, None, NOW) is None  # unknown connector
    assert store.composite(1, 0, None, NOW) is None
    assert store.composite(1, 7200, "W", NOW) is None  # unit not allowed (§9.4)


# SetChargingProfile (§5.16) ------------------------------------------------------------


def test_a_profile_with_the_same_id_replaces_the_old_one() -> None:
    store = store_with((1, profile(1, 0, periods=[(0, 16)])))
    assert store.set(2, profile(1, 3, periods=[(0, 10)]), None) == "Accepted"
    assert store.profiles(1) == []
    assert [p["stackLevel"] for p in store.profiles()] == [3]


def test_same_stack_level_and_purpose_on_a_connector_replaces() -> None:
    store = store_with((1, profile(1, 2)), (2, profile(2, 2)), (1, profile(3, 1)))
    assert store.set(1, profile(4, 2), None) == "Accepted"
    assert sorted(p["chargingProfileId"] for p in store.profiles(1)) == [3, 4]
    assert [p["chargingProfileId"] for p in store.profiles(2)] == [2]
    # same level, other purpose: kept
    assert store.set(0, profile(5, 2, "ChargePointMaxProfile"), None) == "Accepted"
    assert store.set(1, profile(6, 2, "TxProfile"), TX) == "Accepted"
    assert {p["chargingProfileId"] for p in store.profiles()} == {2, 3, 4, 5, 6}


def test_tx_profile_ends_with_its_transaction() -> None:
    store = store_with((1, profile(1, 0, "TxProfile", transactionId=42)), (1, profile(2)), tx=TX)
    store.end_transaction(41)
    assert len(store.profiles(1)) == 2
    store.end_transaction(42)
    assert [p["chargingProfileId"] for p in store.profiles(1)] == [2]


def test_profiles_are_copies() -> None:
    body = profile(1)
    store = store_with((1, body))
    body["stackLevel"] = 7
    store.profiles()[0]["stackLevel"] = 8
    assert store.profiles()[0]["stackLevel"] == 0


def _recurring(**changes: Any) -> dict[str, Any]:
    body = profile(1, kind="Recurring", recurrencyKind="Daily", start=NOW)
    body.update(changes)
    return body


def _with_schedule(**changes: Any) -> dict[str, Any]:
    body = profile(1)
    body["chargingSchedule"].update(changes)
    return body


@pytest.mark.parametrize(
    ("connector", "body", "tx"),
    [
        pytest.param(1, profile(1, 0, "TxProfile"), None, id="TxProfile without transaction"),
        pytest.param(2, profile(1, 0, "TxProfile"), TX, id="TxProfile: transaction elsewhere"),
        pytest.param(0, profile(1, 0, "TxProfile"), TX, id="TxProfile on connector 0"),
        pytest.param(1, profile(1, 0, "TxProfile", transactionId=41), TX, id="TxProfile: other tx"),
        pytest.param(1, profile(1, 0, "ChargePointMaxProfile"), None, id="CPMax on connector 1"),
        pytest.param(3, profile(1), None, id="unknown connector"),
        pytest.param(-1, profile(1), None, id="negative connector"),
        pytest.param(1, profile(1, 11), None, id="stackLevel above max"),
        pytest.param(1, profile(1, -1), None, id="negative stackLevel"),
        pytest.param(1, profile(1, periods=[(5, 16)]), None, id="first startPeriod not 0"),
        pytest.param(1, profile(1, periods=[(0, 16), (60, 8), (60, 6)]), None, id="equal starts"),
        pytest.param(1, profile(1, periods=[(0, 16), (60, 8), (30, 6)]), None, id="decreasing"),
        pytest.param(
            1, profile(1, periods=[(0, 16)] + [(i, 8) for i in range(1, 25)]), None, id="25 periods"
        ),
        pytest.param(1, _with_schedule(chargingSchedulePeriod=[]), None, id="no period"),
        pytest.param(1, profile(1, periods=[(0, -1)]), None, id="negative limit"),
        pytest.param(1, profile(1, periods=[(0, 16, 4)]), None, id="4 phases"),
        pytest.param(1, _with_schedule(duration=-1), None, id="negative duration"),
        pytest.param(1, _with_schedule(startSchedule="yesterday"), None, id="bad date-time"),
        pytest.param(
            1, _recurring(chargingProfileKind="Absolute"), None, id="recurrencyKind, Absolute"
        ),
        pytest.param(1, _recurring(recurrencyKind=None), None, id="Recurring without kind"),
        pytest.param(1, _recurring(recurrencyKind="Hourly"), None, id="unknown recurrencyKind"),
        pytest.param(1, profile(1, purpose="MaxProfile"), None, id="unknown purpose"),
        pytest.param(1, profile(1, kind="Sometimes"), None, id="unknown kind"),
        pytest.param(1, {"chargingProfileId": 1}, None, id="missing fields"),
    ],
)
def test_rejected(connector: int, body: dict[str, Any], tx: tuple[int, int] | None) -> None:
    store = store_with((1, profile(99, 5)))
    assert store.set(connector, body, tx) == "Rejected"
    assert [p["chargingProfileId"] for p in store.profiles()] == [99]  # nothing changed


def test_rejected_unit_not_allowed() -> None:
    store = ProfileStore(connectors=1, limits=ChargingLimits(allowed_units=("A",)))
    assert store.set(1, profile(1, unit="W"), None) == "Rejected"
    assert store.set(1, profile(1, unit="A"), None) == "Accepted"


def test_rejected_beyond_max_profiles_installed() -> None:
    store = ProfileStore(connectors=2, limits=ChargingLimits(max_profiles=2, max_stack_level=3))
    assert store.set(1, profile(1, 0), None) == "Accepted"
    assert store.set(1, profile(2, 1), None) == "Accepted"
    assert store.set(1, profile(3, 2), None) == "Rejected"
    assert store.set(1, profile(3, 1), None) == "Accepted"  # replaces id 2: still 2 installed
    assert store.set(2, profile(1, 3), None) == "Accepted"  # replaces id 1
    assert sorted(p["chargingProfileId"] for p in store.profiles()) == [1, 3]


def test_accepted_limits_at_their_bounds() -> None:
    store = ProfileStore(connectors=1, limits=ChargingLimits(max_stack_level=3, max_periods=3))
    assert store.set(1, profile(1, 3, periods=[(0, 1), (1, 2), (2, 3)]), None) == "Accepted"
    assert store.set(1, profile(2, 4), None) == "Rejected"
    assert store.set(1, profile(2, 0, periods=[(0, 1), (1, 2), (2, 3), (3, 4)]), None) == "Rejected"
    assert store.set(1, profile(2, 0, "TxProfile", transactionId=5), (1, 5)) == "Accepted"


# ClearChargingProfile (§5.5) -----------------------------------------------------------


def _cleared_store() -> ProfileStore:
    return store_with(
        (0, profile(1, 0, "ChargePointMaxProfile")),
        (0, profile(2, 0)),
        (1, profile(3, 0)),
        (1, profile(4, 1)),
        (2, profile(5, 1)),
        (1, profile(6, 1, "TxProfile")),
        tx=TX,
    )


def _ids(store: ProfileStore) -> set[int]:
    return {p["chargingProfileId"] for p in store.profiles()}


@pytest.mark.parametrize(
    ("request_", "left"),
    [
        ({"id": 4}, {1, 2, 3, 5, 6}),
        ({"id": 4, "connectorId": 2, "stackLevel": 0}, {1, 2, 3, 5, 6}),  # id alone counts
        ({"connectorId": 1}, {1, 2, 5}),
        ({"connectorId": 0}, {3, 4, 5, 6}),  # connector 0's own profiles only
        ({"chargingProfilePurpose": "TxDefaultProfile"}, {1, 6}),
        ({"stackLevel": 1}, {1, 2, 3}),
        ({"connectorId": 1, "stackLevel": 1}, {1, 2, 3, 5}),
        (
            {"connectorId": 1, "chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 1},
            {1, 2, 3, 5, 6},
        ),
        ({}, set()),
    ],
)
def test_clear(request_: dict[str, Any], left: set[int]) -> None:
    store = _cleared_store()
    assert store.clear(request_) == "Accepted"
    assert _ids(store) == left


@pytest.mark.parametrize(
    "request_",
    [
        {"id": 7},
        {"connectorId": 2, "chargingProfilePurpose": "TxProfile"},
        {"connectorId": 0, "stackLevel": 1},
        {"chargingProfilePurpose": "ChargePointMaxProfile", "stackLevel": 1},
    ],
)
def test_clear_unknown(request_: dict[str, Any]) -> None:
    store = _cleared_store()
    assert store.clear(request_) == "Unknown"
    assert _ids(store) == {1, 2, 3, 4, 5, 6}
    assert ProfileStore(connectors=1).clear({}) == "Unknown"


# Property tests against an independent per-second reference ------------------------------

BASE = datetime(2026, 3, 2, tzinfo=UTC)
VOLTS = 230  # the module's assumption, restated
CYCLE = {"Daily": timedelta(days=1), "Weekly": timedelta(days=7)}
SLOTS = [  # (connector, purpose) a generated profile goes to
    (0, "ChargePointMaxProfile"),
    (0, "TxDefaultProfile"),
    (1, "TxDefaultProfile"),
    (1, "TxProfile"),
    (2, "TxDefaultProfile"),
]


def _tenth_down(value: float) -> float:
    return math.floor(round(value * 10, 6)) / 10


def _convert(limit: float, unit: str, to: str, phases: int) -> float:
    factor = {("A", "W"): VOLTS * phases, ("W", "A"): 1 / (VOLTS * phases)}.get((unit, to), 1)
    return _tenth_down(limit * factor)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    now = BASE + timedelta(
        seconds=draw(st.integers(0, 7 * 86400)), milliseconds=draw(st.sampled_from([0, 0, 500]))
    )
    window = draw(st.integers(1, 600))

    def near(spread: int = 900) -> datetime:  # a moment around the window
        return now + timedelta(seconds=draw(st.integers(-spread, spread)))

    def maybe_time() -> str | None:
        return ts(near()) if draw(st.integers(0, 2)) == 0 else None

    installs = []
    for profile_id in range(draw(st.integers(1, 7))):
        connector, purpose = draw(st.sampled_from(SLOTS))
        kind = draw(st.sampled_from(["Absolute", "Absolute", "Relative", "Recurring"]))
        unit = draw(st.sampled_from(["A", "W"]))
        top = 64 if unit == "A" else 44000
        starts = sorted(draw(st.sets(st.integers(1, 700), max_size=3)))
        periods = []
        for start in [0, *starts]:
            period: dict[str, Any] = {"startPeriod": start}
            period["limit"] = draw(st.integers(0, top * 10)) / 10
            phases = draw(st.one_of(st.none(), st.integers(1, 3)))
            if phases is not None:
                period["numberPhases"] = phases
            periods.append(period)
        schedule: dict[str, Any] = {"chargingRateUnit": unit, "chargingSchedulePeriod": periods}
        body: dict[str, Any] = {
            "chargingProfileId": profile_id + 1,
            "stackLevel": draw(st.integers(0, 3)),
            "chargingProfilePurpose": purpose,
            "chargingProfileKind": kind,
            "chargingSchedule": schedule,
        }
        if kind == "Recurring":
            body["recurrencyKind"] = recurrency = draw(st.sampled_from(["Daily", "Weekly"]))
            back = CYCLE[recurrency] * draw(st.integers(0, 3))
            schedule["startSchedule"] = ts(near() - back)
        elif kind == "Absolute" and draw(st.booleans()):
            schedule["startSchedule"] = ts(near())
        duration = draw(st.one_of(st.none(), st.integers(0, 1500)))
        if duration is not None:
            schedule["duration"] = duration
        if draw(st.booleans()):
            schedule["minChargingRate"] = draw(st.integers(0, 100)) / 10
        for key in ("validFrom", "validTo"):
            moment = maybe_time()
            if moment is not None:
                body[key] = moment
        installs.append((connector, body))
    started = now - timedelta(seconds=draw(st.integers(0, 2400))) if draw(st.booleans()) else None
    asked = draw(st.sampled_from([None, "A", "W"]))
    connector = draw(st.sampled_from([0, 1, 1, 2]))
    return {
        "now": now,
        "window": window,
        "installs": installs,
        "started": started,
        "unit": asked,
        "connector": connector,
    }


def _build(scenario: dict[str, Any]) -> ProfileStore:
    store = ProfileStore(connectors=2, limits=ChargingLimits(max_stack_level=3))
    tx = (1, 7) if scenario["started"] is not None else None
    for connector, body in scenario["installs"]:
        store.set(connector, body, tx if connector == 1 else None)
    return store


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _limit_at(
    body: dict[str, Any], t: datetime, now: datetime, started: datetime | None
) -> tuple[float, int] | None:
    """The (limit, phases) ``body`` sets at instant ``t``, by the rules read literally."""
    if "validFrom" in body and t < _parse(body["validFrom"]):
        return None
    if "validTo" in body and t >= _parse(body["validTo"]):
        return None
    schedule = body["chargingSchedule"]
    origin = started or now
    if body["chargingProfileKind"] != "Relative" and "startSchedule" in schedule:
        origin = _parse(schedule["startSchedule"])
    elapsed = t - origin
    if body["chargingProfileKind"] == "Recurring":
        elapsed %= CYCLE[body["recurrencyKind"]]
    if elapsed < timedelta(0):
        return None
    if "duration" in schedule and elapsed >= timedelta(seconds=schedule["duration"]):
        return None
    current = [
        p
        for p in schedule["chargingSchedulePeriod"]
        if timedelta(seconds=p["startPeriod"]) <= elapsed
    ]
    return current[-1]["limit"], current[-1].get("numberPhases", 3)


def _reference(store: ProfileStore, scenario: dict[str, Any]) -> dict[str, Any] | None:
    """Per-second composite: [(limit, phases)], unit, minChargingRate, cap per second."""
    now, window, started = scenario["now"], scenario["window"], scenario["started"]
    connector = scenario["connector"]
    installed = {c: store.profiles(c) for c in (0, 1, 2)}

    def stack(on: int, purpose: str) -> list[dict[str, Any]]:
        return [p for p in installed[on] if p["chargingProfilePurpose"] == purpose]

    if connector == 0:
        deciding, capping = [stack(0, "ChargePointMaxProfile")], []
    else:
        deciding = [
            stack(connector, "TxProfile"),
            stack(connector, "TxDefaultProfile"),
            stack(0, "TxDefaultProfile"),
        ]
        capping = stack(0, "ChargePointMaxProfile")

    def best(bodies: list[dict[str, Any]], t: datetime) -> tuple[dict[str, Any], float, int] | None:
        hits = [(b, hit) for b in bodies if (hit := _limit_at(b, t, now, started))]
        if not hits:
            return None
        body, (limit, phases) = max(hits, key=lambda h: h[0]["stackLevel"])
        return body, limit, phases

    seconds = []
    units: set[str] = set()
    for s in range(window):
        t = now + timedelta(seconds=s)
        decide = next((hit for bodies in deciding if (hit := best(bodies, t))), None)
        cap = best(capping, t)
        for body in (b for bodies in [*deciding, capping] for b in bodies):
            if _limit_at(body, t, now, started):
                units.add(body["chargingSchedule"]["chargingRateUnit"])
        seconds.append((decide, cap))
    if not units:
        return None
    unit = scenario["unit"] or (units.pop() if len(units) == 1 else "A")
    out: list[tuple[float, int]] = []
    caps: list[float | None] = []
    min_rate = None
    first = next((decide for decide, _ in seconds if decide), None)
    if first and "minChargingRate" in first[0]["chargingSchedule"]:
        body, _, phases = first
        min_rate = _convert(
            body["chargingSchedule"]["minChargingRate"],
            body["chargingSchedule"]["chargingRateUnit"],
            unit,
            phases,
        )
    for decide, cap in seconds:
        options = [
            (_convert(limit, body["chargingSchedule"]["chargingRateUnit"], unit, phases), phases)
            for body, limit, phases in [h for h in (decide, cap) if h]
        ]
        out.append(min(options, key=lambda o: o[0]) if options else (_convert(32, "A", unit, 3), 3))
        caps.append(
            cap and _convert(cap[1], cap[0]["chargingSchedule"]["chargingRateUnit"], unit, cap[2])
        )
    return {"seconds": out, "unit": unit, "minChargingRate": min_rate, "caps": caps}


def _per_second(schedule: dict[str, Any]) -> list[tuple[float, int]]:
    periods = schedule["chargingSchedulePeriod"]
    ends = [p["startPeriod"] for p in periods[1:]] + [schedule["duration"]]
    return [
        (p["limit"], p["numberPhases"])
        for p, end in zip(periods, ends, strict=True)
        for _ in range(p["startPeriod"], end)
    ]


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@PROPERTY
@given(scenarios())
def test_composite_matches_the_per_second_reference(scenario: dict[str, Any]) -> None:
    store = _build(scenario)
    schedule = store.composite(
        scenario["connector"],
        scenario["window"],
        scenario["unit"],
        scenario["now"],
        scenario["started"],
    )
    expected = _reference(store, scenario)
    if expected is None:
        assert schedule is None
        return
    assert schedule is not None
    assert schedule["chargingRateUnit"] == expected["unit"]
    assert schedule.get("minChargingRate") == expected["minChargingRate"]
    assert _per_second(schedule) == expected["seconds"]
    # ... never above the ChargePointMaxProfile
    for (limit, _), cap in zip(expected["seconds"], expected["caps"], strict=True):
        assert cap is None or limit <= cap
    # ... periods start at 0, strictly increase within the window, and are merged
    starts = [p["startPeriod"] for p in schedule["chargingSchedulePeriod"]]
    assert starts[0] == 0 and starts == sorted(set(starts)) and starts[-1] < scenario["window"]
    pairs = [(p["limit"], p["numberPhases"]) for p in schedule["chargingSchedulePeriod"]]
    assert all(a != b for a, b in itertools.pairwise(pairs))
    assert answer_is_valid(schedule)


@pytest.mark.slow
@PROPERTY
@given(scenarios())
def test_clearing_everything_leaves_nothing(scenario: dict[str, Any]) -> None:
    store = _build(scenario)
    had = bool(store.profiles())
    assert store.clear({}) == ("Accepted" if had else "Unknown")
    assert store.profiles() == []
    for connector in (0, 1, 2):
        assert (
            store.composite(
                connector, scenario["window"], None, scenario["now"], scenario["started"]
            )
            is None
        )


def test_example_profiles_are_schema_valid() -> None:
    for body in [
        profile(1, 2, "TxProfile", [(0, 16, 1), (60, 10.5)], kind="Relative", duration=60),
        _recurring(validFrom=ts(NOW), validTo=ts(NOW + timedelta(days=1))),
        profile(2, unit="W", start=NOW, minChargingRate=6.0),
    ]:
        payload = {"connectorId": 1, "csChargingProfiles": body}
        assert validate_payload("SetChargingProfile", payload, response=False) == []
