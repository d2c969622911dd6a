"""Request parameters -> SearchRequest, with a 400 naming the bad parameter."""

from ..errors import InvalidParameter
from ..search import FILTER_NAMES, MAX_DEPTH, MAX_PER_PAGE, SearchRequest

SEARCH_PARAMS = frozenset(("q", "year_from", "year_to", "sort", "page", "per_page", *FILTER_NAMES))
MAX_FACET_VALUES = 20
MAX_VALUE_CHARS = 300
MAX_PAGE = MAX_DEPTH // MAX_PER_PAGE


def _single(params, name):
    value = params.get(name)
    if isinstance(value, list):
        raise InvalidParameter(f"{name} may be given only once", name)
    return value


def _int(params, name, default, low, high, strict=False):
    value = _single(params, name)
    if value is None or (value == "" and not strict):
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise InvalidParameter(f"{name} must be a whole number", name) from None
    if not low <= number <= high:
        raise InvalidParameter(f"{name} must be between {low} and {high}", name)
    return number


def _values(params, name):
    value = params.get(name)
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    if len(values) > MAX_FACET_VALUES:
        raise InvalidParameter(f"{name} may be given at most {MAX_FACET_VALUES} times", name)
    if any(len(v) > MAX_VALUE_CHARS for v in values):
        raise InvalidParameter(f"a {name} value may be at most {MAX_VALUE_CHARS} characters", name)
    return tuple(dict.fromkeys(v for v in values if v))


def search_request(params, allowed=SEARCH_PARAMS, strict=True):
    """Return the SearchRequest of a query-string dict; raise InvalidParameter.

    strict (the JSON API): a blank number is an error. The HTML form sends
    its empty year boxes as blanks, so the page reads a blank as "not given".
    """
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidParameter(f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(allowed))}",
                               unknown[0])
    request = SearchRequest(
        q=_single(params, "q") or "",
        filters={name: _values(params, name) for name in FILTER_NAMES if _values(params, name)},
        year_from=_int(params, "year_from", None, 0, 9999, strict),
        year_to=_int(params, "year_to", None, 0, 9999, strict),
        sort=_single(params, "sort") or None,
        # pages stop at MAX_PAGE: with per_page <= 100 no request reads past hit 10,000
        page=_int(params, "page", 1, 1, MAX_PAGE, strict),
        per_page=_int(params, "per_page", 20, 1, MAX_PER_PAGE, strict),
    )
    request.validate()
    return request
