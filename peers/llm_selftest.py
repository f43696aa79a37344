#!/usr/bin/env python3
"""Self-test of the LLM API stand-ins.  Run:  .venv/bin/python peers/llm_selftest.py

Starts llm_openai_server.py and llm_anthropic_server.py as subprocesses (reading their
READY lines like the Swift tests do), exercises them over loopback with urllib, and
exits non-zero if anything failed. peers/selftest.py runs these checks too.
"""

import json
import sys
import threading
import time
import urllib.error
import urllib.request

from _selftestlib import TALLY, Peer, check, section

TIMINGS = {}

OPENAI_KEYS = ["sk-peer-test-key-0001", "sk-peer-second-key-0002"]
ANTHROPIC_KEYS = ["sk-ant-peer-test-key-0003"]
WRONG_KEY = "sk-wrong-key-9999"
VERSION = {"anthropic-version": "2023-06-01"}


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


def call(method, url, headers=None, body=None):
    """One request with urllib; `body` may be a dict (sent as JSON), str or bytes."""
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode("utf-8")
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return Resp(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers, e.read())


def timing(base, path, n=100):
    start = time.perf_counter()
    for _ in range(n):
        assert call("GET", base + path).status == 200
    return time.perf_counter() - start


def user(content):
    return [{"role": "user", "content": content}]


def no_key_leaks(base, keys):
    dump = call("GET", base + "/_requests").body.decode()
    return [k for k in keys if k in dump]


