from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.bundled import default_cases_dir
from simulator.cases import Case, discover_cases, load_cases
from simulator.config import HarnessConfig, load_config

FAST_CONFIG = Path(__file__).resolve().parent.parent / "data" / "fast.yaml"


@pytest.fixture(scope="session")
def fast_config() -> HarnessConfig:
    return load_config(FAST_CONFIG)


@pytest.fixture(scope="session")
def all_cases() -> list[Case]:
    return load_cases(discover_cases(default_cases_dir()))


@pytest.fixture
def cases_by_id(all_cases: list[Case]) -> Iterator[dict[str, Case]]:
    yield {case.id: case for case in all_cases}
