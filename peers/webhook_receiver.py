#!/usr/bin/env python3
"""A webhook receiver that checks Standard Webhooks signatures independently of Keyflow.

The signature is verified with the reference `standardwebhooks` library (PyPI, pinned in
peers/requirements.txt) when it is installed, and always also by hand with Python's hmac (HMAC-SHA256 over
"{webhook-id}.{webhook-timestamp}.{body}", base64, "v1," prefix; a "whsec_" secret is the
base64-decoded bytes). A delivery counts as verified only if every available check passes.

Run:  .venv/bin/python peers/webhook_receiver.py --secret whsec_... [--fail-first N] [--port 0]
Prints "READY http://127.0.0.1:PORT". POST /hook receives; GET /deliveries lists what came
(JSON: id, timestamp, verified, checks, status, payload, received_at); /healthz answers ok.
With --fail-first N the first N POSTs get HTTP 503 (after being recorded).
"""

import base64
import hmac
import hashlib
import json
import threading
import time

from flask import Flask, jsonify, request

from _peerlib import base_arg_parser, serve

try:
    from standardwebhooks.webhooks import Webhook  # the reference implementation
except ImportError:  # the receiver still verifies by hand
    Webhook = None


def secret_bytes(secret):
    if secret.startswith("whsec_"):
        encoded = secret[len("whsec_"):]
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    return secret.encode()


def verify_by_hand(key, msg_id, timestamp, body, signature_header):
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in signature_header.split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


def create_app(secret, fail_first):
    app = Flask(__name__)
    key = secret_bytes(secret)
    lock = threading.Lock()
    deliveries = []

    @app.post("/hook")
    def hook():
        body = request.get_data()
        headers = {k.lower(): v for k, v in request.headers.items()}
        msg_id = headers.get("webhook-id", "")
        timestamp = headers.get("webhook-timestamp", "")
        signature = headers.get("webhook-signature", "")
        checks = {"hmac": verify_by_hand(key, msg_id, timestamp, body, signature)}
        if Webhook is not None and secret.startswith("whsec_"):
            try:
                Webhook(secret).verify(body, headers)
                checks["standardwebhooks"] = True
            except Exception as error:  # noqa: BLE001 - any failure is "not verified"
                checks["standardwebhooks"] = False
                checks["standardwebhooks_error"] = str(error)
        verified = all(v for k, v in checks.items() if isinstance(v, bool))
        with lock:
            status = 503 if len(deliveries) < fail_first else (200 if verified else 400)
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            deliveries.append({
                "id": msg_id, "timestamp": timestamp, "verified": verified, "checks": checks,
                "status": status, "payload": payload, "received_at": time.time(),
            })
        return ("", status)

    @app.get("/deliveries")
    def list_deliveries():
        with lock:
            return jsonify(list(deliveries))

    @app.get("/healthz")
    def healthz():
        return "ok", 200, {"Content-Type": "text/plain"}

    return app


def main():
    parser = base_arg_parser(__doc__.splitlines()[1])
    parser.add_argument("--secret", required=True, help="the signing secret (whsec_<base64> or text)")
    parser.add_argument("--fail-first", type=int, default=0, help="answer 503 to the first N deliveries")
    args = parser.parse_args()
    serve(create_app(args.secret, args.fail_first), args.port, args.verbose)


if __name__ == "__main__":
    main()
