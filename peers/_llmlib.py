"""Shared logic of the two LLM API stand-ins (llm_openai_server.py, llm_anthropic_server.py).

Neither stand-in runs a model. The answer is worked out from the last user message, so
the same request always gets the same answer. These directives in that message change
the answer:

* ``[json]``: the content is the JSON object string ``{"echo": <text without directives>}``.
* ``[classify:A|B|C]``: the content is the JSON object SRE's Classifier reads, the first
  category true and the others empty: ``{"A": true, "B": "", "C": ""}``.
* ``[fail:N]``: answer with status N (400-599) and the API's own error shape.
* ``[fail-once:N]``: like ``[fail:N]`` the first time this exact message text is seen,
  then an ordinary answer.

A message that ends with SRE's output-format instruction (``\n##\nExpected output format =
{"a": "<value>", ...}``, what SmythOS adds for a component with custom outputs) is answered
like a model that follows it: the JSON object with those keys, each holding the text before
the instruction.

Token counts are whitespace-separated words. The HTTP plumbing (READY line, threaded
werkzeug server with TCP_NODELAY, SIGTERM handling) is _peerlib's.
"""

import json
import re
import threading

from werkzeug.wrappers import Request, Response

from _peerlib import base_arg_parser

# One directive, with the whitespace around it (removed from the echoed text). Only
# statuses 400-599 make [fail:N] a directive: [fail:200] is plain text.
DIRECTIVE_RE = re.compile(r"\s*\[(json|classify:[^\]]*|fail:[45]\d\d|fail-once:[45]\d\d)\]\s*")


class Directives:
    """The directives found in one message text, and the text without them."""

    def __init__(self, text):
        self.json = False
        self.classify = None   # the list of categories, or None
        self.fail = None       # a status code, or None
        self.fail_once = None  # a status code, or None
        found = False
        for match in DIRECTIVE_RE.finditer(text):
            found = True
            name = match.group(1)
            if name == "json":
                self.json = True
            elif name.startswith("classify:"):
                if self.classify is None:
                    self.classify = [c.strip() for c in name[len("classify:"):].split("|")]
            elif name.startswith("fail:"):
                self.fail = self.fail or int(name[len("fail:"):])
            else:
                self.fail_once = self.fail_once or int(name[len("fail-once:"):])
        # Without directives the text is echoed exactly; with them, each directive and
        # the whitespace around it become one space, and the ends are trimmed.
        self.text = DIRECTIVE_RE.sub(" ", text).strip() if found else text


def word_count(text):
    return len(text.split())


FORMAT_MARK = "\n##\nExpected output format = "


def output_format(text):
    """(text before the instruction, its keys) for SRE's output-format suffix, else None."""
    head, mark, tail = text.partition(FORMAT_MARK)
    if not mark:
        return None
    try:
        keys = list(json.loads(tail.split("\n", 1)[0]).keys())
    except (ValueError, AttributeError):
        return None
    return head.strip(), keys


def compose_answer(text, images, has_system, directives):
    """The assistant's text for a successful answer (before any max_tokens cut)."""
    wanted = output_format(directives.text) if directives.classify is None else None
    if wanted is not None:
        head, keys = wanted
        return json.dumps({key: head for key in keys}, ensure_ascii=False)
    if directives.classify is not None:
        first, *others = directives.classify
        return json.dumps({first: True, **{other: "" for other in others if other != first}}, ensure_ascii=False)
    if directives.json:
        obj = {"echo": directives.text}
        if images:
            obj["images"] = images
        if has_system:
            obj["system"] = True
        return json.dumps(obj, ensure_ascii=False)
    answer = "echo: " + directives.text
    if images:
        answer += f" (+{images} images)"
    if has_system:
        answer = "[system] " + answer
    return answer


def cut_to_words(text, limit):
    """(text, cut): the first `limit` words if the text has more, joined by single spaces."""
    words = text.split()
    if limit is not None and len(words) > limit:
        return " ".join(words[:limit]), True
    return text, False


