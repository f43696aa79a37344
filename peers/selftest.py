#!/usr/bin/env python3
"""Self-test of the Python test peers.  Run:  .venv/bin/python peers/selftest.py

Starts each server as a subprocess (reading its READY line like the Swift tests
do), exercises it end to end over loopback with the standard library plus
oauthlib's own OAuth 1 client, and exits non-zero if anything failed. The LLM API
stand-ins are checked by llm_selftest.py, which this runs too.
"""

import base64
import hashlib
import http.client as httpclient
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from oauthlib.oauth1 import (
    SIGNATURE_HMAC_SHA1,
    SIGNATURE_HMAC_SHA256,
    SIGNATURE_PLAINTEXT,
    SIGNATURE_RSA_SHA1,
    SIGNATURE_TYPE_AUTH_HEADER,
    SIGNATURE_TYPE_QUERY,
    Client,
)

import llm_selftest  # the LLM API stand-ins' checks (peers/llm_selftest.py)
from _selftestlib import TALLY, Peer, check, section

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CALLBACK = "http://127.0.0.1:53682/callback"  # nobody listens; we only read Location



class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name)

    def json(self):
        return json.loads(self.body)

    def form(self):
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def location_params(self):
        return {k: v[0] for k, v in parse_qs(urlsplit(self.header("Location") or "").query).items()}


REQUEST_LOG = []  # (base, path, status) of every request, to check /stats against


def sent(base, path, ok=None):
    """How many requests we sent to base+path (ok=True: 2xx only, False: non-2xx only)."""
    return sum(1 for b, p, st in REQUEST_LOG if b == base and p == path
               and (ok is None or (200 <= st < 300) == ok))


def http(method, url, headers=None, body=None):
    """One request, never following redirects."""
    parts = urlsplit(url)
    conn = httpclient.HTTPConnection(parts.hostname, parts.port, timeout=10)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn.request(method, target, body=body, headers=headers or {})
    r = conn.getresponse()
    resp = Resp(r.status, r.headers, r.read())
    conn.close()
    REQUEST_LOG.append((f"{parts.scheme}://{parts.netloc}", parts.path, r.status))
    return resp


