"""Run a selection of cases one after another, each on a fresh connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict

import simulator
from reports.results import CaseResult, RunResult
from simulator.cases.model import Case
from simulator.clock import ocpp_timestamp
from simulator.runner.engine import CarryOver, RunSettings, run_case

CaseCallback = Callable[[Case], None]
ResultCallback = Callable[[CaseResult], None]


def describe_configuration(settings: RunSettings) -> dict[str, object]:
    """What the report shows as the test configuration."""
    config = settings.config
    return {
        "source": config.source,
        "sut": asdict(config.sut),
        "charge_point": asdict(config.charge_point),
        "id_tags": asdict(config.id_tags),
        "limits": asdict(config.limits),
        "waits": asdict(config.waits),
        "operator": settings.operator.name,
        "communication": "OCPP-J 1.6 (JSON over WebSocket)",
    }


async def run_suite(
    cases: Sequence[Case],
    settings: RunSettings,
    on_start: CaseCallback | None = None,
    on_result: ResultCallback | None = None,
) -> RunResult:
    clock = settings.clock
    started = clock.monotonic()
    started_wall = ocpp_timestamp(clock.now())
    results = []
    carry = CarryOver()
    for case in cases:
        if on_start:
            on_start(case)
        result = await run_case(case, settings, carry)
        results.append(result)
        if on_result:
            on_result(result)
    return RunResult(
        harness=simulator.HARNESS_NAME,
        version=simulator.__version__,
        started=started_wall,
        duration_s=round(clock.monotonic() - started, 3),
        csms_url=settings.csms_url,
        configuration=describe_configuration(settings),
        cases=results,
    )
