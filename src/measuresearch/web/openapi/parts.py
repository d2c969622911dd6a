"""The pieces every path of the OpenAPI document is made of: parameters, answers, errors.

document.py, compare.py and reports.py build their paths from these, so that a
parameter or an error answer is written once and reads the same in every path.
"""

from measuresearch.domain.dates import GROUPS
from measuresearch.search.request import EXCLUDE_PREFIX, FILTER_NAMES, MAX_PER_PAGE, SORTS
from measuresearch.web.http.params import MAX_FACET_VALUES, MAX_PAGE, MAX_VALUE_CHARS

ERROR = {"$ref": "#/components/schemas/Error"}
MEASURE_ID = {"name": "measure_id", "in": "path", "required": True, "schema": {"type": "string"}}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}
_YEAR = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
# YYYY, YYYY-MM or a calendar date: exactly what the search accepts (2021-02-30 is a 400)
_DAY = {"anyOf": [{"type": "string", "pattern": f"^{_YEAR}$"},
                  {"type": "string", "pattern": f"^{_YEAR}-(0[1-9]|1[0-2])$"},
                  {"type": "string", "format": "date"}]}


def param(name, schema, description, repeat=False, max_items=None):
    """Return a query parameter; repeat: an array sent as name=a&name=b."""
    parameter = {"name": name, "in": "query", "required": False, "description": description}
    parameter["schema"] = {"type": "array", "items": schema, "maxItems": max_items} if repeat else schema
    if repeat:
        parameter.update(style="form", explode=True)
    return parameter


def error(description, **more):
    """Return an error answer: the JSON error shape, with what it means."""
    return {"description": description, "content": {"application/json": {"schema": ERROR}}, **more}


def json_ok(schema):
    """Return a 200 answer of JSON with this schema."""
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def responses(ok):
    """Return the answers of a GET over the index: ok, and the errors every such path can give."""
    return {"200": ok, "400": error("bad parameter"), "414": error("request line over the server's limit"),
            "431": error("request headers over the server's limit"), "503": error("no index")}


def search_params(export=False):
    """Return the parameters of a search; export: paging is checked, then ignored."""
    params = [param("q", {"type": "string", "maxLength": 500},
                    "query text, any script. Refused (400, code query_too_complex, parameter q) although the "
                    "type allows it: a * or ? inside a word or a * after fewer than 2 letters (`*tion`, `a*b`), "
                    "more than 32 terms, more than 16 words in a phrase, a wildcard or fuzzy term standing for "
                    "more than 200 words")]
    value = {"type": "string", "maxLength": MAX_VALUE_CHARS}
    params += [param(n, value, f"{n} value, in any case or by alias; repeatable, OR-ed", True, MAX_FACET_VALUES)
               for n in FILTER_NAMES]
    params += [param(EXCLUDE_PREFIX + n, value, f"leave out measures with this {n} value (any case, alias); "
                     "repeatable", True, MAX_FACET_VALUES) for n in FILTER_NAMES]
    params += [param("year_from", {"type": "integer", "minimum": 0, "maximum": 9999}, "first year, inclusive"),
               param("year_to", {"type": "integer", "minimum": 0, "maximum": 9999}, "last year, inclusive"),
               param("event", {"type": "string", "enum": list(GROUPS)},
                     "kinds of date event the year range and the year facet look at; repeatable; default: every "
                     "kind (in_force: since, entry into force; amended: amended, last amended; reported: "
                     "reported, last reported)", True, MAX_FACET_VALUES),
               param("in_force_on", _DAY,
                     "YYYY, YYYY-MM or YYYY-MM-DD: measures in force on that day (a year or month counts "
                     "from its first day)"),
               param("sort", {"type": "string", "enum": list(SORTS)}, "order of the hits")]
    # the exports take the same parameters, checked by the same parser; they hold every match, not one page
    paging = " (checked, then ignored: an export holds every match)" if export else ""
    params += [param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "1-based page" + paging),
               param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                     "hits per page" + paging)]
    return params
