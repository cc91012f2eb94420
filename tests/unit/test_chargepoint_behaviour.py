"""Charge point behaviour, sans I/O: run an activity with scripted CSMS answers and read
the instructions it yields."""

from collections.abc import Callable
from typing import Any

from simulator.chargepoint.behaviour import ACTIVITIES
from simulator.chargepoint.model import ChargePoint, Hardware
from simulator.chargepoint.plan import Activity, Connect, Disconnect, Download, Send, Upload, Wait
from simulator.chargepoint.reactions import reaction
from simulator.config import ChargePointConfig
from tests.unit.test_chargepoint_model import FakeClock

ACCEPTED = {"idTagInfo": {"status": "Accepted"}}


def new_cp(**hardware: bool) -> ChargePoint:
    """A charge point that has booted: the CSMS knows every connector is Available."""
    cp = _fresh(**hardware)
    for connector_id in cp.connectors:
        cp.on_request_sent(
            "StatusNotification", {"connectorId": connector_id, "status": "Available"}
        )
    return cp


def _fresh(**hardware: bool) -> ChargePoint:
    return ChargePoint(
        ChargePointConfig(connectors=2, connector_id=1),
        FakeClock(),
        connection_timeout=7,
        hardware=Hardware(**hardware),
    )


def drive(
    cp: ChargePoint,
    activity: Activity,
    answers: dict[str, dict[str, Any]] | None = None,
    files: Callable[[Download | Upload], dict[str, Any]] | None = None,
) -> list[str]:
    """Run an activity as the runner does; returns a compact trace. ``files`` plays the
    network for Download / Upload (default: every transfer fails)."""
    answers = answers or {}
    trace: list[str] = []
    next_id = [100]
    answer: dict[str, Any] | None = None
    while True:
        try:
            instruction = activity.send(answer)
        except StopIteration:
            return trace
        answer = None
        if isinstance(instruction, Send):
            payload = cp.build_request(instruction.action, instruction.fields)
            cp.on_request_sent(instruction.action, payload)
            answer = dict(answers.get(instruction.action, {}))
            if instruction.action == "StartTransaction":
                next_id[0] += 1
                answer = {"transactionId": next_id[0], **(answer or ACCEPTED)}
            if instruction.action == "Authorize" and not answer:
                answer = ACCEPTED
            cp.on_response(instruction.action, payload, answer)
            detail = payload.get("status") or payload.get("reason") or ""
            if instruction.action == "StatusNotification":
                detail = f"{payload['connectorId']}:{payload['status']}"
            trace.append(f"{instruction.action}({detail})" if detail else instruction.action)
        elif isinstance(instruction, Wait):
            trace.append(f"wait {instruction.seconds:g}")
        elif isinstance(instruction, Disconnect):
            trace.append("disconnect")
        elif isinstance(instruction, Connect):
            trace.append("connect")
        elif isinstance(instruction, Download | Upload):
            answer = files(instruction) if files else {"ok": False, "error": "no network"}
            kind = "download" if isinstance(instruction, Download) else "upload"
            trace.append(f"{kind} {instruction.url}: {'ok' if answer.get('ok') else 'failed'}")


def do(
    cp: ChargePoint, name: str, answers: dict[str, dict[str, Any]] | None = None, **params: Any
) -> list[str]:
    return drive(cp, ACTIVITIES[name](cp, params), answers)


def test_plug_in_first_then_identify_authorizes_and_starts() -> None:
    cp = new_cp()
    assert do(cp, "plug_in") == ["StatusNotification(1:Preparing)"]
    assert do(cp, "present_id_tag", id_tag="T") == [
        "Authorize",
        "StartTransaction",
        "StatusNotification(1:Charging)",
    ]
    assert cp.transaction_on(1) is not None


def test_identify_first_then_plug_in() -> None:
    cp = new_cp()
    assert do(cp, "present_id_tag", id_tag="T") == ["Authorize", "StatusNotification(1:Preparing)"]
    assert do(cp, "plug_in") == ["StartTransaction", "StatusNotification(1:Charging)"]


