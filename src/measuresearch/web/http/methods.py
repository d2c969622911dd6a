"""The methods the service answers: a 405 for every other, and static files that read HTTP's dates as HTTP does.

Falcon answers OPTIONS on every route itself (200, an empty body labelled JSON), serves a static
file to any method (POST, DELETE, FOO: the whole file), and calls a method HTTP does not define a
400 "Invalid HTTP method". Here each is a 405 method_not_allowed with the route's Allow header,
as the API says of a method a path does not answer. A static file's If-Modified-Since in one
of the two older date formats RFC 9110 5.6.7 obliges a server to accept is read as the same
date; one that is no date at all, and a Range Falcon cannot read, are ignored (RFC 9110
13.1.3 and 14.2), where Falcon had answered 400.
"""

import datetime
import email.utils

import falcon

STATIC = "/static"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class Methods:
    """405 for OPTIONS, for methods HTTP does not define and for all but GET and HEAD under /static.

    `router` (the app's, set once its routes are added) tells the methods a path answers.
    Runs after the middleware that mounts the app under its base path and turns HEAD into GET.
    """

    def __init__(self):
        self.router = None

    def process_request(self, req, resp):
        static = req.path == STATIC or req.path.startswith(STATIC + "/")
        if static:
            if req.method != "GET":
                raise falcon.HTTPMethodNotAllowed(["GET", "HEAD"])
            _readable_conditions(req)
        elif req.method == "OPTIONS" or req.method not in falcon.COMBINED_METHODS:
            allowed = self.allowed(req.path)
            if allowed is not None:  # else no route: Falcon's 404
                raise falcon.HTTPMethodNotAllowed(allowed)

    def allowed(self, path):
        """Return the methods a path answers (HEAD wherever GET), or None for a path no route has."""
        found = self.router.find(path) if self.router is not None else None
        if found is None:
            return None
        method_map = found[1]
        refused = method_map.get("CONNECT")  # Falcon's one "not allowed" responder of the route
        return _with_head([m for m in ("GET", *WRITES) if method_map.get(m) not in (None, refused)])

    @staticmethod
    def allow_header(value):
        """Return an Allow header without OPTIONS, with HEAD after GET: "GET, OPTIONS" -> "GET, HEAD"."""
        return ", ".join(_with_head([m.strip() for m in value.split(",")
                                     if m.strip() and m.strip() not in ("OPTIONS", "HEAD")]))


def _with_head(methods):
    """Return methods (GET first, if there) with HEAD after GET: it is answered wherever GET is."""
    return methods[:1] + ["HEAD"] + methods[1:] if methods[:1] == ["GET"] else methods


def _readable_conditions(req):
    """Read a static request's If-Modified-Since in any of HTTP's three date formats; drop what is no date,
    and a Range Falcon cannot read."""
    since = req.env.get("HTTP_IF_MODIFIED_SINCE")
    if since is not None:
        try:
            req.if_modified_since
        except falcon.HTTPInvalidHeader:
            try:  # RFC 850's and asctime's formats (the latter without a zone: GMT, as HTTP says)
                when = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError, IndexError, OverflowError):
                del req.env["HTTP_IF_MODIFIED_SINCE"]
            else:
                if when.tzinfo is not None:
                    when = when.astimezone(datetime.timezone.utc)
                req.env["HTTP_IF_MODIFIED_SINCE"] = falcon.dt_to_http(when)
    if req.env.get("HTTP_RANGE") is not None:
        try:
            req.range
        except (falcon.HTTPInvalidHeader, falcon.HTTPBadRequest):
            del req.env["HTTP_RANGE"]