def key_tail(key):
    """The last 4 characters of a key, or None when that would give away too much of it."""
    if key and len(key) >= 8:
        return key[-4:]
    return None


def normalize_base_path(value):
    """'', '/', 'openai', '/openai/' -> '' or '/openai'."""
    value = (value or "").strip().strip("/")
    return "/" + value if value else ""


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_response(obj, status=200, headers=None):
    return Response(json.dumps(obj, ensure_ascii=False), status=status, headers=headers or {},
                    content_type="application/json")


def read_json(request):
    """(body, error): the parsed JSON body (None when empty) or an error text."""
    raw = request.get_data(cache=True)
    if not raw:
        return None, "empty body"
    try:
        return json.loads(raw.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"not JSON: {exc}"


class State:
    """What a stand-in remembers: the recorded requests, the [fail-once] texts, an id counter."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self._requests = []
            self._seen = {}
            self._ids = 0

    def record(self, entry):
        with self._lock:
            self._requests.append(entry)

    def requests(self):
        with self._lock:
            return json.loads(json.dumps(self._requests))  # a deep copy

    def times_seen(self, text):
        """How often this text was seen before (0 the first time); counts this sighting."""
        with self._lock:
            n = self._seen.get(text, 0)
            self._seen[text] = n + 1
            return n

    def next_id(self):
        with self._lock:
            self._ids += 1
            return self._ids


# Headers whose values are secrets: never recorded (the auth summary says what they held).
SECRET_HEADERS = {"authorization", "x-api-key", "proxy-authorization", "cookie"}


def request_entry(request, body, body_error, auth, status):
    """The /_requests record of one request. Secret header values are left out."""
    path = request.path
    if request.query_string:
        path += "?" + request.query_string.decode("latin-1")
    return {
        "method": request.method,
        "path": path,
        "headers": {name.lower(): value for name, value in request.headers.items()
                    if name.lower() not in SECRET_HEADERS},
        "auth": auth,
        "body": body,
        "body_error": body_error if request.get_data(cache=True) else None,
        "status": status,
    }


def test_endpoint(request, state):
    """Answers /healthz, /_requests and /_reset (never recorded); None for other paths."""
    if request.path == "/healthz":
        return Response("ok", content_type="text/plain")
    if request.path == "/_requests" and request.method == "GET":
        return json_response(state.requests())
    if request.path == "/_reset" and request.method == "POST":
        state.reset()
        return json_response({"ok": True})
    return None


def llm_arg_parser(description, default_model):
    parser = base_arg_parser(description)
    parser.add_argument("--key", action="append", default=[], metavar="KEY",
                        help="an accepted API key (repeatable; none given: any non-empty key)")
    parser.add_argument("--model", action="append", default=[], metavar="NAME",
                        help=f"a model listed by GET /v1/models (repeatable; default {default_model})")
    parser.add_argument("--base-path", default="", metavar="PATH",
                        help="serve the API under PATH/v1/... (default: /v1/... at the root)")
    parser.add_argument("--retry-after", type=int, default=1, metavar="SECONDS",
                        help="the Retry-After value sent with a 429 (default 1)")
    return parser


def finish_args(args, default_model):
    args.model = args.model or [default_model]
    args.base_path = normalize_base_path(args.base_path)
    return args


def recording_app(state, authenticate, handle):
    """The WSGI app of a stand-in: the test endpoints first, then `handle(request, auth,
    body, body_error)` on the authenticated request, each request recorded with its status."""

    @Request.application
    def app(request):
        answer = test_endpoint(request, state)
        if answer is not None:
            return answer
        auth = authenticate(request)
        body, body_error = read_json(request)
        response = handle(request, auth, body, body_error)
        state.record(request_entry(request, body, body_error, auth, response.status_code))
        return response

    return app

