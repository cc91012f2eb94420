"""What the reference CSMS is provisioned with before any charge point connects: the idTags
it holds and the charge points it knows (docs/operator-api.md, "Provisioning").

A seed is a YAML file (``csms-under-test --seed FILE``)::

    id_tags:
      TAG-VALID-0001: {status: Accepted, parentIdTag: TAG-PARENT-001}
      TAG-EXPIRED-01: {status: Accepted, expiryDate: "2020-01-01T00:00:00.000Z"}
      TAG-BLOCKED-01: {status: Blocked}
    charge_points:
      CP_1: {}

Seeding writes what the seed names and leaves everything else in the store as it is: a
seeded idTag gets exactly the seed's status, expiryDate and parentIdTag (replacing the
stored row of that idTag), idTags the seed does not name (added over the API, or by an
earlier seed) stay, and a seeded charge point is registered unless it is known already.
The same entry schema checks an idTag put over the operator API
(:mod:`csms_under_test.provisioning`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from csms_under_test.security import Credential, password_problem
from csms_under_test.store import IdTagRecord, Store
from csms_under_test.timestamps import parse_timestamp

# OCPP 1.6 §7.2 AuthorizationStatus: what an idTag may be stored as (Expired is also what
# an Accepted idTag past its expiryDate answers, csms_under_test.authorization).
ID_TAG_STATUSES = ("Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx")
# OCPP 1.6 §7 IdToken: CiString20Type, compared case-insensitively.
ID_TOKEN_MAX = 20
# RFC 3339 date-time, as OCPP 1.6 §3.2 writes times: a date, a time and an offset.
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")

# One idTag's entry: in a seed file and in PUT /api/idtags/{idTag}.
ID_TAG_ENTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["status"],
    "properties": {
        "status": {"enum": list(ID_TAG_STATUSES)},
        "expiryDate": {"type": ["string", "null"]},
        "parentIdTag": {"type": ["string", "null"]},  # an IdToken: id_tag_problem
    },
}
# A charge point's entry: its Basic-auth password (Security profiles 1 and 2), if any.
CHARGE_POINT_ENTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "password": {"type": ["string", "null"]},
        # Security whitepaper §2: the profile this charge point runs (null: the default).
        "securityProfile": {"enum": [0, 1, 2, 3, None]},
    },
}
# The file's structure; each idTag entry is checked with ID_TAG_ENTRY_SCHEMA, in file order.
SEED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id_tags": {"type": ["object", "null"]},
        "charge_points": {
            "type": ["object", "null"],
            "additionalProperties": CHARGE_POINT_ENTRY_SCHEMA,
        },
    },
}


class SeedError(ValueError):
    """A seed file that cannot be used: ``FILE:LINE: key: what is wrong``."""


@dataclass(frozen=True)
class ChargePointSeed:
    id: str
    password: str | None = None  # the AuthorizationKey it connects with (profiles 1, 2)
    security_profile: int | None = None  # None: the CSMS's --security-profile


@dataclass(frozen=True)
class Seed:
    id_tags: tuple[IdTagRecord, ...] = ()
    charge_points: tuple[ChargePointSeed, ...] = ()


def apply_seed(seed: Seed, store: Store) -> None:
    """Write the seed into the store; rows the seed does not name stay as they are."""
    store.put_id_tags(seed.id_tags)
    for charge_point in seed.charge_points:
        store.ensure_charge_point(charge_point.id)
        if charge_point.password is not None:
            store.set_credential(charge_point.id, Credential.of(charge_point.password))
        if charge_point.security_profile is not None:
            store.set_security_profile(charge_point.id, charge_point.security_profile)


def _schema_problem(schema: dict[str, Any], entry: Any) -> tuple[list[str | int], str] | None:
    """The first way ``entry`` breaks ``schema`` (in path order), described, or None."""
    errors = sorted(Draft202012Validator(schema).iter_errors(entry), key=lambda e: e.path)
    return _described(errors[0]) if errors else None


def charge_point_problem(entry: Any) -> tuple[list[str | int], str] | None:
    """What is wrong with a charge point's entry, as (path inside it, message), or None."""
    found = _schema_problem(CHARGE_POINT_ENTRY_SCHEMA, entry)
    if found is not None:
        return found
    password = entry.get("password")
    problem = password_problem(password) if isinstance(password, str) else None
    return (["password"], problem) if problem is not None else None


# -- one entry (a seed's, or a PUT body's) ----------------------------------------------
def entry_problem(entry: Any) -> tuple[list[str | int], str] | None:
    """What is wrong with an idTag's entry, as (path inside the entry, message), or None."""
    found = _schema_problem(ID_TAG_ENTRY_SCHEMA, entry)
    if found is not None:
        return found
    expiry = entry.get("expiryDate")
    if isinstance(expiry, str) and (_DATE_TIME.match(expiry) is None or not _parses(expiry)):
        return ["expiryDate"], f"{expiry!r} is not an RFC 3339 date-time (2026-01-01T00:00:00Z)"
    parent = entry.get("parentIdTag")
    problem = id_tag_problem(parent) if isinstance(parent, str) else None
    return (["parentIdTag"], problem) if problem is not None else None


def id_tag_problem(id_tag: str) -> str | None:
    """What is wrong with ``id_tag`` as an IdToken (OCPP 1.6 §7), or None."""
    if not 1 <= len(id_tag) <= ID_TOKEN_MAX:
        return (
            f"an idTag has 1 to {ID_TOKEN_MAX} characters (IdToken), {id_tag!r} has {len(id_tag)}"
        )
    return None


