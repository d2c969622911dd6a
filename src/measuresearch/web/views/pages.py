"""HTML pages rendered with Jinja2 (autoescape on), from the same result as the API."""

import pathlib

import falcon

from measuresearch.search import service as search
from measuresearch.search.query_words import KINDS
from measuresearch.search.request import EXCLUDE_PREFIX, FILTER_NAMES
from measuresearch.domain import fields
from measuresearch.domain import provenance
from measuresearch.errors import Removed
from measuresearch.domain.dates import GROUP_LABELS
from measuresearch.web import i18n
from measuresearch.web.i18n import N_
from measuresearch.web.views import citing
from measuresearch.web.views import rendering
from measuresearch.web.views import sidebar
from measuresearch.web.http import guard, urls
from measuresearch.web.http.params import SEARCH_PARAMS, search_request

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"
FACET_LABELS = {**fields.FACET_LABELS, "group": N_("Group")}
_KIND_WORDS = {"exact": N_("exact"), "stem": N_("word form"), "lookalike": N_("look-alike letters"),
               "romanized": N_("romanized"), "law_number": N_("law number"), "number": N_("number"),
               "prefix": N_("prefix"), "fuzzy": N_("fuzzy")}
# one label for each kind of match highlight.KINDS declares (a kind without one fails here, at import)
KIND_LABELS = {kind: _KIND_WORDS[kind] for kind in KINDS}
# hits[].matched's fields, as the "Why:" line names them (domain/fields.py)
FIELD_LABELS = {name: fields.BY_NAME[name].section.label for name in fields.EXPLAINED}
# domain.provenance.KIND_WORDS, named here for the catalogs (a record's source on the measure page)
SOURCE_WORDS = provenance.KIND_WORDS
SOURCE_LABELS = (N_("the DTI page"), N_("the sheet"), N_("the proposal"), N_("the file"))
# domain.dates.GROUP_LABELS, named here for the catalogs: the templates translate them where they are shown
EVENT_LABELS = (N_("In force"), N_("Amended"), N_("Reported"))
# the link text of notices that offer another search (urls.with_notice_links)
NOTICE_LINKS = {"group_filter": N_("Filter by the group"), "page_out_of_range": N_("Go to the last page"),
                "english_descriptions": N_("Search in English")}
# kept as hidden fields of the search box, so that typing a new query keeps them
FORM_STATE = (*urls.FILTER_PARAMS, "sort", "per_page", "lang")
# the date boxes of the search page's year facet; other pages carry them as hidden fields
DATE_BOXES = ("year_from", "year_to", "event", "in_force_on")
# errors of a parameter that a page says whole in its own language (others: which parameter, then the English)
PAGE_ERRORS = {guard.CSRF_FIELD: N_("This form has expired or was not sent from this site. "
                                   "Reload the form and send it again.")}
# an error page is headed by what happened, not by its status number
HEADINGS = {400: N_("This request could not be used"), 401: N_("Sign-in required"),
            403: N_("This form could not be accepted"), 404: N_("Page not found"), 405: N_("Not available here"),
            410: N_("This measure was removed"), 413: N_("Too much was sent"), 415: N_("This form could not be read"),
            429: N_("Too many submissions"), 503: N_("The search is not available right now")}
SEARCH_HEADING = N_("This search could not be run")
# a 503 of a form page is its database's (reports and proposals), not the search's
FORM_UNAVAILABLE = N_("This form is not available right now")
SERVER_HEADING = N_("Something went wrong on our side")


def render(req, name, **context):
    """Render one template in the request's language, with the page-wide names."""
    return rendering.render(req, name, FORM_STATE=FORM_STATE, DATE_BOXES=DATE_BOXES, FACET_LABELS=FACET_LABELS,
                            KIND_LABELS=KIND_LABELS, FIELD_LABELS=FIELD_LABELS, EVENT_GROUPS=GROUP_LABELS,
                            SOURCE_WORDS=SOURCE_WORDS, NOTICE_LINKS=NOTICE_LINKS, **context)


def heading(status, searching, path="/"):
    """Return the (English) heading of an error page: what happened."""
    if searching and status == 400:
        return SEARCH_HEADING
    if status == 503 and (path.startswith(("/propose", "/admin")) or path.endswith(("/report", "/report/thanks"))):
        return FORM_UNAVAILABLE
    return HEADINGS.get(status, SERVER_HEADING if status >= 500 else HEADINGS[400])


