"""Load case files: YAML -> schema check -> typed steps -> variable check.

A malformed file raises CaseLoadError with file, line and a hint; nothing runs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ocppj.schemas import payload_schema
from simulator import editions
from simulator.cases.blocks import BLOCKS
from simulator.cases.model import Case
from simulator.cases.schema import case_schema
from simulator.cases.states import load_state_chain
from simulator.cases.steps import build_steps, check_variables
from simulator.cases.variables import CONFIG_VARIABLE_NAMES
from simulator.editions import DEFAULT_EDITION, EDITIONS, ONLY_IN
from simulator.runner.matching import OPERATORS
from simulator.yamlsource import YamlDocument, YamlSourceError, load_yaml_file, schema_errors

CaseLoadError = YamlSourceError

__all__ = ["CaseLoadError", "discover_cases", "load_case", "load_cases"]


def load_case(path: Path, edition: str = DEFAULT_EDITION) -> Case:
    """The case in ``path`` as ``edition`` of the Test Case Document has it. The file must be
    valid in every edition, so a slip in one edition's changes is found in any run."""
    if edition not in EDITIONS:
        raise YamlSourceError(
            str(path), None, f"unknown edition {edition!r}", "one of: " + ", ".join(EDITIONS)
        )
    source = load_yaml_file(path)
    if not isinstance(source.data, dict):
        raise source.error([], "a case file must be a mapping", "start with 'id: TC_xxx_CSMS'")
    schema = case_schema()
    errors = schema_errors(source, schema)
    for other in EDITIONS:
        if errors:
            break
        view = editions.resolve(source, other)
        if view.data != source.data:  # else nothing in the file is edition-specific
            errors = schema_errors(view, schema)
    if errors:
        raise errors[0]
    document = editions.resolve(source, edition)
    data: dict[str, Any] = document.data
    states = load_state_chain(data.get("given", "none"))
    steps = build_steps(document, data["steps"], label_prefix="")
    check_variables(document, [s.steps for s in states], steps, set(CONFIG_VARIABLE_NAMES))
    check_faults(document, data)
    check_operators(document, data["steps"])
    check_enums(document, data["steps"])
    expected_name = f"{data['id']}.yaml"
    if path.name != expected_name:
        raise document.error(
            ["id"], f"case {data['id']} is in {path.name}", f"name the file {expected_name}"
        )
    return Case(
        id=data["id"],
        title=data["title"],
        block=data["block"],
        reference=data["reference"],
        given=data.get("given", "none"),
        faults=tuple(data.get("faults", ())),
        steps=steps,
        file=str(path),
        description=data.get("description", ""),
        states=states,
        setup=data.get("setup", {}),
        edition=edition,
        varies=editions.varies(source),
        finding_faults=tuple(data.get("finding_faults", ())),
        security_profiles=tuple(data.get("security_profiles", ())),
        raises_security_profile=bool(data.get("raises_security_profile", False)),
        feature_profiles=tuple(data.get("feature_profiles", ())),
        editions=tuple(source.data.get(ONLY_IN, ())),
    )


def check_faults(document: YamlDocument, data: dict[str, Any]) -> None:
    """Every fault a case names is one of the reference CSMS (joined with variations by +)."""
    from csms_under_test.faults import FAULTS, UnknownFault, switched_on

    for key in ("faults", "finding_faults"):
        for index, entry in enumerate(data.get(key, ())):
            try:
                switched_on(entry)
            except UnknownFault as unknown:
                nearest = difflib.get_close_matches(unknown.name, sorted(FAULTS), n=1)
                hint = f"did you mean {nearest[0]!r}? " if nearest else ""
                raise document.error(
                    [key, index],
                    f"{key}: {unknown.name!r} is not a fault of the reference CSMS",
                    f"{hint}see csms-under-test --list-faults (and --list-variations for +)",
                ) from None


# Where a step holds payload fragments that are matched (their $ keys are operators).
_MATCHED = ("match", "expect", "warn", "answers")


def check_operators(document: YamlDocument, steps: list[dict[str, Any]]) -> None:
    """A ``$`` key in an expected fragment must be a matching operator: a typo such as
    ``$presnt`` would otherwise run and fail the CSMS."""
    for index, raw in enumerate(steps):
        fragments = [(key, raw[key]) for key in _MATCHED if key in raw]
        for n, finding in enumerate(raw.get("findings", ())):
            fragments += [(f"findings.{n}.{k}", finding[k]) for k in _MATCHED if k in finding]
        for key, fragment in fragments:
            bad = next(_unknown_operators(fragment), None)
            if bad is not None:
                nearest = difflib.get_close_matches(bad, sorted(OPERATORS), n=1)
                hint = f"did you mean {nearest[0]!r}? " if nearest else ""
                raise document.error(
                    ["steps", index, key.split(".")[0]],
                    f"step {index + 1}: {key}: unknown matching operator {bad!r}",
                    f"{hint}operators: {', '.join(sorted(OPERATORS))} (docs/case-language.md)",
                )


