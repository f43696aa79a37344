"""Shared plumbing for the Keyflow test peers (HTTP serving, READY line, stats).

Every peer server follows the same protocol so the Swift tests can drive them
uniformly:

* binds 127.0.0.1 on --port (0 = let the kernel pick a free port),
* prints exactly one line ``READY http://127.0.0.1:PORT`` to stdout once the
  socket is listening, and flushes it (the tests read that line to learn the
  port),
* stays quiet unless --verbose (request logs go to stderr),
* exits with status 0 on SIGTERM / SIGINT.
"""

import argparse
import logging
import signal
import sys
import threading

from werkzeug.serving import WSGIRequestHandler, make_server


class FastHandler(WSGIRequestHandler):
    """werkzeug's request handler with Nagle's algorithm switched off.

    werkzeug writes the status line/headers and the body in separate send()
    calls. With Nagle enabled, the second small segment waits for the peer's
    delayed ACK (~40 ms on Linux loopback), so every request would cost ~40 ms.
    socketserver.StreamRequestHandler.setup() sets TCP_NODELAY when this flag
    is true.
    """

    disable_nagle_algorithm = True
    verbose = False

    def log_request(self, code="-", size="-"):
        if self.verbose:
            super().log_request(code, size)

    def log(self, type, message, *args):  # noqa: A002 - werkzeug's signature
        # Errors (tracebacks) are always worth seeing; access logs only with -v.
        if self.verbose or type == "error":
            super().log(type, message, *args)


def base_arg_parser(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0,
                        help="TCP port on 127.0.0.1 (default 0: pick a free port)")
    parser.add_argument("--verbose", action="store_true",
                        help="log requests to stderr")
    return parser


def _raise_keyboard_interrupt(signum, frame):
    # serve_forever() runs in the main thread; raising here unwinds it cleanly.
    raise KeyboardInterrupt


def serve(app, port, verbose=False):
    """Serve a WSGI app on 127.0.0.1:port until SIGTERM/SIGINT, then exit 0."""
    logging.basicConfig(stream=sys.stderr,
                        level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # werkzeug's "werkzeug" logger would otherwise print access lines at INFO.
    logging.getLogger("werkzeug").setLevel(logging.INFO if verbose else logging.ERROR)

    handler = type("PeerHandler", (FastHandler,), {"verbose": verbose})
    server = make_server("127.0.0.1", port, app, threaded=True,
                         request_handler=handler)
    # A parent may start us with SIGTERM blocked (Swift's Foundation.Process spawns from
    # libdispatch threads, which block signals, and the mask is inherited): unblock it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        # Installed inside the try so a signal that lands at any point from
        # here on (even while printing READY) still ends in a clean exit 0.
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        signal.signal(signal.SIGINT, _raise_keyboard_interrupt)
        # The socket is already listening (make_server binds + listens), so a
        # client that connects right after reading this line is queued, not
        # refused.
        sys.stdout.write(f"READY http://127.0.0.1:{server.port}\n")
        sys.stdout.flush()
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        # No more signals: a second SIGTERM must not interrupt the cleanup.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.server_close()
    sys.exit(0)


class Counters:
    """A thread-safe bag of named counters (the /stats endpoints)."""

    def __init__(self, *names):
        self._lock = threading.Lock()
        self._names = names
        self._values = {}
        self.reset()

    def reset(self):
        with self._lock:
            self._values = {name: 0 for name in self._names}

    def incr(self, name, by=1):
        with self._lock:
            self._values[name] = self._values.get(name, 0) + by

    def snapshot(self):
        with self._lock:
            return dict(self._values)


def raw_request_uri(flask_request):
    """The absolute URI as the client sent it: scheme://Host + raw request target.

    OAuth 1.0a signatures cover the exact path bytes the client used, so we must
    not use werkzeug's re-quoted ``request.url`` (it may normalise escapes such
    as ``%7E`` -> ``~``). The dev server puts the raw target in RAW_URI (after
    WSGI's latin-1 "encoding dance", which we undo).
    """
    environ = flask_request.environ
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not target:
        return flask_request.url
    try:
        target = target.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if target.startswith(("http://", "https://")):
        return target  # absolute-form request target
    host = flask_request.headers.get("Host") or environ.get("SERVER_NAME", "127.0.0.1")
    return f"{flask_request.scheme}://{host}{target}"


def is_loopback_uri(uri):
    """True for http://127.0.0.1[:port]/... and http://localhost[:port]/...

    Test callback listeners bind random ports, so "loopback" in a client's
    redirect/callback list accepts any port on those two hosts (RFC 8252 7.3).
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")


def consent_page(title, question_html, action):
    """The consent page both servers show: an Approve and a Deny button posting to `action`.

    `question_html` must already be escaped; `title` and `action` are escaped here.
    """
    from html import escape
    html = f"""<!doctype html>
<html><head><title>{escape(title)}</title></head>
<body>
<h1>Approve access?</h1>
<p>{question_html}</p>
<form method="post" action="{escape(action, quote=True)}">
  <button type="submit" name="confirm" value="yes">Approve</button>
  <button type="submit" name="confirm" value="no">Deny</button>
</form>
</body></html>
"""
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}
