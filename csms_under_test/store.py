"""The reference CSMS's persistent state: one SQLite file (WAL journal).

The schema is created idempotently on open, so restarting on the same file keeps charge
points, idTags, transactions, meter values, reservations, local list versions and charging
profiles, and transaction, reservation and charging profile ids continue where they left
off (AUTOINCREMENT never reuses an id; a new reservationId or chargingProfileId is above
every one ever stored). The connection is used from one thread only: the CSMS event loop's
(sqlite3 enforces this).

Each method that writes is one atomic change, committed before it returns, unless it runs
inside :meth:`Store.deferred`: then it stays uncommitted until :meth:`Store.commit`, so
that the writes of many requests answered at once share one commit (a group commit: see
:mod:`csms_under_test.group_commit`, which commits before any of their answers leave).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from csms_under_test.security import Credential
from csms_under_test.timestamps import parse_timestamp

_SCHEMA = """
CREATE TABLE IF NOT EXISTS charge_points (
    id               TEXT PRIMARY KEY,
    vendor           TEXT,
    model            TEXT,
    serial_number    TEXT,
    firmware_version TEXT,
    last_boot        TEXT,
    last_heartbeat   TEXT
);
CREATE TABLE IF NOT EXISTS connector_status (
    charge_point_id   TEXT    NOT NULL,
    connector_id      INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    error_code        TEXT    NOT NULL,
    info              TEXT,
    vendor_error_code TEXT,
    timestamp         TEXT,
    received_at       TEXT    NOT NULL,
    PRIMARY KEY (charge_point_id, connector_id)
);
CREATE TABLE IF NOT EXISTS connector_status_history (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id   TEXT    NOT NULL,
    connector_id      INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    error_code        TEXT    NOT NULL,
    info              TEXT,
    vendor_error_code TEXT,
    timestamp         TEXT,
    received_at       TEXT    NOT NULL
);
-- IdToken is a CiString20Type: compared case-insensitively (OCPP 1.6 §7).
CREATE TABLE IF NOT EXISTS id_tags (
    id_tag        TEXT PRIMARY KEY COLLATE NOCASE,
    status        TEXT NOT NULL,
    expiry_date   TEXT,
    parent_id_tag TEXT
);
CREATE TABLE IF NOT EXISTS transactions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id TEXT    NOT NULL,
    connector_id    INTEGER NOT NULL,
    id_tag          TEXT    NOT NULL,
    reservation_id  INTEGER,
    meter_start     INTEGER NOT NULL,
    start_timestamp TEXT    NOT NULL,
    meter_stop      INTEGER,
    stop_timestamp  TEXT,
    stop_reason     TEXT,
    stop_id_tag     TEXT
);
CREATE INDEX IF NOT EXISTS transactions_by_charge_point
    ON transactions (charge_point_id, stop_timestamp);
