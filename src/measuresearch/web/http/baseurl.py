"""Absolute URLs for exports (CSV, Atom, citations): the configured public address, else the request's own.

A configured address with a path (https://example.org/dti) mounts the app under that path, its root: a
request is served when its path is under the root (/dti, /dti/measures/<id>) and routed without it;
any other is a 404, but /healthz (a replica's health check is sent to the replica itself). The root is
in req.context.root (as written in the address), and every path the app hands out goes under it (urls.public).

The request's own is built from its Host header only after that header passed a strict
syntax check (a host name or an IP literal and a port: no quote, brace, space or slash
can reach a citation, a CSV cell or a feed), and, when MEASURESEARCH_ALLOWED_HOSTS is
set, only for a host on that list: any other Host is a 400, as RFC 9112 3.2 asks of a
server for a Host it does not recognise.
"""

import urllib.parse

import falcon

from measuresearch import config as configuration
from measuresearch.errors import InvalidParameter
from measuresearch.web.http import urls
from measuresearch.web.http.edges import BAD_FORWARDING


class BaseURL:
    """Checks Host, mounts the app under the configured address's path and sets req.context.base_url:
    `--base-url` / MEASURESEARCH_BASE_URL, else scheme://host."""

    def __init__(self, configured=None, allowed_hosts=()):
        self.configured = configured.rstrip("/") if configured else None
        self.allowed_hosts = frozenset(allowed_hosts)
        # "" or "/dti": as written for links, and decoded as Falcon gives req.path
        self.root = urllib.parse.urlsplit(self.configured).path if self.configured else ""
        self.root_path = urllib.parse.unquote(self.root)

    def process_request(self, req, resp):
        req.context.root = self.root  # an error page's links too, whatever is refused below
        bad = req.env.get(BAD_FORWARDING)
        if bad:
            raise InvalidParameter(f"the {bad} header of the proxy is malformed (http or https)", bad)
        host = req.get_header("Host")
        if host is None and req.path != "/healthz":
            # RFC 9112 3.2 (HTTP/1.0 had no Host, but no URL of this service can be made without one: waitress
            # would name it "waitress.invalid"); /healthz builds none, for health checks that send no Host
            raise InvalidParameter("the request has no Host header", "Host")
        if host is not None:
            name = configuration.host_name(host)
            if name is None:
                raise InvalidParameter(f"the Host header {_shown(host)} is not a host name and an optional port "
                                       "(1-65535); a name in other letters than a-z is sent in its xn-- form", "Host")
            if self.allowed_hosts and name not in self.allowed_hosts:
                raise InvalidParameter(f"this server does not answer for the host {name[:100]!r}", "Host")
        self._mount(req)
        req.context.base_url = self.configured or req.prefix

    def _mount(self, req):
        """Route a request under the root by its path below it; 404 for one outside it (but /healthz)."""
        if not self.root or req.path == "/healthz":
            return
        inside = req.path == self.root_path or req.path.startswith(self.root_path + "/")
        # the app's own pages (a 404's links too) are under the root, from here on
        req.env["SCRIPT_NAME"] = req.env.get("SCRIPT_NAME", "") + self.root_path
        if not inside:
            raise falcon.HTTPNotFound(description=f"there is no page at {req.path}: this service is at {self.root}/")
        req.path = req.path[len(self.root_path):] or "/"

    def process_response(self, req, resp, resource, req_succeeded):
        location = resp.get_header("Location")
        if location:
            resp.set_header("Location", urls.public(req.context.get("root", ""), location))


def _shown(header):
    """Return a header value quoted for a message, as the client wrote it: WSGI hands it over as Latin-1, so UTF-8
    bytes are read back as UTF-8 ('привет.рф', not 'Ð¿Ñ\x80Ð¸...'); repr escapes what cannot be shown."""
    try:
        text = header.encode("latin-1").decode("utf-8")
    except UnicodeError:  # not UTF-8 (or already text): each byte as a character, escaped by repr
        text = header
    return repr(text[:100])


def absolute(req, path):
    """Return the absolute URL of a path of this service."""
    return req.context.base_url + path