def id_tag_record(id_tag: str, entry: dict[str, Any]) -> IdTagRecord:
    """The store's row for a checked entry (see :func:`entry_problem`)."""
    return IdTagRecord(id_tag, entry["status"], entry.get("expiryDate"), entry.get("parentIdTag"))


def _parses(text: str) -> bool:
    return parse_timestamp(text) is not None


def _described(error: ValidationError) -> tuple[list[str | int], str]:
    path: list[str | int] = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        unknown = sorted(str(key) for key in error.instance if key not in known)
        allowed = ", ".join(known) or "none"
        return [*path, unknown[0]], f"unknown key (allowed: {allowed})"
    if error.validator == "enum" and isinstance(error.schema, dict):
        allowed = ", ".join(str(value) for value in error.schema["enum"])
        return path, f"{error.instance!r} is not one of {allowed}"
    given = error.instance
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [
            key for key in error.validator_value if isinstance(given, dict) and key not in given
        ]
        return [*path, *missing[:1]], "missing"
    return path, error.message


# -- the seed file ---------------------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """YAML's own types, except that a timestamp stays the text it was written as."""


def _as_text(loader: _Loader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)


def load_seed(path: Path, *, charge_points_only: bool = False) -> Seed:
    """Read and check a seed file. Raises SeedError naming the file, line and key.

    ``charge_points_only``: the file is the ``charge_points`` mapping alone, as
    ``--charge-points FILE`` takes it (``{CP_1: {password: ...}}``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError(f"{path}: cannot read: {error}") from None
    return parse_seed(text, str(path), charge_points_only=charge_points_only)


def parse_seed(text: str, file: str, *, charge_points_only: bool = False) -> Seed:
    try:
        loader = _Loader(text)
        try:  # composed once: the data is constructed from the nodes that give the lines
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        raise SeedError(f"{where}: not valid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise SeedError(f"{file}: not valid YAML: {error}") from None
    if data is None:
        return Seed()
    if charge_points_only and root is not None:
        key = yaml.ScalarNode(_TEXT, "charge_points", root.start_mark, root.start_mark)
        root = yaml.MappingNode("tag:yaml.org,2002:map", [(key, root)], root.start_mark)
        data = {"charge_points": data}
    if not isinstance(data, dict):
        raise SeedError(f"{file}:1: a seed is a mapping with id_tags and charge_points")
    assert root is not None
    _check(data, root, file)
    id_tags = tuple(
        id_tag_record(id_tag, entry) for id_tag, entry in (data.get("id_tags") or {}).items()
    )
    charge_points = tuple(
        ChargePointSeed(cp_id, (entry or {}).get("password"), (entry or {}).get("securityProfile"))
        for cp_id, entry in (data.get("charge_points") or {}).items()
    )
    return Seed(id_tags, charge_points)


def _check(data: dict[str, Any], root: yaml.Node, file: str) -> None:
    def fail(path: Sequence[str | int], message: str) -> SeedError:
        key = ".".join(str(part) for part in path) or "(top level)"
        return SeedError(f"{file}:{_line(root, path)}: {key}: {message}")

    errors = sorted(
        Draft202012Validator(SEED_SCHEMA).iter_errors(data),
        key=lambda error: _line(root, list(error.absolute_path)),
    )
    if errors:
        raise fail(*_described(errors[0]))
    for section in ("id_tags", "charge_points"):
        seen: dict[str, str] = {}
        for key in _keys(root, section):
            if key.tag != _TEXT:
                raise fail([section, key.value], "quote it: a key here is text")
            problem = id_tag_problem(key.value) if section == "id_tags" else None
            if problem is None and not key.value:
                problem = "a charge point id is not empty"
            if problem is not None:
                raise fail([section, key.value], problem)
            # The store compares idTags case-insensitively (OCPP 1.6 §7), ids exactly.
            folded = key.value.casefold() if section == "id_tags" else key.value
            if folded in seen:
                raise fail([section, key.value], f"given twice (also as {seen[folded]!r})")
            seen[folded] = key.value
    for id_tag, entry in (data.get("id_tags") or {}).items():
        found = entry_problem(entry)
        if found is not None:
            raise fail(["id_tags", id_tag, *found[0]], found[1])
    for cp_id, entry in (data.get("charge_points") or {}).items():
        found = charge_point_problem(entry or {})
        if found is not None:
            raise fail(["charge_points", cp_id, *found[0]], found[1])


_TEXT = "tag:yaml.org,2002:str"


def _keys(root: yaml.Node, section: str) -> list[yaml.ScalarNode]:
    pair = _pair(root, section)
    if pair is None or not isinstance(pair[1], yaml.MappingNode):
        return []
    return [key for key, _ in pair[1].value if isinstance(key, yaml.ScalarNode)]


def _pair(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key, value) nodes of ``part`` in a mapping node, or None."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
    return None


def _line(root: yaml.Node, path: Sequence[str | int]) -> int:
    """1-based line of the key at ``path`` (or of its nearest parent that exists)."""
    node, line = root, root.start_mark.line + 1
    for part in path:
        pair = _pair(node, part)
        if pair is None:
            break
        line, node = pair[0].start_mark.line + 1, pair[1]
    return line
