"""A ``python:`` operator hook for a CSMS whose admin API can only "send this OCPP request
to that charge point" (docs/operator-contract.md). Use it as it is, or copy it:

    RAW_SEND_URL=http://127.0.0.1:9001/api/chargepoints/{cp}/ocpp/{action} \\
    PYTHONPATH=docs/examples simulate --operator python:raw_send_hook:operate ...

The payload is ``fields``; what a CSMS decides itself (a new id, the transaction to stop)
comes from the charge point's ``context``, and ``usedContext`` says so. Where your CSMS
keeps that state, let it fill those fields: then the cases test your CSMS, not this hook.
"""

import copy
import json
import os
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

DEFAULT_URL = "http://127.0.0.1:9001/api/chargepoints/{cp}/ocpp/{action}"


def complete(
    action: str, fields: dict[str, Any], context: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The OCPP payload for ``fields``, and the context keys used to fill it in."""
    payload, used = copy.deepcopy(fields), []

    def take(key: str) -> Any:
        used.append(key)
        return context[key]

    def new_id(key: str, id_key: str) -> int:
        return max((item[id_key] for item in take(key)), default=0) + 1

    if action == "RemoteStopTransaction" and "transactionId" not in payload:
        payload["transactionId"] = take("transactions")[-1]["transactionId"]
    elif action == "ReserveNow" and "reservationId" not in payload:
        payload["reservationId"] = new_id("reservations", "reservationId")
    elif action == "CancelReservation" and "reservationId" not in payload:
        payload["reservationId"] = take("reservations")[-1]["reservationId"]
    elif action == "SendLocalList" and "listVersion" not in payload:
        payload["listVersion"] = take("localListVersion") + 1
    elif action == "DeleteCertificate":  # the certificate named by its serial number
        named = payload.get("certificateHashData", {})
        serial = str(named.get("serialNumber", "")).lstrip("0").upper()
        for installed in take("installedCertificates"):
            data = installed["certificateHashData"]
            if str(data["serialNumber"]).lstrip("0").upper() == serial:
                payload["certificateHashData"] = {**data, **named}
    profile = payload.get("csChargingProfiles") or payload.get("chargingProfile")
    if isinstance(profile, dict):
        if "chargingProfileId" not in profile:
            profile["chargingProfileId"] = new_id("chargingProfiles", "chargingProfileId")
        kind = profile.setdefault(
            "chargingProfileKind", "Relative" if "chargingProfile" in payload else "Absolute"
        )
        tx_profile = profile.get("chargingProfilePurpose") == "TxProfile"
        if tx_profile and action == "SetChargingProfile" and "transactionId" not in profile:
            on = [t for t in take("transactions") if t["connectorId"] == payload["connectorId"]]
            profile["transactionId"] = on[-1]["transactionId"]
        if kind == "Absolute":  # OCPP 1.6 §7.7: an Absolute schedule needs its start
            now, schedule = datetime.now(UTC), profile["chargingSchedule"]
            end = now + timedelta(seconds=schedule.get("duration", 86400))
            start, stop = (m.isoformat(timespec="milliseconds")[:-6] + "Z" for m in (now, end))
            schedule.setdefault("startSchedule", start)
            profile.setdefault("validFrom", start)
            profile.setdefault("validTo", stop)
    return payload, list(dict.fromkeys(used))


def send(charge_point_id: str, action: str, payload: dict[str, Any], timeout: float) -> Any:
    """Your admin API's "send one OCPP request": here the bundled CSMS's raw-send route."""
    url = os.environ.get("RAW_SEND_URL", DEFAULT_URL)
    url = url.format(cp=quote(charge_point_id, safe=""), action=action) + f"?timeout={timeout:g}"
    body, headers = json.dumps(payload).encode(), {"Content-Type": "application/json"}
    request = urllib.request.Request(url, body, headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout + 5) as answer:  # raises on 4xx/5xx
        return json.loads(answer.read())


def operate(request: Any) -> dict[str, Any]:
    """The hook: build the payload, send it, answer as the HTTP route would."""
    payload, used = complete(request.action, request.fields, request.context)
    answer = send(request.charge_point_id, request.action, payload, request.timeout)
    return {**answer, "usedContext": used}
