"""Absolute URLs for exports (CSV, Atom, citations): the configured public address, else the request's own."""


class BaseURL:
    """Sets req.context.base_url: `--base-url` / MEASURESEARCH_BASE_URL when given, else scheme://host of the request."""

    def __init__(self, configured=None):
        self.configured = configured.rstrip("/") if configured else None

    def process_request(self, req, resp):
        req.context.base_url = self.configured or req.prefix


def absolute(req, path):
    """Return the absolute URL of a path of this service."""
    return req.context.base_url + path
