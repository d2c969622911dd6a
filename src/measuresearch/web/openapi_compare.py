"""The OpenAPI paths of the compare endpoints (matrix), merged into openapi.document()."""

from ..matrix import DIMENSIONS


def _axis(param, name, description):
    return param(name, {"type": "string", "enum": list(DIMENSIONS)}, description)


def _matrix_params(param, search_params):
    # the search parameters without the paging and the order, which a matrix does not have
    params = [p for p in search_params() if p["name"] not in ("page", "per_page", "sort")]
    return [_axis(param, "rows", "dimension of the rows (default country)"),
            _axis(param, "cols", "dimension of the columns (default pillar); the same as rows gives the diagonal"),
            *params]


def paths(param, search_params, responses, json_ok):
    """Return the OpenAPI paths of /api/matrix and /api/matrix.csv."""
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
        "/api/matrix": {"get": {"operationId": "matrix", "parameters": _matrix_params(param, search_params),
                                "description": "the measures of a search cross-tabulated: rows[].count and "
                                               "cols[].count are measures with that value, cells[].count "
                                               "measures with both",
                                "responses": responses(json_ok(matrix))}},
        "/api/matrix.csv": {"get": {"operationId": "matrixCsv", "parameters": _matrix_params(param, search_params),
                                    "responses": responses(csv)}},
    }
