"""A peer for Keyflow's observability tests: an OAuth 2.0 token endpoint, an API, and an
OTLP/HTTP trace receiver, in one server (our own code, not an independent implementation).

* ``POST /token`` (``grant_type=refresh_token``): a refresh token starting with ``good``
  gets 200 with ``--access-token`` (and the same refresh token back); any other gets
  ``400 invalid_grant``.
* ``/api/...`` (any method): 200 ``{"ok": true}``; ``/api/status/N`` answers N instead.
  Each request is recorded: ``{"method", "path" (without the query), "traceparent"
  (or null), "authorized" (whether an Authorization header came)}``.
* ``POST /v1/traces``: an OTLP/HTTP export in JSON (``http/json``); answered ``{}``. Each span
  is kept, flattened: ``{"name", "kind", "trace_id", "span_id", "parent_span_id"`` (hex,
  "" for a root), ``"attributes"`` (key: value)``}``.
* ``GET /_requests``, ``GET /_spans``: what was recorded, oldest first.

Prints "READY http://127.0.0.1:PORT" once listening. See peers/README.md.
"""

import base64
import binascii
import json
import threading

from werkzeug.wrappers import Request, Response

from _peerlib import base_arg_parser, serve


def _hex_id(value):
    """OTLP JSON ids are hex by the spec; protobuf's JSON mapping writes bytes in base64."""
    if not value:
        return ""
    if all(c in "0123456789abcdefABCDEF" for c in value) and len(value) in (16, 32):
        return value.lower()
    return binascii.hexlify(base64.b64decode(value)).decode()


def _attribute_value(value):
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return int(value["intValue"])
    if "arrayValue" in value:
        return [_attribute_value(v) for v in value["arrayValue"].get("values", [])]
    return None


def flatten_spans(export):
    spans = []
    for resource in export.get("resourceSpans", []):
        for scope in resource.get("scopeSpans", []):
            for span in scope.get("spans", []):
                spans.append({
                    "name": span.get("name", ""),
                    "kind": span.get("kind", 0),
                    "trace_id": _hex_id(span.get("traceId", "")),
                    "span_id": _hex_id(span.get("spanId", "")),
                    "parent_span_id": _hex_id(span.get("parentSpanId", "")),
                    "status": span.get("status", {}).get("code", 0),
                    "attributes": {a["key"]: _attribute_value(a.get("value", {}))
                                   for a in span.get("attributes", [])},
                })
    return spans


def create_app(access_token):
    lock = threading.Lock()
    requests = []
    spans = []

    def as_json(value, status=200):
        return Response(json.dumps(value), status=status, content_type="application/json")

    @Request.application
    def app(request):
        if request.path == "/token" and request.method == "POST":
            refresh = request.form.get("refresh_token", "")
            if request.form.get("grant_type") == "refresh_token" and refresh.startswith("good"):
                return as_json({"access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                                "refresh_token": refresh})
            return as_json({"error": "invalid_grant"}, status=400)
        if request.path.startswith("/api/"):
            with lock:
                requests.append({
                    "method": request.method, "path": request.path,
                    "traceparent": request.headers.get("traceparent"),
                    "authorized": "Authorization" in request.headers,
                })
            status = 200
            if request.path.startswith("/api/status/"):
                status = int(request.path.rsplit("/", 1)[-1])
            return as_json({"ok": status < 400}, status=status)
        if request.path == "/v1/traces" and request.method == "POST":
            if not request.content_type.startswith("application/json"):
                return Response("send http/json", status=415)
            received = flatten_spans(json.loads(request.get_data(as_text=True)))
            with lock:
                spans.extend(received)
            return as_json({})
        if request.path == "/_requests":
            with lock:
                return as_json(list(requests))
        if request.path == "/_spans":
            with lock:
                return as_json(list(spans))
        if request.path == "/healthz":
            return Response("ok")
        return Response("not found", status=404)

    return app


def main():
    parser = base_arg_parser("Token endpoint, API and OTLP/HTTP receiver for Keyflow's observability tests.")
    parser.add_argument("--access-token", default="fresh-token",
                        help="the access token a good refresh gets")
    args = parser.parse_args()
    serve(create_app(args.access_token), args.port, verbose=args.verbose)


if __name__ == "__main__":
    main()
