"""Every package says what it exports, and ``from package import *`` gives exactly that."""

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(
    ".".join(init.parent.relative_to(ROOT).parts)
    for top in ("simulator", "csms_under_test", "reports")
    for init in (ROOT / top).rglob("__init__.py")
)


def test_the_packages_are_found() -> None:
    assert {"simulator", "simulator.cases", "simulator.runner", "reports"} <= set(PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_star_import_gives_the_declared_names(name: str) -> None:
    package = importlib.import_module(name)
    declared = getattr(package, "__all__", None)
    assert declared is not None, f"{name} has no __all__"
    missing = [item for item in declared if not hasattr(package, item)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
    assert len(set(declared)) == len(declared), f"{name}.__all__ repeats a name"
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(declared)
