"""What every step kind shares, and the registry the case loader reads them from.

A step kind is one frozen dataclass (a subclass of :class:`StepBase`) that carries its
YAML keyword, its schema fragment, how it is parsed from a validated mapping, which of
its fields hold ``$variables`` (substituted once, before the step runs) and how the
report names it. How it runs is its executor's business (``simulator.runner.executors``).
Register a new kind with :func:`register_step_kind`; docs/architecture.md shows a whole one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeVar

from ocppj.actions import CHARGE_POINT_INITIATED
from simulator.cases.variables import references, substitute
from simulator.editions import CHANGES, ONLY_IN, changes_schema, only_in_schema
from simulator.yamlsource import YamlDocument

# -- schema fragments several kinds use -------------------------------------------------
FIELDS: dict[str, Any] = {
    "type": "object",
    "description": "a payload fragment: OCPP camelCase keys, values may be $variables",
}
SAVE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {"type": "string"},
    "description": "variable name -> dotted path into the payload, e.g. {transaction_id: transactionId}",
}
SECONDS: dict[str, Any] = {
    "oneOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": "^\\$[a-z_][a-z0-9_]*$"},
    ],
    "description": "seconds, or a $variable",
}
ANSWERS: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"enum": sorted(CHARGE_POINT_INITIATED)},
    "additionalProperties": {"type": "object"},
    "description": "action -> fields the CSMS's answers to it must have",
}
FINDING_BASES = ("ocpp", "inference")


def findings_schema(fields_key: str | None, *, answers: bool = False) -> dict[str, Any]:
    """``findings:``: checks beyond the TCD's validations. Each names its basis (a stricter
    OCPP 1.6 rule, or an inference) and its ref; a failure is a finding beside the verdict,
    counted only with --strict."""
    properties: dict[str, Any] = {
        "basis": {
            "enum": list(FINDING_BASES),
            "description": "ocpp: a stricter OCPP 1.6 rule; inference: implied, not validated by the TCD",
        },
        "ref": {"type": "string", "minLength": 1, "description": "where the rule comes from"},
    }
    if fields_key is not None:
        properties[fields_key] = FIELDS
    if answers:
        properties["answers"] = ANSWERS
    checked = " | ".join(k for k in properties if k not in ("basis", "ref"))
    return {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["basis", "ref"],
            "minProperties": 3,
            "properties": properties,
        },
        "description": "checks the TCD does not make: [{basis: ocpp|inference, ref: text, "
        f"{checked}: {{fields}}}}]; a failure is a finding, not the verdict",
    }


COMMON: dict[str, Any] = {
    "title": {"type": "string", "description": "what the step does, in the catalog's words"},
    "ref": {
        "type": "string",
        "description": "where the rule comes from (catalog case, OCPP 1.6 section)",
    },
}


@dataclass(frozen=True)
class StepBase:
    """One step of a case or of a reusable state."""

    keyword: ClassVar[str]  # the YAML key that names the kind: `send: Heartbeat`
    properties: ClassVar[dict[str, Any]]  # schema of the kind's keys, the keyword's included
    hint: ClassVar[str]  # one line of usage, shown when a step matches no kind
    substituted: ClassVar[tuple[str, ...]] = ()  # fields whose $variables resolve()
    saves: ClassVar[str | None] = None  # the field naming variables the step saves, if any

    label: str  # "3" for a case step, "Booted 2" for a step of a reusable state
    title: str
    ref: str  # where the rule comes from: catalog case / OCPP 1.6 section
    line: int  # where the step starts in its file

    # -- declared per kind ------------------------------------------------------------
    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        """The step from its schema-valid mapping; ``common`` holds label, title, ref, line."""
        raise NotImplementedError

    def reported_action(self) -> str:
        """The OCPP action or activity the report names for this step ("" for none)."""
        return ""

    def describe(self) -> str:
        """What the report calls the step when the case gives it no title."""
        return self.keyword

    # -- derived from the declarations --------------------------------------------------
    @property
    def kind(self) -> str:
        return self.keyword

    @property
    def heading(self) -> str:
        return self.title or self.describe()

    @classmethod
    def schema(cls) -> dict[str, Any]:
        keys = {**COMMON, **cls.properties}
        return {
            "type": "object",
            "required": [cls.keyword],
            "additionalProperties": False,
            "properties": {
                **keys,
                ONLY_IN: only_in_schema(),
                CHANGES: changes_schema([k for k in keys if k != cls.keyword]),
            },
            "description": cls.hint,
        }

    def resolve(self, variables: dict[str, Any]) -> Self:
        """This step with every ``$variable`` replaced (raises UnknownVariable)."""
        values = {name: substitute(getattr(self, name), variables) for name in self.substituted}
        return dataclasses.replace(self, **values)

    def used_variables(self) -> Iterator[str]:
        for name in self.substituted:
            yield from references(getattr(self, name))

    def saved_variables(self) -> Iterable[str]:
        return list(getattr(self, self.saves)) if self.saves else []


K = TypeVar("K", bound=type[StepBase])
STEP_KINDS: dict[str, type[StepBase]] = {}


def register_step_kind(kind: K) -> K:
    """Make ``kind`` known to the case loader (its schema joins the case schema)."""
    if kind.keyword in STEP_KINDS and STEP_KINDS[kind.keyword] is not kind:
        raise ValueError(f"step keyword {kind.keyword!r} is already registered")
    STEP_KINDS[kind.keyword] = kind
    return kind


def step_schema() -> dict[str, Any]:
    """The schema of one step: exactly one registered kind."""
    return {
        "type": "object",
        "description": "a step has exactly one of: " + ", ".join(STEP_KINDS),
        "oneOf": [kind.schema() for kind in STEP_KINDS.values()],
    }


def kind_of(raw: dict[str, Any]) -> type[StepBase]:
    [kind] = [kind for keyword, kind in STEP_KINDS.items() if keyword in raw]
    return kind


def build_steps(
    document: YamlDocument, raw_steps: Sequence[dict[str, Any]], label_prefix: str
) -> tuple[StepBase, ...]:
    """Typed steps from schema-valid mappings (``document`` gives the line numbers)."""
    steps: list[StepBase] = []
    for index, raw in enumerate(raw_steps):
        common = {
            "label": f"{label_prefix}{index + 1}",
            "title": raw.get("title", ""),
            "ref": raw.get("ref", ""),
            "line": document.line_of(["steps", index]) or 0,
        }
        steps.append(kind_of(raw).parse(raw, common))
    return tuple(steps)


def check_variables(
    document: YamlDocument,
    given: Iterable[Sequence[StepBase]],
    steps: Sequence[StepBase],
    known: set[str],
) -> None:
    """Every $variable must be known (configured, or saved by a step of ``given`` or an
    earlier step); otherwise a load error naming the step's line."""
    known = set(known)
    for earlier in given:
        for step in earlier:
            known.update(step.saved_variables())
    for index, step in enumerate(steps):
        for name in step.used_variables():
            if name not in known:
                raise document.error(
                    ["steps", index],
                    f"step {step.label} uses ${name}, which is neither configured nor saved by an earlier step",
                    "known here: " + ", ".join(sorted(known)),
                )
        known.update(step.saved_variables())
