"""HTML pages rendered with Jinja2 (autoescape on)."""

import functools

import falcon
import jinja2

from .. import search
from .params import search_request


@functools.cache
def environment():
    """Return the Jinja2 environment of the templates (autoescaped)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("measuresearch.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name, **context):
    """Render one template to text."""
    return environment().get_template(name).render(**context)


def error_page(status, message):
    """Return the HTML of an error page."""
    return render("error.html", status=status, message=message)


class SearchPage:
    """GET /: the search page, same parameters as /api/search."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        request = search_request(req.params)
        result = search.search(self.holder, request)
        resp.content_type = falcon.MEDIA_HTML
        resp.text = render("search.html", result=result, request=request)


class MeasurePage:
    """GET /measures/{id}: every field of one measure."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp, measure_id):
        record = search.get_measure(self.holder, measure_id)
        resp.content_type = falcon.MEDIA_HTML
        resp.text = render("measure.html", m=record)


def add_routes(app, holder):
    """Add the HTML routes and the static files to the app."""
    app.add_route("/", SearchPage(holder))
    app.add_route("/measures/{measure_id}", MeasurePage(holder))