def concurrent_fail_once(send, n=8):
    """n concurrent requests with one [fail-once] text: exactly one must fail. `send` calls
    call() directly (not a counting helper), so the caller adds n to its count."""
    statuses = []
    threads = [threading.Thread(target=lambda: statuses.append(send().status)) for _ in range(n)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sorted(statuses)


# --------------------------------------------------------------------------
# llm_openai_server.py
# --------------------------------------------------------------------------
def test_openai_server():
    section("llm_openai_server.py (OpenAI-compatible chat completions stand-in)")
    args = [a for k in OPENAI_KEYS for a in ("--key", k)] + ["--model", "gpt-4o-mini", "--model", "llama3"]
    peer = Peer("llm_openai_server.py", *args)
    base = peer.base
    chat = base + "/v1/chat/completions"
    auth = {"Authorization": "Bearer " + OPENAI_KEYS[0]}
    sent = 0

    def post(body, headers=auth):
        nonlocal sent
        sent += 1
        return call("POST", chat, headers, body)

    def ask(content, **extra):
        return post({"model": "gpt-4o-mini", "messages": user(content), **extra})

    def content(r):
        return r.json()["choices"][0]["message"]["content"] if r.status == 200 else None

    def err(r):
        return r.json().get("error") or {}

    try:
        check(call("GET", base + "/healthz").body == b"ok", "GET /healthz -> ok")
        TIMINGS["llm_openai_server /healthz"] = t = timing(base, "/healthz")
        check(t < 1.0, f"100 sequential loopback requests in {t * 1000:.0f} ms (< 1000 ms)")

        # --- a good request ---
        r = post({"model": "llama3", "temperature": 0.2,
                  "messages": [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "ok"},
                               {"role": "user", "content": "hello there world"}]})
        b = r.json()
        check(r.status == 200 and b.get("object") == "chat.completion" and b.get("model") == "llama3"
              and b["id"].startswith("chatcmpl-") and isinstance(b.get("created"), int),
              "good request -> 200 chat.completion, model echoed", r.body)
        choice = b.get("choices", [{}])[0]
        check(choice.get("message") == {"role": "assistant", "content": "echo: hello there world", "refusal": None}
              and choice.get("finish_reason") == "stop" and choice.get("index") == 0,
              "content is 'echo: ' + the last user message, finish_reason stop", choice)
        check(b.get("usage") == {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9},
              "usage counts whitespace-separated words (5 + 4 = 9)", b.get("usage"))
        check(r.headers.get("Content-Type") == "application/json", "Content-Type application/json")
        r = post({"model": "gpt-4o-mini", "messages": user("second key")},
                 {"Authorization": "Bearer " + OPENAI_KEYS[1]})
        check(r.status == 200, "the second --key is accepted too", r.body)
        r = post({"model": "m", "messages": [{"role": "developer", "content": "be brief"}] + user("hi")})
        check(content(r) == "[system] echo: hi", "a system/developer message -> '[system] ' prefix", r.body)

        # --- auth ---
        r = post({"model": "m", "messages": user("x")}, {"Authorization": "Bearer " + WRONG_KEY})
        check(r.status == 401 and err(r).get("code") == "invalid_api_key"
              and err(r).get("type") == "invalid_request_error" and "message" in err(r),
              "wrong key -> 401 invalid_api_key (OpenAI error shape)", r.body)
        r = post({"model": "m", "messages": user("x")}, {})
        check(r.status == 401 and err(r).get("code") == "invalid_api_key", "no Authorization -> 401", r.body)
        r = post({"model": "m", "messages": user("x")}, {"Authorization": "Basic " + OPENAI_KEYS[0]})
        check(r.status == 401, "Basic instead of Bearer -> 401", r.body)

        # --- validation ---
        r = post("{not json", auth)
        check(r.status == 400 and err(r).get("type") == "invalid_request_error", "body not JSON -> 400", r.body)
        r = post({"messages": user("x")})
        check(r.status == 400 and err(r).get("param") == "model" and set(err(r)) >= {"message", "type", "code"},
              "missing model -> 400 {error: {message, type, code}}", r.body)
        r = post({"model": "m"})
        check(r.status == 400 and err(r).get("code") == "missing_required_parameter", "missing messages -> 400", r.body)
        r = post({"model": "m", "messages": []})
        check(r.status == 400 and err(r).get("code") == "empty_array", "empty messages -> 400 empty_array", r.body)
        r = post({"model": "m", "messages": [{"content": "x"}]})
        check(r.status == 400 and err(r).get("param") == "messages[0].role", "message without role -> 400", r.body)
        r = post({"model": "m", "messages": [{"role": "user"}]})
        check(r.status == 400 and err(r).get("param") == "messages[0].content", "message without content -> 400",
              r.body)
        r = post({"model": "m", "messages": user([{"type": "image_url", "image_url": {}}])})
        check(r.status == 400, "image_url part without url -> 400", r.body)
        r = ask("x", temperature=3)
        check(r.status == 400 and err(r).get("param") == "temperature", "temperature 3 -> 400", r.body)
        r = ask("x", max_tokens=0)
        check(r.status == 400 and err(r).get("param") == "max_tokens", "max_tokens 0 -> 400", r.body)
        r = ask("x", stream=True)
        check(r.status == 400 and err(r).get("param") == "stream", "stream true -> 400 (no streaming)", r.body)

        # --- directives ---
        r = ask("give me [json] json please")
        parsed = None
        try:
            parsed = json.loads(content(r))
        except (TypeError, ValueError):
            pass
        check(parsed == {"echo": "give me json please"}, "[json] -> content is {\"echo\": text without it}", r.body)
        r = ask("is this good? [classify:positive|negative|neutral]")
        check(json.loads(content(r)) == {"positive": True, "negative": "", "neutral": ""},
              "[classify:positive|negative|neutral] -> positive true, the others empty", r.body)
        r = ask("pick a number\n##\nExpected output format = {\"number\":\"<value>\"}\nThe output JSON should only use the entries from the output format.")
        check(json.loads(content(r)) == {"number": "pick a number"},
              "SRE's output-format suffix -> an object with its keys", r.body)
        for _ in range(2):
            r = ask("slow down [fail:429]")
            check(r.status == 429 and r.headers.get("Retry-After") == "1"
                  and err(r).get("code") == "rate_limit_exceeded",
                  "[fail:429] -> 429, Retry-After: 1, rate_limit_exceeded (every time)", (r.status, r.body))
        for status in (500, 503):
            r = ask(f"boom [fail:{status}]")
            check(r.status == status and err(r).get("type") == "server_error" and err(r).get("message"),
                  f"[fail:{status}] -> {status} server_error", r.body)
        r1, r2, r3 = ask("retry me [fail-once:503]"), ask("retry me [fail-once:503]"), ask("retry me [fail-once:503]")
        check(r1.status == 503 and content(r2) == "echo: retry me" and content(r3) == "echo: retry me",
              "[fail-once:503] -> 503, then 200 'echo: retry me' (and again)", (r1.status, r2.body))
        r1, r2 = ask("once more [fail-once:429]"), ask("once more [fail-once:429]")
        check(r1.status == 429 and r1.headers.get("Retry-After") == "1" and r2.status == 200,
              "[fail-once:429] -> 429 with Retry-After, then 200", (r1.status, r2.status))
        r = ask("another text [fail-once:503]")
        check(r.status == 503, "[fail-once] counts per message text", r.status)
        statuses = concurrent_fail_once(lambda: call("POST", chat, auth, {"model": "m",
                                                                          "messages": user("together [fail-once:503]")}))
        sent += 8
        check(statuses == [200] * 7 + [503], "8 concurrent [fail-once:503] with one text: exactly one 503", statuses)

        # --- max_tokens ---
        r = ask("one two three four", max_tokens=3)
        b = r.json()
        check(content(r) == "echo: one two" and b["choices"][0]["finish_reason"] == "length"
              and b["usage"]["completion_tokens"] == 3, "max_tokens 3 -> 3 words, finish_reason length", r.body)
        r = ask("one two", max_completion_tokens=2)
        check(content(r) == "echo: one" and r.json()["choices"][0]["finish_reason"] == "length",
              "max_completion_tokens cuts the same way", r.body)
        r = ask("one two", max_tokens=50)
        check(content(r) == "echo: one two" and r.json()["choices"][0]["finish_reason"] == "stop",
              "max_tokens above the answer's length -> finish_reason stop", r.body)

        # --- content parts ---
        parts = [{"type": "text", "text": "what is"}, {"type": "image_url", "image_url": {"url": "https://x/a.png"}},
                 {"type": "text", "text": "this"},
                 {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}}]
        r = ask(parts)
        check(content(r) == "echo: what is this (+2 images)", "text parts joined, ' (+2 images)'", r.body)
        r = ask([{"type": "text", "text": "no pictures"}])
        check(content(r) == "echo: no pictures", "no images -> no suffix", r.body)

        # --- models ---
        r = call("GET", base + "/v1/models", auth)
        b = r.json()
        check(r.status == 200 and b.get("object") == "list"
              and [(m["id"], m["object"]) for m in b["data"]] == [("gpt-4o-mini", "model"), ("llama3", "model")],
              "GET /v1/models lists the --model names", r.body)
        check(call("GET", base + "/v1/models/llama3", auth).json().get("id") == "llama3", "GET /v1/models/llama3")
        check(call("GET", base + "/v1/models").status == 401, "GET /v1/models needs the key")
        check(call("POST", base + "/v1/completions", auth, {}).status == 404, "unknown path -> 404")
        sent += 4

        # --- recorded requests ---
        recorded = call("GET", base + "/_requests").json()
        check(len(recorded) == sent, f"/_requests holds every API request ({len(recorded)} of {sent})")
        first = recorded[0] if recorded else {}
        check(first.get("method") == "POST" and first.get("path") == "/v1/chat/completions"
              and first.get("body", {}).get("model") == "llama3" and first.get("status") == 200
              and first.get("headers", {}).get("content-type") == "application/json",
              "a record has method, path, lower-cased headers, JSON body, status", first)
        check(first.get("auth") == {"present": True, "scheme": "Bearer", "matched": True, "key_last4": "0001"},
              "the auth summary: matched, last 4 characters of the key", first.get("auth"))
        check(not any("authorization" in e["headers"] for e in recorded), "no Authorization header is recorded")
        check(any(e["auth"]["present"] and not e["auth"]["matched"] for e in recorded), "wrong keys recorded as unmatched")
        leaks = no_key_leaks(base, OPENAI_KEYS + [WRONG_KEY])
        check(not leaks, "/_requests never contains a full key", leaks)
        check(call("POST", base + "/_reset").status == 200 and call("GET", base + "/_requests").json() == [],
              "POST /_reset empties /_requests")
        check(ask("retry me [fail-once:503]").status == 503, "POST /_reset forgets the [fail-once] texts")
    finally:
        rc = peer.stop()
        check(rc == 0, "SIGTERM -> exit 0", (rc, peer.stderr[-1000:]))

    # --- no --key, and --base-path ---
    peer = Peer("llm_openai_server.py", "--base-path", "/openai/")
    try:
        body = {"model": "qwen2.5", "messages": user("any key")}
        r = call("POST", peer.base + "/openai/v1/chat/completions", {"Authorization": "Bearer whatever-key"}, body)
        check(r.status == 200 and r.json()["model"] == "qwen2.5", "--base-path /openai/: served under /openai/v1", r.body)
        check(call("POST", peer.base + "/v1/chat/completions", {"Authorization": "Bearer k"}, body).status == 404,
              "--base-path: /v1/chat/completions at the root -> 404")
        check(call("POST", peer.base + "/openai/v1/chat/completions", {}, body).status == 401,
              "no --key: any key works, but a missing header is 401")
        r = call("GET", peer.base + "/openai/v1/models", {"Authorization": "Bearer k"})
        check([m["id"] for m in r.json().get("data", [])] == ["gpt-4o-mini"], "default model list: gpt-4o-mini", r.body)
        check(no_key_leaks(peer.base, ["whatever-key"]) == [], "/_requests never contains a full key (no --key)")
    finally:
        check(peer.stop() == 0, "SIGTERM -> exit 0")


