"""The matrix: /api/matrix (JSON), /api/matrix.csv and the HTML compare view /compare."""

import csv
import io
import urllib.parse

import falcon

from measuresearch.errors import InvalidParameter
from measuresearch.domain.fields import STRING_FACETS
from measuresearch.search import matrix as crosstab
from measuresearch.search import service as search
from measuresearch.web import i18n
from measuresearch.web.views import pages
from measuresearch.web.http import urls
from measuresearch.web.views.exports import safe_cell
from measuresearch.web.http.params import SEARCH_PARAMS, choice, search_request

# the search parameters, as for the exports: sort, page and per_page are checked, then mean nothing to a count
MATRIX_PARAMS = SEARCH_PARAMS | {"rows", "cols"}
PAGE_ROWS = ("country", "group")  # the compare view: economies or groups by pillar (or sub-pillar)
PAGE_COLS = ("pillar", "sub_pillar")
# the compare view's filter lists, in order: groups and pillars (shown open), the other facets (domain/fields.py)
# but the sub-pillars (columns of the table), the economies last
FILTERS = ("group", "pillar", *(name for name in STRING_FACETS if name not in ("country", *PAGE_COLS)), "country")
HEAT_STEPS = 6


def matrix_request(req, strict=True):
    """Return (SearchRequest, rows, cols) of a matrix request; 400 naming a bad parameter."""
    request = search_request(req, allowed=MATRIX_PARAMS if strict else MATRIX_PARAMS | set(req.params),
                             strict=strict)
    rows = choice(req, "rows", crosstab.DIMENSIONS, strict) or "country"
    cols = choice(req, "cols", crosstab.DIMENSIONS, strict) or "pillar"
    return request, rows, cols


def to_csv(result):
    """Return the matrix as CSV: one row per row value, one column per column value, totals last.

    The last two columns say which build the counts come from (index_id, index_built_at),
    on every line, so that the file stays one plain table.
    """
    build = result["build"]
    cells = {(c["row"], c["col"]): c["count"] for c in result["cells"]}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    header = [result["query"]["rows"], *(c["value"] for c in result["cols"]), "total", "index_id", "index_built_at"]
    writer.writerow([safe_cell(h) for h in header])
    for row in result["rows"]:
        counts = [cells.get((row["value"], c["value"]), 0) for c in result["cols"]]
        writer.writerow([safe_cell(row["value"]), *counts, row["count"], build["index_id"], build["index_built_at"]])
    writer.writerow(["total", *(c["count"] for c in result["cols"]), result["total"], build["index_id"],
                     build["index_built_at"]])
    return out.getvalue()


