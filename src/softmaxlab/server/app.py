"""The WSGI app (Flask): the web build's files and the JSON API, with the edge checks every request passes.

- Any request body, or a query string over 2 KiB, is a 413 before anything else runs.
- `/api/...` is parsed from the raw request URI: split at `/`, each segment percent-decoded once, so
  `%2f` stays inside a segment (and is refused in a run name) and `%252e` stays `%2e`.
- Every other path is looked up in the site's file table (`static.SiteFiles`); `/x` redirects to `/x/`
  when `/x/index.html` exists.
"""

from __future__ import annotations

import json
import sys
from urllib.parse import parse_qsl, unquote

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from .api import Api, ApiError, dumps
from .static import SiteFiles

MAX_QUERY = 2048  # bytes of query string
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _json(status: int, document, extra=None) -> Response:
    try:
        body = dumps(document)
    except ValueError:  # a NaN in a run's config: null, as JSON has no NaN
        body = json.dumps(_no_nan(document), separators=(",", ":")).encode()
    response = Response(body, status=status, mimetype="application/json")
    response.headers.update(API_HEADERS)
    response.headers.update(extra or {})
    return response


def _no_nan(value):
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def _error(status: int, message: str, extra=None) -> Response:
    return _json(status, {"error": message}, extra)


def _raw_path(environ) -> str:
    """The request's path exactly as sent (still percent-encoded), without the query."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw is None:  # not waitress: rebuild it from the decoded path (a test client)
        from urllib.parse import quote

        raw = quote(environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace"))
    raw = raw.split("?", 1)[0].split("#", 1)[0]
    if "://" in raw:  # absolute form (a proxy-style request line)
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    return raw


def create_app(*, logdir, site, **api_options) -> Flask:
    """The Flask app serving the files of `site` (a `SiteFiles` or a folder) and the API over `logdir`.

    `api_options` go to `Api` (cache budgets, `heavy`).
    """
    files = site if isinstance(site, SiteFiles) else SiteFiles(site)
    api = Api(logdir, **api_options)
    app = Flask("softmaxlab.server", static_folder=None)
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.softmaxlab = {"api": api, "files": files}
    methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    @app.before_request
    def edge():
        api_path = request.path.startswith("/api")
        if request.content_length or "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            return (_error(413, "request bodies are not accepted (the API is read-only, GET only)") if api_path
                    else Response("request bodies are not accepted\n", 413, mimetype="text/plain"))
        if len(request.query_string) > MAX_QUERY:
            message = f"the query string is longer than {MAX_QUERY} bytes"
            return _error(413, message) if api_path else Response(message + "\n", 413, mimetype="text/plain")
        return None

    @app.route("/", defaults={"rest": ""}, methods=methods)
    @app.route("/<path:rest>", methods=methods)
    def dispatch(rest):
        raw = _raw_path(request.environ)
        if raw == "/api" or raw.startswith("/api/"):
            return api_response(raw)
        return static_response(raw)

    def api_response(raw):
        if request.method not in ("GET", "HEAD"):
            return _error(405, f"method {request.method[:10]} is not allowed (the API is read-only: GET or HEAD)",
                          {"Allow": "GET, HEAD"})
        try:
            segments = [unquote(part, errors="strict") for part in raw.split("/")[2:]]
        except UnicodeDecodeError:
            return _error(400, "the path is not valid UTF-8 once percent-decoded")
        try:
            query = parse_qsl(request.query_string.decode("utf-8"), keep_blank_values=True, strict_parsing=False,
                              errors="strict", max_num_fields=64)
        except (UnicodeDecodeError, ValueError) as e:
            return _error(400, f"the query string cannot be read ({str(e)[:80]})")
        if segments and segments[-1] == "" and len(segments) > 1:
            segments = segments[:-1]  # one trailing slash is the same route
        try:
            match segments:
                case ["runs"]:
                    return _json(200, api.list_runs(query))
                case ["runs", name]:
                    return _json(200, api.summary(name, query))
                case ["runs", name, "logits"]:
                    response = Response(api.logits(name, query), 200, mimetype=api.logits_type(query))
                    response.headers.update(API_HEADERS)
                    return response
                case ["runs", name, "figures", reading]:
                    text = api.figure(name, reading, query)
                    response = Response(text, 200, mimetype="application/json")
                    response.headers.update(API_HEADERS)
                    return response
            return _error(404, f"no such API route {raw[:80]!r} (routes: /api/runs, /api/runs/NAME, "
                               "/api/runs/NAME/logits, /api/runs/NAME/figures/READING)")
        except ApiError as e:
            return _error(e.status, e.message, e.headers)

    def static_response(raw):
        if request.method not in ("GET", "HEAD"):
            return Response(f"method {request.method[:10]} is not allowed here\n", 405, mimetype="text/plain",
                            headers={"Allow": "GET, HEAD"})
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            path = None
        entry = files.lookup(path) if path else None
        if entry is None:
            if path in files.folders:
                query = request.query_string.decode("latin-1")
                return Response("", 301, headers={"Location": path + "/" + (f"?{query}" if query else "")})
            return Response("not found\n", 404, mimetype="text/plain", headers={"Cache-Control": "no-cache"})
        gz = entry.gzipped is not None and request.accept_encodings.quality("gzip") > 0
        etag = entry.etag + ("-gz" if gz else "")
        headers = {"ETag": f'"{etag}"', "Last-Modified": files.modified, "Cache-Control": entry.cache_control,
                   "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
        if request.if_none_match and (etag in request.if_none_match or entry.etag in request.if_none_match):
            return Response(status=304, headers={**headers, "ETag": f'"{etag}"'})
        since = request.if_modified_since
        if not request.if_none_match and since is not None and since >= files.modified_at:
            return Response(status=304, headers=headers)
        body = entry.gzipped if gz else entry.body
        if gz:
            headers["Content-Encoding"] = "gzip"
        response = Response(body, 200, content_type=entry.content_type, headers=headers)
        return response

    @app.errorhandler(HTTPException)
    def http_error(e):
        if request.path.startswith("/api"):
            return _error(e.code or 500, e.description.split("\n")[0][:200] if e.description else e.name)
        return Response(f"{e.name}\n", e.code or 500, mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected(e):
        print(f"softmaxlab serve: error answering {request.method} {request.path[:120]}: "
              f"{type(e).__name__}: {str(e)[:200]}", file=sys.stderr, flush=True)
        return _error(500, "internal error (the server's log says more)")

    return app