def test_rejected_idtag_does_not_start() -> None:
    cp = new_cp()
    do(cp, "plug_in")
    assert do(
        cp, "present_id_tag", {"Authorize": {"idTagInfo": {"status": "Blocked"}}}, id_tag="T"
    ) == ["Authorize"]
    assert cp.transactions == {}


def test_cached_idtag_with_local_pre_authorize_skips_authorize() -> None:
    cp = new_cp()
    cp.auth_cache["T"] = {"status": "Accepted"}
    cp.configuration["LocalPreAuthorize"].value = "true"
    do(cp, "plug_in")
    assert do(cp, "present_id_tag", id_tag="T") == [
        "StartTransaction",
        "StatusNotification(1:Charging)",
    ]
    cp2 = new_cp()
    cp2.auth_cache["T"] = {"status": "Accepted"}  # LocalPreAuthorize false: Authorize first
    do(cp2, "plug_in")
    assert do(cp2, "present_id_tag", id_tag="T")[0] == "Authorize"


def test_connection_timeout_returns_to_available_only_without_cable() -> None:
    cp = new_cp()
    do(cp, "present_id_tag", id_tag="T")
    assert do(cp, "connection_timeout") == ["wait 7", "StatusNotification(1:Available)"]
    assert cp.connectors[1].pending_id_tag is None


def test_ev_side_disconnect_follows_the_configuration() -> None:
    cp = new_cp()
    do(cp, "plug_in")
    do(cp, "present_id_tag", id_tag="T")
    assert do(cp, "ev_disconnect") == [
        "StatusNotification(1:SuspendedEV)",
        "StopTransaction(EVDisconnected)",
        "StatusNotification(1:Finishing)",
    ]
    cp2 = new_cp()
    cp2.configuration["StopTransactionOnEVSideDisconnect"].value = "false"
    do(cp2, "plug_in")
    do(cp2, "present_id_tag", id_tag="T")
    assert do(cp2, "ev_disconnect") == ["StatusNotification(1:SuspendedEV)"]
    assert cp2.transaction_on(1) is not None


def test_start_not_accepted_is_deauthorized_when_configured() -> None:
    cp = new_cp()
    do(cp, "plug_in")
    trace = do(
        cp, "present_id_tag", {"StartTransaction": {"idTagInfo": {"status": "Invalid"}}}, id_tag="T"
    )
    assert trace == [
        "Authorize",
        "StartTransaction",
        "StatusNotification(1:Charging)",
        "StopTransaction(DeAuthorized)",
        "StatusNotification(1:Finishing)",
    ]


def test_reset_reaction_stops_transactions_and_reboots() -> None:
    cp = new_cp()
    do(cp, "plug_in")
    do(cp, "present_id_tag", id_tag="T")
    activity = reaction(cp, "Reset", {"type": "Soft"}, {"status": "Accepted"})
    assert activity is not None
    assert drive(cp, activity) == [
        "StopTransaction(SoftReset)",
        "disconnect",
        "wait 10",  # the reboot (ChargePoint.reboot_time, PICS timing.reboot)
        "connect",
        "BootNotification",
        "StatusNotification(0:Available)",
        "StatusNotification(1:Available)",
        "StatusNotification(2:Available)",
    ]
    assert reaction(cp, "Reset", {"type": "Hard"}, {"status": "Rejected"}) is None


def test_power_loss_reports_finishing_then_stops_with_power_loss() -> None:
    cp = new_cp()
    do(cp, "plug_in")
    do(cp, "present_id_tag", id_tag="T")
    assert do(cp, "power_loss") == [
        "disconnect",
        "wait 10",  # the reboot (ChargePoint.reboot_time, PICS timing.reboot)
        "connect",
        "BootNotification",
        "StatusNotification(0:Available)",
        "StatusNotification(1:Finishing)",
        "StatusNotification(2:Available)",
        "StopTransaction(PowerLoss)",
    ]
    assert cp.transactions == {}


