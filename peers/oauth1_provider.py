#!/usr/bin/env python3
"""A real OAuth 1.0a provider built on oauthlib's endpoints.

Keyflow's Swift OAuth 1.0a client (three-legged flow + signed API calls) is
tested against this peer. All protocol checks -- parameter collection,
signature verification, timestamp window, mandatory parameters -- are done by
oauthlib's RequestTokenEndpoint / AuthorizationEndpoint / AccessTokenEndpoint /
ResourceEndpoint. We only provide an in-memory RequestValidator, relaxed so
that test-friendly keys like "consumer-key-1" are legal, while keeping real
nonce + timestamp replay protection.

Run:  .venv/bin/python peers/oauth1_provider.py [--port 0] [--consumers FILE]
          [--auto-approve] [--verbose]
Prints "READY http://127.0.0.1:PORT" once listening. See peers/README.md.
"""

import functools
import json
import secrets
import threading
import time
from html import escape
from urllib.parse import urlencode

from flask import Flask, jsonify, request
from oauthlib.common import add_params_to_uri
from oauthlib.oauth1 import (
    AccessTokenEndpoint,
    AuthorizationEndpoint,
    RequestTokenEndpoint,
    RequestValidator,
    ResourceEndpoint,
)
from oauthlib.oauth1.rfc5849 import (
    SIGNATURE_HMAC_SHA1,
    SIGNATURE_HMAC_SHA256,
    SIGNATURE_PLAINTEXT,
    SIGNATURE_RSA_SHA1,
    errors,
    signature,
)

from _peerlib import consent_page, Counters, base_arg_parser, is_loopback_uri, raw_request_uri, serve

USER_ID = "1"
SCREEN_NAME = "alice"

BUILTIN_CONSUMERS = [
    {"key": "consumer-key-1", "secret": "consumer-secret-1", "callback_uris": ["loopback"]},
]

# Printable ASCII minus space. oauthlib's default (letters + digits, 20-30
# chars) would reject "consumer-key-1", UUID nonces, base64 nonces, ...
SAFE_CHARACTERS = frozenset(chr(c) for c in range(0x21, 0x7F))
ANY_LENGTH = (1, 512)


@functools.lru_cache(maxsize=1)
def dummy_rsa_public_key():
    """Public key for the "dummy" consumer.

    oauthlib verifies unknown consumers against a dummy key so that timing does
    not reveal which keys exist; the key must be a real RSA key of normal size.
    Generated lazily: most test runs never need it.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


class Store:
    """All provider state, guarded by one lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.consumers = {}       # key -> consumer record
        self.request_tokens = {}  # token -> dict(secret, client_key, callback, verifier, used)
        self.access_tokens = {}   # token -> dict(secret, client_key, user_id, revoked)
        self.nonces = {}          # (client_key, timestamp, nonce, token) -> first-seen time


STORE = Store()
# The oauthlib Request most recently validated on this thread. Token endpoints
# only return (headers, body, status), so this is how a failure handler finds
# the validator_log / reject_reason of the request that just failed.
LAST = threading.local()
COUNTERS = Counters("request_token", "access_token", "api_calls", "api_rejections",
                    "token_errors", "authorize_approvals", "authorize_denials")


