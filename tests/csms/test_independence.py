"""The reference CSMS is a program of its own: of this project it imports only ``ocppj``
(issue 15, item 4), so it can be read, run and replaced without the harness."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "csms_under_test"
# The project's own top-level packages (pyproject's packages.find, plus the test tree).
FIRST_PARTY = {"ocppj", "simulator", "csms_under_test", "reports", "testcases", "tests"}
ALLOWED = {"ocppj", "csms_under_test"}
MODULES = sorted(PACKAGE.rglob("*.py"))


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in the module, wherever it is
    (a function's body, ``if TYPE_CHECKING:`` and ``try:`` blocks included)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def test_the_modules_are_found() -> None:
    names = {path.name for path in MODULES}
    assert {"__init__.py", "app.py", "settings.py", "seed.py", "provisioning.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_a_module_imports_nothing_of_the_project_but_ocppj(path: Path) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {top}"
        for line, top in _imported(path)
        if top in FIRST_PARTY - ALLOWED
    ]
    assert wrong == []


def test_the_check_sees_a_harness_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import json\nfrom ocppj import Session\n"
        "def f():\n    from simulator.config import HarnessConfig\n    import reports.results\n",
        encoding="utf-8",
    )
    assert [top for _, top in _imported(module)] == ["json", "ocppj", "simulator", "reports"]


def test_importing_the_csms_loads_no_harness_module() -> None:
    """``import csms_under_test``, then every module of it (but ``__main__``, which runs)."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import csms_under_test\n"
        "first = sorted(m for m in sys.modules if m.split('.')[0] in ('simulator', 'reports'))\n"
        "for module in pkgutil.walk_packages(csms_under_test.__path__, 'csms_under_test.'):\n"
        "    if not module.name.endswith('__main__'):\n"
        "        importlib.import_module(module.name)\n"
        "every = sorted(m for m in sys.modules if m.split('.')[0] in ('simulator', 'reports'))\n"
        "print(first, every, 'csms_under_test.provisioning' in sys.modules)"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        check=True,
    )
    assert finished.stdout.strip() == "[] [] True"
