"""Load case files: YAML -> schema check -> typed steps -> variable check.

A malformed file raises CaseLoadError with file, line and a hint; nothing runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simulator import editions
from simulator.cases.blocks import BLOCKS
from simulator.cases.model import Case
from simulator.cases.schema import case_schema
from simulator.cases.states import load_state_chain
from simulator.cases.steps import build_steps, check_variables
from simulator.cases.variables import CONFIG_VARIABLE_NAMES
from simulator.editions import DEFAULT_EDITION, EDITIONS
from simulator.yamlsource import YamlSourceError, load_yaml_file, schema_errors

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
    if not errors:
        for other in EDITIONS:
            errors = schema_errors(editions.resolve(source, other), schema)
            if errors:
                break
    if errors:
        raise errors[0]
    document = editions.resolve(source, edition)
    data: dict[str, Any] = document.data
    states = load_state_chain(data.get("given", "none"))
    steps = build_steps(document, data["steps"], label_prefix="")
    check_variables(document, [s.steps for s in states], steps, set(CONFIG_VARIABLE_NAMES))
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
        faults=tuple(data["faults"]),
        steps=steps,
        file=str(path),
        description=data.get("description", ""),
        states=states,
        setup=data.get("setup", {}),
        edition=edition,
        varies=editions.varies(source),
        finding_faults=tuple(data.get("finding_faults", ())),
    )


def discover_cases(root: Path) -> list[Path]:
    """Case files under ``root``: ``<block>/TC_*.yaml``, sorted."""
    return sorted(root.glob("*/TC_*.yaml"))


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
