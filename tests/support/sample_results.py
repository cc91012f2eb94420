"""A small run with every kind of outcome, for the report, JUnit and browser tests.

Core: TC_001 PASS, TC_003 FAIL (a schema violation and a hostile ``<script>`` payload from
the CSMS); Firmware Management: TC_044_1 PASS; Smart Charging: TC_056 NOT_APPLICABLE;
Reservation: TC_046 INCONCLUSIVE; Local Authorization List Management: TC_042_1 ERROR;
Remote Trigger: no case selected. One Authorize answer took 3.4 s (over the 3 s limit).
"""

from __future__ import annotations

from reports.results import (
    CaseResult,
    Check,
    MessageRecord,
    Reason,
    RunResult,
    StepRecord,
    Verdict,
)

HOSTILE = "<script>document.title='pwned'</script>"
FAILING_REASON = 'BootNotification.conf status: expected "Accepted", got "Rejected"'


def _exchange(
    action: str, request: dict[str, object], answer: dict[str, object], t: float, latency_ms: float
) -> list[MessageRecord]:
    uid = f"{action[:4].lower()}-{int(t * 1000)}"
    return [
        MessageRecord("CP->CSMS", "CALL", uid, action, request, "2026-11-24T10:00:00.000Z", t),
        MessageRecord(
            "CSMS->CP",
            "CALLRESULT",
            uid,
            action,
            answer,
            "2026-11-24T10:00:00.002Z",
            t + latency_ms / 1000,
            latency_ms=latency_ms,
        ),
    ]


def _passing(case_id: str, block: str, title: str) -> CaseResult:
    check = Check(
        case_id,
        "1",
        "field",
        True,
        'BootNotification.conf status "Accepted"',
        "as expected",
        "OCPP 1.6 §4.2",
    )
    return CaseResult(
        id=case_id,
        block=block,
        title=title,
        verdict=Verdict.PASS,
        steps=[
            StepRecord(
                "1",
                "send",
                "BootNotification",
                "The charge point boots",
                "passed",
                [check],
                0.0,
                0.002,
            )
        ],
        messages=_exchange(
            "BootNotification",
            {"chargePointVendor": "PretestVendor", "chargePointModel": "VirtualCP-16"},
            {"status": "Accepted", "currentTime": "2026-11-24T10:00:00.001Z", "interval": 10},
            0.001,
            1.2,
        ),
        reference=f"OCTT 1.6 test case document FINAL 2024-04, {case_id}",
        started="2026-11-24T10:00:00.000Z",
        duration_s=0.01,
    )


