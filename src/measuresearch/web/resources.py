"""Thin Falcon resources: parse parameters, call search.py, render."""

import json

import falcon

from .. import search
from ..errors import InvalidParameter
from . import exports, openapi
from .params import search_request


def _json(resp, data, status=falcon.HTTP_200):
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.text = json.dumps(data, ensure_ascii=False)


class SearchResource:
    """GET /api/search: one page of hits, facets and highlights."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        _json(resp, search.search(self.holder, search_request(req.params)))


class SearchCsvResource:
    """GET /api/search.csv: every matching measure as CSV."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        _, records = search.export(self.holder, search_request(req.params, _EXPORT_PARAMS))
        resp.content_type = "text/csv; charset=utf-8"
        resp.downloadable_as = "measures.csv"
        resp.text = exports.to_csv(records)


class SearchJsonExportResource:
    """GET /api/search.json: every matching measure as one JSON document."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        request = search_request(req.params, _EXPORT_PARAMS)
        total, records = search.export(self.holder, request)
        result = {"query": {"q": request.q, "filters": {k: list(v) for k, v in request.filters.items()},
                            "year_from": request.year_from, "year_to": request.year_to,
                            "sort": request.effective_sort()}, "total": total}
        resp.downloadable_as = "measures.json"
        _json(resp, exports.to_json_export(result, records))


_EXPORT_PARAMS = frozenset(("q", "year_from", "year_to", "sort", *search.FILTER_NAMES))


class MeasureResource:
    """GET /api/measures/{id}: the whole record and related measures."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp, measure_id):
        _json(resp, search.get_measure(self.holder, measure_id))


class SuggestResource:
    """GET /api/suggest?q=PREFIX: completions for search-as-you-type."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        unknown = sorted(set(req.params) - {"q"})
        if unknown:
            raise InvalidParameter(f"unknown parameter {unknown[0]!r}; known: q", unknown[0])
        prefix = req.params.get("q", "")
        if isinstance(prefix, list):
            raise InvalidParameter("q may be given only once", "q")
        if len(prefix) > 200:
            raise InvalidParameter("q may be at most 200 characters for suggestions", "q")
        _json(resp, {"q": prefix, "suggestions": search.suggest(self.holder, prefix)})


class HealthResource:
    """GET /healthz: the live index and its size."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        _json(resp, search.health(self.holder))


class OpenAPIResource:
    """GET /openapi.json: the OpenAPI 3 document of the JSON endpoints."""

    def on_get(self, req, resp):
        _json(resp, openapi.document())
