"""The SQLite store: schema, seeding and persistence across restarts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from csms_under_test.authorization import id_tag_info
from csms_under_test.seed import apply_seed
from csms_under_test.store import IdTagRecord, Store
from simulator.bundled_seed import seed_for
from simulator.config import HarnessConfig, IdTags

from .helpers import ConnectChargePoint, StartCsms, http_async

TAGS = IdTags()
SEED = seed_for(HarnessConfig())
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "store.sqlite3")
    apply_seed(SEED, store)
    yield store
    store.close()


def test_journal_mode_is_wal(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()


def test_seeded_id_tags(store: Store) -> None:
    tags = {record.id_tag: record for record in store.id_tags()}
    assert tags[TAGS.valid] == IdTagRecord(TAGS.valid, "Accepted", None, TAGS.parent)
    assert tags[TAGS.same_parent] == IdTagRecord(TAGS.same_parent, "Accepted", None, TAGS.parent)
    assert tags[TAGS.parent] == IdTagRecord(TAGS.parent, "Accepted")
    assert tags[TAGS.blocked].status == "Blocked"
    assert tags[TAGS.expired].expiry_date is not None
    assert TAGS.invalid not in tags  # unknown to the CSMS on purpose


def test_seeding_again_resets_what_the_seed_names_and_keeps_the_rest(store: Store) -> None:
    store.put_id_tag(IdTagRecord(TAGS.valid.lower(), "Blocked"))  # the same idTag (§7)
    store.put_id_tag(IdTagRecord("TAG-ADDED-LATER", "Accepted"))
    apply_seed(SEED, store)
    assert store.id_tag(TAGS.valid) == IdTagRecord(TAGS.valid, "Accepted", None, TAGS.parent)
    assert store.id_tag("TAG-ADDED-LATER") == IdTagRecord("TAG-ADDED-LATER", "Accepted")
    assert [record.id for record in store.charge_points()] == ["CP_1"]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (None, {"status": "Invalid"}),
        (IdTagRecord("T", "Accepted"), {"status": "Accepted"}),
        (IdTagRecord("T", "ConcurrentTx"), {"status": "ConcurrentTx"}),
        (
            IdTagRecord("T", "Accepted", "2027-01-01T00:00:00.000Z", "P"),
            {"status": "Accepted", "expiryDate": "2027-01-01T00:00:00.000Z", "parentIdTag": "P"},
        ),
        (
            IdTagRecord("T", "Accepted", "2026-06-01T11:59:59.999Z"),
            {"status": "Expired", "expiryDate": "2026-06-01T11:59:59.999Z"},
        ),
        (
            IdTagRecord("T", "Blocked", "2020-01-01T00:00:00Z"),
            {"status": "Blocked", "expiryDate": "2020-01-01T00:00:00Z"},
        ),
    ],
    ids=["unknown", "accepted", "stored-status", "not-yet-expired", "expired", "blocked-wins"],
)
def test_id_tag_info_rules(
    store: Store, record: IdTagRecord | None, expected: dict[str, str]
) -> None:
    if record is not None:
        store.put_id_tag(record)
    assert id_tag_info(store, "T", NOW) == expected


def test_active_transaction_is_the_most_recent_unstopped(store: Store) -> None:
    def start(connector_id: int) -> int:
        return store.start_transaction(
            "CP", connector_id=connector_id, id_tag="T", meter_start=0, timestamp="t"
        )

    first, second, third = start(1), start(2), start(1)

    def stop(transaction_id: int, charge_point_id: str) -> bool:
        return store.stop_transaction(
            transaction_id,
            charge_point_id=charge_point_id,
            meter_stop=1,
            timestamp="t",
            reason=None,
            id_tag=None,
        )

    assert not stop(third, "OTHER")
    assert stop(third, "CP")
    assert not stop(third, "CP")  # already stopped
    active = store.active_transaction("CP")
    assert active is not None and active.id == second
    active_on_1 = store.active_transaction("CP", 1)
    assert active_on_1 is not None and active_on_1.id == first
    assert store.active_transaction("OTHER") is None
    assert [t.id for t in store.transactions("CP")] == [first, second, third]
    assert store.transactions("OTHER") == []


async def test_state_survives_a_restart(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    csms = await start_csms()
    cp = await connect(csms.ocpp_url)
    await cp.boot()
    first_id = (await cp.start_transaction(TAGS.valid))["transactionId"]
    await cp.close()
    await csms.stop()

    again = await start_csms()  # same db_path
    listed = await http_async("GET", f"{again.api_url}/transactions")
    assert [t["transactionId"] for t in listed.body["transactions"]] == [first_id]
    assert listed.body["transactions"][0]["stopTimestamp"] is None
    charge_points = (await http_async("GET", f"{again.api_url}/chargepoints")).body
    assert charge_points["chargePoints"][0]["vendor"] == "TestVendor"
    assert charge_points["chargePoints"][0]["connected"] is False

    cp = await connect(again.ocpp_url)
    second_id = (await cp.start_transaction(TAGS.valid))["transactionId"]
    assert second_id > first_id
