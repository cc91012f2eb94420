"""Editions of the OCTT 1.6 Test Case Document a case can be run in (catalog §12).

One case file serves every edition. A step may belong to some editions only
(``editions: [2024-04]``), and a case or a step may change keys in an edition
(``in_edition: {2024-04: {match: {...}}}``; a key set to null is removed there). The loader
resolves a case for one edition before it validates and builds it; errors still name the
line in the file, inside ``in_edition`` when the value came from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from simulator.yamlsource import YamlDocument

# Oldest first; the newest is the default (the lab runs the current OCTT).
EDITIONS: tuple[str, ...] = ("2024-04", "2025-11")
DEFAULT_EDITION = EDITIONS[-1]
EDITION_TITLES: dict[str, str] = {
    "2024-04": "FINAL 2024-04 (read directly)",
    "2025-11": "2025-11 (from transcriptions; catalog §12)",
}

ONLY_IN = "editions"  # step key: the editions the step belongs to
CHANGES = "in_edition"  # case or step key: edition -> keys that differ there

__all__ = [
    "CHANGES",
    "DEFAULT_EDITION",
    "EDITIONS",
    "EDITION_TITLES",
    "ONLY_IN",
    "EditionDocument",
    "changes_schema",
    "only_in_schema",
    "resolve",
    "varies",
]


def only_in_schema() -> dict[str, Any]:
    return {
        "type": "array",
        "minItems": 1,
        "uniqueItems": True,
        "items": {"enum": list(EDITIONS)},
        "description": "the Test Case Document editions this step belongs to (default: all)",
    }


def changes_schema(keys: Sequence[str]) -> dict[str, Any]:
    """``in_edition``: per edition, new values for some of ``keys`` (null removes one)."""
    return {
        "type": "object",
        "propertyNames": {"enum": list(EDITIONS)},
        "additionalProperties": {
            "type": "object",
            "propertyNames": {"enum": sorted(keys)},
            "description": "keys whose value differs in this edition (null: absent there)",
        },
        "description": "edition -> the keys that differ in it (" + ", ".join(EDITIONS) + ")",
    }


@dataclass(frozen=True)
class EditionDocument(YamlDocument):
    """A case file's data as one edition has it; line numbers still point into the file."""

    edition: str = ""
    step_index: tuple[int, ...] = ()  # resolved step -> its index in the file
    changed: frozenset[tuple[int | None, str]] = field(default_factory=frozenset)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        return super().line_of(self.source_path(path))

    def source_path(self, path: Sequence[str | int]) -> list[str | int]:
        """Where the value at ``path`` of the resolved data is written in the file."""
        parts = list(path)
        if len(parts) >= 2 and parts[0] == "steps" and isinstance(parts[1], int):
            index = parts[1]
            original = self.step_index[index] if index < len(self.step_index) else index
            head: list[str | int] = ["steps", original]
            rest = parts[2:]
            if rest and (original, str(rest[0])) in self.changed:
                head += [CHANGES, self.edition]
            return head + rest
        if parts and (None, str(parts[0])) in self.changed:
            return [CHANGES, self.edition, *parts]
        return parts


def _apply(raw: dict[str, Any], edition: str) -> tuple[dict[str, Any], set[str]]:
    changes = raw.get(CHANGES, {})
    changes = changes.get(edition, {}) if isinstance(changes, dict) else {}
    resolved = {k: v for k, v in raw.items() if k not in (ONLY_IN, CHANGES)}
    for key, value in (changes if isinstance(changes, dict) else {}).items():
        if value is None:
            resolved.pop(key, None)
        else:
            resolved[key] = value
    return resolved, set(changes) if isinstance(changes, dict) else set()


def resolve(document: YamlDocument, edition: str) -> EditionDocument:
    """``document`` (a schema-valid case file) as ``edition`` has it."""
    raw: dict[str, Any] = document.data
    data, case_changed = _apply(raw, edition)
    changed: set[tuple[int | None, str]] = {(None, key) for key in case_changed}
    steps, index = [], []
    for position, step in enumerate(raw.get("steps", [])):
        if not isinstance(step, dict):
            steps.append(step)
            index.append(position)
            continue
        if edition not in step.get(ONLY_IN, EDITIONS):
            continue
        resolved, step_changed = _apply(step, edition)
        changed.update((position, key) for key in step_changed)
        steps.append(resolved)
        index.append(position)
    if "steps" in data:
        data["steps"] = steps
    return EditionDocument(
        document.file, data, document.root, edition, tuple(index), frozenset(changed)
    )


def varies(document: YamlDocument) -> bool:
    """Whether the case differs between editions at all."""
    raw = document.data
    return (
        CHANGES in raw
        or ONLY_IN in raw
        or any(
            isinstance(step, dict) and (CHANGES in step or ONLY_IN in step)
            for step in raw.get("steps", [])
        )
    )