def basic(client_id, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def timing(base, path, n=100):
    start = time.perf_counter()
    for _ in range(n):
        r = http("GET", base + path)
        assert r.status == 200
    return time.perf_counter() - start


def new_rsa_keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private_pem, public_pem


RSA_PRIVATE, RSA_PUBLIC = new_rsa_keypair()
TIMINGS = {}


# --------------------------------------------------------------------------
# 1. oauth1_verify.py
# --------------------------------------------------------------------------
def test_oauth1_verify():
    section("oauth1_verify.py (oauthlib batch signature verifier)")
    cases, expect = [], []

    # RFC 5849 section 1.2 example, verbatim.
    cases.append({
        "id": "rfc5849-1.2", "method": "GET",
        "url": "http://photos.example.net/photos?file=vacation.jpg&size=original",
        "headers": {"Authorization": 'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", '
                    'oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", '
                    'oauth_timestamp="137131202", oauth_nonce="chapoH", '
                    'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"'},
        "body": None, "signature_method": "HMAC-SHA1",
        "consumer_secret": "kd94hf93k423kf44", "token_secret": "pfkkdhi9sl3r4s00"})
    expect.append(True)

    # PLAINTEXT secrets stay free of characters that get percent-encoded: see
    # the oauthlib quirk case below.
    secrets_by_method = {
        SIGNATURE_HMAC_SHA1: ("cs-ä&1 /x", "ts-2"),
        SIGNATURE_HMAC_SHA256: ("cs-3", ""),
        SIGNATURE_RSA_SHA1: ("", ""),
        SIGNATURE_PLAINTEXT: ("cs-plain", "ts_plain"),
    }
    requests = [
        ("GET", "https://Example.COM:443/p%C3%A4th?a=1&b=%20x&c=%E2%9C%93", None),
        ("POST", "http://127.0.0.1:8080/api/upload?q=%F0%9F%94%91", "c=2&d=%E2%9C%93&e=a+b&e=z"),
        ("GET", "http://example.com/", None),
    ]
    n = 0
    for method_name, (cs, ts) in secrets_by_method.items():
        for sig_type in (SIGNATURE_TYPE_AUTH_HEADER, SIGNATURE_TYPE_QUERY):
            for http_method, url, body in requests:
                n += 1
                client = Client("ck-1", client_secret=cs,
                                resource_owner_key="tok-1" if ts or method_name == SIGNATURE_RSA_SHA1 else None,
                                resource_owner_secret=ts or None,
                                signature_method=method_name, signature_type=sig_type,
                                rsa_key=RSA_PRIVATE if method_name == SIGNATURE_RSA_SHA1 else None)
                headers = dict(FORM) if body else {}
                s_uri, s_headers, s_body = client.sign(url, http_method, body, headers)
                case = {"id": f"c{n}-{method_name}-{sig_type}-{http_method}", "method": http_method,
                        "url": s_uri, "headers": s_headers, "body": s_body,
                        "signature_method": method_name, "consumer_secret": cs, "token_secret": ts}
                if method_name == SIGNATURE_RSA_SHA1:
                    case["rsa_public_key"] = RSA_PUBLIC
                cases.append(case)
                expect.append(True)
                # Tampered copies: flip the signature / change a signed parameter.
                bad = json.loads(json.dumps(case))
                bad["id"] += "-tampered-secret"
                if method_name == SIGNATURE_RSA_SHA1:
                    bad["rsa_public_key"] = new_rsa_keypair()[1] if n % 4 == 1 else RSA_PUBLIC
                    if n % 4 != 1:  # otherwise alter what was signed
                        bad["url"] = bad["url"].replace("http", "https", 1) \
                            if bad["url"].startswith("http:") else bad["url"].replace("https", "http", 1)
                else:
                    bad["consumer_secret"] = cs + "x"
                cases.append(bad)
                expect.append(False)
                if body and method_name != SIGNATURE_PLAINTEXT:  # PLAINTEXT signs no params
                    bad2 = json.loads(json.dumps(case))
                    bad2["id"] += "-tampered-body"
                    bad2["body"] = s_body.replace("c=2", "c=3")
                    cases.append(bad2)
                    expect.append(False)

    # Known oauthlib quirk (documented in README): oauth_* values that arrive in
    # the query string or form body are percent-decoded twice by oauthlib's
    # collect_parameters, so a PLAINTEXT signature whose secrets contain
    # characters that need escaping (here a space) verifies in the header but
    # NOT in the query, even though oauthlib's own Client signed it correctly.
    for sig_type, ok in ((SIGNATURE_TYPE_AUTH_HEADER, True), (SIGNATURE_TYPE_QUERY, False)):
        client = Client("ck-1", client_secret="cs plain", resource_owner_key="t",
                        resource_owner_secret="ts", signature_method=SIGNATURE_PLAINTEXT,
                        signature_type=sig_type)
        s_uri, s_headers, _ = client.sign("http://127.0.0.1/q", "GET")
        cases.append({"id": f"quirk-plaintext-escaped-secret-{sig_type}", "method": "GET", "url": s_uri,
                      "headers": s_headers, "body": None, "signature_method": "PLAINTEXT",
                      "consumer_secret": "cs plain", "token_secret": "ts"})
        expect.append(ok)

    # A form body whose Content-Type is not form-encoded is not signed: sign
    # without the body, send it as JSON; must still verify.
    client = Client("ck-1", client_secret="s")
    s_uri, s_headers, _ = client.sign("http://127.0.0.1/json", "POST")
    s_headers["Content-Type"] = "application/json"
    cases.append({"id": "json-body-not-signed", "method": "POST", "url": s_uri,
                  "headers": s_headers, "body": '{"c": 2}', "signature_method": "HMAC-SHA1",
                  "consumer_secret": "s", "token_secret": ""})
    expect.append(True)
    # Garbage must not crash the batch.
    cases.append({"id": "garbage", "method": "GET", "url": "not a url", "headers": {},
                  "body": None, "signature_method": "HMAC-SHA1", "consumer_secret": "x"})
    expect.append(False)

    lines = "\n".join(json.dumps(c) for c in cases) + "\nthis is not json\n"
    proc = subprocess.run([PY, os.path.join(HERE, "oauth1_verify.py")], input=lines,
                          capture_output=True, text=True, timeout=60)
    check(proc.returncode == 0, "verifier exits 0", proc.stderr[-500:])
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    check(len(out) == len(cases) + 1, f"one output line per input line ({len(out)})")
    results = dict(zip([c["id"] for c in cases], out))
    check([o["id"] for o in out[:len(cases)]] == [c["id"] for c in cases], "same order as input")
    bad = [(c["id"], o.get("error")) for c, o, e in zip(cases, out, expect) if o["ok"] is not e]
    check(not bad, f"{len(cases)} cases have the expected verdict "
          f"({sum(expect)} valid, {len(expect) - sum(expect)} tampered/invalid)", bad)
    rfc = results["rfc5849-1.2"]
    check(rfc["ok"] and rfc["base_string"].startswith(
        "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key"),
        "RFC 5849 1.2 example verifies, base string as in the RFC", rfc)
    uni = next(o for o in out if o["id"].startswith("c1-"))
    check(uni["base_string_uri"] == "https://example.com/p%C3%A4th",
          "base string URI: host lower-cased, :443 dropped, path kept", uni["base_string_uri"])
    check(out[-1]["ok"] is False and "bad JSON" in out[-1]["error"], "bad JSON line -> ok=false")
    check(results["garbage"]["error"], "garbage case reports an error")


# --------------------------------------------------------------------------
# 2. authlib_server.py
# --------------------------------------------------------------------------
class TokenCalls:
    """Counts our own /token calls so the server's /stats can be checked."""

    def __init__(self, base):
        self.base = base
        self.counts = {"authorization_code": 0, "refresh_token": 0, "client_credentials": 0}
        self.errors = 0

    def post(self, form, headers=None):
        self.counts[form["grant_type"]] += 1
        r = http("POST", self.base + "/token", {**FORM, **(headers or {})}, urlencode(form))
        if r.status >= 400:
            self.errors += 1
        return r


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(base, client_id, redirect_uri=CALLBACK, confirm="yes", challenge=None, scope="read profile",
              state=None):
    """GET the consent page, POST confirm=<confirm> to its form action; returns the POST response."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "scope": scope, "state": state or secrets.token_urlsafe(8)}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    page = http("GET", base + "/authorize?" + urlencode(params))
    if page.status != 200:
        return page
    html = page.body.decode()
    action = html.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    return http("POST", base + action, FORM, urlencode({"confirm": confirm}))


def test_authlib_server():
    section("authlib_server.py (Authlib OAuth 2.0 authorization server)")
    peer = Peer("authlib_server.py")
    base = peer.base
    try:
        check(http("GET", base + "/healthz").body == b"ok", "GET /healthz -> ok")
        TIMINGS["authlib_server /healthz"] = t = timing(base, "/healthz")
        check(t < 1.0, f"100 sequential loopback requests in {t * 1000:.0f} ms (< 1000 ms)")
        check(http("POST", base + "/stats/reset").status == 200, "POST /stats/reset")
        calls = TokenCalls(base)
        approvals = 0

        # --- consent page ---
        state = "st-" + secrets.token_urlsafe(6)
        verifier, challenge = pkce_pair()
        q = urlencode({"response_type": "code", "client_id": "pkce-client", "redirect_uri": CALLBACK,
                       "scope": "read profile", "state": state, "code_challenge": challenge,
                       "code_challenge_method": "S256"})
        page = http("GET", base + "/authorize?" + q)
        html = page.body.decode()
        check(page.status == 200 and '<form method="post"' in html and "Approve" in html
              and 'value="yes"' in html and 'value="no"' in html, "GET /authorize -> 200 consent form")
        action = html.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        check(action == "/authorize?" + q, "form action is the same URL with the query string")

        # --- auth code + PKCE S256, confidential client with client_secret_basic ---
        r = http("POST", base + action, FORM, "confirm=yes")
        approvals += 1
        loc = r.location_params
        check(r.status == 302 and r.header("Location").startswith(CALLBACK + "?") and "code" in loc
              and loc.get("state") == state, "POST confirm=yes -> 302 to redirect_uri with code+state",
              r.header("Location"))
        code = loc.get("code")
        r = calls.post({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                        "code_verifier": "wrong-" + "x" * 43}, basic("pkce-client", "secret-pkce"))
        check(r.status == 400 and r.json()["error"] == "invalid_grant", "wrong code_verifier -> invalid_grant")
        r = calls.post({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                        "code_verifier": verifier}, basic("pkce-client", "secret-pkce"))
        tok = r.json() if r.status == 200 else {}
        check(r.status == 200 and tok.get("token_type") == "Bearer" and tok.get("access_token")
              and tok.get("refresh_token") and tok.get("expires_in") == 3600 and tok.get("scope") == "read profile",
              "code exchange -> access_token, Bearer, expires_in, refresh_token, scope", r.body)
        check(r.header("Cache-Control") == "no-store", "token response has Cache-Control: no-store")
        r = calls.post({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                        "code_verifier": verifier}, basic("pkce-client", "secret-pkce"))
        check(r.status == 400 and r.json()["error"] == "invalid_grant", "code reuse -> invalid_grant")

        me = http("GET", base + "/api/me", {"Authorization": "Bearer " + tok["access_token"]})
        check(me.status == 200 and me.json() == {"sub": "alice", "client_id": "pkce-client",
                                                 "scope": "read profile", "audience": None},
              "GET /api/me with the token", me.body)
        me = http("POST", base + "/api/me", {"Authorization": "Bearer " + tok["access_token"]})
        check(me.status == 200, "POST /api/me works too")

        # --- refresh with rotation ---
        r = calls.post({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
                       basic("pkce-client", "secret-pkce"))
        tok2 = r.json() if r.status == 200 else {}
        check(r.status == 200 and tok2.get("refresh_token") and tok2["refresh_token"] != tok["refresh_token"]
              and tok2["access_token"] != tok["access_token"], "refresh -> new access + NEW refresh token", r.body)
        r = calls.post({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
                       basic("pkce-client", "secret-pkce"))
        check(r.status == 400 and r.json()["error"] == "invalid_grant", "reusing the old refresh token -> 400 invalid_grant")
        r = calls.post({"grant_type": "refresh_token", "refresh_token": tok2["refresh_token"], "scope": "read"},
                       basic("pkce-client", "secret-pkce"))
        tok3 = r.json() if r.status == 200 else {}
        check(r.status == 200 and tok3.get("scope") == "read", "refresh with narrower scope", r.body)
        check(http("GET", base + "/api/me", {"Authorization": "Bearer " + tok3["access_token"]}).status == 200,
              "refreshed access token works")

        # --- concurrent refreshes with one token: exactly one wins ---
        results = []
        threads = [threading.Thread(target=lambda: results.append(calls.post(
            {"grant_type": "refresh_token", "refresh_token": tok3["refresh_token"]},
            basic("pkce-client", "secret-pkce")).status)) for _ in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        check(sorted(results) == [200, 400, 400, 400], "4 concurrent refreshes of one token: one 200", results)

        # --- pkce_required client without code_challenge ---
        r = authorize(base, "pkce-client", state="s-nopkce")
        check(r.status == 302 and r.location_params.get("error") == "invalid_request"
              and r.location_params.get("state") == "s-nopkce",
              "pkce_required client without code_challenge -> redirect error=invalid_request", r.header("Location"))

        # --- public client, PKCE, auth method none ---
        verifier, challenge = pkce_pair()
        r = authorize(base, "public-pkce", challenge=challenge)
        approvals += 1
        code = r.location_params.get("code")
        r = calls.post({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                        "client_id": "public-pkce", "code_verifier": verifier})
        pub = r.json() if r.status == 200 else {}
        check(r.status == 200 and pub.get("refresh_token"), "public client: code + PKCE, no secret", r.body)
        r = calls.post({"grant_type": "refresh_token", "refresh_token": pub["refresh_token"],
                        "client_id": "public-pkce"})
        check(r.status == 200 and r.json()["refresh_token"] != pub["refresh_token"], "public client refresh rotates")

        # --- confidential-post: auth code without PKCE, secret in the body ---
        r = authorize(base, "confidential-post", scope="read")
        approvals += 1
        code = r.location_params.get("code")
        r = calls.post({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                        "client_id": "confidential-post", "client_secret": "secret-post"})
        check(r.status == 200 and r.json().get("scope") == "read", "client_secret_post code exchange (no PKCE)", r.body)

        # --- denial ---
        r = authorize(base, "confidential-basic", confirm="no", state="s-deny")
        loc = r.location_params
        check(r.status == 302 and loc.get("error") == "access_denied" and loc.get("state") == "s-deny"
              and loc.get("error_description"), "POST confirm=no -> 302 error=access_denied + state", r.header("Location"))

        # --- invalid authorization requests: no redirect ---
        r = http("GET", base + "/authorize?" + urlencode({"response_type": "code", "client_id": "nope",
                                                         "redirect_uri": CALLBACK, "state": "x"}))
        check(r.status == 400 and r.json()["error"] == "invalid_client" and not r.header("Location"),
              "unknown client at /authorize -> 400 JSON, no redirect", r.body)
        r = http("GET", base + "/authorize?" + urlencode({"response_type": "code", "client_id": "confidential-basic",
                                                         "redirect_uri": "https://evil.example/cb"}))
        check(r.status == 400 and r.json()["error"] == "invalid_request" and not r.header("Location"),
              "unregistered redirect_uri -> 400 JSON, no redirect", r.body)
        r = authorize(base, "confidential-basic", redirect_uri="http://localhost:9/cb", confirm="yes")
        approvals += 1
        check(r.status == 302 and r.header("Location").startswith("http://localhost:9/cb?code="),
              "'loopback' accepts http://localhost:<any port>")

        # --- client credentials ---
        r = calls.post({"grant_type": "client_credentials", "scope": "read", "audience": "https://api.example"},
                       basic("confidential-basic", "secret-basic"))
        cc = r.json() if r.status == 200 else {}
        check(r.status == 200 and "refresh_token" not in cc and cc.get("scope") == "read"
              and cc.get("token_type") == "Bearer" and cc.get("expires_in") == 3600,
              "client_credentials (basic): access token, no refresh token", r.body)
        me = http("GET", base + "/api/me", {"Authorization": "Bearer " + cc["access_token"]})
        check(me.status == 200 and me.json()["audience"] == "https://api.example"
              and me.json()["client_id"] == "confidential-basic", "audience recorded on the token", me.body)
        r = calls.post({"grant_type": "client_credentials", "client_id": "confidential-post",
                        "client_secret": "secret-post"})
        check(r.status == 200 and r.json().get("scope") == "read write profile",
              "client_credentials (post), default scope = client's scope", r.body)
        r = calls.post({"grant_type": "client_credentials"}, basic("confidential-basic", "wrong"))
        check(r.status == 401 and r.json()["error"] == "invalid_client", "wrong secret -> 401 invalid_client")
        r = calls.post({"grant_type": "client_credentials", "client_id": "confidential-post",
                        "client_secret": "wrong"})
        check(r.status == 401 and r.json()["error"] == "invalid_client", "wrong post secret -> 401 invalid_client")
        r = calls.post({"grant_type": "client_credentials"}, basic("confidential-post", "secret-post"))
        check(r.status == 401 and r.json()["error"] == "invalid_client",
              "client_secret_post client using Basic -> 401 (its registered method only)")
        r = calls.post({"grant_type": "client_credentials", "scope": "admin"}, basic("confidential-basic", "secret-basic"))
        check(r.status == 400 and r.json()["error"] == "invalid_scope", "unknown scope only -> invalid_scope")

        # --- revocation (RFC 7009) ---
        r = http("POST", base + "/revoke", {**FORM, **basic("confidential-basic", "secret-basic")},
                 urlencode({"token": cc["access_token"], "token_type_hint": "access_token"}))
        check(r.status == 200, "revoke access token -> 200")
        me = http("GET", base + "/api/me", {"Authorization": "Bearer " + cc["access_token"]})
        check(me.status == 401 and 'error="invalid_token"' in (me.header("WWW-Authenticate") or "")
              and me.json()["error"] == "invalid_token", "revoked token -> 401 WWW-Authenticate: Bearer error=\"invalid_token\"",
              (me.status, me.header("WWW-Authenticate")))
        r = http("POST", base + "/revoke", {**FORM, **basic("pkce-client", "secret-pkce")},
                 urlencode({"token": tok2["refresh_token"]}))  # already rotated away: still 200 per RFC 7009
        check(r.status == 200, "revoke an already-dead refresh token -> 200")
        r = authorize(base, "confidential-basic")
        approvals += 1
        r = calls.post({"grant_type": "authorization_code", "code": r.location_params.get("code"),
                        "redirect_uri": CALLBACK}, basic("confidential-basic", "secret-basic"))
        fresh = r.json()
        r = http("POST", base + "/revoke", {**FORM, **basic("confidential-basic", "secret-basic")},
                 urlencode({"token": fresh["refresh_token"], "token_type_hint": "refresh_token"}))
        check(r.status == 200, "revoke refresh token -> 200")
        r = calls.post({"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]},
                       basic("confidential-basic", "secret-basic"))
        check(r.status == 400 and r.json()["error"] == "invalid_grant", "revoked refresh token -> invalid_grant")
        check(http("GET", base + "/api/me", {"Authorization": "Bearer " + fresh["access_token"]}).status == 401,
              "revoking the refresh token also revoked its access token")
        r = http("POST", base + "/revoke", {**FORM, **basic("confidential-basic", "wrong")}, "token=x")
        check(r.status == 401, "revoke with a wrong secret -> 401")

        me = http("GET", base + "/api/me", {"Authorization": "Bearer nonsense"})
        check(me.status == 401 and 'error="invalid_token"' in me.header("WWW-Authenticate"), "unknown token -> 401")
        me = http("GET", base + "/api/me")
        check(me.status == 401, "no token -> 401")

        # --- run-time client registration ---
        rec = {"client_id": "exact-client", "client_secret": "exact-secret",
               "token_endpoint_auth_method": "client_secret_basic",
               "redirect_uris": ["com.example.app:/oauth2redirect"], "grant_types": ["authorization_code"],
               "scope": "read", "pkce_required": False}
        r = http("POST", base + "/admin/clients", {"Content-Type": "application/json"}, json.dumps(rec))
        check(r.status == 201 and r.json()["client_id"] == "exact-client", "POST /admin/clients -> 201")
        r = authorize(base, "exact-client", redirect_uri="com.example.app:/oauth2redirect", scope="read")
        approvals += 1
        check(r.status == 302 and r.header("Location").startswith("com.example.app:/oauth2redirect?code="),
              "registered client, exact custom-scheme redirect", r.header("Location"))
        r = http("GET", base + "/authorize?" + urlencode({"response_type": "code", "client_id": "exact-client",
                                                         "redirect_uri": CALLBACK}))
        check(r.status == 400, "exact-match client rejects a loopback redirect")

        # --- stats ---
        stats = http("GET", base + "/stats").json()
        check(stats["token_requests"] == calls.counts, "stats.token_requests by grant type",
              (stats["token_requests"], calls.counts))
        check(stats["token_errors"] == calls.errors, f"stats.token_errors == {calls.errors}", stats["token_errors"])
        check(stats["revocations"] == 3, "stats.revocations == 3", stats["revocations"])
        n_api, n_rej = sent(base, "/api/me"), sent(base, "/api/me", ok=False)
        check(stats["api_calls"] == n_api and stats["api_rejections"] == n_rej,
              f"stats.api_calls == {n_api}, api_rejections == {n_rej}", stats)
        check(stats["authorize_approvals"] == approvals, f"stats.authorize_approvals == {approvals}",
              stats["authorize_approvals"])
        print("  stats:", json.dumps(stats, sort_keys=True))
        http("POST", base + "/stats/reset")
        check(http("GET", base + "/stats").json()["token_requests"]["client_credentials"] == 0, "stats reset")
    finally:
        rc = peer.stop()
        check(rc == 0, "SIGTERM -> exit 0", (rc, peer.stderr[-1000:]))

    # --- short-lived tokens + auto-approve ---
    peer = Peer("authlib_server.py", "--expires-in", "1", "--auto-approve")
    base = peer.base
    try:
        verifier, challenge = pkce_pair()
        r = http("GET", base + "/authorize?" + urlencode({
            "response_type": "code", "client_id": "public-pkce", "redirect_uri": CALLBACK, "state": "auto",
            "code_challenge": challenge, "code_challenge_method": "S256"}))
        check(r.status == 302 and r.location_params.get("code") and r.location_params.get("state") == "auto",
              "--auto-approve: GET /authorize -> 302 with code", r.header("Location"))
        r = http("POST", base + "/token", {**FORM, **basic("confidential-basic", "secret-basic")},
                 "grant_type=client_credentials")
        short = r.json()
        check(short.get("expires_in") == 1, "--expires-in 1 -> expires_in: 1", short)
        check(http("GET", base + "/api/me", {"Authorization": "Bearer " + short["access_token"]}).status == 200,
              "fresh token works")
        time.sleep(2)
        me = http("GET", base + "/api/me", {"Authorization": "Bearer " + short["access_token"]})
        check(me.status == 401 and 'error="invalid_token"' in (me.header("WWW-Authenticate") or ""),
              "expired token -> 401 invalid_token", me.body)
    finally:
        rc = peer.stop()
        check(rc == 0, "SIGTERM -> exit 0")


# --------------------------------------------------------------------------
# 3. oauth1_provider.py
# --------------------------------------------------------------------------
def signed(method, url, client, body=None):
    headers = dict(FORM) if body is not None else {}
    uri, headers, body = client.sign(url, method, body, headers)
    return http(method, uri, headers, body)


def three_legged(base, key, secret, method=SIGNATURE_HMAC_SHA1, rsa_key=None, approve=True):
    """Returns (access_token, access_secret, access_response) or the failing response."""
    c = Client(key, client_secret=secret, callback_uri=CALLBACK, signature_method=method, rsa_key=rsa_key)
    r = signed("POST", base + "/oauth/request_token", c)
    if r.status != 200:
        return None, None, r
    rt = r.form()
    page = http("GET", base + "/oauth/authorize?" + urlencode({"oauth_token": rt["oauth_token"]}))
    if page.status != 200:
        return None, None, page
    action = page.body.decode().split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    r = http("POST", base + action, FORM, "confirm=" + ("yes" if approve else "no"))
    if not approve:
        return rt["oauth_token"], None, r
    verifier = r.location_params.get("oauth_verifier")
    c = Client(key, client_secret=secret, resource_owner_key=rt["oauth_token"],
               resource_owner_secret=rt["oauth_token_secret"], verifier=verifier,
               signature_method=method, rsa_key=rsa_key)
    r = signed("POST", base + "/oauth/access_token", c)
    if r.status != 200:
        return None, None, r
    at = r.form()
    return at["oauth_token"], at["oauth_token_secret"], r


def test_oauth1_provider():
    section("oauth1_provider.py (oauthlib OAuth 1.0a provider)")
    peer = Peer("oauth1_provider.py")
    base = peer.base
    key, secret = "consumer-key-1", "consumer-secret-1"
    try:
        check(http("GET", base + "/healthz").body == b"ok", "GET /healthz -> ok")
        TIMINGS["oauth1_provider /healthz"] = t = timing(base, "/healthz")
        check(t < 1.0, f"100 sequential loopback requests in {t * 1000:.0f} ms (< 1000 ms)")

        # --- three-legged flow, step by step ---
        c = Client(key, client_secret=secret, callback_uri=CALLBACK)
        r = signed("POST", base + "/oauth/request_token", c)
        rt = r.form() if r.status == 200 else {}
        check(r.status == 200 and rt.get("oauth_token") and rt.get("oauth_token_secret")
              and rt.get("oauth_callback_confirmed") == "true", "request_token -> token, secret, callback_confirmed", r.body)
        page = http("GET", base + "/oauth/authorize?oauth_token=" + rt["oauth_token"])
        html = page.body.decode()
        check(page.status == 200 and '<form method="post"' in html and "Approve" in html,
              "GET /oauth/authorize -> 200 approve form")
        action = html.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        r = http("POST", base + action, FORM, "confirm=yes")
        loc = r.location_params
        check(r.status == 302 and r.header("Location").startswith(CALLBACK + "?")
              and loc.get("oauth_token") == rt["oauth_token"] and loc.get("oauth_verifier"),
              "approve -> 302 callback with oauth_token + oauth_verifier", r.header("Location"))
        bad = Client(key, client_secret=secret, resource_owner_key=rt["oauth_token"],
                     resource_owner_secret=rt["oauth_token_secret"], verifier="wrong-verifier")
        r = signed("POST", base + "/oauth/access_token", bad)
        check(r.status == 401 and r.form().get("error") == "invalid_verifier", "wrong verifier -> 401 invalid_verifier", r.body)
        c = Client(key, client_secret=secret, resource_owner_key=rt["oauth_token"],
                   resource_owner_secret=rt["oauth_token_secret"], verifier=loc["oauth_verifier"])
        r = signed("POST", base + "/oauth/access_token", c)
        at = r.form() if r.status == 200 else {}
        check(r.status == 200 and at.get("oauth_token") and at.get("oauth_token_secret")
              and at.get("user_id") == "1" and at.get("screen_name") == "alice",
              "access_token -> token, secret, user_id=1, screen_name=alice", r.body)
        r = signed("POST", base + "/oauth/access_token", c)
        check(r.status == 401, "request token cannot be exchanged twice")

        api = Client(key, client_secret=secret, resource_owner_key=at["oauth_token"],
                     resource_owner_secret=at["oauth_token_secret"])

        # --- protected resource ---
        r = signed("GET", base + "/api/echo?x=1&y=%E2%9C%93", api)
        check(r.status == 200 and r.json() == {"ok": True, "consumer": key, "screen_name": "alice",
                                               "params": {"x": "1", "y": "\u2713"}},
              "signed GET /api/echo -> 200 with params", r.body)
        r = signed("POST", base + "/api/echo?q=1", api, body="a=%C3%A4&b=two+words&b=2")
        check(r.status == 200 and r.json()["params"] == {"q": "1", "a": "\u00e4", "b": ["two words", "2"]},
              "signed POST with form body (unicode, repeated key)", r.body)
        qc = Client(key, client_secret=secret, resource_owner_key=at["oauth_token"],
                    resource_owner_secret=at["oauth_token_secret"], signature_type=SIGNATURE_TYPE_QUERY)
        r = signed("GET", base + "/api/echo?z=9", qc)
        check(r.status == 200 and r.json()["params"] == {"z": "9"}, "signature in the query string", r.body)
        for m in (SIGNATURE_HMAC_SHA256, SIGNATURE_PLAINTEXT):
            mc = Client(key, client_secret=secret, resource_owner_key=at["oauth_token"],
                        resource_owner_secret=at["oauth_token_secret"], signature_method=m)
            r = signed("GET", base + "/api/echo", mc)
            check(r.status == 200, f"{m} protected call", r.body)

        # --- tampered ---
        uri, headers, _ = api.sign(base + "/api/echo?x=1", "GET")
        r = http("GET", uri.replace("x=1", "x=2"), headers)
        body = r.json()
        check(r.status == 401 and body["error"] == "invalid_signature" and "x%3D2" in (body.get("base_string") or ""),
              "tampered parameter -> 401 invalid_signature (+ oauthlib base string)", r.body)
        uri, headers, _ = api.sign(base + "/api/echo", "GET")
        headers["Authorization"] = headers["Authorization"].replace('oauth_signature="', 'oauth_signature="A')
        r = http("GET", uri, headers)
        check(r.status == 401 and r.json()["error"] == "invalid_signature", "tampered signature -> 401")
        wrong = Client(key, client_secret="nope", resource_owner_key=at["oauth_token"],
                       resource_owner_secret=at["oauth_token_secret"])
        check(signed("GET", base + "/api/echo", wrong).status == 401, "wrong consumer secret -> 401")

        # --- replay ---
        uri, headers, _ = api.sign(base + "/api/echo?n=1", "GET")
        first, second = http("GET", uri, headers), http("GET", uri, headers)
        check(first.status == 200 and second.status == 401 and second.json()["error"] == "nonce_replayed",
              "same nonce+timestamp twice -> first 200, then 401 nonce_replayed", second.body)
        old = Client(key, client_secret=secret, resource_owner_key=at["oauth_token"],
                     resource_owner_secret=at["oauth_token_secret"], timestamp=str(int(time.time()) - 3600))
        r = signed("GET", base + "/api/echo", old)
        check(r.status == 401 and r.json()["error"] == "invalid_timestamp", "timestamp 1 h old -> 401 invalid_timestamp",
              r.body)
        c = Client(key, client_secret=secret, callback_uri=CALLBACK, nonce="fixed-nonce-1", timestamp=str(int(time.time())))
        r1, r2 = signed("POST", base + "/oauth/request_token", c), signed("POST", base + "/oauth/request_token", c)
        check(r1.status == 200 and r2.status == 401 and r2.form().get("error") == "nonce_replayed",
              "replayed request_token -> 401 error=nonce_replayed", r2.body)

        # --- denial (X/Twitter convention) ---
        token, _, r = three_legged(base, key, secret, approve=False)
        check(r.status == 302 and r.location_params == {"denied": token}, "deny -> 302 callback?denied=<token>",
              r.header("Location"))
        check(http("GET", base + "/oauth/authorize?oauth_token=" + token).status >= 400,
              "denied request token is dead")

        # --- callback policy ---
        c = Client(key, client_secret=secret, callback_uri="https://evil.example/cb")
        check(signed("POST", base + "/oauth/request_token", c).status == 401, "non-loopback callback -> 401")

        # --- RSA-SHA1 consumer registered at run time ---
        rec = {"key": "rsa-consumer", "rsa_public_key": RSA_PUBLIC, "callback_uris": ["loopback"]}
        r = http("POST", base + "/admin/consumers", {"Content-Type": "application/json"}, json.dumps(rec))
        check(r.status == 201, "POST /admin/consumers -> 201")
        tok, tok_secret, r = three_legged(base, "rsa-consumer", "", SIGNATURE_RSA_SHA1, RSA_PRIVATE)
        check(tok is not None, "RSA-SHA1 three-legged flow", r.body)
        rc_ = Client("rsa-consumer", resource_owner_key=tok, resource_owner_secret=tok_secret,
                     signature_method=SIGNATURE_RSA_SHA1, rsa_key=RSA_PRIVATE)
        r = signed("POST", base + "/api/echo", rc_, body="k=v")
        check(r.status == 200 and r.json()["consumer"] == "rsa-consumer" and r.json()["params"] == {"k": "v"},
              "RSA-SHA1 protected call", r.body)
        other_private, _ = new_rsa_keypair()
        rc_bad = Client("rsa-consumer", resource_owner_key=tok, resource_owner_secret=tok_secret,
                        signature_method=SIGNATURE_RSA_SHA1, rsa_key=other_private)
        check(signed("GET", base + "/api/echo", rc_bad).status == 401, "RSA-SHA1 with the wrong key -> 401")

        # --- invalidate_token ---
        r = signed("POST", base + "/oauth/invalidate_token", api)
        check(r.status == 200 and r.json()["revoked"] is True, "POST /oauth/invalidate_token -> 200")
        r = signed("GET", base + "/api/echo", api)
        check(r.status == 401 and r.json()["error"] == "invalid_token", "invalidated token -> 401 invalid_token", r.body)

        stats = http("GET", base + "/stats").json()
        print("  stats:", json.dumps(stats, sort_keys=True))
        expected = {"request_token": sent(base, "/oauth/request_token"),
                    "access_token": sent(base, "/oauth/access_token"),
                    "api_calls": sent(base, "/api/echo"),
                    "api_rejections": sent(base, "/api/echo", ok=False),
                    "token_errors": sent(base, "/oauth/request_token", ok=False)
                    + sent(base, "/oauth/access_token", ok=False)}
        check(all(stats[k] == v for k, v in expected.items()), f"stats match what we sent {expected}")
    finally:
        rc = peer.stop()
        check(rc == 0, "SIGTERM -> exit 0", (rc, peer.stderr[-1000:]))

    peer = Peer("oauth1_provider.py", "--auto-approve")
    try:
        c = Client("consumer-key-1", client_secret="consumer-secret-1", callback_uri=CALLBACK)
        rt = signed("POST", peer.base + "/oauth/request_token", c).form()
        r = http("GET", peer.base + "/oauth/authorize?oauth_token=" + rt["oauth_token"])
        check(r.status == 302 and r.location_params.get("oauth_verifier"), "--auto-approve: GET authorize -> 302")
    finally:
        check(peer.stop() == 0, "SIGTERM -> exit 0")


def main():
    start = time.perf_counter()
    test_oauth1_verify()
    test_authlib_server()
    test_oauth1_provider()
    llm_selftest.run()
    TIMINGS.update(llm_selftest.TIMINGS)
    passes, failures = TALLY.passes, TALLY.failures
    print("\n== timings (100 sequential loopback requests, new connection each)")
    for name, t in TIMINGS.items():
        print(f"  {name}: {t * 1000:.0f} ms total, {t * 10:.2f} ms/request")
    print(f"\nelapsed {time.perf_counter() - start:.1f} s")
    # Plain closing line ("N passed, N failed") that CI runners recognise.
    print(f"selftest: {passes} passed, {len(failures)} failed")
    for f in failures:
        print("  failed:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