def sample_run() -> RunResult:
    failing_check = Check(
        "TC_003_CSMS",
        "2",
        "field",
        False,
        'BootNotification.conf status "Accepted"',
        '{"status": "Rejected"}',
        "TC_003_CSMS: BootNotification.conf Accepted; OCPP 1.6 §4.2",
        FAILING_REASON,
    )
    schema_check = Check(
        "TC_003_CSMS",
        "2",
        "schema",
        False,
        "BootNotification.conf valid against the OCA 1.6 schema",
        "interval: 'ten' is not of type 'integer'",
        "OCPP-J 1.6 §4; OCA 1.6 JSON schemas",
        "BootNotification.conf breaks the OCA schema: interval: 'ten' is not of type 'integer'",
    )
    failing = CaseResult(
        id="TC_003_CSMS",
        block="core",
        title="Regular Charging Session - Plugin First",
        verdict=Verdict.FAIL,
        reasons=[
            Reason(
                "TC_003_CSMS",
                "2",
                "field",
                FAILING_REASON,
                "TC_003_CSMS: BootNotification.conf Accepted; OCPP 1.6 §4.2",
            ),
            Reason("TC_003_CSMS", "2", "schema", schema_check.message, schema_check.reference),
        ],
        steps=[
            StepRecord("1", "do", "plug_in", "The driver plugs in", "passed", [], 0.0, 0.001),
            StepRecord(
                "2",
                "send",
                "BootNotification",
                "The charge point boots",
                "failed",
                [failing_check, schema_check],
                3.499,
                0.004,
                notes=[f"a note with {HOSTILE}"],
            ),
        ],
        messages=[
            *_exchange(
                "Authorize",
                {"idTag": "TAG-VALID-0001"},
                {"idTagInfo": {"status": "Accepted"}},
                0.0,
                3400.0,
            ),
            MessageRecord(
                "CP->CSMS",
                "CALL",
                "boot-2",
                "BootNotification",
                {"chargePointVendor": "PretestVendor", "chargePointModel": "VirtualCP-16"},
                "2026-11-24T10:00:03.500Z",
                3.5,
            ),
            MessageRecord(
                "CSMS->CP",
                "CALLRESULT",
                "boot-2",
                "BootNotification",
                {"status": "Rejected", "currentTime": HOSTILE, "interval": "ten"},
                "2026-11-24T10:00:03.502Z",
                3.502,
                latency_ms=2.0,
                violations=[{"path": "interval", "message": "'ten' is not of type 'integer'"}],
            ),
        ],
        reference="OCTT 1.6 test case document FINAL 2024-04, TC_003_CSMS",
        started="2026-11-24T10:00:00.100Z",
        duration_s=3.6,
    )
    inconclusive = CaseResult(
        id="TC_046_CSMS",
        block="reservation",
        title="Reservation of a Connector - Transaction",
        verdict=Verdict.INCONCLUSIVE,
        reasons=[
            Reason(
                "TC_046_CSMS",
                "1",
                "operator",
                "the CSMS did not send ReserveNow.req within 60 s, and the operator action was not confirmed",
                "catalog §2",
                Verdict.INCONCLUSIVE,
            )
        ],
        steps=[StepRecord("1", "expect_csms", "ReserveNow", "The CSMS reserves", "inconclusive")],
    )
    error = CaseResult(
        id="TC_042_1_CSMS",
        block="local-auth-list",
        title="Get Local List Version (not supported)",
        verdict=Verdict.ERROR,
        reasons=[
            Reason(
                "TC_042_1_CSMS", "connect", "connection", "connection refused", "", Verdict.ERROR
            )
        ],
    )
    not_applicable = CaseResult(
        id="TC_056_CSMS",
        block="smart-charging",
        title="Central Smart Charging - TxDefaultProfile",
        verdict=Verdict.NOT_APPLICABLE,
        reasons=[
            Reason(
                "TC_056_CSMS",
                "-",
                "pics",
                "the PICS does not declare feature profile SmartCharging (sut.feature_profiles)",
                "",
                Verdict.NOT_APPLICABLE,
            )
        ],
    )
    return RunResult(
        harness="ocpp16-pretest",
        version="0.1.0",
        started="2026-11-24T10:00:00.000Z",
        duration_s=4.2,
        csms_url="ws://127.0.0.1:9000/ocpp",
        configuration={
            "source": "sample.yaml",
            "sut": {
                "vendor": "Example <Energy> & Co",
                "product": "Example CSMS",
                "software_version": "4.2.0",
                "feature_profiles": [
                    "Core",
                    "FirmwareManagement",
                    "Reservation",
                    "LocalAuthListManagement",
                    "RemoteTrigger",
                ],
            },
            "charge_point": {"id": "CP_1", "timestamp_milliseconds": True},
            "limits": {"response_timeout": 35, "authorize_response_time": 3},
            "waits": {},
            "security": {"profile": 1},
            "operator": "http",
            "communication": "OCPP-J 1.6 (JSON over WebSocket)",
        },
        cases=[
            _passing("TC_001_CSMS", "core", "Cold Boot Charge Point"),
            failing,
            _passing(
                "TC_044_1_CSMS", "firmware-management", "Firmware Update - Download and Install"
            ),
            not_applicable,
            inconclusive,
            error,
        ],
    )
