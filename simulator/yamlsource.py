"""YAML documents that remember where each value came from.

Case files and configuration files are user input: every error about them names the file
and line. :func:`load_yaml_file` returns the plain data plus a locator that maps a path
inside the data (as jsonschema reports it) back to a line number.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import InputError


class YamlSourceError(InputError):
    """An input file that cannot be used, with file, line and a hint."""

    def __init__(self, file: str, line: int | None, message: str, hint: str = "") -> None:
        self.file = file
        self.line = line
        self.message = message
        self.hint = hint
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}" + (f"\n  hint: {hint}" if hint else ""))


@dataclass(frozen=True)
class YamlDocument:
    file: str
    data: Any
    root: yaml.Node | None

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """1-based line of the value at ``path``, or of its nearest existing parent."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line

    def error(self, path: Sequence[str | int], message: str, hint: str = "") -> YamlSourceError:
        return YamlSourceError(self.file, self.line_of(path), message, hint)


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                found: yaml.Node = value
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None


# libyaml's parser when PyYAML was built with it (its wheels are), else the pure-Python one:
# the same nodes and marks, several times faster on the 62 case files.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text: str, file: str) -> YamlDocument:
    try:
        # Parsed once: the data is constructed from the very nodes that give the lines.
        root = yaml.compose(text, Loader=_LOADER)
        data = yaml.constructor.SafeConstructor().construct_document(root) if root else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSourceError(
            file, line, f"not valid YAML: {exc.problem or exc}", "check indentation and quoting"
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSourceError(file, None, f"not valid YAML: {exc}") from None
    return YamlDocument(file, data, root)


def load_yaml_file(path: Path) -> YamlDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlSourceError(str(path), None, f"cannot read: {exc}") from None
    return load_yaml_text(text, str(path))


def schema_errors(document: YamlDocument, schema: dict[str, Any]) -> list[YamlSourceError]:
    """Validate ``document.data`` against a JSON schema; one error per violation, in file order."""
    from jsonschema import Draft202012Validator

    errors = [
        _source_error(document, error)
        for error in Draft202012Validator(schema).iter_errors(document.data)
    ]
    errors.sort(key=lambda e: e.line or 0)
    return errors


def _source_error(document: YamlDocument, error: Any) -> YamlSourceError:
    error = _chosen_alternative(error)
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {})) if isinstance(error.schema, dict) else set()
        unexpected = sorted(str(k) for k in error.instance if k not in known)
        if unexpected:
            bad = unexpected[0]
            path.append(bad)
            nearest = difflib.get_close_matches(bad, sorted(known), n=1, cutoff=0.6)
            hint = f"did you mean {nearest[0]!r}? " if nearest else ""
            return document.error(
                path, f"unknown key {bad!r}", f"{hint}allowed here: {', '.join(sorted(known))}"
            )
    if error.validator == "enum" and isinstance(error.schema, dict):
        allowed = [str(v) for v in error.schema.get("enum", [])]
        nearest = difflib.get_close_matches(str(error.instance), allowed, n=1, cutoff=0.6)
        dotted = ".".join(str(p) for p in path) or "(top level)"
        hint = f"did you mean {nearest[0]!r}? " if nearest else ""
        shown = ", ".join(allowed) if len(allowed) <= 40 else ", ".join(allowed[:40]) + ", ..."
        return document.error(
            path, f"{dotted}: {error.instance!r} is not allowed", f"{hint}allowed: {shown}"
        )
    dotted = ".".join(str(p) for p in path) or "(top level)"
    hint = str(error.schema.get("description", "")) if isinstance(error.schema, dict) else ""
    return document.error(path, f"{dotted}: {_short(error.message)}", hint)


def _chosen_alternative(error: Any) -> Any:
    """For a ``oneOf`` (a step is exactly one kind), the error of the alternative the value
    means: the one whose own ``required`` keys it has (its kind's keyword); then, within
    it, the deepest error. Otherwise ``error`` itself."""
    if error.validator != "oneOf" or not error.context:
        return error
    by_alternative: dict[Any, list[Any]] = {}
    for sub in error.context:
        by_alternative.setdefault(sub.schema_path[0], []).append(sub)
    meant = [
        subs
        for subs in by_alternative.values()
        if not any(sub.validator == "required" and not sub.path for sub in subs)
    ]
    if len(meant) != 1:
        return error
    deepest = max(meant[0], key=lambda sub: len(sub.absolute_path))
    return _chosen_alternative(deepest)


def _short(message: str, limit: int = 240) -> str:
    return message if len(message) <= limit else message[:limit] + "..."
