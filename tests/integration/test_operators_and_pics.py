"""Operator adapters, PICS applicability, case isolation and CLI limit overrides."""

import asyncio
import json
from pathlib import Path

import pytest

from reports.results import Verdict
from simulator.bundled import bundled_csms
from simulator.cases import Case
from simulator.cli import main
from simulator.config import HarnessConfig
from simulator.operator import HttpOperator, ManualOperator, PythonOperator, operator_from_spec
from simulator.operator.unavailable import NoOperator
from simulator.runner import RunSettings, run_case
from simulator.runner.engine import CarryOver
from simulator.runner.suite import run_suite
from tests.support import operator_hooks

FAST = str(Path(__file__).resolve().parent.parent / "data" / "fast.yaml")


def test_manual_operator_prints_the_instruction_and_payload_then_is_inconclusive(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    lines: list[str] = []
    config = fast_config.with_overrides(waits={"operator": 1.0})
    with bundled_csms(config) as (ocpp, _api):
        settings = RunSettings(config, ocpp, ManualOperator(lines.append))
        result = asyncio.run(run_case(cases_by_id["TC_012_CSMS"], settings))
    assert result.verdict == Verdict.INCONCLUSIVE
    [reason] = result.reasons
    assert reason.rule == "operator" and reason.step == "2"
    assert "did not send RemoteStopTransaction.req within 1 s" in reason.message
    assert "not confirmed" in reason.message
    [prompt] = lines
    assert "Remote-stop the transaction running on charge point CP_1, connector 1" in prompt
    assert "Make the CSMS send RemoteStopTransaction" in prompt


def test_python_operator_hook_makes_the_csms_act(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    with bundled_csms(fast_config) as (ocpp, api):
        operator_hooks.API_URL["value"] = api
        operator = PythonOperator("tests.support.operator_hooks:via_operator_api")
        result = asyncio.run(
            run_case(cases_by_id["TC_012_CSMS"], RunSettings(fast_config, ocpp, operator))
        )
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    assert operator_hooks.CALLS[-1].action == "RemoteStopTransaction"


def test_python_operator_that_raises_is_inconclusive(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    with bundled_csms(fast_config) as (ocpp, _api):
        operator = PythonOperator("tests.support.operator_hooks:broken")
        result = asyncio.run(
            run_case(cases_by_id["TC_012_CSMS"], RunSettings(fast_config, ocpp, operator))
        )
    assert result.verdict == Verdict.INCONCLUSIVE
    assert "RuntimeError: back office unreachable" in result.reasons[0].message


def test_no_operator_is_inconclusive_and_says_how_to_fix_it(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    with bundled_csms(fast_config) as (ocpp, _api):
        result = asyncio.run(
            run_case(cases_by_id["TC_012_CSMS"], RunSettings(fast_config, ocpp, NoOperator()))
        )
    assert result.verdict == Verdict.INCONCLUSIVE
    assert "--operator" in result.reasons[0].message


def test_http_operator_against_an_unreachable_api_is_inconclusive(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    with bundled_csms(fast_config) as (ocpp, _api):
        operator = HttpOperator("http://127.0.0.1:9/api")
        result = asyncio.run(
            run_case(cases_by_id["TC_012_CSMS"], RunSettings(fast_config, ocpp, operator))
        )
    assert result.verdict == Verdict.INCONCLUSIVE
    assert "unreachable" in result.reasons[0].message


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("http://h/api", HttpOperator),
        ("manual", ManualOperator),
        ("python:tests.support.operator_hooks:broken", PythonOperator),
    ],
)
def test_operator_specs(spec: str, kind: type) -> None:
    assert isinstance(operator_from_spec(spec), kind)


def test_bad_operator_spec_is_rejected() -> None:
    with pytest.raises(ValueError, match="expected an http"):
        operator_from_spec("carrier-pigeon")


def test_undeclared_feature_profile_is_not_applicable(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    config = fast_config.with_overrides(sut={"feature_profiles": ("FirmwareManagement",)})
    settings = RunSettings(config, "ws://127.0.0.1:9/ocpp", NoOperator())
    result = asyncio.run(run_case(cases_by_id["TC_003_CSMS"], settings))
    assert result.verdict == Verdict.NOT_APPLICABLE
    assert "does not declare feature profile Core" in result.reasons[0].message
    assert result.messages == []  # nothing was sent


def test_a_transaction_left_running_is_stopped_before_the_next_case(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    with bundled_csms(fast_config) as (ocpp, api):
        settings = RunSettings(fast_config, ocpp, HttpOperator(api))
        carry = CarryOver()
        first = asyncio.run(run_case(cases_by_id["TC_003_CSMS"], settings, carry))
        assert first.verdict == Verdict.PASS
        # TC_003 ends charging: teardown stopped the transaction, nothing is carried over
        assert carry.transactions == []
        assert first.steps[-1].kind == "teardown" and first.steps[-1].status == "passed"


def test_carried_over_transaction_is_delivered_first(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    from simulator.chargepoint.model import Transaction

    with bundled_csms(fast_config) as (ocpp, api):
        settings = RunSettings(fast_config, ocpp, HttpOperator(api))
        carry = CarryOver(
            [
                Transaction(
                    transaction_id=424242, connector_id=1, id_tag="X", meter_start=0, started_at=0.0
                )
            ]
        )
        result = asyncio.run(run_case(cases_by_id["TC_007_CSMS"], settings, carry))
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    assert result.steps[0].kind == "precondition" and result.steps[0].status == "passed"
    stops = [
        m for m in result.messages if m.action == "StopTransaction" and m.message_type == "CALL"
    ]
    assert stops[0].payload["transactionId"] == 424242 and stops[0].payload["reason"] == "Other"
    assert carry.transactions == []


def test_unreachable_preconditions_are_not_a_fail(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    from simulator.chargepoint.model import Transaction

    carry = CarryOver([Transaction(1, 1, "X", 0, 0.0)])
    settings = RunSettings(fast_config, "ws://127.0.0.1:9/ocpp", NoOperator())
    result = asyncio.run(run_case(cases_by_id["TC_007_CSMS"], settings, carry))
    assert result.verdict == Verdict.ERROR  # connection refused: environment, never FAIL


def test_a_suite_keeps_going_after_every_kind_of_outcome(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    config = fast_config.with_overrides(waits={"operator": 1.0})
    with bundled_csms(config) as (ocpp, _api):
        settings = RunSettings(config, ocpp, ManualOperator(lambda _: None))
        run = asyncio.run(
            run_suite([cases_by_id["TC_012_CSMS"], cases_by_id["TC_003_CSMS"]], settings)
        )
    assert [c.verdict for c in run.cases] == [Verdict.INCONCLUSIVE, Verdict.PASS]


def test_cli_limit_overrides_reach_the_run(tmp_path: Path) -> None:
    args = [
        "--case",
        "TC_003_CSMS",
        "--config",
        FAST,
        "--response-timeout",
        "7",
        "--authorize-timeout",
        "0.5",
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 0
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["configuration"]["limits"] == {
        "response_timeout": 7.0,
        "authorize_response_time": 0.5,
    }
    checks = [
        c for s in data["cases"][0]["steps"] for c in s["checks"] if c["rule"] == "authorize-time"
    ]
    assert checks and checks[0]["expected"] == "Authorize.conf within 0.5 s"


def test_timestamps_without_milliseconds(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    config = fast_config.with_overrides(charge_point={"timestamp_milliseconds": False})
    with bundled_csms(config) as (ocpp, api):
        result = asyncio.run(
            run_case(cases_by_id["TC_003_CSMS"], RunSettings(config, ocpp, HttpOperator(api)))
        )
    stamps = [
        m.payload["timestamp"]
        for m in result.messages
        if m.action == "StatusNotification" and m.message_type == "CALL"
    ]
    assert stamps and all(len(s) == len("2026-01-01T00:00:00Z") for s in stamps)


def test_a_warning_is_reported_without_changing_the_verdict(
    tmp_path: Path, fast_config: HarnessConfig
) -> None:
    from simulator.cases import load_case

    folder = tmp_path / "core"
    folder.mkdir()
    case_file = folder / "TC_901_CSMS.yaml"
    case_file.write_text(
        "id: TC_901_CSMS\ntitle: warn\nblock: core\nreference: test\ngiven: booted\n"
        "steps:\n  - send: DataTransfer\n    with: {vendorId: nobody}\n    warn: {status: Accepted}\n"
    )
    with bundled_csms(fast_config) as (ocpp, api):
        result = asyncio.run(
            run_case(load_case(case_file), RunSettings(fast_config, ocpp, HttpOperator(api)))
        )
    assert result.verdict == Verdict.PASS
    assert result.warnings == [
        'step 1: DataTransfer.conf status: expected "Accepted", got "UnknownVendorId" (tolerated, with a warning)'
    ]


def test_blocks_the_pics_does_not_declare_are_not_applicable(
    fast_config: HarnessConfig, all_cases: list[Case]
) -> None:
    config = fast_config.with_overrides(sut={"feature_profiles": ("Core",)})
    others = [
        c for c in all_cases if c.block in ("reservation", "local-auth-list", "remote-trigger")
    ]
    settings = RunSettings(config, "ws://127.0.0.1:9/ocpp", NoOperator())
    run = asyncio.run(run_suite(others, settings))
    assert len(run.cases) == 18
    assert {c.verdict for c in run.cases} == {Verdict.NOT_APPLICABLE}
    assert run.ok  # NOT_APPLICABLE does not fail a run
