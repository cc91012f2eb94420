"""An HTTP shim that serves the harness's operator route in front of a CSMS whose admin
API can only "send this OCPP request to that charge point" (docs/operator-contract.md):

    RAW_SEND_URL=http://127.0.0.1:9001/api/chargepoints/{cp}/ocpp/{action} \\
    python docs/examples/raw_send_shim.py --port 8181 &
    simulate --csms ws://127.0.0.1:9000/ocpp --operator http://127.0.0.1:8181/api ...

It builds the payload as ``raw_send_hook.complete`` does and sends it with
``raw_send_hook.send``: point that at your admin API.
"""

import argparse
import json
import re
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from raw_send_hook import complete, send

ROUTE = re.compile(r"^/api/chargepoints/([^/]+)/requests/([A-Za-z]+)$")


class OperatorRoute(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        url = urlsplit(self.path)
        route = ROUTE.match(url.path)
        if route is None:
            return self.answer(404, {"error": f"no such route: {url.path}"})
        charge_point_id, action = unquote(route[1]), route[2]
        timeout = float(parse_qs(url.query).get("timeout", ["30"])[0])
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            payload, used = complete(action, body["fields"], body.get("context", {}))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
            return self.answer(400, {"error": f"cannot build {action}: {error!r}"})
        try:
            answer = send(charge_point_id, action, payload, timeout)
        except urllib.error.HTTPError as error:  # the admin API's own status, passed on
            detail = error.read().decode("utf-8", "replace")
            return self.answer(error.code, {"error": detail, "action": action, "request": payload})
        except OSError as error:  # unreachable, or no answer in time
            return self.answer(502, {"error": f"admin API: {error}", "action": action})
        self.answer(200, {**answer, "usedContext": used})

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:  # quiet: the harness reports every call
        pass


def serve(host: str = "127.0.0.1", port: int = 8181) -> ThreadingHTTPServer:
    """A shim listening on ``host:port`` (port 0: any free one); call ``serve_forever``."""
    return ThreadingHTTPServer((host, port), OperatorRoute)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8181)
    args = parser.parse_args()
    server = serve(args.host, args.port)
    print(f"operator: http://{args.host}:{server.server_address[1]}/api", flush=True)
    server.serve_forever()
