"""What a loaded case is: a case, its steps and the reusable states it starts from.

The step kinds themselves live in ``simulator.cases.steps``, one module each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.cases.steps import Step
from simulator.editions import DEFAULT_EDITION

__all__ = ["Case", "State"]


@dataclass(frozen=True)
class State:
    """A reusable state (OCTT 1.6 §3.22): Booted, Authorized, Charging."""

    name: str
    requires: str | None
    reference: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    block: str
    reference: str
    given: str  # "none" or a reusable state name
    faults: tuple[str, ...]
    steps: tuple[Step, ...]
    file: str
    description: str = ""
    states: tuple[State, ...] = field(default=())  # the chain the case starts from, outermost first
    setup: dict[str, Any] = field(default_factory=dict)  # the charge point's state (docs)
    edition: str = DEFAULT_EDITION  # the Test Case Document edition it was loaded for
    varies: bool = False  # its steps or validations differ between editions (catalog §12)
    finding_faults: tuple[str, ...] = ()  # faults it reports as findings only
    # The security profiles the case's pre-condition names (catalog §11); () = any.
    security_profiles: tuple[int, ...] = ()
    raises_security_profile: bool = False  # TC_083: the profile after it must be supported
    # Feature profiles its pre-condition needs beside its block's (catalog TC_080).
    feature_profiles: tuple[str, ...] = ()
    # The Test Case Document editions that have the case (catalog §12); () = every one.
    editions: tuple[str, ...] = ()

    @property
    def in_its_edition(self) -> bool:
        """Whether the edition it was loaded for has this case (TC_088 is not in 2024-04)."""
        return not self.editions or self.edition in self.editions

    @property
    def all_steps(self) -> tuple[Step, ...]:
        return tuple(step for state in self.states for step in state.steps) + self.steps
