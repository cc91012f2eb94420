"""What the CSMS is provisioned with, managed over the operator API: the idTags it holds
and the charge points it knows (the same data as a seed file, :mod:`csms_under_test.seed`).

    GET    /api/idtags                 every stored idTag
    GET    /api/idtags/{idTag}         one (404 when unknown)
    PUT    /api/idtags/{idTag}         {status, expiryDate?, parentIdTag?}: 201 new, 200 replaced
    DELETE /api/idtags/{idTag}         forget it: from now on it is unknown (Invalid)
    PUT    /api/chargepoints/{id}      register it ({password?, securityProfile?}): 201 new,
                                       200 known already; a value sets it, null removes it
                                       (securityProfile: back to the default), absent keeps it
    DELETE /api/chargepoints/{id}      forget it and its password (409 while it is connected)
    GET    /api/connections            the last connection decisions (csms_under_test.admission)

IdTags compare case-insensitively (OCPP 1.6 §7 IdToken is a CiString20Type).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from csms_under_test.admission import Admission
from csms_under_test.connections import ConnectionRegistry
from csms_under_test.replies import ApiReply, error_reply, page_reply
from csms_under_test.security import Credential
from csms_under_test.seed import (
    charge_point_problem,
    entry_problem,
    id_tag_problem,
    id_tag_record,
)
from csms_under_test.store import ALL, IdTagRecord, Page, Store


def id_tag_json(record: IdTagRecord) -> dict[str, Any]:
    return {
        "idTag": record.id_tag,
        "status": record.status,
        "expiryDate": record.expiry_date,
        "parentIdTag": record.parent_id_tag,
    }


class Provisioning:
    def __init__(
        self, *, store: Store, registry: ConnectionRegistry, admission: Admission | None = None
    ) -> None:
        self._store = store
        self._registry = registry
        self._admission = admission

    # -- idTags -------------------------------------------------------------------------
    async def id_tags(self, page: Page = ALL) -> ApiReply:
        records = self._store.id_tags(page)
        total = self._store.count("id_tags")
        return page_reply(
            "idTags", [id_tag_json(r) for r in records], offset=page.offset, total=total
        )

    async def id_tag(self, id_tag: str) -> ApiReply:
        record = self._store.id_tag(id_tag)
        if record is None:
            return _unknown_id_tag(id_tag)
        return ApiReply(HTTPStatus.OK, id_tag_json(record))

    async def put_id_tag(self, id_tag: str, body: dict[str, Any]) -> ApiReply:
        problem = id_tag_problem(id_tag)
        if problem is not None:
            return error_reply(HTTPStatus.BAD_REQUEST, f"idTag: {problem}")
        found = entry_problem(body)
        if found is not None:
            path, message = found
            return error_reply(HTTPStatus.BAD_REQUEST, f"{'.'.join(map(str, path))}: {message}")
        record = id_tag_record(id_tag, body)
        created = self._store.put_id_tag(record)
        return ApiReply(HTTPStatus.CREATED if created else HTTPStatus.OK, id_tag_json(record))

    async def delete_id_tag(self, id_tag: str) -> ApiReply:
        record = self._store.id_tag(id_tag)
        if record is None or not self._store.delete_id_tag(id_tag):
            return _unknown_id_tag(id_tag)
        return ApiReply(HTTPStatus.OK, id_tag_json(record))

    # -- charge points ------------------------------------------------------------------
    async def put_charge_point(self, charge_point_id: str, body: dict[str, Any]) -> ApiReply:
        found = charge_point_problem(body)
        if found is not None:
            path, message = found
            return error_reply(HTTPStatus.BAD_REQUEST, f"{'.'.join(map(str, path))}: {message}")
        created = self._store.ensure_charge_point(charge_point_id)
        if "password" in body:
            password = body["password"]
            credential = Credential.of(password) if isinstance(password, str) else None
            self._store.set_credential(charge_point_id, credential)
        if "securityProfile" in body:
            self._store.set_security_profile(charge_point_id, body["securityProfile"])
        return ApiReply(
            HTTPStatus.CREATED if created else HTTPStatus.OK,
            {
                "id": charge_point_id,
                "hasPassword": self._store.credential(charge_point_id) is not None,
                "securityProfile": self.security_profile(charge_point_id),
            },
        )

    def security_profile(self, charge_point_id: str) -> int:
        """The profile the charge point runs (admission decides; without it, as profile 0
        with only the charge point's own setting)."""
        if self._admission is not None:
            return self._admission.profile_of(charge_point_id)
        return self._store.security_profile(charge_point_id) or 0

    async def connections(self, charge_point_id: str | None, page: Page = ALL) -> ApiReply:
        events = self._admission.events(charge_point_id) if self._admission is not None else []
        shown = [e.to_json() for e in page.of(events)]
        return page_reply("connections", shown, offset=page.offset, total=len(events))

    async def delete_charge_point(self, charge_point_id: str) -> ApiReply:
        if self._registry.get(charge_point_id) is not None:
            return error_reply(
                HTTPStatus.CONFLICT,
                f"charge point {charge_point_id!r} is connected; forget it once it is not",
            )
        if not self._store.forget_charge_point(charge_point_id):
            return error_reply(HTTPStatus.NOT_FOUND, f"charge point {charge_point_id!r} is unknown")
        return ApiReply(HTTPStatus.OK, {"id": charge_point_id})


def _unknown_id_tag(id_tag: str) -> ApiReply:
    return error_reply(HTTPStatus.NOT_FOUND, f"idTag {id_tag!r} is unknown")