# --------------------------------------------------------------------------
# llm_anthropic_server.py
# --------------------------------------------------------------------------
def test_anthropic_server():
    section("llm_anthropic_server.py (Anthropic Messages API stand-in)")
    peer = Peer("llm_anthropic_server.py", "--key", ANTHROPIC_KEYS[0], "--retry-after", "2")
    base = peer.base
    url = base + "/v1/messages"
    headers = {"x-api-key": ANTHROPIC_KEYS[0], **VERSION}
    sent = 0

    def post(body, hdrs=headers):
        nonlocal sent
        sent += 1
        return call("POST", url, hdrs, body)

    def ask(content, max_tokens=100, **extra):
        return post({"model": "claude-test", "max_tokens": max_tokens, "messages": user(content), **extra})

    def text(r):
        return r.json()["content"][0]["text"] if r.status == 200 else None

    def err(r):
        b = r.json()
        return b.get("error", {}) if b.get("type") == "error" else {}

    try:
        check(call("GET", base + "/healthz").body == b"ok", "GET /healthz -> ok")
        TIMINGS["llm_anthropic_server /healthz"] = t = timing(base, "/healthz")
        check(t < 1.0, f"100 sequential loopback requests in {t * 1000:.0f} ms (< 1000 ms)")

        # --- a good request ---
        r = post({"model": "claude-test", "max_tokens": 50, "temperature": 0.5,
                  "messages": [{"role": "user", "content": "first"}, {"role": "assistant", "content": "ok"},
                               {"role": "user", "content": "hello there world"}]})
        b = r.json()
        check(r.status == 200 and b.get("type") == "message" and b.get("role") == "assistant"
              and b.get("model") == "claude-test" and b.get("id", "").startswith("msg_"),
              "good request -> 200 message, model echoed", r.body)
        check(b.get("content") == [{"type": "text", "text": "echo: hello there world"}]
              and b.get("stop_reason") == "end_turn" and b.get("stop_sequence") is None,
              "content [{type: text, text: 'echo: ...'}], stop_reason end_turn", b)
        check(b.get("usage") == {"input_tokens": 5, "output_tokens": 4}, "usage in words (5 in, 4 out)", b.get("usage"))
        r = ask("hi", system="You are terse.")
        check(text(r) == "[system] echo: hi" and r.json()["usage"]["input_tokens"] == 4,
              "system string -> '[system] ' prefix, counted in input_tokens", r.body)
        r = ask("hi", system=[{"type": "text", "text": "Block one."}, {"type": "text", "text": "Two."}])
        check(text(r) == "[system] echo: hi", "system as text blocks -> '[system] ' prefix", r.body)

        # --- auth and version ---
        r = post({"model": "m", "max_tokens": 5, "messages": user("x")}, {"x-api-key": WRONG_KEY, **VERSION})
        check(r.status == 401 and r.json().get("type") == "error" and err(r).get("type") == "authentication_error",
              "wrong key -> 401 authentication_error (Anthropic error shape)", r.body)
        r = post({"model": "m", "max_tokens": 5, "messages": user("x")}, dict(VERSION))
        check(r.status == 401 and err(r).get("type") == "authentication_error", "no x-api-key -> 401", r.body)
        r = post({"model": "m", "max_tokens": 5, "messages": user("x")},
                 {"Authorization": "Bearer " + ANTHROPIC_KEYS[0], **VERSION})
        check(r.status == 401, "Bearer instead of x-api-key -> 401", r.body)
        r = post({"model": "m", "max_tokens": 5, "messages": user("x")}, {"x-api-key": ANTHROPIC_KEYS[0]})
        check(r.status == 400 and err(r).get("type") == "invalid_request_error"
              and "anthropic-version" in err(r).get("message", ""), "no anthropic-version -> 400", r.body)
        r = post({"model": "m", "max_tokens": 5, "messages": user("x")},
                 {"x-api-key": ANTHROPIC_KEYS[0], "anthropic-version": "2099-01-01"})
        check(r.status == 400, "unknown anthropic-version -> 400", r.body)

        # --- validation ---
        r = post("not json at all")
        check(r.status == 400 and err(r).get("type") == "invalid_request_error", "body not JSON -> 400", r.body)
        r = post({"max_tokens": 5, "messages": user("x")})
        check(r.status == 400 and err(r).get("message") == "model: Field required", "missing model -> 400", r.body)
        r = post({"model": "m", "messages": user("x")})
        check(r.status == 400 and err(r).get("message") == "max_tokens: Field required",
              "missing max_tokens -> 400", r.body)
        r = post({"model": "m", "max_tokens": 5, "messages": []})
        check(r.status == 400, "empty messages -> 400", r.body)
        r = post({"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]})
        check(r.status == 400 and "role" in err(r).get("message", ""), "role system in messages -> 400", r.body)
        r = post({"model": "m", "max_tokens": 5, "messages": [{"role": "user"}]})
        check(r.status == 400, "message without content -> 400", r.body)
        r = ask([{"type": "image_url", "image_url": {"url": "https://x"}}])
        check(r.status == 400, "OpenAI-style image part -> 400", r.body)
        r = ask([{"type": "image", "source": {"type": "base64", "media_type": "image/png"}}])
        check(r.status == 400 and "data" in err(r).get("message", ""), "base64 image without data -> 400", r.body)
        r = ask("x", system=[{"type": "image", "source": {"type": "url", "url": "https://x"}}])
        check(r.status == 400, "image block in system -> 400", r.body)
        r = ask("x", temperature=1.5)
        check(r.status == 400, "temperature 1.5 -> 400", r.body)
        r = ask("x", stream=True)
        check(r.status == 400, "stream true -> 400 (no streaming)", r.body)

        # --- directives ---
        r = ask("[json] structured please")
        parsed = None
        try:
            parsed = json.loads(text(r))
        except (TypeError, ValueError):
            pass
        check(parsed == {"echo": "structured please"}, "[json] -> {\"echo\": text without it}", r.body)
        r = ask("[classify:spam|ham] buy now")
        check(json.loads(text(r)) == {"spam": True, "ham": ""}, "[classify:spam|ham] -> spam true, ham empty", r.body)
        r = ask("pick a number\n##\nExpected output format = {\"number\":\"<value>\"}\nThe output JSON should only use the entries from the output format.")
        check(json.loads(text(r)) == {"number": "pick a number"},
              "SRE's output-format suffix -> an object with its keys", r.body)
        r = ask("too fast [fail:429]")
        check(r.status == 429 and r.headers.get("retry-after") == "2" and err(r).get("type") == "rate_limit_error",
              "[fail:429] -> 429 rate_limit_error, retry-after from --retry-after", (r.status, r.body))
        for status, type_ in ((500, "api_error"), (503, "api_error"), (529, "overloaded_error")):
            r = ask(f"boom [fail:{status}]")
            check(r.status == status and err(r).get("type") == type_, f"[fail:{status}] -> {status} {type_}", r.body)
        r1, r2 = ask("[fail-once:529] again"), ask("[fail-once:529] again")
        check(r1.status == 529 and text(r2) == "echo: again", "[fail-once:529] -> 529, then 200", (r1.status, r2.body))
        r1, r2 = ask("[fail-once:503] again"), ask("[fail-once:503] again")
        check(r1.status == 503 and text(r2) == "echo: again", "[fail-once:503] -> 503, then 200", (r1.status, r2.body))
        statuses = concurrent_fail_once(lambda: call("POST", url, headers, {"model": "m", "max_tokens": 5,
                                                                            "messages": user("together [fail-once:429]")}))
        sent += 8
        check(statuses == [200] * 7 + [429], "8 concurrent [fail-once:429] with one text: exactly one 429", statuses)

        # --- max_tokens ---
        r = ask("one two three four", max_tokens=2)
        b = r.json()
        check(text(r) == "echo: one" and b.get("stop_reason") == "max_tokens" and b["usage"]["output_tokens"] == 2,
              "max_tokens 2 -> 2 words, stop_reason max_tokens", r.body)

        # --- content blocks ---
        blocks = [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
                  {"type": "image", "source": {"type": "url", "url": "https://x/a.png"}},
                  {"type": "image", "source": {"type": "file", "file_id": "file_1"}},
                  {"type": "text", "text": "what are these"}]
        r = ask(blocks)
        check(text(r) == "echo: what are these (+3 images)", "image blocks counted: ' (+3 images)'", r.body)

        # --- models ---
        r = call("GET", base + "/v1/models", headers)
        check(r.status == 200 and [m["id"] for m in r.json().get("data", [])] == ["claude-sonnet-4-5"]
              and r.json().get("has_more") is False, "GET /v1/models lists the default model", r.body)
        check(call("POST", base + "/v1/complete", headers, {}).status == 404, "unknown path -> 404")
        sent += 2

        # --- recorded requests ---
        recorded = call("GET", base + "/_requests").json()
        check(len(recorded) == sent, f"/_requests holds every API request ({len(recorded)} of {sent})")
        first = recorded[0] if recorded else {}
        check(first.get("auth") == {"present": True, "matched": True, "key_last4": "0003"}
              and first.get("headers", {}).get("anthropic-version") == "2023-06-01"
              and first.get("body", {}).get("max_tokens") == 50,
              "a record has the auth summary, anthropic-version and the JSON body", first)
        check(not any("x-api-key" in e["headers"] or "authorization" in e["headers"] for e in recorded),
              "no x-api-key / Authorization header is recorded")
        leaks = no_key_leaks(base, ANTHROPIC_KEYS + [WRONG_KEY])
        check(not leaks, "/_requests never contains a full key", leaks)
        check(call("POST", base + "/_reset").status == 200 and call("GET", base + "/_requests").json() == [],
              "POST /_reset empties /_requests")
        check(ask("[fail-once:529] again").status == 529, "POST /_reset forgets the [fail-once] texts")
    finally:
        rc = peer.stop()
        check(rc == 0, "SIGTERM -> exit 0", (rc, peer.stderr[-1000:]))

    peer = Peer("llm_anthropic_server.py", "--base-path", "anthropic", "--model", "claude-a", "--model", "claude-b")
    try:
        r = call("POST", peer.base + "/anthropic/v1/messages", {"x-api-key": "any-key-at-all", **VERSION},
                 {"model": "claude-a", "max_tokens": 10, "messages": user("hi")})
        check(r.status == 200 and r.json()["content"][0]["text"] == "echo: hi",
              "--base-path anthropic, no --key: any key works under /anthropic/v1", r.body)
        r = call("GET", peer.base + "/anthropic/v1/models", {"x-api-key": "k", **VERSION})
        check([m["id"] for m in r.json().get("data", [])] == ["claude-a", "claude-b"], "--model is repeatable", r.body)
    finally:
        check(peer.stop() == 0, "SIGTERM -> exit 0")


def run():
    """Runs every check, counting into the shared tally."""
    test_openai_server()
    test_anthropic_server()


def main():
    start = time.perf_counter()
    run()
    print("\n== timings (100 sequential loopback requests, new connection each)")
    for name, t in TIMINGS.items():
        print(f"  {name}: {t * 1000:.0f} ms total, {t * 10:.2f} ms/request")
    print(f"\nelapsed {time.perf_counter() - start:.1f} s")
    print(f"llm_selftest: {TALLY.passes} passed, {len(TALLY.failures)} failed")
    for f in TALLY.failures:
        print("  failed:", f)
    return 1 if TALLY.failures else 0


if __name__ == "__main__":
    sys.exit(main())
