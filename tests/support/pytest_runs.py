"""A pytest run of the plugin as a user starts one, inside this test process.

Each run is a new pytest session (pytester's in-process mode: its own configuration, the
plugins found through their entry points, the ini of the folder it starts in), run from
``cwd``. A subprocess would load the same installed plugin, at about a second of CPU per
run for the interpreter and the imports; the packaging tests run it as a subprocess of a
fresh install."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest

# pytest-asyncio's notice to a folder without its ini setting, as a vendor's may be: theirs
# to set, and in-process it would land in this run's warnings summary.
_QUIET = ("-o", "asyncio_default_fixture_loop_scope=function")


def run_pytest(
    pytester: pytest.Pytester, *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``pytest -p no:cacheprovider -rA ARGS`` started in ``cwd``: its exit status and output."""
    with contextlib.chdir(cwd):
        ran = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA", *args, *_QUIET)
    return subprocess.CompletedProcess(
        list(args), int(ran.ret), "\n".join(ran.outlines), "\n".join(ran.errlines)
    )
