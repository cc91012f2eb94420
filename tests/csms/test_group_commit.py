"""Group commit (issue 16, item 7): the writes of the requests handled in one loop turn
share a commit, and no answer leaves before what it reports is committed."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.group_commit import CommitFailed, GroupCommit
from csms_under_test.store import IdTagRecord, Store

from .helpers import WAIT, ConnectChargePoint

START = {"connectorId": 1, "idTag": "TAG", "meterStart": 0, "timestamp": "2026-01-01T10:00:00Z"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "store.sqlite3")
    yield store
    store.close()


def _committed_transactions(path: Path) -> list[int]:
    """The transaction ids another connection reads: what is committed."""
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT id FROM transactions ORDER BY id")]
    finally:
        db.close()


def _start(store: Store, cp: str = "CP") -> int:
    return store.start_transaction(
        cp, connector_id=1, id_tag="TAG", meter_start=0, timestamp="2026-01-01T10:00:00Z"
    )


def test_a_write_commits_before_it_returns(store: Store) -> None:
    first = _start(store)
    assert not store.uncommitted
    assert _committed_transactions(store.path) == [first]


def test_deferred_writes_wait_for_commit(store: Store) -> None:
    with store.deferred():
        first, second = _start(store), _start(store)
    assert store.uncommitted
    assert store.transaction(first) is not None  # read back on the store's own connection
    assert _committed_transactions(store.path) == []
    store.commit()
    assert not store.uncommitted
    assert _committed_transactions(store.path) == [first, second]


def test_a_write_outside_commits_what_was_deferred(store: Store) -> None:
    with store.deferred():
        first = _start(store)
    second = _start(store)
    assert _committed_transactions(store.path) == [first, second]


def test_close_commits_what_was_deferred(store: Store) -> None:
    with store.deferred():
        first = _start(store)
    store.close()
    assert _committed_transactions(store.path) == [first]


def test_a_failed_deferred_change_undoes_itself_only(store: Store) -> None:
    with store.deferred():
        first = _start(store)
        broken = [IdTagRecord("T1", "Accepted"), IdTagRecord("T2", None)]  # type: ignore[arg-type]
        with pytest.raises(sqlite3.IntegrityError):  # NOT NULL, at the second row
            store.put_id_tags(broken)
        with pytest.raises(sqlite3.IntegrityError):  # one statement: NOT NULL
            store.start_transaction(
                "CP", connector_id=1, id_tag=None, meter_start=0, timestamp="2026-01-01T10:00Z"
            )  # type: ignore[arg-type]
        second = _start(store)
    store.commit()
    assert _committed_transactions(store.path) == [first, second]
    assert store.id_tag("T1") is None


def test_a_change_that_cannot_be_undone_alone_fails_the_commit(store: Store) -> None:
    with store.deferred():
        _start(store)
        with pytest.raises(RuntimeError), store._write(one_statement=True):
            raise RuntimeError("no savepoint to roll back to")
    assert store.uncommitted
    with pytest.raises(sqlite3.Error):
        store.commit()  # the deferred start went with the whole transaction
    assert _committed_transactions(store.path) == []
    assert not store.uncommitted
    assert _start(store) > 0  # the store goes on


async def test_one_commit_for_the_requests_of_a_loop_turn(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits: list[int] = []
    commit = store.commit

    def counted() -> None:
        commits.append(len(_committed_transactions(store.path)))
        commit()

    monkeypatch.setattr(store, "commit", counted)
    group = GroupCommit(store)

    async def request() -> list[int]:
        with store.deferred():
            _start(store)
        await group.durable()
        return _committed_transactions(store.path)

    seen = await asyncio.gather(*(request() for _ in range(20)))
    assert commits == [0]  # one commit, after all twenty wrote
    assert all(len(committed) == 20 for committed in seen)
    await group.durable()  # nothing waits: no commit
    assert commits == [0]


async def test_a_failed_commit_fails_every_request_of_the_group(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing() -> None:
        store._db.execute("ROLLBACK")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "commit", failing)
    group = GroupCommit(store)

    async def request() -> None:
        with store.deferred():
            _start(store)
        await group.durable()

    outcomes = await asyncio.gather(request(), request(), return_exceptions=True)
    assert all(isinstance(outcome, CommitFailed) for outcome in outcomes), outcomes
    assert _committed_transactions(store.path) == []


async def test_an_answer_leaves_only_once_committed(
    csms: ReferenceCsms, connect: ConnectChargePoint, db_path: Path
) -> None:
    charge_points = [await connect(csms.ocpp_url, f"CP_G{n}") for n in range(10)]

    async def started(cp_index: int) -> None:
        answer = await charge_points[cp_index].request("StartTransaction", START)
        assert answer["transactionId"] in _committed_transactions(db_path)

    await asyncio.gather(*(started(n) for n in range(10)))


async def test_a_request_whose_commit_failed_is_answered_internal_error_and_processed_again(
    csms: ReferenceCsms,
    connect: ConnectChargePoint,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = csms.store
    commit = store.commit
    failures = [sqlite3.OperationalError("database or disk is full")]

    def failing_once() -> None:
        if failures:
            store._db.execute("ROLLBACK")
            raise failures.pop()
        commit()

    cp = await connect(csms.ocpp_url, "CP_FULL")
    monkeypatch.setattr(store, "commit", failing_once)
    request = json.dumps([2, "start-1", "StartTransaction", START])
    await cp.send_text(request)
    first = json.loads(await asyncio.wait_for(cp.websocket.recv(), WAIT))
    assert first[:3] == [4, "start-1", "InternalError"]
    assert _committed_transactions(db_path) == []
    await cp.send_text(request)  # the same request again: processed this time
    second = json.loads(await asyncio.wait_for(cp.websocket.recv(), WAIT))
    assert second[:2] == [3, "start-1"]
    assert _committed_transactions(db_path) == [second[2]["transactionId"]]


async def test_commits_follow_each_other_no_faster_than_the_interval(store: Store) -> None:
    """Under load a commit waits for min_interval after the last one (more requests share
    it); after a quiet moment it is made on the next turn."""
    commits = GroupCommit(store, min_interval=0.05)
    loop = asyncio.get_running_loop()
    with store.deferred():
        _start(store)
    began = loop.time()
    await commits.durable()
    first = loop.time() - began
    with store.deferred():
        _start(store, "CP_2")
    await commits.durable()
    second = loop.time() - began
    assert first < 0.05 <= second  # the first at once, the second one interval later
    assert len(_committed_transactions(store.path)) == 2
    await asyncio.sleep(0.06)  # quiet for longer than the interval
    with store.deferred():
        _start(store, "CP_3")
    began = loop.time()
    await commits.durable()
    assert loop.time() - began < 0.05