class MatrixResource:
    """GET /api/matrix?rows=F&cols=G: the measures of a search cross-tabulated; .csv: the same as a table."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        resp.media = crosstab.matrix(self.holder, *matrix_request(req))

    def on_get_csv(self, req, resp):
        request, rows, cols = matrix_request(req)
        result = crosstab.matrix(self.holder, request, rows, cols)
        resp.content_type = "text/csv; charset=utf-8"
        resp.downloadable_as = f"matrix-{rows}-by-{cols}.csv"
        resp.text = to_csv(result)


# --- the HTML view -------------------------------------------------------------------

def _value_pairs(name, value):
    """Return the query pairs that select one matrix value (a year is a one-year range)."""
    if name == "year":
        return [("year_from", str(value)), ("year_to", str(value))]
    return [(name, str(value))]


def _selecting(pairs, name, value):
    """Return the search's pairs with the values it had of one dimension replaced by one matrix value.

    Added to them, the value would be OR-ed with the others of its name (`pillar=A&pillar=B&pillar=A`):
    the link would list more measures than the count it is written on. A measure has one country, pillar or
    sub-pillar, so a value the matrix lists under the search's values is one of them; a year within the
    search's range likewise.
    """
    own = ("year_from", "year_to") if name == "year" else (name,)
    return [p for p in pairs if p[0] not in own] + _value_pairs(name, value)


def _row_pairs(pairs, rows, value, result):
    """Return the pairs that select one row of the search: a group that is not one of the search's groups
    counts the measures of the countries it shares with them, which no group filter can say (groups are
    OR-ed), so it is selected by those countries."""
    chosen = {v for k, v in pairs if k == "group"}
    if rows != "group" or not chosen or value in chosen:
        return _selecting(pairs, rows, value)
    countries = result["group_countries"][value]
    return [p for p in pairs if p[0] not in ("group", "country")] + [("country", c) for c in countries]


def _compare_url(pairs, rows, cols):
    return urls.href(pairs, "/compare") + ("&" if pairs else "?") + urllib.parse.urlencode(
        [("rows", rows), ("cols", cols)])


def _on_compare(url, rows, cols):
    """Return a search-page URL of the chips as the same state on the compare view."""
    query = urllib.parse.urlsplit(url).query
    return "/compare?" + "&".join(p for p in (query, urllib.parse.urlencode([("rows", rows), ("cols", cols)])) if p)


def heat(count, top):
    """Return the heat step (0-HEAT_STEPS) of a cell count against the largest cell."""
    if not count or not top:
        return 0
    return max(1, round(HEAT_STEPS * count / top))


def table(result, pairs, rows, cols):
    """Return the rows of the compare table: label, link, cells (count, heat, link) and total."""
    cells = {(c["row"], c["col"]): c["count"] for c in result["cells"]}
    top = max(cells.values(), default=0)
    base = [p for p in pairs if p[0] not in ("page", "per_page", "sort")]
    lines = []
    for row in result["rows"]:
        chosen = _row_pairs(base, rows, row["value"], result)
        line = {"value": row["value"], "count": row["count"], "url": urls.href(chosen), "cells": []}
        for col in result["cols"]:
            count = cells.get((row["value"], col["value"]), 0)
            line["cells"].append({"col": col["value"], "count": count, "heat": heat(count, top),
                                  "url": urls.href(_selecting(chosen, cols, col["value"]))})
        lines.append(line)
    return lines


class ComparePage:
    """GET /compare: economies (or groups) by pillar, or by the sub-pillars of the selected pillars."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        pages.redirect_blanks(req)
        request, rows, cols = matrix_request(req, strict=False)
        for name, value, shown in (("rows", rows, PAGE_ROWS), ("cols", cols, PAGE_COLS)):
            if value not in shown:  # said, not replaced by another table without a word
                raise InvalidParameter(f"the compare page shows {name} of {' or '.join(shown)}; "
                                       f"GET /api/matrix counts {name}={value}", name)
        result = crosstab.matrix(self.holder, request, rows, cols, group_countries=rows == "group")
        facets = search.search(self.holder, dataclass_copy(request, per_page=1, page=1))["facets"]
        pairs = urls.state_of(request, i18n.chosen(req))
        chips = [dict(chip, url=_on_compare(chip["url"], rows, cols),
                      exclude_url=_on_compare(chip["exclude_url"], rows, cols) if chip.get("exclude_url") else None)
                 for chip in pages.chips(request, pairs)]
        filters = {name: [dict(v, url=_compare_url(_toggled(pairs, name, v["value"]), rows, cols))
                          for v in facets[name]] for name in FILTERS}
        switch = {f"{r}-{c}": _compare_url([p for p in pairs if p[0] != "page"], r, c)
                  for r in PAGE_ROWS for c in PAGE_COLS}
        resp.content_type = falcon.MEDIA_HTML
        resp.text = pages.render(req, "compare.html", result=result, request=request, q=request.q, pairs=pairs,
                                 rows=rows, cols=cols, lines=table(result, pairs, rows, cols), chips=chips,
                                 filters=filters, switch=switch, search_url=urls.href(pairs),
                                 csv_url=_compare_url([p for p in pairs if p[0] != "lang"], rows, cols).replace(
                                     "/compare", "/api/matrix.csv", 1))


def _toggled(pairs, name, value):
    pairs = [p for p in pairs if p[0] != "page"]
    return [p for p in pairs if p != (name, value)] if (name, value) in pairs else pairs + [(name, value)]


def dataclass_copy(request, **changes):
    """Return a copy of a SearchRequest with some fields changed."""
    import dataclasses
    return dataclasses.replace(request, **changes)


def add_routes(app, holder):
    """Add the matrix endpoints and the compare view."""
    resource = MatrixResource(holder)
    app.add_route("/api/matrix", resource)
    app.add_route("/api/matrix.csv", resource, suffix="csv")
    app.add_route("/compare", ComparePage(holder))