def test_offline_transaction_is_queued_and_delivered_in_order_with_the_real_id() -> None:
    cp = new_cp()
    cp.auth_cache["T"] = {"status": "Accepted"}
    assert do(cp, "go_offline") == ["disconnect"]
    assert do(cp, "plug_in") == [] and do(cp, "present_id_tag", id_tag="T") == []
    assert do(cp, "stop_locally") == [] and do(cp, "unplug") == []
    assert [m.action for m in cp.queue] == ["StartTransaction", "StopTransaction"]
    started = cp.queue[0].fields["timestamp"]
    trace = do(cp, "come_online")
    assert trace == ["connect", "StartTransaction", "StopTransaction(Local)"]
    assert cp.queue == [] and cp.transactions == {}
    assert cp.delivered_id(-1) == 101
    assert started.endswith("Z")


def test_offline_unknown_idtag_needs_allow_offline_tx_for_unknown_id() -> None:
    cp = new_cp()
    do(cp, "go_offline")
    do(cp, "plug_in")
    assert do(cp, "present_id_tag", id_tag="NOPE") == [] and cp.queue == []
    cp.configuration["AllowOfflineTxForUnknownId"].value = "true"
    do(cp, "present_id_tag", id_tag="NOPE")
    trace = do(cp, "come_online", {"StartTransaction": {"idTagInfo": {"status": "Invalid"}}})
    assert trace == [
        "connect",
        "StartTransaction",
        "StatusNotification(1:Charging)",
        "StopTransaction(DeAuthorized)",
        "StatusNotification(1:Finishing)",
    ]


def test_remote_start_and_stop_and_unlock_reactions() -> None:
    cp = new_cp()
    start = reaction(
        cp, "RemoteStartTransaction", {"idTag": "T", "connectorId": 1}, {"status": "Accepted"}
    )
    assert start is not None and drive(cp, start) == [
        "Authorize",
        "StatusNotification(1:Preparing)",
    ]
    assert do(cp, "plug_in") == ["StartTransaction", "StatusNotification(1:Charging)"]
    transaction_id = next(iter(cp.transactions))
    unlock = reaction(cp, "UnlockConnector", {"connectorId": 1}, {"status": "Unlocked"})
    assert unlock is not None and drive(cp, unlock) == [
        "StatusNotification(1:Finishing)",
        "StopTransaction(UnlockCommand)",
    ]
    assert (
        reaction(
            cp, "RemoteStopTransaction", {"transactionId": transaction_id}, {"status": "Accepted"}
        )
        is None
    )


def test_hardware_decides_the_answers() -> None:
    assert new_cp(fixed_cable=True).answer("UnlockConnector", {"connectorId": 1}).payload == {
        "status": "NotSupported"
    }
    assert new_cp(unlock_fails=True).answer("UnlockConnector", {"connectorId": 1}).payload == {
        "status": "UnlockFailed"
    }
    locked = new_cp(lock_fails=True)
    assert do(locked, "plug_in") == ["StatusNotification(1:Faulted)"]
    assert locked.connectors[1].error_code == "ConnectorLockFailure"


RESERVE = {"connectorId": 1, "idTag": "T", "reservationId": 5, "expiryDate": "2026-01-01T12:05:00Z"}


def test_reserve_now_answers_follow_the_connector() -> None:
    cp = new_cp()
    assert cp.answer("ReserveNow", RESERVE).payload == {"status": "Accepted"}
    assert cp.answer("ReserveNow", {**RESERVE, "connectorId": 9}).payload == {"status": "Rejected"}
    assert new_cp(connector_faulted=True).answer("ReserveNow", RESERVE).payload == {
        "status": "Faulted"
    }
    assert new_cp(rejects_reservations=True).answer("ReserveNow", RESERVE).payload == {
        "status": "Rejected"
    }
    do(cp, "plug_in")
    assert cp.answer("ReserveNow", RESERVE).payload == {"status": "Occupied"}
    unavailable = new_cp()
    activity = reaction(
        unavailable,
        "ChangeAvailability",
        {"connectorId": 1, "type": "Inoperative"},
        {"status": "Accepted"},
    )
    assert activity is not None and drive(unavailable, activity) == [
        "StatusNotification(1:Unavailable)"
    ]
    assert unavailable.answer("ReserveNow", RESERVE).payload == {"status": "Unavailable"}


