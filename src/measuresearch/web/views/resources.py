"""Thin Falcon resources: parse parameters, call search.py, render.

JSON goes out through `resp.media` and the app's one JSON handler (app.py).
"""

import contextlib
import json
import threading

import falcon

from measuresearch.search import service as search
from measuresearch.search.request import filters_echo
from measuresearch.errors import ExportsBusy, InvalidParameter
from measuresearch.web.views import exports
from measuresearch.web.http import urls
from measuresearch.web.openapi import document as openapi
from measuresearch.web.http.params import refuse_unknown, search_request, single


# A full export holds a worker thread (and the GIL) for as long as it takes: at most this many at a time
# per process, so that the other threads keep answering searches and /healthz; the rest get a 429
EXPORT_SLOTS = 2
EXPORT_RETRY_SECONDS = 5


class SearchResource:
    """GET /api/search: one page of hits; .csv and .json: every matching measure."""

    def __init__(self, holder):
        self.holder = holder
        self.export_slots = threading.BoundedSemaphore(EXPORT_SLOTS)

    def on_get(self, req, resp):
        request = search_request(req)
        root = req.context.root
        resp.media = urls.with_notice_links(urls.linked_result(search.search(self.holder, request), root=root), request,
                                            root=root)

    @contextlib.contextmanager
    def _export(self):
        if not self.export_slots.acquire(blocking=False):
            raise ExportsBusy(EXPORT_RETRY_SECONDS, EXPORT_SLOTS)
        try:
            yield
        finally:
            self.export_slots.release()

    def on_get_csv(self, req, resp):
        request = search_request(req)
        with self._export():
            _, records = search.export(self.holder, request)
            resp.text = exports.to_csv(records, base_url=req.context.base_url)
        resp.content_type = "text/csv; charset=utf-8"
        resp.downloadable_as = "measures.csv"

    def on_get_json(self, req, resp):
        request = search_request(req)
        with self._export():
            total, records = search.export(self.holder, request)
            result = {"query": {"q": request.q, "filters": filters_echo(request),
                                "year_from": request.year_from, "year_to": request.year_to,
                                "event": list(request.event), "in_force_on": request.in_force_on,
                                "sort": request.effective_sort()}, "total": total}
            # written here, inside the slot (as the app's JSON handler writes: UTF-8, not \u escapes)
            resp.text = json.dumps(exports.to_json_export(result, records, req.context.root), ensure_ascii=False)
        resp.content_type = falcon.MEDIA_JSON
        resp.downloadable_as = "measures.json"


class MeasureResource:
    """GET /api/measures/{id}: the whole record and related measures."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp, measure_id):
        refuse_unknown(req, ())
        resp.media = urls.linked_result(search.get_measure(self.holder, measure_id), "related", req.context.root)


class SuggestResource:
    """GET /api/suggest?q=PREFIX: completions for search-as-you-type."""

    MAX_PREFIX = 200

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        refuse_unknown(req, ("q",))
        prefix = single(req, "q") or ""
        if len(prefix) > self.MAX_PREFIX:
            raise InvalidParameter(f"q may be at most {self.MAX_PREFIX} characters for suggestions", "q")
        resp.media = {"q": prefix, "suggestions": search.suggest(self.holder, prefix)}


class HealthResource:
    """GET /healthz: the live index and its size."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        resp.media = search.health(self.holder)


class OpenAPIResource:
    """GET /openapi.json: the OpenAPI 3 document of the JSON endpoints, with an id of the live index as example."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp):
        resp.media = openapi.document(example_id=search.example_id(self.holder), root=req.context.root)
