"""HTML pages rendered with Jinja2 (autoescape on), from the same result as the API."""

import functools
import pathlib

import falcon
import jinja2

from measuresearch.search import service as search
from measuresearch.domain import provenance
from measuresearch.errors import Removed
from measuresearch.domain.dates import GROUP_LABELS, describe
from measuresearch.web.views import citing
from measuresearch.web.views import sidebar
from measuresearch.web.http import urls
from measuresearch.web.http.params import SEARCH_PARAMS, search_request

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"
FACET_LABELS = {"pillar": "Pillar", "sub_pillar": "Sub-pillar", "country": "Country", "coverage": "Coverage",
                "year": "Year", "group": "Group"}
KIND_LABELS = {"exact": "exact", "stem": "word form", "lookalike": "look-alike letters",
               "romanized": "romanized", "law_number": "law number"}
# kept as hidden fields of the search box, so that typing a new query keeps them
FORM_STATE = (*urls.FILTER_PARAMS, "sort", "per_page")
# the date boxes of the search page's year facet; other pages carry them as hidden fields
DATE_BOXES = ("year_from", "year_to", "event", "in_force_on")


def measures(count, noun="measure"):
    """Return "1 measure", "2 measures", "1,234 measures"."""
    return f"{count:,} {noun if count == 1 else noun + 's'}"


@functools.cache
def environment():
    """Return the Jinja2 environment of the templates (autoescaped)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("measuresearch.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["measures"] = measures
    env.globals.update(urls=urls, FORM_STATE=FORM_STATE, DATE_BOXES=DATE_BOXES, FACET_LABELS=FACET_LABELS,
                       KIND_LABELS=KIND_LABELS, EVENT_GROUPS=GROUP_LABELS, describe_event=describe,
                       SOURCE_WORDS=provenance.KIND_WORDS)
    return env


def render(name, **context):
    """Render one template to text."""
    return environment().get_template(name).render(**context)


def known_params(params):
    """Return the query-string dict without the parameters the page does not know (utm_source, fbclid, ...)."""
    return {name: value for name, value in params.items() if name in SEARCH_PARAMS}


def _state_of_params(params, drop=None):
    """Return the search state of raw parameters as (name, value) pairs, without `drop` and page."""
    pairs = []
    for name, value in known_params(params).items():
        if name in (drop, "page"):
            continue
        pairs.extend((name, v) for v in (value if isinstance(value, list) else [value]) if v)
    return pairs


def error_page(req, status, message, parameter=None):
    """Return the HTML of an error page: the message, the search box and a way back to the search.

    An error of the search page keeps the typed query in the box (to correct
    it) and links back to the same search without the offending parameter.
    """
    searching = req.path == "/"
    params = req.params if searching else {}
    q = params.get("q") if isinstance(params.get("q"), str) else ""
    state = _state_of_params(params, drop=parameter)
    return render("error.html", status=status, message=message, q=q, back=urls.href(state),
                  pairs=[pair for pair in state if pair[0] != "q"])


def chips(request, pairs):
    """Return the active filters as removable chips: label, value, URL without it, URL to exclude instead."""
    found = []
    for name in search.FILTER_NAMES:
        for value in request.filters.get(name, ()):
            found.append({"label": FACET_LABELS[name], "value": value, "url": urls.toggle(pairs, name, value),
                          "exclude_url": urls.exclude(pairs, name, value)})
    for name in search.FILTER_NAMES:
        for value in request.exclusions.get(name, ()):
            found.append({"label": FACET_LABELS[name], "value": value, "excluded": True,
                          "url": urls.toggle(pairs, search.EXCLUDE_PREFIX + name, value)})
    if request.year_from is not None or request.year_to is not None:
        span = f"{request.year_from or '…'}–{request.year_to or '…'}"
        found.append({"label": "Year", "value": span, "url": urls.replace(pairs, year_from=None, year_to=None,
                                                                          page=None)})
    for group in request.event:
        found.append({"label": "Event", "value": GROUP_LABELS[group], "url": urls.toggle(pairs, "event", group)})
    if request.in_force_on is not None:
        found.append({"label": "In force on", "value": request.in_force_on,
                      "url": urls.replace(pairs, in_force_on=None, page=None)})
    return found


def year_bars(result, pairs, span=60):
    """Return the year facet as histogram bars (height class 0-10) with links, gaps filled with 0."""
    years = {y["value"]: y for y in result["facets"]["year"]}
    if not years:
        return []
    top = max(y["count"] for y in years.values())
    last = max(years)
    first = max(min(years), last - span + 1)
    bars = []
    for year in range(first, last + 1):
        y = years.get(year, {"value": year, "count": 0, "selected": False})
        height = round(10 * y["count"] / top) if y["count"] else 0
        bars.append({**y, "height": max(height, 1 if y["count"] else 0), "url": urls.year_only(pairs, year)})
    return bars


class SearchPage:
    """GET /: the search page, same parameters as /api/search."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        # the page reads only the parameters it knows: a shared link's utm_source or fbclid is ignored
        request = search_request(req, allowed=SEARCH_PARAMS | set(req.params), strict=False)
        result = search.search(self.holder, request, parents=True)
        pairs = urls.state_of(request)
        expanded = sidebar.expanded_facets(req, result["facets"])
        tree, orphans = sidebar.pillar_tree(result, pairs, expanded)
        resp.content_type = falcon.MEDIA_HTML
        resp.text = render("search.html", result=result, request=request, q=request.q, pairs=pairs, pillars=tree,
                           orphan_sub_pillars=orphans, facet_lists=sidebar.facet_lists(result, pairs, FACET_LABELS,
                                                                                       expanded),
                           chips=chips(request, pairs), years=year_bars(result, pairs),
                           export_query=urls.href([p for p in pairs if p[0] not in ("page", "per_page")], ""))


class MeasurePage:
    """GET /measures/{id}: every field of one measure."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp, measure_id):
        try:
            record = search.get_measure(self.holder, measure_id)
        except Removed as exc:  # 410: say so, and offer a search for its title
            title = exc.tombstone["titles"][0] if exc.tombstone.get("titles") else ""
            resp.status = falcon.HTTP_410
            resp.content_type = falcon.MEDIA_HTML
            resp.text = render("error.html", status=410, message=exc.message, q=title, back=urls.href([]),
                               pairs=[], search_title=title, search_href=urls.href([("q", title)]))
            return
        resp.content_type = falcon.MEDIA_HTML
        resp.text = render("measure.html", m=record, citations=citing.citations(req, record))


def add_routes(app, holder):
    """Add the HTML routes and the static files to the app."""
    app.add_route("/", SearchPage(holder))
    app.add_route("/measures/{measure_id}", MeasurePage(holder))
    app.add_static_route("/static", str(STATIC))
