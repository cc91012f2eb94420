"""The CSMS's own settings and its seed (csms_under_test.settings, csms_under_test.seed),
and the harness's mapping of a PICS onto them (simulator.bundled_seed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csms_under_test.seed import (
    ChargePointSeed,
    Seed,
    SeedError,
    apply_seed,
    entry_problem,
    load_seed,
    parse_seed,
)
from csms_under_test.settings import CsmsSettings
from csms_under_test.store import IdTagRecord, Store
from simulator.bundled_seed import EXPIRED_TAG_EXPIRY, seed_for, settings_for
from simulator.config import HarnessConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "csms-seed.yaml"


# -- settings ---------------------------------------------------------------------------
def test_the_csms_defaults_for_what_a_request_leaves_out() -> None:
    settings = CsmsSettings(db_path=Path("csms.sqlite3"))
    assert settings.reservation_expiry == 3600
    assert (settings.composite_schedule_duration, settings.composite_schedule_unit) == (3600, "A")
    assert (settings.host, settings.operator_api) == ("127.0.0.1", "full")


def test_settings_hold_tuples_and_paths() -> None:
    settings = CsmsSettings(db_path="x.db", faults=["reject-boot"], files_dir="files")  # type: ignore[arg-type]
    assert settings.faults == ("reject-boot",) and settings.db_path == Path("x.db")
    assert settings.files_dir == Path("files")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("faults", ("nope",), "unknown fault 'nope'"),
        ("variations", ("nope",), "unknown variation 'nope'"),
        ("port", 70000, "port must be between 0 and 65535"),
        ("heartbeat_interval", 0, "heartbeat_interval must be at least 1"),
        ("call_timeout", 0, "call_timeout must be positive"),
        ("operator_api", "half", "operator_api must be one of full, raw"),
        ("reservation_expiry", 0, "reservation_expiry must be positive"),
        ("composite_schedule_duration", 0, "composite_schedule_duration must be at least 1"),
        ("composite_schedule_unit", "kW", "composite_schedule_unit must be A or W"),
    ],
)
def test_settings_refuse_what_the_csms_cannot_run_with(
    field: str, value: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CsmsSettings(db_path=Path("x.db"), **{field: value})


# -- the seed file ----------------------------------------------------------------------
def test_a_seed_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(
        "# the brief's example\n"
        "id_tags:\n"
        "  TAG-VALID-0001: {status: Accepted, parentIdTag: TAG-PARENT-001}\n"
        '  TAG-EXPIRED-01: {status: Accepted, expiryDate: "2020-01-01T00:00:00.000Z"}\n'
        "  TAG-BLOCKED-01: {status: Blocked}\n"
        "  TAG-UNQUOTED: {status: Accepted, expiryDate: 2030-01-01T00:00:00Z}\n"
        "charge_points:\n"
        "  CP_1: {}\n",
        encoding="utf-8",
    )
    assert load_seed(path) == Seed(
        id_tags=(
            IdTagRecord("TAG-VALID-0001", "Accepted", parent_id_tag="TAG-PARENT-001"),
            IdTagRecord("TAG-EXPIRED-01", "Accepted", expiry_date="2020-01-01T00:00:00.000Z"),
            IdTagRecord("TAG-BLOCKED-01", "Blocked"),
            # A date YAML would read as a timestamp stays the text written.
            IdTagRecord("TAG-UNQUOTED", "Accepted", expiry_date="2030-01-01T00:00:00Z"),
        ),
        charge_points=(ChargePointSeed("CP_1"),),
    )


@pytest.mark.parametrize("text", ["", "# nothing\n", "id_tags:\ncharge_points:\n"])
def test_an_empty_seed_holds_nothing(text: str) -> None:
    assert parse_seed(text, "seed.yaml") == Seed()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "id_tags:\n  A: {status: Acepted}\n",
            "seed.yaml:2: id_tags.A.status: 'Acepted' is not one of Accepted, Blocked, Expired, Invalid, ConcurrentTx",
        ),
        ("id_tags:\n  A: {}\n", "seed.yaml:2: id_tags.A.status: missing"),
        (
            "id_tags:\n  A:\n    status: Accepted\n    expiry: x\n",
            "seed.yaml:4: id_tags.A.expiry: unknown key (allowed: status, expiryDate, parentIdTag)",
        ),
        (
            "id_tags:\n  A: {status: Accepted, expiryDate: 2020-01-01}\n",
            "seed.yaml:2: id_tags.A.expiryDate: '2020-01-01' is not an RFC 3339 date-time",
        ),
        (
            "id_tags:\n  A: {status: Accepted, parentIdTag: 5}\n",
            "seed.yaml:2: id_tags.A.parentIdTag: 5 is not of type 'string'",
        ),
        (
            "id_tags:\n  A: {status: Accepted, parentIdTag: ABCDEFGHIJKLMNOPQRSTU}\n",
            "seed.yaml:2: id_tags.A.parentIdTag: an idTag has 1 to 20 characters",
        ),
        (
            "id_tags:\n  ABCDEFGHIJKLMNOPQRSTU: {status: Accepted}\n",
            "seed.yaml:2: id_tags.ABCDEFGHIJKLMNOPQRSTU: an idTag has 1 to 20 characters",
        ),
        ("id_tags:\n  12345: {status: Accepted}\n", "seed.yaml:2: id_tags.12345: quote it"),
        (
            "id_tags:\n  TAG-A: {status: Accepted}\n  tag-a: {status: Blocked}\n",
            "seed.yaml:3: id_tags.tag-a: given twice (also as 'TAG-A')",
        ),
        (
            "charge_points:\n  CP_1: {password: secret}\n",
            "seed.yaml:2: charge_points.CP_1.password: a charge point password has 16 to 20 bytes",
        ),
        ("charge_points: [CP_1]\n", "seed.yaml:1: charge_points: ['CP_1'] is not of type"),
        (
            "id_tags: {}\nchargepoints: {}\n",
            "seed.yaml:2: chargepoints: unknown key (allowed: id_tags, charge_points)",
        ),
        ("- CP_1\n", "seed.yaml:1: a seed is a mapping with id_tags and charge_points"),
        ("id_tags: [\n", "seed.yaml:2: not valid YAML"),
    ],
)
def test_a_bad_seed_names_file_line_and_key(text: str, error: str) -> None:
    with pytest.raises(SeedError) as raised:
        parse_seed(text, "seed.yaml")
    assert str(raised.value).startswith(error)


def test_an_unreadable_seed_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"missing\.yaml: cannot read"):
        load_seed(tmp_path / "missing.yaml")


def test_an_entry_is_checked_as_in_a_seed() -> None:
    assert entry_problem({"status": "Accepted", "expiryDate": None, "parentIdTag": None}) is None
    assert entry_problem([]) == ([], "[] is not of type 'object'")
    assert entry_problem({"status": "Blocked", "colour": "red"}) == (
        ["colour"],
        "unknown key (allowed: status, expiryDate, parentIdTag)",
    )


# -- seeding ----------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "store.sqlite3")
    yield store
    store.close()


def test_seeding_replaces_what_it_names_and_keeps_the_rest(store: Store) -> None:
    store.put_id_tag(IdTagRecord("tag-a", "Blocked", parent_id_tag="OLD"))
    store.put_id_tag(IdTagRecord("TAG-KEPT", "Accepted"))
    store.record_heartbeat("CP_1", "2026-01-01T00:00:00.000Z")
    seed = Seed(
        id_tags=(IdTagRecord("TAG-A", "Accepted"), IdTagRecord("TAG-NEW", "Expired")),
        charge_points=(ChargePointSeed("CP_1"), ChargePointSeed("CP_2")),
    )
    apply_seed(seed, store)
    assert store.id_tags() == [
        IdTagRecord("TAG-A", "Accepted"),  # the same idTag (compared case-insensitively)
        IdTagRecord("TAG-KEPT", "Accepted"),
        IdTagRecord("TAG-NEW", "Expired"),
    ]
    cp_1, cp_2 = store.charge_points()
    assert (cp_1.id, cp_1.last_heartbeat) == ("CP_1", "2026-01-01T00:00:00.000Z")  # kept
    assert (cp_2.id, cp_2.last_heartbeat) == ("CP_2", None)


def test_the_example_seed_is_the_default_pics_as_a_seed() -> None:
    example = load_seed(EXAMPLE)
    expected = seed_for(HarnessConfig())
    assert sorted(example.id_tags, key=lambda r: r.id_tag) == sorted(
        expected.id_tags, key=lambda r: r.id_tag
    )
    assert example.charge_points == expected.charge_points


# -- the harness's mapping --------------------------------------------------------------
def test_a_pics_becomes_a_seed_without_its_invalid_idtag() -> None:
    config = HarnessConfig().with_overrides(
        id_tags={
            "valid": "V",
            "same_parent": "S",
            "parent": "P",
            "blocked": "B",
            "expired": "E",
            "invalid": "I",
        },
        charge_point={"id": "CP_LAB"},
    )
    assert seed_for(config) == Seed(
        id_tags=(
            IdTagRecord("V", "Accepted", parent_id_tag="P"),
            IdTagRecord("S", "Accepted", parent_id_tag="P"),
            IdTagRecord("P", "Accepted"),
            IdTagRecord("B", "Blocked"),
            IdTagRecord("E", "Accepted", expiry_date=EXPIRED_TAG_EXPIRY),
        ),
        charge_points=(ChargePointSeed("CP_LAB"),),
    )


def test_a_pics_gives_the_bundled_csms_only_its_bundled_csms_settings(tmp_path: Path) -> None:
    config = HarnessConfig().with_overrides(
        bundled_csms={"heartbeat_interval": 7},
        waits={"reservation_expiry_offset": 5},
        smart_charging={"duration": 60, "rate_unit": "W"},
    )
    settings = settings_for(config, tmp_path / "c.db", ["reject-boot"], ["slow-answers"])
    assert settings == CsmsSettings(
        db_path=tmp_path / "c.db",
        faults=("reject-boot",),
        variations=("slow-answers",),
        heartbeat_interval=7,
    )  # the expiry and composite schedule defaults stay the CSMS's own
