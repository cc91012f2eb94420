"""The reference CSMS's persistent state: one SQLite file (WAL journal).

The schema is created idempotently on open, so restarting on the same file keeps charge
points, idTags, transactions and meter values, and transaction ids continue where they left
off (AUTOINCREMENT never reuses an id). The connection is used from one thread only: the
CSMS event loop's (sqlite3 enforces this).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.config import IdTags

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
"""

# Seeded for the configured "expired" idTag: any date in the past makes it Expired.
EXPIRED_TAG_EXPIRY = "2020-01-01T00:00:00.000Z"


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
_METER_VALUE_COLUMNS = (
    "charge_point_id, connector_id, transaction_id, timestamp, value, context, format, "
    "measurand, phase, location, unit, source"
)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            with self._db:
                self._db.executescript(_SCHEMA)
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    # -- idTags ---------------------------------------------------------------------
    def seed_id_tags(self, tags: IdTags) -> None:
        """Make the configured test idTags known (existing rows are left as they are).

        The ``invalid`` tag is deliberately not stored: it must be unknown to the CSMS.
        """
        rows = [
            IdTagRecord(tags.valid, "Accepted", parent_id_tag=tags.parent),
            IdTagRecord(tags.parent, "Accepted"),
            IdTagRecord(tags.blocked, "Blocked"),
            IdTagRecord(tags.expired, "Accepted", expiry_date=EXPIRED_TAG_EXPIRY),
        ]
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO id_tags (id_tag, status, expiry_date, parent_id_tag) "
                "VALUES (?, ?, ?, ?)",
                [(r.id_tag, r.status, r.expiry_date, r.parent_id_tag) for r in rows],
            )

    def put_id_tag(self, record: IdTagRecord) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO id_tags (id_tag, status, expiry_date, parent_id_tag) "
                "VALUES (?, ?, ?, ?)",
                (record.id_tag, record.status, record.expiry_date, record.parent_id_tag),
            )

    def id_tag(self, id_tag: str) -> IdTagRecord | None:
        row = self._db.execute(
            "SELECT id_tag, status, expiry_date, parent_id_tag FROM id_tags WHERE id_tag = ?",
            (id_tag,),
        ).fetchone()
        return IdTagRecord(*row) if row else None

    def id_tags(self) -> list[IdTagRecord]:
        rows = self._db.execute(
            "SELECT id_tag, status, expiry_date, parent_id_tag FROM id_tags ORDER BY id_tag"
        )
        return [IdTagRecord(*row) for row in rows]

    # -- charge points --------------------------------------------------------------
    def ensure_charge_point(self, charge_point_id: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO charge_points (id) VALUES (?)", (charge_point_id,)
            )

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
        with self._db:
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
        with self._db:
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

    def charge_points(self) -> list[ChargePointRecord]:
        rows = self._db.execute(f"SELECT {_CHARGE_POINT_COLUMNS} FROM charge_points ORDER BY id")
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
        with self._db:
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
        with self._db:
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
        """Close a running transaction of ``charge_point_id``; False if there is no such
        transaction (unknown, another charge point's, or already stopped)."""
        with self._db:
            cursor = self._db.execute(
                "UPDATE transactions SET meter_stop = ?, stop_timestamp = ?, stop_reason = ?, "
                "stop_id_tag = ? WHERE id = ? AND charge_point_id = ? AND stop_timestamp IS NULL",
                (meter_stop, timestamp, reason, id_tag, transaction_id, charge_point_id),
            )
        return cursor.rowcount == 1

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

    def transactions(self, charge_point_id: str | None = None) -> list[TransactionRecord]:
        rows = self._rows("transactions", _TRANSACTION_COLUMNS, "charge_point_id", charge_point_id)
        return [TransactionRecord(*row) for row in rows]

    def _rows(self, table: str, columns: str, column: str, value: object | None) -> list[Any]:
        """Every row of ``table`` in id order, or those whose ``column`` equals ``value``."""
        where, params = (f" WHERE {column} = ?", (value,)) if value is not None else ("", ())
        query = f"SELECT {columns} FROM {table}{where} ORDER BY id"
        return self._db.execute(query, params).fetchall()

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
        with self._db:
            self._db.executemany(
                f"INSERT INTO meter_values ({_METER_VALUE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def meter_values(self, transaction_id: int | None = None) -> list[MeterValueRecord]:
        rows = self._rows("meter_values", _METER_VALUE_COLUMNS, "transaction_id", transaction_id)
        return [MeterValueRecord(*row) for row in rows]
