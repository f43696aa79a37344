#!/usr/bin/env python3
"""A real OAuth 2.0 authorization server + resource server built on Authlib.

Keyflow's Swift OAuth 2 client is tested against this peer, so every protocol
decision (client authentication, PKCE, refresh rotation, revocation, bearer
token errors) is Authlib's, not ours. We only supply in-memory storage and a
few policies the tests need (loopback redirect URIs, per-client PKCE,
refresh-token rotation, counters).

Run:  .venv/bin/python peers/authlib_server.py [--port 0] [--expires-in 3600]
          [--clients FILE] [--auto-approve] [--verbose]
Prints "READY http://127.0.0.1:PORT" once listening. See peers/README.md.
"""

import json
import os
import secrets
import threading
import time
from html import escape

# Authlib refuses plain-http OAuth URIs unless told otherwise. Loopback is
# already allowed (RFC 8252), but tests may use other host spellings.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

from authlib.integrations.flask_oauth2 import (  # noqa: E402
    AuthorizationServer,
    ResourceProtector,
)
from authlib.oauth2 import OAuth2Error  # noqa: E402
from authlib.oauth2.rfc6749 import (  # noqa: E402
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list  # noqa: E402
from authlib.oauth2.rfc6750 import BearerTokenValidator  # noqa: E402
from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint  # noqa: E402
from authlib.oauth2.rfc7636 import CodeChallenge  # noqa: E402
from flask import Flask, jsonify, request  # noqa: E402

from _peerlib import consent_page, Counters, base_arg_parser, is_loopback_uri, serve  # noqa: E402

AUTH_CODE_LIFETIME = 600  # seconds; RFC 6749 4.1.2 recommends at most 10 minutes
ALL_GRANTS = ["authorization_code", "refresh_token", "client_credentials"]
ALL_SCOPES = "read write profile"


# --------------------------------------------------------------------------
# The single end user. Authentication of the resource owner is out of scope
# for the tests; whoever approves the consent form is "alice".
# --------------------------------------------------------------------------
class User:
    def __init__(self, user_id, username):
        self.id = user_id
        self.username = username

    def get_user_id(self):
        return self.id


ALICE = User(1, "alice")
USERS = {ALICE.id: ALICE}


# --------------------------------------------------------------------------
# Models (Authlib mixins over plain Python objects)
# --------------------------------------------------------------------------
class Client(ClientMixin):
    def __init__(self, record):
        self.client_id = record["client_id"]
        self.client_secret = record.get("client_secret") or ""
        self.token_endpoint_auth_method = record.get(
            "token_endpoint_auth_method",
            "client_secret_basic" if self.client_secret else "none")
        self.redirect_uris = list(record.get("redirect_uris", ["loopback"]))
        self.grant_types = list(record.get("grant_types", ALL_GRANTS))
        self.scope = record.get("scope", ALL_SCOPES)
        self.pkce_required = bool(record.get("pkce_required", False))

    def to_record(self):
        return {"client_id": self.client_id, "client_secret": self.client_secret,
                "token_endpoint_auth_method": self.token_endpoint_auth_method,
                "redirect_uris": self.redirect_uris, "grant_types": self.grant_types,
                "scope": self.scope, "pkce_required": self.pkce_required}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # Only a concrete URI can be a default; "loopback" is a wildcard.
        for uri in self.redirect_uris:
            if uri != "loopback":
                return uri
        return None

    def get_allowed_scope(self, scope):
        # RFC 6749 3.3: no scope requested -> the client's default (all of it).
        # Unknown scopes are dropped (the server MAY grant less than asked; the
        # granted scope is echoed in the token response). If nothing requested
        # is allowed, returning None makes Authlib answer invalid_scope.
        if not scope:
            return self.scope
        allowed = set(scope_to_list(self.scope))
        granted = [s for s in scope_to_list(scope) if s in allowed]
        if not granted:
            return None
        return list_to_scope(granted)

    def check_redirect_uri(self, redirect_uri):
        if redirect_uri in self.redirect_uris:
            return True
        # Test callback listeners bind random ports.
        return "loopback" in self.redirect_uris and is_loopback_uri(redirect_uri)

    def check_client_secret(self, client_secret):
        if not self.client_secret:
            return False
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        # One registered method per client (RFC 7591 token_endpoint_auth_method),
        # enforced at /token and /revoke alike.
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


class AuthorizationCode:
    def __init__(self, code, client_id, redirect_uri, scope, user_id,
                 code_challenge, code_challenge_method):
        self.code = code
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.user_id = user_id
        self.code_challenge = code_challenge
        self.code_challenge_method = code_challenge_method
        self.issued_at = time.time()

    def is_expired(self):
        return time.time() > self.issued_at + AUTH_CODE_LIFETIME

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


class Token(TokenMixin):
    def __init__(self, token, client_id, user_id, audience, grant_type):
        self.access_token = token["access_token"]
        self.refresh_token = token.get("refresh_token")
        self.token_type = token.get("token_type", "Bearer")
        self.scope = token.get("scope", "")
        self.expires_in = int(token.get("expires_in") or 0)
        self.issued_at = time.time()
        self.client_id = client_id
        self.user_id = user_id
        self.audience = audience
        self.grant_type = grant_type
        self.access_token_revoked = False
        self.refresh_token_revoked = False

    def check_client(self, client):
        return self.client_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return bool(self.expires_in) and time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.access_token_revoked

    def get_user(self):
        return USERS.get(self.user_id)

    def get_client(self):
        return STORE.get_client(self.client_id)


# --------------------------------------------------------------------------
# In-memory storage. One lock guards everything; the data is tiny.
# --------------------------------------------------------------------------
class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.clients = {}
        self.codes = {}
        self.by_access = {}
        self.by_refresh = {}

    def put_client(self, client):
        with self.lock:
            self.clients[client.client_id] = client

    def get_client(self, client_id):
        with self.lock:
            return self.clients.get(client_id)

    def put_code(self, item):
        with self.lock:
            self.codes[item.code] = item

    def get_code(self, code):
        with self.lock:
            return self.codes.get(code)

    def take_code(self, code):
        """Atomically consume a code, so two concurrent exchanges can't both win."""
        with self.lock:
            return self.codes.pop(code, None)

    def put_token(self, tok):
        with self.lock:
            self.by_access[tok.access_token] = tok
            if tok.refresh_token:
                self.by_refresh[tok.refresh_token] = tok

    def token_by_access(self, value):
        with self.lock:
            return self.by_access.get(value)

    def token_by_refresh(self, value):
        with self.lock:
            return self.by_refresh.get(value)


STORE = Store()

BUILTIN_CLIENTS = [
    {"client_id": "confidential-basic", "client_secret": "secret-basic",
     "token_endpoint_auth_method": "client_secret_basic", "redirect_uris": ["loopback"],
     "grant_types": ALL_GRANTS, "scope": ALL_SCOPES, "pkce_required": False},
    {"client_id": "confidential-post", "client_secret": "secret-post",
     "token_endpoint_auth_method": "client_secret_post", "redirect_uris": ["loopback"],
     "grant_types": ALL_GRANTS, "scope": ALL_SCOPES, "pkce_required": False},
    {"client_id": "pkce-client", "client_secret": "secret-pkce",
     "token_endpoint_auth_method": "client_secret_basic", "redirect_uris": ["loopback"],
     "grant_types": ALL_GRANTS, "scope": ALL_SCOPES, "pkce_required": True},
    # A public client cannot keep a secret, so client_credentials makes no sense.
    {"client_id": "public-pkce", "client_secret": "",
     "token_endpoint_auth_method": "none", "redirect_uris": ["loopback"],
     "grant_types": ["authorization_code", "refresh_token"], "scope": ALL_SCOPES,
     "pkce_required": True},
]


# --------------------------------------------------------------------------
# Grants
# --------------------------------------------------------------------------
# Every grant accepts every standard auth method; the client's own
# token_endpoint_auth_method (check_endpoint_auth_method) picks the one it may use.
ALL_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    def save_authorization_code(self, code, req):
        data = req.payload.data
        STORE.put_code(AuthorizationCode(
            code=code,
            client_id=req.client.client_id,
            redirect_uri=req.payload.redirect_uri,
            scope=req.scope,  # resolved scope (default applied), per Authlib docs
            user_id=req.user.id,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        ))

    def query_authorization_code(self, code, client):
        item = STORE.get_code(code)
        if item and item.client_id == client.client_id and not item.is_expired():
            return item
        return None

    def create_token_response(self):
        # Consume the code before issuing: with concurrent exchanges of the same
        # code exactly one succeeds, the rest get invalid_grant.
        if STORE.take_code(self.request.authorization_code.code) is None:
            raise InvalidGrantError("Invalid 'code' in request.")
        return super().create_token_response()

    def delete_authorization_code(self, authorization_code):
        STORE.take_code(authorization_code.code)  # already consumed above

    def authenticate_user(self, authorization_code):
        return USERS.get(authorization_code.user_id)


class PerClientCodeChallenge(CodeChallenge):
    """RFC 7636 with the client's own pkce_required flag.

    Authlib's CodeChallenge(required=...) is one flag for the whole grant and
    only enforces a code_verifier for public clients. Here a client with
    pkce_required=true must send a code_challenge at /authorize and a
    code_verifier at /token, whatever its auth method; other clients may use
    PKCE optionally. Everything else (S256/plain, verifier syntax, comparison)
    is Authlib's.
    """

    def validate_code_challenge(self, grant, redirect_uri):
        client = grant.request.client
        if client is not None and client.pkce_required \
                and not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        return super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        client = grant.request.client
        if client is not None and client.pkce_required \
                and not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        return super().validate_code_verifier(grant, result)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    # Rotation: every refresh issues a new refresh token...
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        tok = STORE.token_by_refresh(refresh_token)
        if tok and not tok.refresh_token_revoked:
            return tok
        return None

    def create_token_response(self):
        # ...and the old one dies. Claim it atomically so that two concurrent
        # refreshes with the same token cannot both succeed.
        old = self.request.refresh_token
        with STORE.lock:
            if old.refresh_token_revoked:
                raise InvalidGrantError()
            old.refresh_token_revoked = True
        return super().create_token_response()

    def authenticate_user(self, refresh_token):
        return USERS.get(refresh_token.user_id)

    def revoke_old_credential(self, refresh_token):
        # Only the refresh token is retired; the old access token stays valid
        # until it expires (common practice, and what most clients expect).
        refresh_token.refresh_token_revoked = True


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class RevocationEndpoint(_RevocationEndpoint):
    CLIENT_AUTH_METHODS = ALL_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        # The hint is only a hint (RFC 7009 2.1): fall back to the other kind.
        if token_type_hint == "refresh_token":
            return STORE.token_by_refresh(token_string) or STORE.token_by_access(token_string)
        return STORE.token_by_access(token_string) or STORE.token_by_refresh(token_string)

    def revoke_token(self, token, req):
        with STORE.lock:
            if req.form.get("token") == token.refresh_token:
                # RFC 7009 2.1: revoking a refresh token SHOULD also revoke the
                # access tokens of the same grant.
                token.refresh_token_revoked = True
                token.access_token_revoked = True
            else:
                token.access_token_revoked = True


class MyBearerTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return STORE.token_by_access(token_string)


# --------------------------------------------------------------------------
# Flask app
# --------------------------------------------------------------------------
COUNTERS = Counters("authorization_code", "refresh_token", "client_credentials",
                    "token_errors", "revocations", "api_calls", "api_rejections",
                    "authorize_approvals", "authorize_denials")
TOKEN_GRANT_KEYS = ("authorization_code", "refresh_token", "client_credentials")


def save_token(token, req):
    audience = req.form.get("audience") if hasattr(req, "form") else None
    if req.payload.grant_type == "refresh_token" and req.refresh_token is not None:
        audience = audience or req.refresh_token.audience
    STORE.put_token(Token(
        token,
        client_id=req.client.client_id,
        user_id=req.user.id if req.user else None,
        audience=audience,
        grant_type=req.payload.grant_type,
    ))


def create_app(expires_in, auto_approve, token_delay=0.0):
    app = Flask(__name__)
    app.config.update(
        # Issue refresh tokens (Authlib's default is not to).
        OAUTH2_REFRESH_TOKEN_GENERATOR=True,
        # One access-token lifetime for every grant (--expires-in).
        OAUTH2_TOKEN_EXPIRES_IN={g: expires_in for g in ALL_GRANTS},
    )
    server = AuthorizationServer(app, query_client=STORE.get_client, save_token=save_token)
    server.register_grant(AuthorizationCodeGrant, [PerClientCodeChallenge(required=True)])
    server.register_grant(RefreshTokenGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_endpoint(RevocationEndpoint)

    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(MyBearerTokenValidator())

    def authorize_error(error):
        # Errors found after the redirect URI was validated go back to the
        # client (RFC 6749 4.1.2.1); a bad client or redirect URI must not
        # redirect, so it is a plain 400 JSON error for the user agent.
        if error.redirect_uri:
            return server.handle_error_response(None, error)
        body = dict(error.get_body())
        return jsonify(body), 400

    def count_authorization(response):
        location = response.headers.get("Location", "")
        if response.status_code == 302 and "code=" in location:
            COUNTERS.incr("authorize_approvals")
        elif "error=access_denied" in location:
            COUNTERS.incr("authorize_denials")
        return response

    @app.get("/authorize")
    def authorize_page():
        try:
            grant = server.get_consent_grant(end_user=ALICE)
        except OAuth2Error as error:
            return authorize_error(error)
        if auto_approve:
            return count_authorization(
                server.create_authorization_response(grant=grant, grant_user=ALICE))
        # The form posts back to the same URL, query string included, so the
        # POST handler sees the original authorization request.
        action = request.path
        if request.query_string:
            action += "?" + request.query_string.decode("latin-1")
        client_id = grant.client.client_id
        scope = grant.request.scope or ""
        return consent_page(f"Authorize {client_id}",
                            f"Client <b>{escape(client_id)}</b> asks for scope <b>{escape(scope)}</b> "
                            f"on behalf of <b>{ALICE.username}</b>.", action)

    @app.post("/authorize")
    def authorize_submit():
        try:
            grant = server.get_consent_grant(end_user=ALICE)
        except OAuth2Error as error:
            return authorize_error(error)
        approved = request.form.get("confirm") == "yes"
        # grant_user=None makes Authlib redirect with error=access_denied.
        return count_authorization(server.create_authorization_response(
            grant=grant, grant_user=ALICE if approved else None))

    @app.post("/token")
    def issue_token():
        grant_type = request.values.get("grant_type") or "(missing)"
        COUNTERS.incr(grant_type)
        response = server.create_token_response()
        if response.status_code >= 400:
            COUNTERS.incr("token_errors")
        elif token_delay:
            # The grant is done (a refresh token already rotated) but the answer is late:
            # the window in which a client that dies has lost the new tokens.
            time.sleep(token_delay)
        return response

    @app.post("/revoke")
    def revoke_token():
        response = server.create_endpoint_response(RevocationEndpoint.ENDPOINT_NAME)
        if response.status_code == 200:
            COUNTERS.incr("revocations")
        return response

    @app.route("/api/me", methods=["GET", "POST"])
    def api_me():
        COUNTERS.incr("api_calls")
        try:
            with require_oauth.acquire() as tok:
                pass
        except Exception:
            # ResourceProtector raises an HTTPException carrying the 401/403
            # JSON body and WWW-Authenticate header; let Flask render it.
            COUNTERS.incr("api_rejections")
            raise
        user = tok.get_user()
        return jsonify({
            "sub": user.username if user else tok.client_id,
            "client_id": tok.client_id,
            "scope": tok.scope,
            "audience": tok.audience,
        })

    @app.post("/admin/clients")
    def admin_clients():
        record = request.get_json(silent=True)
        if not isinstance(record, dict) or not record.get("client_id"):
            return jsonify({"error": "invalid_client_metadata",
                            "error_description": "JSON object with client_id required"}), 400
        client = Client(record)
        STORE.put_client(client)
        return jsonify(client.to_record()), 201

    @app.get("/stats")
    def stats():
        snap = COUNTERS.snapshot()
        token_requests = {k: snap.pop(k, 0) for k in TOKEN_GRANT_KEYS}
        for key in list(snap):
            # Any other grant_type seen at /token (e.g. "password", "(missing)").
            if key not in COUNTERS._names:
                token_requests[key] = snap.pop(key)
        return jsonify({"token_requests": token_requests, **snap})

    @app.post("/stats/reset")
    def stats_reset():
        COUNTERS.reset()
        return jsonify({"ok": True})

    @app.get("/healthz")
    def healthz():
        return "ok", 200, {"Content-Type": "text/plain"}

    return app


def main():
    parser = base_arg_parser(__doc__.splitlines()[1])
    parser.add_argument("--expires-in", type=int, default=3600,
                        help="access token lifetime in seconds (default 3600)")
    parser.add_argument("--clients", metavar="FILE",
                        help="JSON list of client records (default: built-in clients)")
    parser.add_argument("--auto-approve", action="store_true",
                        help="GET /authorize approves immediately (302 with code)")
    parser.add_argument("--token-delay-ms", type=int, default=0,
                        help="wait this long after a successful grant before answering /token")
    args = parser.parse_args()

    records = BUILTIN_CLIENTS
    if args.clients:
        with open(args.clients, encoding="utf-8") as fh:
            records = json.load(fh)
    for record in records:
        STORE.put_client(Client(record))

    app = create_app(args.expires_in, args.auto_approve, args.token_delay_ms / 1000.0)
    serve(app, args.port, args.verbose)


if __name__ == "__main__":
    main()