def test_a_reservation_is_used_by_its_idtag_and_carried_in_start_transaction() -> None:
    cp = new_cp()
    activity = reaction(cp, "ReserveNow", RESERVE, {"status": "Accepted"})
    assert activity is not None and drive(cp, activity) == ["StatusNotification(1:Reserved)"]
    assert cp.build_request("StartTransaction", {"idTag": "T"})["reservationId"] == 5
    assert "reservationId" not in cp.build_request("StartTransaction", {"idTag": "OTHER"})
    do(cp, "present_id_tag", id_tag="T")
    do(cp, "plug_in")
    assert cp.reservations == {}


def test_reservation_expires_at_its_expiry_date() -> None:
    cp = new_cp()  # FakeClock's now: 2026-01-01T12:00:00.123Z
    drive(cp, reaction(cp, "ReserveNow", RESERVE, {"status": "Accepted"}) or iter(()))
    assert do(cp, "reservation_expiry") == ["wait 299.877", "StatusNotification(1:Available)"]
    assert cp.reservations == {}


def test_cancel_reservation() -> None:
    cp = new_cp()
    drive(cp, reaction(cp, "ReserveNow", RESERVE, {"status": "Accepted"}) or iter(()))
    assert cp.answer("CancelReservation", {"reservationId": 6}).payload == {"status": "Rejected"}
    assert cp.answer("CancelReservation", {"reservationId": 5}).payload == {"status": "Accepted"}
    activity = reaction(cp, "CancelReservation", {"reservationId": 5}, {"status": "Accepted"})
    assert activity is not None and drive(cp, activity) == ["StatusNotification(1:Available)"]


def test_local_list_versions_and_updates() -> None:
    cp = new_cp()
    assert cp.answer("GetLocalListVersion", {}).payload == {"listVersion": 0}
    full = {
        "listVersion": 3,
        "updateType": "Full",
        "localAuthorizationList": [{"idTag": "A", "idTagInfo": {"status": "Accepted"}}],
    }
    assert cp.answer("SendLocalList", full).payload == {"status": "Accepted"}
    assert cp.answer("GetLocalListVersion", {}).payload == {"listVersion": 3}
    stale = {"listVersion": 3, "updateType": "Differential", "localAuthorizationList": []}
    assert cp.answer("SendLocalList", stale).payload == {"status": "VersionMismatch"}
    remove = {
        "listVersion": 4,
        "updateType": "Differential",
        "localAuthorizationList": [{"idTag": "A"}],
    }
    assert cp.answer("SendLocalList", remove).payload == {"status": "Accepted"}
    assert cp.local_list.entries == {}
    unsupported = new_cp(local_list_supported=False)
    assert unsupported.answer("GetLocalListVersion", {}).payload == {"listVersion": -1}
    assert unsupported.answer("SendLocalList", full).payload == {"status": "NotSupported"}
    assert new_cp(local_list_update_fails=True).answer("SendLocalList", full).payload == {
        "status": "Failed"
    }


def test_local_list_authorizes_with_local_pre_authorize() -> None:
    cp = new_cp()
    cp.configuration["LocalPreAuthorize"].value = "true"
    full = {
        "listVersion": 1,
        "updateType": "Full",
        "localAuthorizationList": [{"idTag": "A", "idTagInfo": {"status": "Accepted"}}],
    }
    cp.answer("SendLocalList", full)
    do(cp, "plug_in")
    assert do(cp, "present_id_tag", id_tag="A") == [
        "StartTransaction",
        "StatusNotification(1:Charging)",
    ]