class InMemoryValidator(RequestValidator):
    """oauthlib RequestValidator over STORE (see oauthlib's request_validator.py)."""

    # ---- relaxed format checks (character set / length) ----
    enforce_ssl = False  # the tests run over plain http on loopback
    safe_characters = SAFE_CHARACTERS
    client_key_length = ANY_LENGTH
    request_token_length = ANY_LENGTH
    access_token_length = ANY_LENGTH
    nonce_length = ANY_LENGTH
    verifier_length = ANY_LENGTH
    allowed_signature_methods = (SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256,
                                 SIGNATURE_RSA_SHA1, SIGNATURE_PLAINTEXT)
    # timestamp_lifetime stays oauthlib's 600 s.

    # Realms are not used by the tests: accept whatever the client sends.
    def check_realms(self, realms):
        return True

    def get_default_realms(self, client_key, request):
        return []

    def get_realms(self, token, request):
        return []

    def validate_requested_realms(self, client_key, realms, request):
        return True

    def verify_realms(self, token, realms, request):
        return True

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True

    # ---- dummies (used by oauthlib for unknown keys, to keep timing flat) ----
    dummy_client = "dummy-consumer"
    dummy_request_token = "dummy-request-token"
    dummy_access_token = "dummy-access-token"

    # ---- consumers ----
    def validate_client_key(self, client_key, request):
        with STORE.lock:
            return client_key in STORE.consumers

    def get_client_secret(self, client_key, request):
        with STORE.lock:
            consumer = STORE.consumers.get(client_key)
        return consumer.get("secret", "") if consumer else "dummy-consumer-secret"

    def get_rsa_key(self, client_key, request):
        with STORE.lock:
            consumer = STORE.consumers.get(client_key)
        if consumer and consumer.get("rsa_public_key"):
            return consumer["rsa_public_key"]
        return dummy_rsa_public_key()

    def validate_redirect_uri(self, client_key, redirect_uri, request):
        if redirect_uri == "oob":
            return True
        with STORE.lock:
            consumer = STORE.consumers.get(client_key)
        if not consumer:
            return False
        allowed = consumer.get("callback_uris", [])
        return redirect_uri in allowed or ("loopback" in allowed and is_loopback_uri(redirect_uri))

    # ---- replay protection ----
    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request,
                                     request_token=None, access_token=None):
        # oauthlib already rejected timestamps more than timestamp_lifetime
        # away from now, so remembering nonces for that long is enough.
        LAST.request = request  # first validator hook every endpoint calls
        key = (client_key, timestamp, nonce, request_token or access_token)
        now = time.time()
        with STORE.lock:
            if key in STORE.nonces:
                request.reject_reason = "nonce_replayed"
                return False
            STORE.nonces[key] = now
            if len(STORE.nonces) > 10000:
                horizon = now - 2 * self.timestamp_lifetime
                STORE.nonces = {k: t for k, t in STORE.nonces.items() if t >= horizon}
        return True

    # ---- temporary credentials (request tokens) ----
    def save_request_token(self, token, request):
        with STORE.lock:
            STORE.request_tokens[token["oauth_token"]] = {
                "secret": token["oauth_token_secret"],
                "client_key": request.client_key,
                "callback": request.redirect_uri,
                "verifier": None,
                "used": False,
            }

    def _live_request_token(self, token):
        entry = STORE.request_tokens.get(token)
        return entry if entry and not entry["used"] else None

    def verify_request_token(self, token, request):
        with STORE.lock:
            return self._live_request_token(token) is not None

    def validate_request_token(self, client_key, token, request):
        with STORE.lock:
            entry = self._live_request_token(token)
            return bool(entry) and entry["client_key"] == client_key

    def get_request_token_secret(self, client_key, token, request):
        with STORE.lock:
            entry = STORE.request_tokens.get(token)
            if entry and entry["client_key"] == client_key:
                return entry["secret"]
        return "dummy-request-token-secret"

    def get_redirect_uri(self, token, request):
        with STORE.lock:
            return STORE.request_tokens[token]["callback"]

    def save_verifier(self, token, verifier, request):
        with STORE.lock:
            STORE.request_tokens[token]["verifier"] = verifier["oauth_verifier"]

    def validate_verifier(self, client_key, token, verifier, request):
        with STORE.lock:
            entry = self._live_request_token(token)
            if not entry or entry["client_key"] != client_key or not entry["verifier"]:
                return False
            return secrets.compare_digest(entry["verifier"], verifier)

    def invalidate_request_token(self, client_key, request_token, request):
        with STORE.lock:
            entry = STORE.request_tokens.get(request_token)
            if entry:
                entry["used"] = True

    # ---- token credentials (access tokens) ----
    def save_access_token(self, token, request):
        with STORE.lock:
            STORE.access_tokens[token["oauth_token"]] = {
                "secret": token["oauth_token_secret"],
                "client_key": request.client_key,
                "user_id": USER_ID,
                "revoked": False,
            }

    def validate_access_token(self, client_key, token, request):
        with STORE.lock:
            entry = STORE.access_tokens.get(token)
            return bool(entry) and not entry["revoked"] and entry["client_key"] == client_key

    def get_access_token_secret(self, client_key, token, request):
        with STORE.lock:
            entry = STORE.access_tokens.get(token)
            if entry and entry["client_key"] == client_key:
                return entry["secret"]
        return "dummy-access-token-secret"


VALIDATOR = InMemoryValidator()
REQUEST_TOKEN_ENDPOINT = RequestTokenEndpoint(VALIDATOR)
AUTHORIZATION_ENDPOINT = AuthorizationEndpoint(VALIDATOR)
ACCESS_TOKEN_ENDPOINT = AccessTokenEndpoint(VALIDATOR)
RESOURCE_ENDPOINT = ResourceEndpoint(VALIDATOR)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def oauth_request_args():
    """(uri, method, body, headers) of the current Flask request, for oauthlib.

    The URI is rebuilt from the raw request target (see raw_request_uri) and
    the body is only handed over when it is form-encoded: that is what the
    signature covers (RFC 5849 3.4.1.3.1). oauthlib re-checks the content type.
    """
    headers = dict(request.headers)
    body = None
    if "application/x-www-form-urlencoded" in (request.content_type or ""):
        body = request.get_data(as_text=True)
    return raw_request_uri(request), request.method, body, headers