# step key -> (whose fields, the response's?) for the enum check against the OCA schemas
_PAYLOADS: dict[str, dict[str, bool]] = {
    "send": {"with": False, "expect": True, "warn": True},
    "expect_csms": {"match": False, "reply": True},
}


def check_enums(document: YamlDocument, steps: list[dict[str, Any]]) -> None:
    """A literal value the OCA schema enumerates must be one of its values: a typo such as
    ``status: Acepted`` would otherwise run and fail the CSMS (or never match)."""
    for index, raw in enumerate(steps):
        kind = next((k for k in _PAYLOADS if k in raw), None) or ("do" if "do" in raw else None)
        action = raw.get(kind) if kind in _PAYLOADS else None
        checks: list[tuple[str, str, bool, Any]] = []
        if isinstance(action, str):
            for key, response in _PAYLOADS[str(kind)].items():
                if key in raw:
                    checks.append((key, action, response, raw[key]))
        for answered, fields in (raw.get("answers") or {}).items():
            checks.append((f"answers.{answered}", answered, True, fields))
        for key, action_name, response, fragment in checks:
            schema = payload_schema(action_name, response=response)
            if schema is None:
                continue
            for path, value, allowed in _enum_mismatches(fragment, schema, ""):
                nearest = difflib.get_close_matches(str(value), allowed, n=1)
                hint = f"did you mean {nearest[0]!r}? " if nearest else ""
                message = "Response" if response else "Request"
                raise document.error(
                    ["steps", index, key.split(".")[0]],
                    f"step {index + 1}: {key}: {path} {value!r} is not a value the OCA "
                    f"{action_name}{message} schema allows",
                    f"{hint}allowed: {', '.join(allowed)}",
                )


def _enum_mismatches(
    fragment: Any, schema: dict[str, Any], path: str
) -> Iterator[tuple[str, Any, list[str]]]:
    """(path, value, allowed) for each literal in ``fragment`` outside its schema's enum;
    operators are looked through ($in, $ne, $any, $all, $each, $first)."""
    if isinstance(fragment, dict) and len(fragment) == 1 and next(iter(fragment)) in OPERATORS:
        op, operand = next(iter(fragment.items()))
        if op in ("$in", "$any", "$all"):
            for item in operand if isinstance(operand, list) else []:
                yield from _enum_mismatches(item, schema, path)
        elif op == "$ne":
            yield from _enum_mismatches(operand, schema, path)
        elif op in ("$each", "$first"):
            yield from _enum_mismatches(operand, schema.get("items", {}), f"{path}[]")
        return
    if isinstance(fragment, dict):
        properties = schema.get("properties", {})
        for key, item in fragment.items():
            if key in properties:
                where = f"{path}.{key}" if path else key
                yield from _enum_mismatches(item, properties[key], where)
    elif isinstance(fragment, list):
        for item in fragment:
            yield from _enum_mismatches(item, schema.get("items", {}), f"{path}[]")
    elif isinstance(fragment, str) and "enum" in schema and not fragment.startswith("$"):
        allowed = [str(value) for value in schema["enum"]]
        if fragment not in allowed:
            yield path or "(payload)", fragment, allowed


def _unknown_operators(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.startswith("$") and key not in OPERATORS:
                yield key
            yield from _unknown_operators(item)
    elif isinstance(value, list):
        for item in value:
            yield from _unknown_operators(item)


def discover_cases(root: Path) -> list[Path]:
    """Case files under ``root``: ``<block>/<id>.yaml``, sorted."""
    return sorted(path for path in root.glob("*/*.yaml") if not path.name.startswith("."))


def load_cases(paths: Iterable[Path], edition: str = DEFAULT_EDITION) -> list[Case]:
    """Load every file for ``edition``; all errors are collected and raised together (first
    one's message leads), so a user fixes them in one go."""
    cases: list[Case] = []
    errors: list[YamlSourceError] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            case = load_case(path, edition)
        except YamlSourceError as error:
            errors.append(error)
            continue
        if case.id in seen:
            errors.append(
                YamlSourceError(
                    case.file, 1, f"duplicate case id {case.id} (also in {seen[case.id]})"
                )
            )
            continue
        seen[case.id] = case.file
        cases.append(case)
    if errors:
        raise CaseLoadErrors(errors)
    return sorted(cases, key=_report_order)


def _report_order(case: Case) -> tuple[int, list[int]]:
    """Block order of a certification report, then case number (TC_004_2 before TC_010)."""
    blocks = [block.name for block in BLOCKS]
    index = blocks.index(case.block) if case.block in blocks else len(blocks)
    return index, [int(part) for part in re.findall(r"\d+", case.id)]


class CaseLoadErrors(YamlSourceError):
    def __init__(self, errors: list[YamlSourceError]) -> None:
        first = errors[0]
        super().__init__(first.file, first.line, first.message, first.hint)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(ValueError.__str__(e) for e in self.errors)
