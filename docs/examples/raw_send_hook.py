"""A ``python:`` operator hook for a CSMS whose admin API can only "send this OCPP request
to that charge point" (docs/operator-contract.md): what a CSMS decides itself (ids, the
transaction to stop, a new password) comes from ``context`` or is made here. Use or copy it:
    RAW_SEND_URL=http://127.0.0.1:9001/api/chargepoints/{cp}/ocpp/{action} \\
    PYTHONPATH=docs/examples simulate --operator python:raw_send_hook:operate ..."""

import json
import os
import secrets
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

Json = dict[str, Any]
DEFAULT_URL = "http://127.0.0.1:9001/api/chargepoints/{cp}/ocpp/{action}"


def complete(action: str, fields: Json, context: Json) -> tuple[Json, list[str]]:
    """The OCPP payload for ``fields``, and the context keys used to fill it in."""
    payload, used = json.loads(json.dumps(fields)), []  # a deep copy

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
    elif payload.get("key") == "AuthorizationKey":  # TC_073: 20 random characters, as hex
        payload.setdefault("value", secrets.token_urlsafe(15).encode().hex())
    elif action == "DeleteCertificate":  # the certificate named by its serial number
        key, serial = "certificateHashData", int(fields["certificateHashData"]["serialNumber"], 16)
        known = [i[key] for i in take("installedCertificates")]
        payload[key] = next(k for k in known if int(k["serialNumber"], 16) == serial) | payload[key]
    if action in ("GetLog", "SignedUpdateFirmware"):  # whitepaper: a requestId, new each time
        payload.setdefault("requestId", int(datetime.now(UTC).timestamp() * 1000) % 2**31)
    profile = payload.get("csChargingProfiles") or payload.get("chargingProfile")
    if isinstance(profile, dict):
        if "chargingProfileId" not in profile:
            profile["chargingProfileId"] = new_id("chargingProfiles", "chargingProfileId")
        relative = "chargingProfile" in payload  # RemoteStartTransaction's
        kind = profile.setdefault("chargingProfileKind", "Relative" if relative else "Absolute")
        if action == "SetChargingProfile" and profile.get("chargingProfilePurpose") == "TxProfile":
            on = [t for t in take("transactions") if t["connectorId"] == payload["connectorId"]]
            profile.setdefault("transactionId", on[-1]["transactionId"])
        if kind == "Absolute":  # OCPP 1.6 §7.7: an Absolute schedule needs its start
            now, schedule = datetime.now(UTC), profile["chargingSchedule"]
            end = now + timedelta(seconds=schedule.get("duration", 86400))
            start, stop = (m.isoformat(timespec="milliseconds")[:-6] + "Z" for m in (now, end))
            schedule.setdefault("startSchedule", start)
            profile |= {"validFrom": start, "validTo": stop, **profile}
    return payload, list(dict.fromkeys(used))


def send(charge_point_id: str, action: str, payload: Json, timeout: float) -> Any:
    """Your admin API's "send one OCPP request": here the bundled CSMS's raw-send route."""
    url = os.environ.get("RAW_SEND_URL") or DEFAULT_URL
    cp = urllib.parse.quote(charge_point_id, safe="")
    url = url.replace("{cp}", cp).replace("{action}", action) + f"?timeout={timeout:g}"
    body, headers = json.dumps(payload).encode(), {"Content-Type": "application/json"}
    request = urllib.request.Request(url, body, headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout + 5) as answer:  # raises on 4xx/5xx
        return json.loads(answer.read())


def operate(request: Any) -> Json:
    """The hook: build the payload, send it, answer as the HTTP route would."""
    payload, used = complete(request.action, request.fields, request.context)
    answer = send(request.charge_point_id, request.action, payload, request.timeout)
    return {**answer, "usedContext": used}