def base_string_of(oauth_req):
    """oauthlib's signature base string for a parsed request (for debugging)."""
    if oauth_req is None or getattr(oauth_req, "params", None) is None:
        return None
    try:
        return signature.signature_base_string(
            oauth_req.http_method,
            signature.base_string_uri(oauth_req.uri),
            signature.normalize_parameters(oauth_req.params))
    except Exception:
        return None


_LOG_REASONS = (  # validator_log key -> reason, in the order oauthlib checks them
    ("client", "invalid_consumer"),
    ("resource_owner", "invalid_token"),
    ("verifier", "invalid_verifier"),
    ("callback", "invalid_callback"),
    ("realm", "invalid_realm"),
    ("signature", "invalid_signature"),
)


def rejection(endpoint, oauth_req, uri, method, body, headers):
    """Why did oauthlib say no? Returns (reason, description, base_string).

    oauthlib only returns False for most failures; re-run its cheap checks to
    name the cause, so a failing Swift test prints something useful.
    """
    if oauth_req is None:
        try:
            oauth_req = endpoint._create_request(uri, method, body, headers)
        except errors.OAuth1Error as exc:
            return "invalid_request", exc.description, None
        except Exception as exc:
            return "invalid_request", str(exc), None
    base = base_string_of(oauth_req)
    reason = getattr(oauth_req, "reject_reason", None)
    if reason:
        return reason, "this (consumer, timestamp, nonce, token) was already used", base
    log = getattr(oauth_req, "validator_log", {}) or {}
    for key, name in _LOG_REASONS:
        if key in log and not log[key]:
            return name, f"oauthlib validator check '{key}' failed", base
    try:
        endpoint._check_transport_security(oauth_req)
        endpoint._check_mandatory_parameters(oauth_req)
    except errors.OAuth1Error as exc:
        desc = exc.description or exc.error
        if "Timestamp given is invalid" in desc:
            return "invalid_timestamp", desc, base
        return "invalid_request", desc, base
    if not oauth_req.resource_owner_key:
        return "invalid_token", "missing oauth_token", base
    return "invalid_request", "rejected by oauthlib", base


def form_response(body, status, headers=None):
    hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
    hdrs.update(headers or {})
    return body or "", status, hdrs


def token_endpoint_failure(endpoint, oauth_args, status, body):
    """oauthlib answers an invalid signature/nonce with 401 and no body; add a
    form-encoded error (plus oauthlib's base string) so failures are legible."""
    COUNTERS.incr("token_errors")
    if body:
        return form_response(body, status)
    reason, desc, base = rejection(endpoint, getattr(LAST, "request", None), *oauth_args)
    params = [("error", reason), ("error_description", desc)]
    if base:
        params.append(("base_string", base))
    return form_response(urlencode(params), status)


