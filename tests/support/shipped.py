"""The shipped cases, loaded once per edition for the whole test run.

Loading the 62 files (YAML, schema, OCA payload checks) is the same work every time; the
loader's own tests (tests/unit/test_case_loader.py) load them afresh. Cases are frozen, so
threads and tests can share them.
"""

from __future__ import annotations

import functools

from simulator.bundled import default_cases_dir
from simulator.cases import Case, discover_cases, load_cases
from simulator.editions import DEFAULT_EDITION


@functools.cache
def shipped_cases(edition: str = DEFAULT_EDITION) -> tuple[Case, ...]:
    """The shipped cases ``edition`` has (TC_088 is not in 2024-04)."""
    loaded = load_cases(discover_cases(default_cases_dir()), edition)
    return tuple(case for case in loaded if case.in_its_edition)


def shipped_case(case_id: str, edition: str = DEFAULT_EDITION) -> Case:
    [case] = [c for c in shipped_cases(edition) if c.id == case_id]
    return case


def runnable_cases(edition: str, profile: int) -> tuple[Case, ...]:
    """The shipped cases of ``edition`` a PICS at security ``profile`` runs (the others are
    NOT_APPLICABLE there: the certificate cases need profile 2 or 3)."""
    return tuple(
        case
        for case in shipped_cases(edition)
        if not case.security_profiles or profile in case.security_profiles
    )
