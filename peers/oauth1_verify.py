#!/usr/bin/env python3
"""Independent OAuth 1.0a signature verifier (oauthlib), batch mode.

Keyflow signs OAuth 1.0a requests in Swift; this script checks those
signatures with oauthlib, a separate implementation, exactly the way
oauthlib's provider endpoints do it.

Input: JSON Lines on stdin, one case per line:

    {"id": "case-17", "method": "POST",
     "url": "https://Example.COM:443/p%C3%A4th?a=1&b=%20x",
     "headers": {"Authorization": "OAuth ...",
                 "Content-Type": "application/x-www-form-urlencoded"},
     "body": "c=2&d=%E2%9C%93" | null,
     "signature_method": "HMAC-SHA1" | "HMAC-SHA256" | "RSA-SHA1" | "PLAINTEXT",
     "consumer_secret": "...", "token_secret": "..." | "",
     "rsa_public_key": "-----BEGIN PUBLIC KEY-----..."}   # RSA-SHA1 only

Output: one JSON line per case, same order, flushed after each line:

    {"id": ..., "ok": true|false, "base_string": "...", "error": null|"...",
     "base_string_uri": "...", "normalized_params": "...",
     "signature_method_in_request": "..."}

A malformed case never stops the batch: it yields ok=false with an error.
Exit status is 0 once stdin is exhausted.
"""

import json
import sys

from oauthlib.common import CaseInsensitiveDict
from oauthlib.oauth1.rfc5849 import signature
from oauthlib.oauth1.rfc5849.endpoints.base import BaseEndpoint

VERIFIERS = {
    # name -> (function, is_rsa). HMAC/PLAINTEXT take (request, client_secret,
    # resource_owner_secret); RSA takes (request, public_key_pem).
    "HMAC-SHA1": (signature.verify_hmac_sha1, False),
    "HMAC-SHA256": (signature.verify_hmac_sha256, False),
    "HMAC-SHA512": (signature.verify_hmac_sha512, False),
    "RSA-SHA1": (signature.verify_rsa_sha1, True),
    "RSA-SHA256": (signature.verify_rsa_sha256, True),
    "RSA-SHA512": (signature.verify_rsa_sha512, True),
    "PLAINTEXT": (signature.verify_plaintext, False),
}

# BaseEndpoint._create_request does not touch the validator, so we can use it
# without one. It is the very code every oauthlib provider endpoint runs first:
#  * body parameters are included only for application/x-www-form-urlencoded,
#  * oauth_* parameters are taken from exactly one of header / body / query
#    (more than one source is an error),
#  * duplicate oauth_* parameters are rejected,
#  * "realm" from the Authorization header is excluded,
#  * request.params = all parameters except oauth_signature,
#  * request.signature = the (unescaped) oauth_signature value.
_ENDPOINT = BaseEndpoint(request_validator=None)


def base_string_parts(request):
    """oauthlib's signature base string for an already-parsed request.

    Same three calls as signature._verify_hmac / _verify_rsa.
    """
    norm_params = signature.normalize_parameters(request.params)
    bs_uri = signature.base_string_uri(request.uri)
    return (signature.signature_base_string(request.http_method, bs_uri, norm_params),
            bs_uri, norm_params)


def fallback_base_string(uri, method, body, headers):
    """Best-effort base string when _create_request refused the request.

    Collects the parameters from all three sources directly so the caller
    still gets something to diff against while debugging.
    """
    from urllib.parse import urlparse

    headers = CaseInsensitiveDict(headers or {})
    form = "application/x-www-form-urlencoded" in headers.get("Content-Type", "")
    params = signature.collect_parameters(
        uri_query=urlparse(uri).query,
        body=body if form else None,
        headers=headers,
        exclude_oauth_signature=True,
    )
    norm_params = signature.normalize_parameters(params)
    bs_uri = signature.base_string_uri(uri)
    return signature.signature_base_string(method, bs_uri, norm_params), bs_uri, norm_params


def empty_result(case_id):
    return {"id": case_id, "ok": False, "base_string": None, "error": None,
            "base_string_uri": None, "normalized_params": None,
            "signature_method_in_request": None}


def verify_case(case):
    result = empty_result(case.get("id"))
    uri = case.get("url")
    method = case.get("method") or "GET"
    headers = case.get("headers") or {}
    body = case.get("body")
    if not isinstance(uri, str) or not uri:
        result["error"] = "case has no 'url'"
        return result

    try:
        request = _ENDPOINT._create_request(uri, method, body, headers)
    except Exception as exc:  # oauthlib errors, ValueError from bad URIs, ...
        result["error"] = f"{type(exc).__name__}: {getattr(exc, 'description', None) or exc}"
        try:
            (result["base_string"], result["base_string_uri"],
             result["normalized_params"]) = fallback_base_string(uri, method, body, headers)
        except Exception:
            pass
        return result

    result["signature_method_in_request"] = request.signature_method
    try:
        (result["base_string"], result["base_string_uri"],
         result["normalized_params"]) = base_string_parts(request)
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        return result

    sig_method = case.get("signature_method") or request.signature_method
    if request.signature_method and sig_method != request.signature_method:
        # A provider would use the method named in the request; a mismatch means
        # the signer and the test disagree about what was signed.
        result["error"] = (f"signature_method {sig_method!r} does not match "
                           f"oauth_signature_method {request.signature_method!r} in the request")
        return result
    if not request.signature:
        result["error"] = "no oauth_signature in the request"
        return result
    if sig_method not in VERIFIERS:
        result["error"] = f"unsupported signature method {sig_method!r}"
        return result

    func, is_rsa = VERIFIERS[sig_method]
    try:
        if is_rsa:
            key = case.get("rsa_public_key")
            if not key:
                result["error"] = "rsa_public_key is required for RSA signature methods"
                return result
            ok = func(request, key)
        else:
            # oauthlib's providers pass None for a missing token secret; both
            # None and "" produce the same key ("secret&").
            ok = func(request, case.get("consumer_secret") or "",
                      case.get("token_secret") or None)
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        return result
    result["ok"] = bool(ok)
    return result


def main():
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            case = json.loads(line)
            if not isinstance(case, dict):
                raise ValueError("a case must be a JSON object")
        except ValueError as exc:
            result = empty_result(None)
            result["error"] = f"bad JSON line: {exc}"
        else:
            try:
                result = verify_case(case)
            except Exception as exc:  # belt and braces: never die mid-batch
                result = empty_result(case.get("id"))
                result["error"] = f"internal error: {type(exc).__name__}: {exc}"
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
