from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.cases import Case
from simulator.config import HarnessConfig, load_config
from tests.support.shipped import shipped_cases

FAST_CONFIG = Path(__file__).resolve().parent.parent / "data" / "fast.yaml"


@pytest.fixture(scope="session")
def fast_config() -> HarnessConfig:
    return load_config(FAST_CONFIG)


@pytest.fixture(scope="session")
def all_cases() -> list[Case]:
    return list(shipped_cases())


@pytest.fixture
def cases_by_id(all_cases: list[Case]) -> Iterator[dict[str, Case]]:
    yield {case.id: case for case in all_cases}
