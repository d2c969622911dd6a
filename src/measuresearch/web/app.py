"""The Falcon application factory: routes, error mapping, security headers."""

import functools
import html
import json
import logging
import re

import falcon
import falcon.media

from measuresearch import config as configuration
from measuresearch.index.engine import IndexHolder
from measuresearch.errors import MeasureSearchError
from measuresearch.web.views import admin
from measuresearch.web.views import compare
from measuresearch.web.views import follow
from measuresearch.web.views import pages
from measuresearch.web.views import reports
from measuresearch.web.views import resources
from measuresearch.web.http import guard
from measuresearch.web.http.baseurl import BaseURL
from measuresearch.web.http.methods import Methods

log = logging.getLogger("measuresearch")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
}


class SecurityHeaders:
    """Adds the security headers to every response, errors included; HTML varies with Accept-Language."""

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_headers(SECURITY_HEADERS)
        if (resp.content_type or "").startswith("text/html"):
            # the page's language comes from ?lang= or else this header: a cache must keep one copy per language
            resp.append_header("Vary", "Accept-Language")


class HeadAsGet:
    """Answers HEAD wherever GET is answered (RFC 9110 9.3.2): the GET responder runs, and Falcon sends its
    status and headers, Content-Length included, without the body."""

    def process_request(self, req, resp):
        if req.method == "HEAD":
            req.method, req.context.head = "GET", True

    def process_response(self, req, resp, resource, req_succeeded):
        if req.context.get("head"):
            req.method = "HEAD"  # Falcon leaves out the body of a HEAD


def _error_body(status, code, message, parameter=None):
    return {"error": {"status": status, "code": code, "message": message, "parameter": parameter}}


def _render_error(req, resp, status, code, message, parameter=None):
    resp.status = falcon.code_to_http_status(status)
    if (req.path == "/api" or req.path.startswith("/api/") or req.path in ("/healthz", "/openapi.json")
            or req.path.endswith(".json")):
        resp.content_type = falcon.MEDIA_JSON
        resp.text = resp.data = None  # a responder may have set a body before failing
        resp.media = _error_body(status, code, message, parameter)
    else:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = pages.error_page(req, status, message, parameter)


# An absolute server path in a message ("the index in /srv/app/index is incomplete").
_SERVER_PATH = re.compile(r"(?<![\w/.])/(?:[^\s/()'\"]+/)*[^\s/()'\":,;]+")


def public_message(exc):
    """Return what the public may read of an error: a server-side one names no server file (logged whole)."""
    if exc.status < 500:
        return exc.message  # the client's own input, echoed
    log.warning("%s: %s", exc.code, exc.message)
    return _SERVER_PATH.sub("(a server folder)", exc.message)


def _domain_error(req, resp, exc, params):
    resp.set_headers(exc.headers)
    _render_error(req, resp, exc.status, exc.code, public_message(exc), exc.parameter)


def _unexpected_error(req, resp, exc, params):
    log.exception("unexpected error on %s", req.path)
    _render_error(req, resp, 500, "internal_error", "the server failed to answer; the error has been logged")


def _http_error_serializer(req, resp, exc):
    code = {404: "not_found", 405: "method_not_allowed", 411: "length_required", 413: "body_too_large",
            415: "unsupported_media_type"}.get(exc.status_code, "http_error")
    # Falcon's bare 404 and 405 carry only a title ("404 Not Found"): say what it means
    plain = {404: f"there is no page at {req.path}", 405: f"{req.method} is not answered at {req.path}"}
    message = exc.description or plain.get(exc.status_code) or exc.title or "error"
    if exc.status_code == 405:  # Falcon's own Allow lists OPTIONS, which is not answered (methods.py), not HEAD
        resp.set_header("Allow", Methods.allow_header(resp.get_header("Allow") or ""))
    _render_error(req, resp, exc.status_code, code, html.unescape(str(message)))


# One JSON handler for every body in and out: UTF-8 text, not \u escapes; bodies read without recursion.
JSON_HANDLER = falcon.media.JSONHandler(dumps=functools.partial(json.dumps, ensure_ascii=False),
                                        loads=guard.loads_untrusted)


def create_app(holder, subs=None, base_url=None, threads=8):
    """Return the WSGI app serving the index that `holder` hands out.

    `subs` (web.reports.Submissions) holds the reports database and its settings; by default
    they come from the environment. threads: the server's; at most half of them wait on the
    reports database at once, so that a database that stops answering never stops the search.
    """
    cfg = configuration.from_environment()
    methods = Methods()
    app = falcon.App(middleware=[HeadAsGet(), SecurityHeaders(), BaseURL(base_url or cfg.base_url,
                                                                         cfg.allowed_hosts), methods])
    app.req_options.media_handlers[falcon.MEDIA_JSON] = JSON_HANDLER
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = JSON_HANDLER
    # blank values are kept so that limits count what was sent; params.py reads a blank as absent
    app.req_options.keep_blank_qs_values = True
    app.req_options.strip_url_path_trailing_slash = True
    app.resp_options.secure_cookies_by_default = True
    search = resources.SearchResource(holder)
    app.add_route("/api/search", search)
    app.add_route("/api/search.csv", search, suffix="csv")
    app.add_route("/api/search.json", search, suffix="json")
    app.add_route("/api/measures/{measure_id}", resources.MeasureResource(holder))
    app.add_route("/api/suggest", resources.SuggestResource(holder))
    app.add_route("/healthz", resources.HealthResource(holder))
    app.add_route("/openapi.json", resources.OpenAPIResource(holder))
    pages.add_routes(app, holder)
    compare.add_routes(app, holder)
    follow.add_routes(app, holder)
    subs = subs or reports.from_config(cfg, store_slots=max(1, threads // 2))
    reports.add_routes(app, holder, subs)
    admin.add_routes(app, holder, subs)
    methods.router = app._router  # (Falcon's router: which methods a path answers, for the 405s' Allow)
    app.add_error_handler(Exception, _unexpected_error)
    app.add_error_handler(MeasureSearchError, _domain_error)
    app.set_error_serializer(_http_error_serializer)
    return app


def app_for_index(index_root, base_url=None, threads=8, freeze=False):
    """Return (app, holder) for an index folder; base_url: the public address for absolute URLs; threads: the
    server's; freeze: as IndexHolder's (a long-running server)."""
    holder = IndexHolder(index_root, freeze=freeze)
    return create_app(holder, base_url=base_url, threads=threads), holder