def sentence(message):
    """Return an error message as a sentence: a capital first letter, a full stop at the end."""
    message = message.strip()
    if not message:
        return message
    first = message.split(" ", 1)[0]
    if first not in SEARCH_PARAMS and first.isalpha():  # a parameter's name (per_page, q) stays as it is typed
        message = message[0].upper() + message[1:]
    return message if message[-1] in ".!?" else message + "."


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

    An error of the search page (or of the compare page, which takes the same
    parameters) keeps the typed query in the box (to correct it) and links back
    to the same search without the offending parameter.
    """
    searching = req.path in ("/", "/compare")
    params = req.params if searching else {}
    q = params.get("q") if isinstance(params.get("q"), str) else ""
    state = _state_of_params(params, drop=parameter) + ([("lang", i18n.chosen(req))] if i18n.chosen(req) else [])
    return render(req, "error.html", status=status, heading=heading(status, searching, req.path), message=sentence(message),
                  q=q, back=urls.href(state), pairs=[pair for pair in state if pair[0] != "q"], parameter=parameter,
                  said=PAGE_ERRORS.get(parameter))


def chips(request, pairs):
    """Return the active filters as removable chips: label, value, URL without it, URL to exclude instead."""
    found = []
    for name in FILTER_NAMES:
        for value in request.filters.get(name, ()):
            found.append({"label": FACET_LABELS[name], "value": value, "url": urls.toggle(pairs, name, value),
                          "exclude_url": urls.exclude(pairs, name, value)})
    for name in FILTER_NAMES:
        for value in request.exclusions.get(name, ()):
            found.append({"label": FACET_LABELS[name], "value": value, "excluded": True,
                          "url": urls.toggle(pairs, EXCLUDE_PREFIX + name, value)})
    if request.year_from is not None or request.year_to is not None:
        span = str(request.year_from) if request.year_from == request.year_to else \
            f"{request.year_from or '…'}–{request.year_to or '…'}"
        found.append({"label": N_("Year"), "value": span, "url": urls.replace(pairs, year_from=None, year_to=None,
                                                                          page=None)})
    for group in request.event:
        found.append({"label": N_("Event"), "value": GROUP_LABELS[group], "translate": True, "url": urls.toggle(pairs, "event", group)})
    if request.in_force_on is not None:
        found.append({"label": N_("In force on"), "value": request.in_force_on,
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


def redirect_blanks(req):
    """Send a GET whose query string has empty parameters (the no-JavaScript form's blank boxes) to its clean URL.

    A 303 to the same page without `year_from=&year_to=&in_force_on=`: the address a reader shares or
    bookmarks is the one the page itself would build.
    """
    clean = urls.without_blanks(req.path, req.query_string)
    if clean is not None:
        raise falcon.HTTPSeeOther(clean)


class SearchPage:
    """GET /: the search page, same parameters as /api/search."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        redirect_blanks(req)
        # the page reads only the parameters it knows: a shared link's utm_source or fbclid is ignored
        request = search_request(req, allowed=SEARCH_PARAMS | set(req.params), strict=False)
        result = urls.with_notice_links(urls.linked_result(search.search(self.holder, request, parents=True)),
                                        request, i18n.chosen(req))
        pairs = urls.state_of(request, i18n.chosen(req))
        expanded = sidebar.expanded_facets(req, result["facets"])
        tree, orphans = sidebar.pillar_tree(result, pairs, expanded)
        resp.content_type = falcon.MEDIA_HTML
        resp.text = render(req, "search.html", result=result, request=request, q=request.q, pairs=pairs, pillars=tree,
                           orphan_sub_pillars=orphans, facet_lists=sidebar.facet_lists(result, pairs, FACET_LABELS,
                                                                                       expanded),
                           chips=chips(request, pairs), years=year_bars(result, pairs),
                           export_query=urls.api_query(pairs))


class MeasurePage:
    """GET /measures/{id}: every field of one measure."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp, measure_id):
        try:
            record = urls.linked_result(search.get_measure(self.holder, measure_id), "related")
        except Removed as exc:  # 410: say so, and offer a search for its title
            title = exc.tombstone["titles"][0] if exc.tombstone.get("titles") else ""
            resp.status = falcon.HTTP_410
            resp.content_type = falcon.MEDIA_HTML
            chosen = [("lang", i18n.chosen(req))] if i18n.chosen(req) else []
            resp.text = render(req, "error.html", status=410, heading=HEADINGS[410], message=sentence(exc.message),
                               q=title, back=urls.href(chosen), pairs=chosen, search_title=title,
                               search_href=urls.href([("q", title)] + chosen))
            return
        resp.content_type = falcon.MEDIA_HTML
        resp.text = render(req, "measure.html", m=record, citations=citing.citations(req, record))


def add_routes(app, holder):
    """Add the HTML routes and the static files to the app."""
    app.add_route("/", SearchPage(holder))
    app.add_route("/measures/{measure_id}", MeasurePage(holder))
    app.add_static_route("/static", str(STATIC))
