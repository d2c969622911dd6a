"""The OpenAPI 3 document of the JSON endpoints (kept beside API.md)."""

from measuresearch.domain.dates import GROUP_OF_KIND, GROUPS
from measuresearch.search.highlight import KINDS
from measuresearch.search.service import EXCLUDE_PREFIX, FILTER_NAMES, MAX_PER_PAGE, SORTS
from measuresearch.web.openapi import compare as openapi_compare
from measuresearch.web.openapi import reports as reports_openapi
from measuresearch.web.http.params import MAX_FACET_VALUES, MAX_PAGE, MAX_VALUE_CHARS

_ERROR = {"$ref": "#/components/schemas/Error"}
_YEAR = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
# YYYY, YYYY-MM or a calendar date: exactly what the search accepts (2021-02-30 is a 400)
_DAY = {"anyOf": [{"type": "string", "pattern": f"^{_YEAR}$"},
                  {"type": "string", "pattern": f"^{_YEAR}-(0[1-9]|1[0-2])$"},
                  {"type": "string", "format": "date"}]}
# kind: what the date line says; event: the `event` parameter value that selects it; line: index in `dates`
_EVENT = {"type": "object", "required": ["kind", "event", "year", "month"],
          "properties": {"kind": {"type": "string", "enum": list(GROUP_OF_KIND)},
                         "event": {"type": "string", "enum": list(GROUPS)},
                         "year": {"type": "integer"}, "month": {"type": ["integer", "null"], "minimum": 1,
                                                                "maximum": 12},
                         "line": {"type": ["integer", "null"], "minimum": 0}}}


def _param(name, schema, description, repeat=False, max_items=None):
    param = {"name": name, "in": "query", "required": False, "description": description}
    param["schema"] = {"type": "array", "items": schema, "maxItems": max_items} if repeat else schema
    if repeat:
        param.update(style="form", explode=True)
    return param


def _search_params(export=False):
    params = [_param("q", {"type": "string", "maxLength": 500}, "query text, any script")]
    value = {"type": "string", "maxLength": MAX_VALUE_CHARS}
    params += [_param(n, value, f"exact {n} value; repeatable, OR-ed", True, MAX_FACET_VALUES) for n in FILTER_NAMES]
    params += [_param(EXCLUDE_PREFIX + n, value, f"leave out measures with this {n} value; repeatable",
                      True, MAX_FACET_VALUES) for n in FILTER_NAMES]
    params += [_param("year_from", {"type": "integer", "minimum": 0, "maximum": 9999}, "first year, inclusive"),
               _param("year_to", {"type": "integer", "minimum": 0, "maximum": 9999}, "last year, inclusive"),
               _param("event", {"type": "string", "enum": list(GROUPS)},
                      "kinds of date event the year range and the year facet look at; repeatable; default: every "
                      "kind (in_force: since, entry into force; amended: amended, last amended; reported: "
                      "reported, last reported)", True, MAX_FACET_VALUES),
               _param("in_force_on", _DAY,
                      "YYYY, YYYY-MM or YYYY-MM-DD: measures in force on that day (a year or month counts "
                      "from its first day)"),
               _param("sort", {"type": "string", "enum": list(SORTS)}, "order of the hits")]
    # the exports take the same parameters, checked by the same parser; they hold every match, not one page
    paging = " (checked, then ignored: an export holds every match)" if export else ""
    params += [_param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "1-based page" + paging),
               _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                      "hits per page" + paging)]
    return params


def _responses(ok):
    return {"200": ok, "400": {"description": "bad parameter", "content": {"application/json": {"schema": _ERROR}}},
            "414": {"description": "request line over the server's limit",
                    "content": {"application/json": {"schema": _ERROR}}},
            "431": {"description": "request headers over the server's limit",
                    "content": {"application/json": {"schema": _ERROR}}},
            "503": {"description": "no index", "content": {"application/json": {"schema": _ERROR}}}}


_EXPORTS_BUSY = {"429": {"description": "the process is writing as many full exports as it takes at a time "
                                         "(code `exports_busy`)",
                          "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}},
                          "content": {"application/json": {"schema": _ERROR}}}}


