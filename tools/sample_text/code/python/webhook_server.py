"""Minimal webhook receiver that verifies an HMAC-SHA256 signature.

Run with:  WEBHOOK_SECRET=s3cret python webhook_server.py --port 8080
"""

import argparse
import hashlib
import hmac
import json
import logging
import os
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20  # 1 MiB
SECRET = os.environ.get("WEBHOOK_SECRET", "").encode()

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("webhook")


def verify_signature(body: bytes, header: str | None) -> bool:
    if not SECRET or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


class WebhookHandler(BaseHTTPRequestHandler):
    server_version = "webhook/0.3"

    def _reply(self, status: HTTPStatus, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            self._reply(HTTPStatus.OK, {"status": "ok"})
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def do_POST(self):
        if self.path != "/hooks":
            return self._reply(HTTPStatus.NOT_FOUND, {"error": "not found"})
        length = int(self.headers.get("Content-Length", 0))
        if length > MAX_BODY:
            return self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
        body = self.rfile.read(length)
        if not verify_signature(body, self.headers.get("X-Signature-256")):
            log.warning("rejected request from %s: bad signature", self.client_address[0])
            return self._reply(HTTPStatus.UNAUTHORIZED, {"error": "invalid signature"})
        try:
            event = json.loads(body)
        except json.JSONDecodeError:
            return self._reply(HTTPStatus.BAD_REQUEST, {"error": "invalid json"})
        kind = self.headers.get("X-Event", "unknown")
        log.info("received %s event with %d keys", kind, len(event))
        self._reply(HTTPStatus.ACCEPTED, {"received": kind})

    def log_message(self, fmt, *args):  # route access log through logging
        log.debug("%s - " + fmt, self.client_address[0], *args)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    if not SECRET:
        log.warning("WEBHOOK_SECRET is not set; all POSTs will be rejected")
    server = ThreadingHTTPServer((args.host, args.port), WebhookHandler)
    log.info("listening on %s:%d", args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
