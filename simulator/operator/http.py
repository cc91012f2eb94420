"""The ``http`` operator adapter: POST the operator request to the contract's route
(docs/operator-contract.md): ``{base}/chargepoints/{cpId}/requests/{Action}``.

The bundled CSMS serves the route; a vendor puts the same route in front of their own
CSMS (docs/examples/raw_send_shim.py is one to start from). When the route wants a bearer
token, ``$OPERATOR_TOKEN`` holds it (an environment variable, so it is never in a PICS
file, a command line or a report).
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
from urllib.parse import quote

from simulator.operator.base import OperatorOutcome, OperatorRequest, used_context

TOKEN_VARIABLE = "OPERATOR_TOKEN"


class HttpOperator:
    name = "http"

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token if token is not None else os.environ.get(TOKEN_VARIABLE) or None

    def url_for(self, request: OperatorRequest) -> str:
        cp = quote(request.charge_point_id, safe="")
        return f"{self.base_url}/chargepoints/{cp}/requests/{request.action}?timeout={request.timeout:g}"

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        return await asyncio.to_thread(self._post, request)

    def _post(self, request: OperatorRequest) -> OperatorOutcome:
        url = self.url_for(request)
        body = json.dumps(request.as_json()).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        http_request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(http_request, timeout=request.timeout + 5) as answer:
                data = json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")[:500]
            return OperatorOutcome(False, f"operator API {url} answered HTTP {exc.code}: {text}")
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            return OperatorOutcome(False, f"operator API {url} unreachable: {reason}")
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            return OperatorOutcome(False, f"operator API {url} answered non-JSON: {exc}")
        used = used_context(data)
        if isinstance(data, dict) and "error" in data and "response" not in data:
            return OperatorOutcome(
                True,
                f"the charge point answered CALLERROR {data['error']}",
                data,
                used_context=used,
            )
        return OperatorOutcome(True, "the CSMS sent the request", data, used_context=used)