# --------------------------------------------------------------------------
# Flask app
# --------------------------------------------------------------------------
def create_app(auto_approve):
    app = Flask(__name__)

    @app.post("/oauth/request_token")
    def request_token():
        COUNTERS.incr("request_token")
        LAST.request = None
        args = oauth_request_args()
        hdrs, body, status = REQUEST_TOKEN_ENDPOINT.create_request_token_response(*args)
        if status != 200:
            return token_endpoint_failure(REQUEST_TOKEN_ENDPOINT, args, status, body)
        return form_response(body, status, hdrs)

    def authorize_decision(approved):
        uri = raw_request_uri(request)
        token = request.args.get("oauth_token", "")
        try:
            if approved:
                hdrs, body, status = AUTHORIZATION_ENDPOINT.create_authorization_response(
                    uri, http_method="GET")
                COUNTERS.incr("authorize_approvals")
                return body or "", status, hdrs
            # Denial: oauthlib has no API for it. Follow the X/Twitter
            # convention: retire the request token and send the user back with
            # denied=<token>.
            if not VALIDATOR.verify_request_token(token, None):
                raise errors.InvalidClientError()
            callback = VALIDATOR.get_redirect_uri(token, None)
            VALIDATOR.invalidate_request_token(None, token, None)
            COUNTERS.incr("authorize_denials")
            if callback == "oob":
                return form_response(urlencode({"denied": token}), 200)
            return "", 302, {"Location": add_params_to_uri(callback, [("denied", token)])}
        except errors.OAuth1Error as exc:
            return jsonify({"error": exc.error, "error_description": exc.description}), exc.status_code

    @app.get("/oauth/authorize")
    def authorize_page():
        if auto_approve:
            return authorize_decision(True)
        try:
            AUTHORIZATION_ENDPOINT.get_realms_and_credentials(raw_request_uri(request))
        except errors.OAuth1Error as exc:
            return jsonify({"error": exc.error, "error_description": exc.description}), exc.status_code
        action = request.path + ("?" + request.query_string.decode("latin-1")
                                 if request.query_string else "")
        return consent_page("Authorize application",
                            f"An application wants to access the account of <b>{SCREEN_NAME}</b>.", action)

    @app.post("/oauth/authorize")
    def authorize_submit():
        return authorize_decision(request.form.get("confirm") == "yes")

    @app.post("/oauth/access_token")
    def access_token():
        COUNTERS.incr("access_token")
        LAST.request = None
        args = oauth_request_args()
        hdrs, body, status = ACCESS_TOKEN_ENDPOINT.create_access_token_response(
            *args, credentials={"user_id": USER_ID, "screen_name": SCREEN_NAME})
        if status != 200:
            return token_endpoint_failure(ACCESS_TOKEN_ENDPOINT, args, status, body)
        return form_response(body, status, hdrs)

    def verify_resource_request():
        args = oauth_request_args()
        valid, oauth_req = RESOURCE_ENDPOINT.validate_protected_resource_request(*args)
        if valid:
            return oauth_req, None
        reason, desc, base = rejection(RESOURCE_ENDPOINT, oauth_req, *args)
        return None, (jsonify({"error": reason, "error_description": desc,
                               "base_string": base}), 401,
                      {"WWW-Authenticate": 'OAuth realm="keyflow-peer"'})

    @app.route("/api/echo", methods=["GET", "POST"])
    def api_echo():
        COUNTERS.incr("api_calls")
        oauth_req, failure = verify_resource_request()
        if failure:
            COUNTERS.incr("api_rejections")
            return failure
        params = {}
        for key, value in oauth_req.params:
            if key.startswith("oauth_"):
                continue
            if key in params:  # repeated parameter -> list of values
                prev = params[key]
                params[key] = (prev if isinstance(prev, list) else [prev]) + [value]
            else:
                params[key] = value
        return jsonify({"ok": True, "consumer": oauth_req.client_key,
                        "screen_name": SCREEN_NAME, "params": params})

    @app.post("/oauth/invalidate_token")
    def invalidate_token():
        oauth_req, failure = verify_resource_request()
        if failure:
            return failure
        with STORE.lock:
            STORE.access_tokens[oauth_req.resource_owner_key]["revoked"] = True
        return jsonify({"access_token": oauth_req.resource_owner_key, "revoked": True})

    @app.post("/admin/consumers")
    def admin_consumers():
        record = request.get_json(silent=True)
        if not isinstance(record, dict) or not record.get("key"):
            return jsonify({"error": "invalid_consumer",
                            "error_description": "JSON object with 'key' required"}), 400
        register_consumer(record)
        return jsonify(record), 201

    @app.get("/stats")
    def stats():
        return jsonify(COUNTERS.snapshot())

    @app.post("/stats/reset")
    def stats_reset():
        COUNTERS.reset()
        return jsonify({"ok": True})

    @app.get("/healthz")
    def healthz():
        return "ok", 200, {"Content-Type": "text/plain"}

    return app


def register_consumer(record):
    record = dict(record)
    record.setdefault("secret", "")
    record.setdefault("callback_uris", ["loopback"])
    with STORE.lock:
        STORE.consumers[record["key"]] = record


def main():
    parser = base_arg_parser(__doc__.splitlines()[1])
    parser.add_argument("--consumers", metavar="FILE",
                        help="JSON list of consumer records (default: built-in consumer)")
    parser.add_argument("--auto-approve", action="store_true",
                        help="GET /oauth/authorize approves immediately (302 with verifier)")
    args = parser.parse_args()

    records = BUILTIN_CONSUMERS
    if args.consumers:
        with open(args.consumers, encoding="utf-8") as fh:
            records = json.load(fh)
    for record in records:
        register_consumer(record)

    serve(create_app(args.auto_approve), args.port, args.verbose)


if __name__ == "__main__":
    main()
