"""The OpenAPI 3 document of the JSON endpoints (kept beside API.md)."""

from measuresearch.domain.dates import GROUP_OF_KIND, GROUPS
from measuresearch.domain import fields as registry
from measuresearch.domain import model
from measuresearch.search.query_words import KINDS
from measuresearch.web.openapi import compare as openapi_compare
from measuresearch.web.openapi import reports as reports_openapi
from measuresearch.web.openapi.parts import (MEASURE_ID, RETRY_AFTER, error, json_ok, param, responses,
                                             search_params)

# kind: what the date line says; event: the `event` parameter value that selects it; line: index in `dates`
_EVENT = {"type": "object", "required": ["kind", "event", "year", "month"],
          "properties": {"kind": {"type": "string", "enum": list(GROUP_OF_KIND)},
                         "event": {"type": "string", "enum": list(GROUPS)},
                         "year": {"type": "integer"}, "month": {"type": ["integer", "null"], "minimum": 1,
                                                                "maximum": 12},
                         "line": {"type": ["integer", "null"], "minimum": 0}}}
_STRINGS = {"type": "array", "items": {"type": "string"}}
# the schema of each kind of value a record field holds (domain/fields.py: Field.value)
_VALUES = {"text": {"type": "string"}, "prose": {"type": "string"}, "lines": _STRINGS, "addresses": _STRINGS,
           "integer": {"type": "integer"}, "events": {"type": "array", "items": _EVENT},
           "kind": {"type": "string", "enum": list(model.KINDS)},
           "values": {"type": "array", "items": {"type": "object", "required": ["label", "value", "unit"],
                                                 "properties": {"label": {"type": "string"},
                                                                "value": {"type": "number"},
                                                                "unit": {"type": ["string", "null"]}}}}}
# a hit has every field a measure must have (an indicator's description is empty, not missing)
_REQUIRED_IN_HITS = [name for name in registry.HIT if name != "id" and name in model.REQUIRED["measure"]]
_EXPORTS_BUSY = {"429": error("the process is writing as many full exports as it takes at a time "
                              "(code `exports_busy`)", headers=RETRY_AFTER)}


# a hit's id is the measure_id of the operations on one measure: links let a client (and schemathesis) follow it
_HIT_LINKS = {name: {"operationId": operation, "parameters": {"measure_id": "$response.body#/hits/0/id"},
                     "description": f"the first hit's {what}"}
              for name, operation, what in (("measure", "measure", "whole record"), ("cite", "cite", "citation"),
                                            ("report", "reportMeasure", "report form (POST)"))}
_NOTICE = {"type": "object", "required": ["code", "message"], "properties": {
    "code": {"type": "string", "enum": ["no_words", "empty_year_range", "unknown_value", "only_excluded",
                                        "page_out_of_range", "group_filter", "english_descriptions"]},
    "message": {"type": "string"},
    "url": {"type": "string", "description": "the search the notice offers (group_filter, page_out_of_range, "
                                             "english_descriptions with words)"},
    "group": {"type": "string"}, "last_page": {"type": "integer", "minimum": 1},
    "q": {"type": ["string", "null"]}, "words": {"type": "array", "items": {"type": "string"}},
    "parameter": {"type": "string", "description": "unknown_value: the filter, or the exclusion (not_*)"},
    "value": {"type": "string", "description": "unknown_value: the value no measure has"},
    "suggestion": {"type": ["string", "null"], "description": "unknown_value: the closest known value, if close"},
    "word": {"type": "string", "description": "group_filter: the query's word that names the group"},
    "typed": {"type": "array", "items": {"type": "string"},
              "description": "english_descriptions: the query's Russian or Kazakh words"}}}


def value_schema(name):
    """Return the JSON schema of a record field's value in hits (null too where the field allows it)."""
    field = registry.BY_NAME[name]
    schema = _VALUES[field.value]
    return {**schema, "type": [schema["type"], "null"]} if field.nullable else schema


def _with_example(paths, example_id):
    """Give every measure_id parameter an id of the live index as its example (none: left as it is)."""
    if example_id is not None:
        for item in paths.values():
            for operation in item.values():
                operation["parameters"] = [{**p, "example": example_id} if p.get("name") == "measure_id" else p
                                           for p in operation.get("parameters", [])]
    return paths


def document(example_id=None, root=""):
    """Return the OpenAPI document as plain data.

    example_id: a measure id of the live index, the example of every measure_id. root: the path the app is
    mounted under (a base URL's), its one server; none at the root, where the document's own address is.
    """
    facet_value = {"type": "object", "required": ["value", "count", "selected"],
                   "properties": {"value": {"type": ["string", "integer"]}, "count": {"type": "integer"},
                                  "selected": {"type": "boolean"}, "excluded": {"type": "boolean"}}}
    hit = {"type": "object", "required": ["id", "url", *_REQUIRED_IN_HITS, "highlights", "matched"],
           "properties": {
               "id": {"type": "string"}, "url": {"type": "string"}, "score": {"type": ["number", "null"]},
               **{name: value_schema(name) for name in registry.HIT if name != "id"},
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
                                     "would not say", "items": _NOTICE}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "measuresearch", "version": "1", "description": "Search the DTI database of measures."},
        **({"servers": [{"url": root}]} if root else {}),
        "paths": _with_example({
            "/api/search": {"get": {"operationId": "search", "parameters": search_params(),
                                    "responses": responses({**json_ok(search_result), "links": _HIT_LINKS})}},
            "/api/search.csv": {"get": {"operationId": "searchCsv", "parameters": search_params(export=True),
                                        "responses": {**responses({"description": "CSV", "content": {
                                            "text/csv": {"schema": {"type": "string"}}}}), **_EXPORTS_BUSY}}},
            "/api/search.json": {"get": {"operationId": "searchExport", "parameters": search_params(export=True),
                                         "responses": {**responses(json_ok({"type": "object", "required": [
                                             "query", "total", "measures"]})), **_EXPORTS_BUSY}}},
            "/api/measures/{measure_id}": {"get": {
                "operationId": "measure", "parameters": [MEASURE_ID],
                "responses": {**responses(json_ok({"type": "object", "required": ["id", "titles", "related"]})),
                              "404": error("unknown id"),
                              "410": error("removed by a re-import with --prune (code `removed`)")}}},
            "/api/suggest": {"get": {"operationId": "suggest",
                                     "parameters": [param("q", {"type": "string", "maxLength": 200}, "prefix")],
                                     "responses": responses(json_ok({"type": "object", "required": [
                                         "q", "suggestions"], "properties": {
                                         "q": {"type": "string"},
                                         "suggestions": {"type": "array", "maxItems": 10,
                                                         "items": {"type": "string"}}}}))}},
            **openapi_compare.paths(),
            "/healthz": {"get": {"operationId": "health", "responses": responses(json_ok({
                "type": "object", "required": ["status", "documents", "index_id", "index_built_at"]}))}},
            **reports_openapi.paths(),
        }, example_id),
        "components": {"schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "code", "message"],
            "properties": {"status": {"type": "integer"}, "code": {"type": "string"},
                           "message": {"type": "string"}, "parameter": {"type": ["string", "null"]}}}}}}},
    }
