"""A set of named behaviours switched on, checked against a catalogue of known names:
the base of :class:`~csms_under_test.faults.Faults` and
:class:`~csms_under_test.variations.Variations`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar


class Switches:
    catalogue: ClassVar[dict[str, str]]  # name -> what it does
    noun: ClassVar[str]  # "fault", "variation": for the error message

    def __init__(self, names: Iterable[str] = ()) -> None:
        chosen = frozenset(names)
        unknown = sorted(chosen - self.catalogue.keys())
        if unknown:
            raise ValueError(
                f"unknown {self.noun} {', '.join(map(repr, unknown))}; "
                f"known {self.noun}s: {', '.join(sorted(self.catalogue))}"
            )
        self._names = chosen

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({sorted(self._names)!r})"