CREATE TABLE IF NOT EXISTS meter_values (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id TEXT    NOT NULL,
    connector_id    INTEGER,
    transaction_id  INTEGER,
    timestamp       TEXT    NOT NULL,
    value           TEXT    NOT NULL,
    context         TEXT,
    format          TEXT,
    measurand       TEXT,
    phase           TEXT,
    location        TEXT,
    unit            TEXT,
    source          TEXT    NOT NULL  -- 'MeterValues' or 'StopTransaction'
);
-- The latest FirmwareStatusNotification / DiagnosticsStatusNotification (and the Security
-- whitepaper's SignedFirmwareStatusNotification / LogStatusNotification) of each charge point.
CREATE TABLE IF NOT EXISTS firmware_status (
    charge_point_id TEXT NOT NULL,
    kind            TEXT NOT NULL,  -- 'firmware', 'diagnostics', 'signed_firmware' or 'log'
    status          TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (charge_point_id, kind)
);
-- One row per SecurityEventNotification (Security whitepaper §8): the security log.
CREATE TABLE IF NOT EXISTS security_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    charge_point_id TEXT NOT NULL,
    type            TEXT NOT NULL,
    timestamp       TEXT NOT NULL,  -- when it happened, as the charge point says
    tech_info       TEXT,
    received_at     TEXT NOT NULL
);
-- One row per ReserveNow the CSMS sent (OCPP 1.6 §5.13); reservation_id is the OCPP id.
CREATE TABLE IF NOT EXISTS reservations (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    reservation_id     INTEGER NOT NULL,
    charge_point_id    TEXT    NOT NULL,
    connector_id       INTEGER NOT NULL,
    id_tag             TEXT    NOT NULL,
    parent_id_tag      TEXT,
    expiry_date        TEXT    NOT NULL,
    status             TEXT    NOT NULL,  -- requested accepted rejected cancelled used
    reservation_status TEXT,              -- the charge point's ReserveNow.conf status
    transaction_id     INTEGER,           -- the transaction that used it
    created_at         TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS reservations_by_charge_point
    ON reservations (charge_point_id, reservation_id);
-- Per charge point: the local authorization list it last accepted (OCPP 1.6 §5.15) and the
-- highest listVersion ever sent to it; entries in local_list_entries.
CREATE TABLE IF NOT EXISTS local_lists (
    charge_point_id   TEXT PRIMARY KEY,
    list_version      INTEGER NOT NULL DEFAULT 0,
    update_type       TEXT,
    accepted_at       TEXT,
    last_sent_version INTEGER NOT NULL DEFAULT 0,
    last_sent_status  TEXT,
    reported_version  INTEGER,
    reported_at       TEXT
);
CREATE TABLE IF NOT EXISTS local_list_entries (
    charge_point_id TEXT NOT NULL,
    id_tag          TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (charge_point_id, id_tag)
);
-- One row per charging profile the CSMS sent (OCPP 1.6 §3.13 Smart Charging): in a
-- SetChargingProfile or embedded in a RemoteStartTransaction (sent_with).
CREATE TABLE IF NOT EXISTS charging_profiles (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    charging_profile_id INTEGER NOT NULL,
    charge_point_id     TEXT    NOT NULL,
    connector_id        INTEGER,           -- NULL: a RemoteStartTransaction without one
    purpose             TEXT    NOT NULL,
    stack_level         INTEGER NOT NULL,
    transaction_id      INTEGER,
    profile             TEXT    NOT NULL,  -- the chargingProfile / csChargingProfiles JSON
    sent_with           TEXT    NOT NULL,  -- SetChargingProfile or RemoteStartTransaction
    status              TEXT    NOT NULL,  -- sent accepted rejected cleared
    answer_status       TEXT,              -- the status the charge point answered
    sent_at             TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS charging_profiles_by_charge_point
    ON charging_profiles (charge_point_id, charging_profile_id);
-- What a charge point last answered to GetInstalledCertificateIds, per certificate type
-- (Security whitepaper M03): its certificateHashData list, as JSON ([] for NotFound).
CREATE TABLE IF NOT EXISTS installed_certificates (
    charge_point_id  TEXT NOT NULL,
    certificate_type TEXT NOT NULL,
    hash_data        TEXT NOT NULL,
    reported_at      TEXT NOT NULL,
    PRIMARY KEY (charge_point_id, certificate_type)
);
-- A charge point's Basic-auth password (Security profiles 1 and 2), salted and hashed
-- (csms_under_test.security.Credential); no row: none registered.
CREATE TABLE IF NOT EXISTS charge_point_credentials (
    charge_point_id TEXT PRIMARY KEY,
    salt            TEXT NOT NULL,
    digest          TEXT NOT NULL
);
-- The security profile a charge point runs when it is not the CSMS's default (Security
-- whitepaper §2: per charge point; raised with ChangeConfiguration SecurityProfile).
CREATE TABLE IF NOT EXISTS charge_point_security (
    charge_point_id TEXT PRIMARY KEY,
    profile         INTEGER NOT NULL
);
"""


# The tables the operator API lists (Store.count).
_LISTS = frozenset(
    {"id_tags", "charge_points", "transactions", "reservations", "local_lists", "charging_profiles"}
)


T = TypeVar("T")


# How many transactions' owners Store.transaction_owner keeps (a few MB at most).
MAX_CACHED_OWNERS = 65536


class _Deferred:
    """Store.deferred (a class, not a generator: it is entered for every request)."""

    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> None:
        self._store._deferring += 1

    def __exit__(self, *exc: object) -> None:
        self._store._deferring -= 1


class _Write:
    """Store._write's context manager."""

    __slots__ = ("_nested", "_one_statement", "_savepoint", "_store")

    def __init__(self, store: Store, one_statement: bool) -> None:
        self._store = store
        self._one_statement = one_statement
        self._nested = False
        self._savepoint = False

    def __enter__(self) -> None:
        store = self._store
        self._nested = store._db.in_transaction
        if not self._nested:
            store._db.execute("BEGIN")
        elif not self._one_statement:
            self._savepoint = True
            store._db.execute("SAVEPOINT write")
        store._depth += 1

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        store = self._store
        store._depth -= 1
        if kind is not None:
            store._undo(error, self._nested, self._savepoint)
            return
        if self._savepoint:
            store._db.execute("RELEASE write")
        if not store._deferring and not store._depth:
            store.commit()


@dataclass(frozen=True)
class Page:
    """One page of a list (the operator API's ``?offset=&limit=``): rows offset to
    offset + limit - 1, in the list's order."""

    offset: int = 0
    limit: int = -1  # SQLite: -1 is no limit

    @property
    def sql(self) -> str:
        return f" LIMIT {int(self.limit)} OFFSET {int(self.offset)}"

    def of(self, rows: Sequence[T]) -> Sequence[T]:
        """This page of a list held in memory (as ``sql`` pages a table)."""
        return (
            rows[self.offset :] if self.limit < 0 else rows[self.offset : self.offset + self.limit]
        )


ALL = Page()


@dataclass(frozen=True)
class ChargePointRecord:
    id: str
    vendor: str | None
    model: str | None
    serial_number: str | None
    firmware_version: str | None
    last_boot: str | None
    last_heartbeat: str | None


@dataclass(frozen=True)
class ConnectorStatusRecord:
    charge_point_id: str
    connector_id: int
    status: str
    error_code: str
    info: str | None
    vendor_error_code: str | None
    timestamp: str | None
    received_at: str


@dataclass(frozen=True)
class IdTagRecord:
    id_tag: str
    status: str
    expiry_date: str | None = None
    parent_id_tag: str | None = None


@dataclass(frozen=True)
class TransactionRecord:
    id: int
    charge_point_id: str
    connector_id: int
    id_tag: str
    reservation_id: int | None
    meter_start: int
    start_timestamp: str
    meter_stop: int | None
    stop_timestamp: str | None
    stop_reason: str | None
    stop_id_tag: str | None

    @property
    def stopped(self) -> bool:
        return self.stop_timestamp is not None


@dataclass(frozen=True)
class MeterValueRecord:
    charge_point_id: str
    connector_id: int | None
    transaction_id: int | None
    timestamp: str
    value: str
    context: str | None
    format: str | None
    measurand: str | None
    phase: str | None
    location: str | None
    unit: str | None
    source: str


@dataclass(frozen=True)
class FirmwareStatusRecord:
    charge_point_id: str
    kind: str  # FIRMWARE or DIAGNOSTICS
    status: str
    received_at: str


FIRMWARE = "firmware"
DIAGNOSTICS = "diagnostics"
SIGNED_FIRMWARE = "signed_firmware"  # Security whitepaper SignedFirmwareStatusNotification
LOG = "log"  # Security whitepaper LogStatusNotification


@dataclass(frozen=True)
class SecurityEventRecord:
    charge_point_id: str
    type: str
    timestamp: str
    tech_info: str | None
    received_at: str


# Reservation.status values; "expired" is never stored: an accepted reservation whose
# expiryDate has passed counts as expired (Reservation.status_at).
RESERVATION_REQUESTED = "requested"
RESERVATION_ACCEPTED = "accepted"
RESERVATION_REJECTED = "rejected"
RESERVATION_CANCELLED = "cancelled"
RESERVATION_USED = "used"
RESERVATION_EXPIRED = "expired"


@dataclass(frozen=True)
class ReservationRecord:
    id: int  # the row
    reservation_id: int
    charge_point_id: str
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expiry_date: str
    status: str
    reservation_status: str | None
    transaction_id: int | None
    created_at: str

    def expired_at(self, now: datetime) -> bool:
        expiry = parse_timestamp(self.expiry_date)
        return expiry is not None and expiry <= now

    def status_at(self, now: datetime) -> str:
        """The stored status, except that an accepted reservation past its expiryDate is
        expired."""
        if self.status == RESERVATION_ACCEPTED and self.expired_at(now):
            return RESERVATION_EXPIRED
        return self.status


@dataclass(frozen=True)
class LocalListRecord:
    charge_point_id: str
    list_version: int  # of the list the charge point last accepted; 0 = none yet
    update_type: str | None  # of that update
    accepted_at: str | None
    last_sent_version: int  # the highest listVersion ever sent
    last_sent_status: str | None  # the answer to the last SendLocalList
    reported_version: int | None  # the last GetLocalListVersion answer
    reported_at: str | None
    id_tags: tuple[str, ...] = field(default=())  # of the accepted list, sorted


# ChargingProfileRecord.status values.
PROFILE_SENT = "sent"
PROFILE_ACCEPTED = "accepted"
PROFILE_REJECTED = "rejected"
PROFILE_CLEARED = "cleared"


@dataclass(frozen=True)
class ChargingProfileRecord:
    id: int  # the row
    charging_profile_id: int
    charge_point_id: str
    connector_id: int | None
    purpose: str
    stack_level: int
    transaction_id: int | None
    profile_json: str
    sent_with: str
    status: str
    answer_status: str | None
    sent_at: str

    @property
    def profile(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.profile_json)
        return value


_TRANSACTION_COLUMNS = (
    "id, charge_point_id, connector_id, id_tag, reservation_id, meter_start, start_timestamp, "
    "meter_stop, stop_timestamp, stop_reason, stop_id_tag"
)
_CHARGE_POINT_COLUMNS = (
    "id, vendor, model, serial_number, firmware_version, last_boot, last_heartbeat"
)
_STATUS_COLUMNS = (
    "charge_point_id, connector_id, status, error_code, info, vendor_error_code, timestamp, "
    "received_at"
)
_RESERVATION_COLUMNS = (
    "id, reservation_id, charge_point_id, connector_id, id_tag, parent_id_tag, expiry_date, "
    "status, reservation_status, transaction_id, created_at"
)
_LOCAL_LIST_COLUMNS = (
    "charge_point_id, list_version, update_type, accepted_at, last_sent_version, "
    "last_sent_status, reported_version, reported_at"
)
_CHARGING_PROFILE_COLUMNS = (
    "id, charging_profile_id, charge_point_id, connector_id, purpose, stack_level, "
    "transaction_id, profile, sent_with, status, answer_status, sent_at"
)
_METER_VALUE_COLUMNS = (
    "charge_point_id, connector_id, transaction_id, timestamp, value, context, format, "
    "measurand, phase, location, unit, source"
)
_INSERT_METER_VALUE = (
    f"INSERT INTO meter_values ({_METER_VALUE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        # isolation_level None: sqlite3 begins no transaction of its own; _write does.
        self._db = sqlite3.connect(path, isolation_level=None)
        self._deferring = 0  # how many deferred() blocks are open
        self._depth = 0  # how many _write() blocks are open
        self._lost = False  # an error rolled back deferred writes (see _undo)
        # transaction id -> its charge point's id, as read (MeterValues asks for every
        # message); forgotten whenever a write is undone, which may undo a transaction read.
        self._owners: dict[int, str] = {}
        self._closed = False
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives the process being killed (kill -9 loses
            # nothing, tests/csms/test_kill_restart.py); only a power cut may lose the last
            # commits, never the database. FULL would fsync every StatusNotification.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(f"BEGIN;{_SCHEMA}COMMIT;")
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        """Close the database (again: nothing), committing what was deferred: nobody waited
        for it yet, and it is kept as it would have been."""
        if self._closed:
            return
        self._closed = True
        try:
            self.commit()
        finally:
            self._db.close()

    # -- transactions ---------------------------------------------------------------
    def _write(self, *, one_statement: bool = False) -> _Write:
        """One atomic change: all of it or (on an exception) none of it is kept. Committed
        at the end, unless deferred or part of a larger change: then it joins the open
        transaction, as a savepoint so that a failure undoes only this change (not needed
        for ``one_statement``: SQLite undoes a failed statement by itself)."""
        return _Write(self, one_statement)

    def _undo(self, error: BaseException | None, nested: bool, savepoint: bool) -> None:
        """Undo a failed change (see _write)."""
        self._owners.clear()
        db = self._db
        if savepoint and db.in_transaction:
            try:
                db.execute("ROLLBACK TO write")
                db.execute("RELEASE write")
                return
            except sqlite3.Error:
                pass
        elif nested and isinstance(error, sqlite3.Error) and db.in_transaction:
            return  # the one statement failed, and SQLite undid it
        if db.in_transaction:
            db.execute("ROLLBACK")
        if nested:
            # The whole transaction is rolled back (SQLite does so on some errors, such as
            # a full disk): the writes deferred before this one are gone with it.
            self._lost = True

    def deferred(self) -> _Deferred:
        """Leave what is written inside uncommitted, until :meth:`commit`: the writer
        commits before it tells anyone of the change. A write outside commits everything
        written until then."""
        return _Deferred(self)

    @property
    def uncommitted(self) -> bool:
        """Whether deferred writes wait for :meth:`commit`."""
        return self._db.in_transaction or self._lost

    def commit(self) -> None:
        """Commit the deferred writes. Raises (sqlite3.Error) when they are not all kept:
        the commit failed, or SQLite rolled some of them back already; then none is."""
        db = self._db
        lost, self._lost = self._lost, False
        if lost:
            self._owners.clear()
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise sqlite3.OperationalError("deferred writes were rolled back by an error")
        if not db.in_transaction:
            return
        try:
            db.execute("COMMIT")
        except BaseException:
            self._owners.clear()
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    # -- idTags ---------------------------------------------------------------------
    def put_id_tag(self, record: IdTagRecord) -> bool:
        """Store ``record``, replacing the row of the same idTag (compared case-insensitively);
        True when the idTag was new."""
        with self._write():
            known = self._db.execute(
                "SELECT 1 FROM id_tags WHERE id_tag = ?", (record.id_tag,)
            ).fetchone()
            self._db.execute(
                "INSERT OR REPLACE INTO id_tags (id_tag, status, expiry_date, parent_id_tag) "
                "VALUES (?, ?, ?, ?)",
                (record.id_tag, record.status, record.expiry_date, record.parent_id_tag),
            )
        return known is None

    def put_id_tags(self, records: Iterable[IdTagRecord]) -> None:
        """Store every one of ``records`` (as :meth:`put_id_tag`) in one transaction."""
        with self._write():
            self._db.executemany(
                "INSERT OR REPLACE INTO id_tags (id_tag, status, expiry_date, parent_id_tag) "
                "VALUES (?, ?, ?, ?)",
                [(r.id_tag, r.status, r.expiry_date, r.parent_id_tag) for r in records],
            )

    def delete_id_tag(self, id_tag: str) -> bool:
        """Forget ``id_tag``: from now on it is unknown (Invalid). True when it was stored."""
        with self._write():
            cursor = self._db.execute("DELETE FROM id_tags WHERE id_tag = ?", (id_tag,))
        return cursor.rowcount > 0

    def id_tag(self, id_tag: str) -> IdTagRecord | None:
        row = self._db.execute(
            "SELECT id_tag, status, expiry_date, parent_id_tag FROM id_tags WHERE id_tag = ?",
            (id_tag,),
        ).fetchone()
        return IdTagRecord(*row) if row else None

    def id_tags(self, page: Page = ALL) -> list[IdTagRecord]:
        rows = self._db.execute(
            "SELECT id_tag, status, expiry_date, parent_id_tag FROM id_tags ORDER BY id_tag"
            + page.sql
        )
        return [IdTagRecord(*row) for row in rows]

    # -- charge points --------------------------------------------------------------
    def ensure_charge_point(self, charge_point_id: str) -> bool:
        """Know ``charge_point_id`` (what is known of it stays); True when it was new."""
        with self._write(one_statement=True):
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO charge_points (id) VALUES (?)", (charge_point_id,)
            )
        return cursor.rowcount > 0

    def forget_charge_point(self, charge_point_id: str) -> bool:
        """Forget the charge point, its password and its connectors' current status; its
        history (transactions, reservations, lists, profiles) stays. True when it was known."""
        with self._write():
            cursor = self._db.execute("DELETE FROM charge_points WHERE id = ?", (charge_point_id,))
            self._db.execute(
                "DELETE FROM charge_point_credentials WHERE charge_point_id = ?",
                (charge_point_id,),
            )
            self._db.execute(
                "DELETE FROM connector_status WHERE charge_point_id = ?", (charge_point_id,)
            )
            self._db.execute(
                "DELETE FROM charge_point_security WHERE charge_point_id = ?", (charge_point_id,)
            )
        return cursor.rowcount > 0

    def set_security_profile(self, charge_point_id: str, profile: int | None) -> None:
        """The security profile the charge point runs (None: the CSMS's default)."""
        with self._write():
            if profile is None:
                self._db.execute(
                    "DELETE FROM charge_point_security WHERE charge_point_id = ?",
                    (charge_point_id,),
                )
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO charge_point_security (charge_point_id, profile) "
                    "VALUES (?, ?)",
                    (charge_point_id, profile),
                )

    def security_profile(self, charge_point_id: str) -> int | None:
        """The charge point's own security profile, or None for the CSMS's default."""
        row = self._db.execute(
            "SELECT profile FROM charge_point_security WHERE charge_point_id = ?",
            (charge_point_id,),
        ).fetchone()
        return int(row[0]) if row else None

    def set_credential(self, charge_point_id: str, credential: Credential | None) -> None:
        """Register the charge point's password (None: remove it)."""
        with self._write():
            if credential is None:
                self._db.execute(
                    "DELETE FROM charge_point_credentials WHERE charge_point_id = ?",
                    (charge_point_id,),
                )
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO charge_point_credentials "
                    "(charge_point_id, salt, digest) VALUES (?, ?, ?)",
                    (charge_point_id, credential.salt, credential.digest),
                )

    def credential(self, charge_point_id: str) -> Credential | None:
        row = self._db.execute(
            "SELECT salt, digest FROM charge_point_credentials WHERE charge_point_id = ?",
            (charge_point_id,),
        ).fetchone()
        return Credential(*row) if row else None

    def record_boot(
        self,
        charge_point_id: str,
        *,
        vendor: str,
        model: str,
        serial_number: str | None,
        firmware_version: str | None,
        at: str,
    ) -> None:
        with self._write(one_statement=True):
            self._db.execute(
                "INSERT INTO charge_points "
                "(id, vendor, model, serial_number, firmware_version, last_boot) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "vendor = excluded.vendor, model = excluded.model, "
                "serial_number = excluded.serial_number, "
                "firmware_version = excluded.firmware_version, last_boot = excluded.last_boot",
                (charge_point_id, vendor, model, serial_number, firmware_version, at),
            )

    def record_heartbeat(self, charge_point_id: str, at: str) -> None:
        with self._write(one_statement=True):
            self._db.execute(
                "INSERT INTO charge_points (id, last_heartbeat) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET last_heartbeat = excluded.last_heartbeat",
                (charge_point_id, at),
            )

    def charge_point(self, charge_point_id: str) -> ChargePointRecord | None:
        row = self._db.execute(
            f"SELECT {_CHARGE_POINT_COLUMNS} FROM charge_points WHERE id = ?", (charge_point_id,)
        ).fetchone()
        return ChargePointRecord(*row) if row else None

    def charge_points(self, page: Page = ALL) -> list[ChargePointRecord]:
        rows = self._db.execute(
            f"SELECT {_CHARGE_POINT_COLUMNS} FROM charge_points ORDER BY id" + page.sql
        )
        return [ChargePointRecord(*row) for row in rows]

    # -- connector status -----------------------------------------------------------
    def record_status(self, record: ConnectorStatusRecord) -> None:
        values = (
            record.charge_point_id,
            record.connector_id,
            record.status,
            record.error_code,
            record.info,
            record.vendor_error_code,
            record.timestamp,
            record.received_at,
        )
        with self._write():
            self._db.execute(
                f"INSERT OR REPLACE INTO connector_status ({_STATUS_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            self._db.execute(
                f"INSERT INTO connector_status_history ({_STATUS_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )

    def connector_statuses(self, charge_point_id: str) -> list[ConnectorStatusRecord]:
        rows = self._db.execute(
            f"SELECT {_STATUS_COLUMNS} FROM connector_status WHERE charge_point_id = ? "
            "ORDER BY connector_id",
            (charge_point_id,),
        )
        return [ConnectorStatusRecord(*row) for row in rows]

    def status_history(self, charge_point_id: str) -> list[ConnectorStatusRecord]:
        rows = self._db.execute(
            f"SELECT {_STATUS_COLUMNS} FROM connector_status_history WHERE charge_point_id = ? "
            "ORDER BY id",
            (charge_point_id,),
        )
        return [ConnectorStatusRecord(*row) for row in rows]

    # -- transactions ---------------------------------------------------------------
    def start_transaction(
        self,
        charge_point_id: str,
        *,
        connector_id: int,
        id_tag: str,
        meter_start: int,
        timestamp: str,
        reservation_id: int | None = None,
    ) -> int:
        """Create a transaction and return its new id."""
        with self._write(one_statement=True):
            cursor = self._db.execute(
                "INSERT INTO transactions (charge_point_id, connector_id, id_tag, reservation_id, "
                "meter_start, start_timestamp) VALUES (?, ?, ?, ?, ?, ?)",
                (charge_point_id, connector_id, id_tag, reservation_id, meter_start, timestamp),
            )
        transaction_id = cursor.lastrowid
        assert transaction_id is not None
        return transaction_id

    def stop_transaction(
        self,
        transaction_id: int,
        *,
        charge_point_id: str,
        meter_stop: int,
        timestamp: str,
        reason: str | None,
        id_tag: str | None,
    ) -> bool:
        """Close a running transaction of ``charge_point_id``, or complete one the CSMS closed
        as lost (:meth:`close_lost_transactions`: no meterStop yet); False if there is no
        such transaction (unknown, another charge point's, or stopped already)."""
        with self._write(one_statement=True):
            cursor = self._db.execute(
                "UPDATE transactions SET meter_stop = ?, stop_timestamp = ?, stop_reason = ?, "
                "stop_id_tag = ? WHERE id = ? AND charge_point_id = ? "
                "AND (stop_timestamp IS NULL OR meter_stop IS NULL)",
                (meter_stop, timestamp, reason, id_tag, transaction_id, charge_point_id),
            )
        return cursor.rowcount == 1

    def close_lost_transactions(
        self, charge_point_id: str, *, connector_id: int, timestamp: str, reason: str
    ) -> list[int]:
        """Close the transactions still running on the connector (the charge point evidently
        lost them): stopped at ``timestamp`` for ``reason``, with no meterStop, so that a
        StopTransaction for one still completes it. Returns their ids."""
        lost = [
            row[0]
            for row in self._db.execute(
                "SELECT id FROM transactions WHERE charge_point_id = ? AND connector_id = ? "
                "AND stop_timestamp IS NULL ORDER BY id",
                (charge_point_id, connector_id),
            )
        ]
        if not lost:
            return lost  # the usual case: nothing to write (one thread: nothing changed since)
        with self._write(one_statement=len(lost) == 1):
            self._db.executemany(
                "UPDATE transactions SET stop_timestamp = ?, stop_reason = ? WHERE id = ?",
                [(timestamp, reason, transaction_id) for transaction_id in lost],
            )
        return lost

    def transaction_owner(self, transaction_id: int) -> str | None:
        """The id of the charge point whose transaction ``transaction_id`` is (None: no
        such transaction). A transaction's charge point never changes: kept once read."""
        owner = self._owners.get(transaction_id)
        if owner is not None:
            return owner
        row = self._db.execute(
            "SELECT charge_point_id FROM transactions WHERE id = ?", (transaction_id,)
        ).fetchone()
        if row is None:
            return None
        if len(self._owners) >= MAX_CACHED_OWNERS:
            self._owners.clear()
        self._owners[transaction_id] = row[0]
        return str(row[0])

    def transaction(self, transaction_id: int) -> TransactionRecord | None:
        row = self._db.execute(
            f"SELECT {_TRANSACTION_COLUMNS} FROM transactions WHERE id = ?", (transaction_id,)
        ).fetchone()
        return TransactionRecord(*row) if row else None

    def active_transaction(
        self, charge_point_id: str, connector_id: int | None = None
    ) -> TransactionRecord | None:
        """The most recent transaction of the charge point (or connector) not yet stopped."""
        query = (
            f"SELECT {_TRANSACTION_COLUMNS} FROM transactions "
            "WHERE charge_point_id = ? AND stop_timestamp IS NULL"
        )
        params: list[Any] = [charge_point_id]
        if connector_id is not None:
            query += " AND connector_id = ?"
            params.append(connector_id)
        row = self._db.execute(query + " ORDER BY id DESC LIMIT 1", params).fetchone()
        return TransactionRecord(*row) if row else None

    def transactions(
        self, charge_point_id: str | None = None, page: Page = ALL
    ) -> list[TransactionRecord]:
        rows = self._rows(
            "transactions", _TRANSACTION_COLUMNS, "charge_point_id", charge_point_id, page
        )
        return [TransactionRecord(*row) for row in rows]

    def _rows(
        self, table: str, columns: str, column: str, value: object | None, page: Page = ALL
    ) -> list[Any]:
        """Every row of ``table`` in id order, or those whose ``column`` equals ``value``."""
        where = {column: value} if value is not None else {}
        return self._select(table, columns, where, page=page)

    def _select(
        self,
        table: str,
        columns: str,
        where: dict[str, object],
        newest_first: bool = False,
        page: Page = ALL,
    ) -> list[Any]:
        """The rows of ``table`` whose columns equal ``where``'s values, in id order."""
        condition = " AND ".join(f"{column} = ?" for column in where)
        query = f"SELECT {columns} FROM {table}" + (f" WHERE {condition}" if where else "")
        query += " ORDER BY id DESC" if newest_first else " ORDER BY id"
        return self._db.execute(query + page.sql, tuple(where.values())).fetchall()

    def count(self, table: str, charge_point_id: str | None = None) -> int:
        """How many rows a list has (of one charge point, if given): for paging."""
        if table not in _LISTS:
            raise ValueError(f"no list {table!r}")
        column = "id" if table == "charge_points" else "charge_point_id"
        query = f"SELECT COUNT(*) FROM {table}"
        if charge_point_id is not None and table not in ("id_tags", "charge_points"):
            row = self._db.execute(query + f" WHERE {column} = ?", (charge_point_id,)).fetchone()
        else:
            row = self._db.execute(query).fetchone()
        return int(row[0])

    # -- meter values ---------------------------------------------------------------
    def add_meter_values(
        self,
        charge_point_id: str,
        *,
        connector_id: int | None,
        transaction_id: int | None,
        meter_values: Iterable[dict[str, Any]],
        source: str,
    ) -> int:
        """Store every sampledValue of OCPP MeterValue objects (OCPP 1.6 §7 MeterValue,
        SampledValue); returns how many were stored."""
        rows = [
            (
                charge_point_id,
                connector_id,
                transaction_id,
                meter_value["timestamp"],
                sampled["value"],
                sampled.get("context"),
                sampled.get("format"),
                sampled.get("measurand"),
                sampled.get("phase"),
                sampled.get("location"),
                sampled.get("unit"),
                source,
            )
            for meter_value in meter_values
            for sampled in meter_value["sampledValue"]
        ]
        with self._write(one_statement=len(rows) == 1):
            if len(rows) == 1:  # the usual MeterValues: execute costs less than executemany
                self._db.execute(_INSERT_METER_VALUE, rows[0])
            else:
                self._db.executemany(_INSERT_METER_VALUE, rows)
        return len(rows)

    def meter_values(self, transaction_id: int | None = None) -> list[MeterValueRecord]:
        rows = self._rows("meter_values", _METER_VALUE_COLUMNS, "transaction_id", transaction_id)
        return [MeterValueRecord(*row) for row in rows]

    # -- firmware / diagnostics status ------------------------------------------------
    def record_firmware_status(
        self, charge_point_id: str, kind: str, status: str, received_at: str
    ) -> None:
        with self._write():
            self._db.execute(
                "INSERT OR REPLACE INTO firmware_status "
                "(charge_point_id, kind, status, received_at) VALUES (?, ?, ?, ?)",
                (charge_point_id, kind, status, received_at),
            )

    def firmware_status(self, charge_point_id: str, kind: str) -> FirmwareStatusRecord | None:
        row = self._db.execute(
            "SELECT charge_point_id, kind, status, received_at FROM firmware_status "
            "WHERE charge_point_id = ? AND kind = ?",
            (charge_point_id, kind),
        ).fetchone()
        return FirmwareStatusRecord(*row) if row else None

    # -- security events (Security whitepaper §8) -------------------------------------
    def record_security_event(self, event: SecurityEventRecord) -> None:
        with self._write():
            self._db.execute(
                "INSERT INTO security_events "
                "(charge_point_id, type, timestamp, tech_info, received_at) VALUES (?, ?, ?, ?, ?)",
                (
                    event.charge_point_id,
                    event.type,
                    event.timestamp,
                    event.tech_info,
                    event.received_at,
                ),
            )

    def security_events(self, charge_point_id: str | None = None) -> list[SecurityEventRecord]:
        columns = "charge_point_id, type, timestamp, tech_info, received_at"
        rows = self._rows("security_events", columns, "charge_point_id", charge_point_id)
        return [SecurityEventRecord(*row) for row in rows]

    # -- installed certificates (Security whitepaper M03, M04) --------------------------
    def record_installed_certificates(
        self,
        charge_point_id: str,
        certificate_type: str,
        hash_data: list[dict[str, Any]],
        reported_at: str,
    ) -> None:
        """What the charge point reported installed of ``certificate_type``, replacing the
        earlier report."""
        with self._write():
            self._db.execute(
                "INSERT OR REPLACE INTO installed_certificates "
                "(charge_point_id, certificate_type, hash_data, reported_at) VALUES (?, ?, ?, ?)",
                (charge_point_id, certificate_type, json.dumps(hash_data), reported_at),
            )

    def installed_certificates(self, charge_point_id: str) -> dict[str, list[dict[str, Any]]]:
        """certificate type -> the hash data the charge point last reported for it."""
        rows = self._db.execute(
            "SELECT certificate_type, hash_data FROM installed_certificates "
            "WHERE charge_point_id = ? ORDER BY certificate_type",
            (charge_point_id,),
        ).fetchall()
        return {kind: json.loads(data) for kind, data in rows}

    # -- reservations -----------------------------------------------------------------
    def next_reservation_id(self) -> int:
        """A reservationId above every one ever stored (for any charge point)."""
        row = self._db.execute("SELECT MAX(reservation_id) FROM reservations").fetchone()
        return max(int(row[0] or 0), 0) + 1

    def add_reservation(
        self,
        charge_point_id: str,
        *,
        reservation_id: int,
        connector_id: int,
        id_tag: str,
        parent_id_tag: str | None,
        expiry_date: str,
        created_at: str,
    ) -> ReservationRecord:
        """Store a reservation about to be sent (status requested)."""
        with self._write():
            cursor = self._db.execute(
                "INSERT INTO reservations (reservation_id, charge_point_id, connector_id, id_tag, "
                "parent_id_tag, expiry_date, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reservation_id,
                    charge_point_id,
                    connector_id,
                    id_tag,
                    parent_id_tag,
                    expiry_date,
                    RESERVATION_REQUESTED,
                    created_at,
                ),
            )
        row_id = cursor.lastrowid
        assert row_id is not None
        record = self._reservation_row(row_id)
        assert record is not None
        return record

    def answer_reservation(self, row_id: int, reservation_status: str | None) -> None:
        """The charge point answered ReserveNow: Accepted makes it accepted, anything else
        (or a CALLERROR: ``None``) rejected. An accepted reservation replaces earlier ones of
        the same charge point with the same reservationId (OCPP 1.6 §5.13)."""
        record = self._reservation_row(row_id)
        if record is None:
            return
        accepted = reservation_status == "Accepted"
        with self._write():
            if accepted:
                self._db.execute(
                    "UPDATE reservations SET status = ? WHERE charge_point_id = ? "
                    "AND reservation_id = ? AND status = ? AND id != ?",
                    (
                        RESERVATION_CANCELLED,
                        record.charge_point_id,
                        record.reservation_id,
                        RESERVATION_ACCEPTED,
                        row_id,
                    ),
                )
            self._db.execute(
                "UPDATE reservations SET status = ?, reservation_status = ? WHERE id = ?",
                (
                    RESERVATION_ACCEPTED if accepted else RESERVATION_REJECTED,
                    reservation_status,
                    row_id,
                ),
            )

    def set_reservation_status(
        self, row_id: int, status: str, transaction_id: int | None = None
    ) -> None:
        with self._write():
            self._db.execute(
                "UPDATE reservations SET status = ?, "
                "transaction_id = COALESCE(?, transaction_id) WHERE id = ?",
                (status, transaction_id, row_id),
            )

    def reservations(
        self, charge_point_id: str | None = None, page: Page = ALL
    ) -> list[ReservationRecord]:
        """Every reservation (or those of one charge point), oldest first."""
        rows = self._rows(
            "reservations", _RESERVATION_COLUMNS, "charge_point_id", charge_point_id, page
        )
        return [ReservationRecord(*row) for row in rows]

    def reservations_by_id(
        self, charge_point_id: str, reservation_id: int
    ) -> list[ReservationRecord]:
        """The reservations of ``charge_point_id`` with that reservationId, newest first."""
        where = {"charge_point_id": charge_point_id, "reservation_id": reservation_id}
        rows = self._select("reservations", _RESERVATION_COLUMNS, where, newest_first=True)
        return [ReservationRecord(*row) for row in rows]

    def _reservation_row(self, row_id: int) -> ReservationRecord | None:
        rows = self._select("reservations", _RESERVATION_COLUMNS, {"id": row_id})
        return ReservationRecord(*rows[0]) if rows else None

    # -- local authorization lists ----------------------------------------------------
    def local_list(self, charge_point_id: str) -> LocalListRecord | None:
        row = self._db.execute(
            f"SELECT {_LOCAL_LIST_COLUMNS} FROM local_lists WHERE charge_point_id = ?",
            (charge_point_id,),
        ).fetchone()
        return self._local_list_record(row) if row else None

    def local_lists(
        self, charge_point_id: str | None = None, page: Page = ALL
    ) -> list[LocalListRecord]:
        query = f"SELECT {_LOCAL_LIST_COLUMNS} FROM local_lists"
        params: tuple[str, ...] = ()
        if charge_point_id is not None:
            query, params = query + " WHERE charge_point_id = ?", (charge_point_id,)
        rows = self._db.execute(query + " ORDER BY charge_point_id" + page.sql, params).fetchall()
        return [self._local_list_record(row) for row in rows]

    def _local_list_record(self, row: Any) -> LocalListRecord:
        tags = self._db.execute(
            "SELECT id_tag FROM local_list_entries WHERE charge_point_id = ? ORDER BY id_tag",
            (row[0],),
        )
        return replace(LocalListRecord(*row), id_tags=tuple(tag for (tag,) in tags))

    def local_list_sent(self, charge_point_id: str, list_version: int) -> None:
        """A SendLocalList with ``list_version`` is going out: versions never go back."""
        with self._write():
            self._ensure_local_list(charge_point_id)
            self._db.execute(
                "UPDATE local_lists SET last_sent_version = MAX(last_sent_version, ?) "
                "WHERE charge_point_id = ?",
                (list_version, charge_point_id),
            )

    def local_list_answered(
        self,
        charge_point_id: str,
        *,
        status: str | None,
        list_version: int,
        update_type: str,
        id_tags: Iterable[str],
        at: str,
    ) -> None:
        """The charge point answered SendLocalList with ``status`` (None: a CALLERROR). On
        Accepted its list is now ``id_tags`` at ``list_version``; otherwise nothing changes
        but the recorded answer."""
        with self._write():
            self._ensure_local_list(charge_point_id)
            self._db.execute(
                "UPDATE local_lists SET last_sent_status = ? WHERE charge_point_id = ?",
                (status, charge_point_id),
            )
            if status != "Accepted":
                return
            self._db.execute(
                "UPDATE local_lists SET list_version = ?, update_type = ?, accepted_at = ? "
                "WHERE charge_point_id = ?",
                (list_version, update_type, at, charge_point_id),
            )
            self._db.execute(
                "DELETE FROM local_list_entries WHERE charge_point_id = ?", (charge_point_id,)
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO local_list_entries (charge_point_id, id_tag) VALUES (?, ?)",
                [(charge_point_id, tag) for tag in id_tags],
            )

    def local_list_version_reported(self, charge_point_id: str, version: int, at: str) -> None:
        """The charge point's answer to GetLocalListVersion."""
        with self._write():
            self._ensure_local_list(charge_point_id)
            self._db.execute(
                "UPDATE local_lists SET reported_version = ?, reported_at = ? "
                "WHERE charge_point_id = ?",
                (version, at, charge_point_id),
            )

    def _ensure_local_list(self, charge_point_id: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO local_lists (charge_point_id) VALUES (?)", (charge_point_id,)
        )

    # -- charging profiles ------------------------------------------------------------
    def next_charging_profile_id(self) -> int:
        """A chargingProfileId above every one ever stored (for any charge point)."""
        row = self._db.execute("SELECT MAX(charging_profile_id) FROM charging_profiles").fetchone()
        return max(int(row[0] or 0), 0) + 1

    def add_charging_profile(
        self,
        charge_point_id: str,
        *,
        charging_profile_id: int,
        connector_id: int | None,
        purpose: str,
        stack_level: int,
        transaction_id: int | None,
        profile: dict[str, Any],
        sent_with: str,
        sent_at: str,
    ) -> ChargingProfileRecord:
        """Store a charging profile about to be sent (status sent)."""
        with self._write():
            cursor = self._db.execute(
                f"INSERT INTO charging_profiles ({_CHARGING_PROFILE_COLUMNS}) "
                "VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (
                    charging_profile_id,
                    charge_point_id,
                    connector_id,
                    purpose,
                    stack_level,
                    transaction_id,
                    json.dumps(profile, ensure_ascii=False),
                    sent_with,
                    PROFILE_SENT,
                    sent_at,
                ),
            )
        row_id = cursor.lastrowid
        assert row_id is not None
        record = self._charging_profile_row(row_id)
        assert record is not None
        return record

    def answer_charging_profile(self, row_id: int, answer_status: str | None) -> None:
        """The charge point answered: Accepted makes the profile accepted, anything else (or
        a CALLERROR: ``None``) rejected. An accepted SetChargingProfile replaces (marks
        cleared) the accepted profiles of the charge point with the same chargingProfileId,
        or with the same connectorId, purpose and stackLevel (OCPP 1.6 §5.16)."""
        record = self._charging_profile_row(row_id)
        if record is None:
            return
        accepted = answer_status == "Accepted"
        with self._write():
            if accepted:
                self._db.execute(
                    "UPDATE charging_profiles SET status = ? WHERE charge_point_id = ? "
                    "AND status = ? AND id != ? AND (charging_profile_id = ? OR "
                    "(connector_id IS ? AND purpose = ? AND stack_level = ?))",
                    (
                        PROFILE_CLEARED,
                        record.charge_point_id,
                        PROFILE_ACCEPTED,
                        row_id,
                        record.charging_profile_id,
                        record.connector_id,
                        record.purpose,
                        record.stack_level,
                    ),
                )
            self._db.execute(
                "UPDATE charging_profiles SET status = ?, answer_status = ? WHERE id = ?",
                (PROFILE_ACCEPTED if accepted else PROFILE_REJECTED, answer_status, row_id),
            )

    def clear_charging_profiles(
        self,
        charge_point_id: str,
        *,
        charging_profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Mark cleared the accepted profiles of the charge point with that id, or else those
        matching every criterion given (none given: all); returns how many."""
        criteria: list[tuple[str, object]] = (
            [("charging_profile_id", charging_profile_id)]
            if charging_profile_id is not None
            else [
                (column, value)
                for column, value in (
                    ("connector_id", connector_id),
                    ("purpose", purpose),
                    ("stack_level", stack_level),
                )
                if value is not None
            ]
        )
        where = "".join(f" AND {column} = ?" for column, _ in criteria)
        with self._write():
            cursor = self._db.execute(
                "UPDATE charging_profiles SET status = ? WHERE charge_point_id = ? AND status = ?"
                + where,
                (PROFILE_CLEARED, charge_point_id, PROFILE_ACCEPTED, *(v for _, v in criteria)),
            )
        return cursor.rowcount

    def charging_profiles(
        self, charge_point_id: str | None = None, page: Page = ALL
    ) -> list[ChargingProfileRecord]:
        """Every charging profile sent (or those to one charge point), oldest first."""
        rows = self._rows(
            "charging_profiles", _CHARGING_PROFILE_COLUMNS, "charge_point_id", charge_point_id, page
        )
        return [ChargingProfileRecord(*row) for row in rows]

    def charging_profiles_by_id(
        self, charge_point_id: str, charging_profile_id: int
    ) -> list[ChargingProfileRecord]:
        """The profiles sent to ``charge_point_id`` with that chargingProfileId, newest first."""
        where = {"charge_point_id": charge_point_id, "charging_profile_id": charging_profile_id}
        rows = self._select(
            "charging_profiles", _CHARGING_PROFILE_COLUMNS, where, newest_first=True
        )
        return [ChargingProfileRecord(*row) for row in rows]

    def _charging_profile_row(self, row_id: int) -> ChargingProfileRecord | None:
        rows = self._select("charging_profiles", _CHARGING_PROFILE_COLUMNS, {"id": row_id})
        return ChargingProfileRecord(*rows[0]) if rows else None
