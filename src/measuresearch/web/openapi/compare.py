"""The OpenAPI paths of the compare endpoints (matrix), merged into openapi.document()."""

from measuresearch.search.changes import KINDS
from measuresearch.search.matrix import DIMENSIONS
from measuresearch.web.openapi.parts import MEASURE_ID, error, json_ok, param, responses, search_params


def _axis(name, description):
    return param(name, {"type": "string", "enum": list(DIMENSIONS)}, description)


def _matrix_params():
    # the search parameters; the paging and the order are checked, then change no count (as for the exports)
    return [_axis("rows", "dimension of the rows (default country)"),
            _axis("cols", "dimension of the columns (default pillar); the same as rows gives the diagonal"),
            *search_params()]


def _follow_paths():
    change = {"type": "object", "required": ["id", "kind", "index_id", "at"], "properties": {
        "id": {"type": "string"}, "kind": {"type": "string", "enum": list(KINDS)},
        "index_id": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "url": {"type": "string"}}}
    answer = {"type": "object", "required": ["since", "changes"], "properties": {
        "since": {"type": ["string", "null"]}, "changes": {"type": "array", "items": change},
        "builds": {"type": "array", "items": {"type": "object", "required": ["index_id", "built_at"]}},
        "index_id": {"type": "string"}, "index_built_at": {"type": "string"}}}
    since = param("since", {"anyOf": [{"type": "string", "pattern": "^[0-9]{8}T[0-9]{6}-[0-9a-f]{6}$"},
                                       {"type": "string", "format": "date"},
                                       {"type": "string", "format": "date-time"}]},
                  "an index_id of the change history (as /healthz gives it) or an ISO date or date-time "
                  "(a date counts from its first instant, UTC); absent: every kept build. An index_id that the "
                  "history does not hold (any more) is a 404")
    atom = {"description": "Atom 1.0: the search's measures added or changed in the kept builds, newest first "
                           "(at most 50), each with its absolute permalink; feed updated = the live build's time",
            "content": {"application/atom+xml": {"schema": {"type": "string"}}}}
    cite = {"description": "the citation: BibTeX, RIS, CSL-JSON or plain text, with the measure's absolute "
                           "permalink, the DTI as source and today's date (UTC) as access date",
            "content": {**{kind: {"schema": {"type": "string"}} for kind in (
                "application/x-bibtex", "application/x-research-info-systems", "text/plain")},
                # CSL-JSON is JSON: a list of one item
                "application/vnd.citationstyles.csl+json": {"schema": {
                    "type": "array", "minItems": 1, "maxItems": 1, "items": {"type": "object"}}}}}
    fmt = param("format", {"type": "string", "enum": ["bibtex", "ris", "csl-json", "text"]},
                "citation format (default text)")
    with_404 = {**responses(json_ok(answer)), "404": error("since names a build the history does not hold")}
    return {
        "/api/changes": {"get": {"operationId": "changes", "parameters": [since, *search_params(export=True)],
                                 "description": "measures added, changed or removed by the builds after `since`; "
                                                "q and the date parameters do not apply to removed measures",
                                 "responses": with_404}},
        "/api/search.atom": {"get": {"operationId": "searchAtom", "parameters": search_params(export=True),
                                     "responses": responses(atom)}},
        "/api/measures/{measure_id}/cite": {"get": {
            "operationId": "cite", "parameters": [MEASURE_ID, fmt],
            "responses": {**responses(cite), "404": error("unknown id"),
                          "410": error("removed by a re-import with --prune")}}},
    }


def paths():
    """Return the OpenAPI paths of the matrix and of following changes."""
    axis = {"type": "array", "items": {"type": "object", "required": ["value", "count"], "properties": {
        "value": {"type": ["string", "integer"]}, "count": {"type": "integer", "minimum": 0}}}}
    matrix = {"type": "object", "required": ["query", "total", "rows", "cols", "cells"], "properties": {
        "query": {"type": "object"}, "total": {"type": "integer"}, "rows": axis, "cols": axis,
        "cells": {"type": "array", "description": "cells with count 0 are left out", "items": {
            "type": "object", "required": ["row", "col", "count"], "properties": {
                "row": {"type": ["string", "integer"]}, "col": {"type": ["string", "integer"]},
                "count": {"type": "integer", "minimum": 1}}}},
        "build": {"type": "object", "required": ["index_id", "index_built_at"]}}}
    csv = {"description": "CSV: a row per row value, a column per column value, then total, index_id and "
                          "index_built_at; a last row of column totals",
           "content": {"text/csv": {"schema": {"type": "string"}}}}
    return {
        "/api/matrix": {"get": {"operationId": "matrix", "parameters": _matrix_params(),
                                "description": "the measures of a search cross-tabulated: rows[].count and "
                                               "cols[].count are measures with that value, cells[].count "
                                               "measures with both",
                                "responses": responses(json_ok(matrix))}},
        "/api/matrix.csv": {"get": {"operationId": "matrixCsv", "parameters": _matrix_params(),
                                    "responses": responses(csv)}},
        **_follow_paths(),
    }