def _json_ok(schema):
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def document():
    """Return the OpenAPI document as plain data."""
    facet_value = {"type": "object", "required": ["value", "count", "selected"],
                   "properties": {"value": {"type": ["string", "integer"]}, "count": {"type": "integer"},
                                  "selected": {"type": "boolean"}, "excluded": {"type": "boolean"}}}
    hit = {"type": "object", "required": ["id", "url", "country", "pillar", "sub_pillar", "titles", "dates",
                                          "description", "highlights", "matched"],
           "properties": {
               "id": {"type": "string"}, "url": {"type": "string"}, "score": {"type": ["number", "null"]},
               "country": {"type": "string"}, "pillar": {"type": "string"}, "sub_pillar": {"type": "string"},
               "coverage": {"type": ["string", "null"]}, "titles": {"type": "array", "items": {"type": "string"}},
               "dates": {"type": "array", "items": {"type": "string"}}, "year": {"type": ["integer", "null"]},
               "events": {"type": "array", "items": _EVENT},
               "description": {"type": "string"},
               "highlights": {"type": "object"},
               "matched": {"type": "array", "items": {"type": "object", "properties": {
                   "word": {"type": "string"}, "field": {"type": "string"},
                   "kind": {"type": "string", "enum": list(KINDS)}}}}}}
    search_result = {"type": "object",
                     "required": ["query", "total", "page", "per_page", "pages", "took_ms", "hits", "facets",
                                  "suggestion"],
                     "properties": {
                         "query": {"type": "object"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                         "per_page": {"type": "integer"}, "pages": {"type": "integer"},
                         "took_ms": {"type": "number"}, "relaxed": {"type": "boolean"},
                         "hits": {"type": "array", "items": hit},
                         "facets": {"type": "object", "additionalProperties": {"type": "array", "items": facet_value}},
                         "suggestion": {"type": ["object", "null"]},
                         "notices": {"type": "array", "description": "what the search did that its numbers alone "
                                     "would not say (no_words, empty_year_range, unknown_value)",
                                     "items": {"type": "object", "required": ["code", "message"], "properties": {
                                         "code": {"type": "string"}, "message": {"type": "string"}}}}}}
    measure_id = {"name": "measure_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "measuresearch", "version": "1", "description": "Search the DTI database of measures."},
        "paths": {
            "/api/search": {"get": {"operationId": "search", "parameters": _search_params(),
                                    "responses": _responses(_json_ok(search_result))}},
            "/api/search.csv": {"get": {"operationId": "searchCsv", "parameters": _search_params(export=True),
                                        "responses": {**_responses({"description": "CSV", "content": {
                                            "text/csv": {"schema": {"type": "string"}}}}), **_EXPORTS_BUSY}}},
            "/api/search.json": {"get": {"operationId": "searchExport", "parameters": _search_params(export=True),
                                         "responses": {**_responses(_json_ok({"type": "object", "required": [
                                             "query", "total", "measures"]})), **_EXPORTS_BUSY}}},
            "/api/measures/{measure_id}": {"get": {
                "operationId": "measure", "parameters": [measure_id],
                "responses": {**_responses(_json_ok({"type": "object", "required": ["id", "titles", "related"]})),
                              "404": {"description": "unknown id",
                                      "content": {"application/json": {"schema": _ERROR}}},
                              "410": {"description": "removed by a re-import with --prune (code `removed`)",
                                      "content": {"application/json": {"schema": _ERROR}}}}}},
            "/api/suggest": {"get": {"operationId": "suggest",
                                     "parameters": [_param("q", {"type": "string", "maxLength": 200}, "prefix")],
                                     "responses": _responses(_json_ok({"type": "object", "required": [
                                         "q", "suggestions"], "properties": {
                                         "q": {"type": "string"},
                                         "suggestions": {"type": "array", "maxItems": 10,
                                                         "items": {"type": "string"}}}}))}},
            **openapi_compare.paths(_param, _search_params, _responses, _json_ok),
            "/healthz": {"get": {"operationId": "health", "responses": _responses(_json_ok({
                "type": "object", "required": ["status", "documents", "index_id", "index_built_at"]}))}},
            **reports_openapi.paths(measure_id),
        },
        "components": {"schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "code", "message"],
            "properties": {"status": {"type": "integer"}, "code": {"type": "string"},
                           "message": {"type": "string"}, "parameter": {"type": ["string", "null"]}}}}}}},
    }
