"""A plain HTTP peer for the transport tests: it echoes requests and redirects on demand.

* ``/echo`` (any method): 200 with JSON ``{"method", "path", "headers", "body"}`` of the
  request it received (header names lower-cased).
* ``/redirect?to=URL&status=N`` (any method): answers N (default 302) with ``Location: URL``.
* ``/stats``: how many requests reached ``/echo`` (``{"echoed": N}``).

Prints "READY http://127.0.0.1:PORT" once listening. See peers/README.md.
"""

import json

from werkzeug.wrappers import Request, Response

from _peerlib import Counters, base_arg_parser, serve


def create_app():
    counters = Counters("echoed")

    @Request.application
    def app(request):
        if request.path == "/echo":
            counters.incr("echoed")
            body = {
                "method": request.method,
                "path": request.full_path,
                "headers": {name.lower(): value for name, value in request.headers.items()},
                "body": request.get_data(as_text=True),
            }
            return Response(json.dumps(body), content_type="application/json")
        if request.path == "/redirect":
            status = int(request.args.get("status", "302"))
            return Response("", status=status, headers={"Location": request.args.get("to", "/echo")})
        if request.path == "/stats":
            return Response(json.dumps(counters.snapshot()), content_type="application/json")
        return Response("not found", status=404)

    return app


def main():
    args = base_arg_parser("Echo and redirect peer for the Keyflow transport tests.").parse_args()
    serve(create_app(), args.port, verbose=args.verbose)


if __name__ == "__main__":
    main()
