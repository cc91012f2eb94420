"""The two examples of docs/examples/ pass every case against the bundled CSMS when it offers
only a raw-send endpoint (issue 15): a ``python:`` hook, and the HTTP shim in front of it.

They build each request from the operator request's ``fields`` and the charge point's
``context`` alone: nothing of the harness's configuration, no look-up in the CSMS.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import importlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports.results import Verdict
from simulator.bundled import bundled_csms
from simulator.config import HarnessConfig
from simulator.editions import DEFAULT_EDITION, EDITIONS
from simulator.runner.suite import SuiteSession, Target
from tests.support.shipped import shipped_cases

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
MAX_LINES = 80  # issue 15: each example under 80 lines


@pytest.fixture
def examples(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The examples' folder on sys.path (as PYTHONPATH=docs/examples puts it); the shim."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    for name in ("raw_send_hook", "raw_send_shim"):
        sys.modules.pop(name, None)
    yield importlib.import_module("raw_send_shim")
    for name in ("raw_send_hook", "raw_send_shim"):
        sys.modules.pop(name, None)


def _shim(shim: Any) -> Iterator[str]:
    server = shim.serve(port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# Each example runs every case of the default edition; the hook also runs the cases that
# differ in the other edition (their requests differ: TC_052's reservationId, TC_059's kind).
@pytest.mark.slow
@pytest.mark.parametrize(
    ("front", "edition"),
    [("hook", DEFAULT_EDITION), ("shim", DEFAULT_EDITION)]
    + [("hook", edition) for edition in EDITIONS if edition != DEFAULT_EDITION],
)
def test_every_case_passes_through_an_example(
    fast_config: HarnessConfig,
    examples: Any,
    monkeypatch: pytest.MonkeyPatch,
    front: str,
    edition: str,
) -> None:
    config = dataclasses.replace(fast_config, edition=edition)
    cases = [c for c in shipped_cases(edition) if edition == DEFAULT_EDITION or c.varies]
    with bundled_csms(config, operator_api="raw") as bundled:
        ocpp, api = bundled
        monkeypatch.setenv("RAW_SEND_URL", api + "/chargepoints/{cp}/ocpp/{action}")
        config = bundled.harness_config(config)
        shim = _shim(examples) if front == "shim" else None
        operator = next(shim) if shim is not None else "python:raw_send_hook:operate"
        try:
            with SuiteSession(config, Target(csms_url=ocpp, operator=operator)) as suite:
                result = asyncio.run(suite.run(cases))
        finally:
            if shim is not None:
                shim.close()
    # A case in a profile the run does not start in needs the operator's SetSecurityProfile,
    # which a raw-send admin API cannot do: INCONCLUSIVE, never FAIL. Which cases need it
    # depends on the run: after TC_083 raised the profile to 2, TC_086 runs without one.
    start = config.security.profile
    switching = {c.id for c in cases if c.security_profiles and start not in c.security_profiles}
    verdicts = {c.id: (c.verdict, [str(r) for r in c.reasons]) for c in result.cases}
    wrong = {
        k: v
        for k, v in verdicts.items()
        if v[0] != Verdict.PASS
        and not (
            k in switching
            and v[0] == Verdict.INCONCLUSIVE
            and all("could not set security profile" in r for r in v[1])
        )
    }
    assert not wrong, wrong
    assert not [f"{c.id}: {f}" for c in result.cases for f in c.findings]
    operator_steps = [s.operator for c in result.cases for s in c.steps if s.operator]
    used = {tuple(op.get("used_context", ())) for op in operator_steps}
    if edition == DEFAULT_EDITION:
        asked = {c.id for c in result.cases if any(s.operator for s in c.steps)}
        assert len(asked - switching) == 52  # the switching ones asked for SetSecurityProfile
        # The report tells which requests were built from the charge point's context.
        assert ("transactions",) in used and ("reservations",) in used


@pytest.mark.parametrize("name", ["raw_send_hook.py", "raw_send_shim.py"])
def test_each_example_is_short_and_imports_no_harness(name: str) -> None:
    source = (EXAMPLES / name).read_text()
    assert len(source.splitlines()) < MAX_LINES
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not imported & {"simulator", "csms_under_test", "ocppj", "reports"}