def test_trigger_message_answers_and_sends() -> None:
    cp = new_cp()
    assert cp.answer(
        "TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 3}
    ).payload == {"status": "Rejected"}
    for message, connector, expected in [
        ("MeterValues", 1, ["MeterValues"]),
        ("Heartbeat", None, ["Heartbeat"]),
        ("StatusNotification", 1, ["StatusNotification(1:Available)"]),
        ("DiagnosticsStatusNotification", None, ["DiagnosticsStatusNotification(Idle)"]),
        ("FirmwareStatusNotification", None, ["FirmwareStatusNotification(Idle)"]),
        ("BootNotification", None, ["BootNotification"]),
    ]:
        request = {"requestedMessage": message, **({"connectorId": connector} if connector else {})}
        assert cp.answer("TriggerMessage", request).payload == {"status": "Accepted"}
        activity = reaction(cp, "TriggerMessage", request, {"status": "Accepted"})
        assert activity is not None and drive(cp, activity) == expected, message


def test_a_same_parent_idtag_stops_the_transaction() -> None:
    cp = new_cp()
    parent_info = {"idTagInfo": {"status": "Accepted", "parentIdTag": "P"}}
    do(cp, "plug_in")
    do(
        cp,
        "present_id_tag",
        {"Authorize": parent_info, "StartTransaction": parent_info},
        id_tag="A",
    )
    assert do(
        cp,
        "present_id_tag",
        {"Authorize": {"idTagInfo": {"status": "Accepted", "parentIdTag": "Q"}}},
        id_tag="B",
    ) == ["Authorize"]
    trace = do(cp, "present_id_tag", {"Authorize": parent_info}, id_tag="B")
    assert trace == ["Authorize", "StopTransaction(Local)", "StatusNotification(1:Finishing)"]


def test_smart_charging_answers_are_wired_and_schema_valid() -> None:
    from ocppj import validate_payload

    cp = new_cp()
    profile = {
        "chargingProfileId": 7,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": "2026-01-01T12:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0, "numberPhases": 3}],
        },
    }
    assert cp.answer(
        "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile}
    ).payload == {"status": "Accepted"}
    answer = cp.answer(
        "GetCompositeSchedule", {"connectorId": 1, "duration": 600, "chargingRateUnit": "A"}
    ).payload
    assert answer is not None and answer["status"] == "Accepted"
    assert answer["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 6.0
    assert validate_payload("GetCompositeSchedule", answer, response=True) == []
    assert cp.answer("ClearChargingProfile", {"id": 7}).payload == {"status": "Accepted"}
    assert cp.answer("ClearChargingProfile", {"id": 7}).payload == {"status": "Unknown"}
    # With no profile in force the composite is the charge point's rating (32 A, 3 phases).
    rated_request = {"connectorId": 1, "duration": 600, "chargingRateUnit": "W"}
    rated = cp.answer("GetCompositeSchedule", rated_request).payload
    assert rated is not None and rated["status"] == "Accepted"
    periods = rated["chargingSchedule"]["chargingSchedulePeriod"]
    assert periods == [{"startPeriod": 0, "limit": 22080.0, "numberPhases": 3}]
    assert validate_payload("GetCompositeSchedule", rated, response=True) == []
    unknown = cp.answer("GetCompositeSchedule", {"connectorId": 9, "duration": 600}).payload
    assert unknown == {"status": "Rejected"}
    tx_profile = {
        **profile,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
    }
    del tx_profile["chargingSchedule"]["startSchedule"]  # type: ignore[attr-defined]
    # A TxProfile needs a transaction: refused now, bound to the transaction RemoteStart starts.
    assert cp.answer(
        "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": tx_profile}
    ).payload == {"status": "Rejected"}
    start = reaction(
        cp,
        "RemoteStartTransaction",
        {"idTag": "T", "connectorId": 1, "chargingProfile": tx_profile},
        {"status": "Accepted"},
    )
    assert start is not None
    drive(cp, start)
    do(cp, "plug_in")
    [installed] = cp.smart_charging.profiles(1)
    assert installed["transactionId"] == next(iter(cp.transactions))
    cp.end_transaction(installed["transactionId"])
    assert cp.smart_charging.profiles(1) == []
