"""A request's query string -> SearchRequest, with a 400 naming the bad parameter.

The one place that reads search parameters: the JSON API, its exports and the
HTML page all call search_request(), so they accept and refuse the same things.
"""

import re

import falcon

from measuresearch.errors import InvalidParameter
from measuresearch.search.request import EXCLUDE_PREFIX, FILTER_NAMES, MAX_DEPTH, MAX_PER_PAGE, SORTS, SearchRequest

EXCLUSION_NAMES = tuple(EXCLUDE_PREFIX + name for name in FILTER_NAMES)
SEARCH_PARAMS = frozenset(("q", "year_from", "year_to", "event", "in_force_on", "sort", "page", "per_page",
                           *FILTER_NAMES, *EXCLUSION_NAMES))
MAX_FACET_VALUES = 20
MAX_VALUE_CHARS = 300
MAX_PAGE = MAX_DEPTH // MAX_PER_PAGE
YEARS = (0, 9999)


def refuse_unknown(req, allowed):
    """Raise InvalidParameter for the first query parameter not in `allowed`."""
    unknown = sorted(set(req.params) - set(allowed))
    if unknown:
        known = f"known: {', '.join(sorted(allowed))}" if allowed else f"{req.path} takes no parameters"
        raise InvalidParameter(f"unknown parameter {unknown[0]!r}; {known}", unknown[0])


def single(req, name):
    """Return the one value of a parameter (None if absent); refuse it given twice."""
    value = req.params.get(name)
    if isinstance(value, list):
        raise InvalidParameter(f"{name} may be given only once", name)
    return value


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def whole_number(req, name, default, low, high, strict=True):
    """Return an integer parameter in [low, high], or default when absent.

    strict (the JSON API): a blank value is an error. The HTML form sends its
    empty boxes as blanks, so the page (strict=False) reads a blank as absent.
    """
    value = single(req, name)
    if value == "" and not strict:
        return default
    if value is not None and not _WHOLE_NUMBER.fullmatch(value):
        # int() and Falcon also take "+5", " 5" and other scripts' digits ("٥"): a number is written 0-9 here
        raise InvalidParameter(f"{name} must be a whole number", name)
    try:
        return req.get_param_as_int(name, min_value=low, max_value=high, default=default, allow_multiple=False)
    except falcon.HTTPInvalidParam:
        pass
    # Falcon said no; say why in the words of API.md
    if value.strip().lstrip("+-").isdecimal():
        raise InvalidParameter(f"{name} must be between {low} and {high}", name)
    raise InvalidParameter(f"{name} must be a whole number", name)


def choice(req, name, choices, strict=True):
    """Return one of `choices`, or None when absent (or blank on the page)."""
    value = single(req, name)
    if value is None or (value == "" and not strict):
        return None
    if value not in choices:
        raise InvalidParameter(f"{name} must be one of {', '.join(choices)}", name)
    return value


def text(req, name, strict=True):
    """Return the one value of a parameter, or None when absent (or blank on the page)."""
    value = single(req, name)
    return None if value is None or (value == "" and not strict) else value


def values(req, name, keep_blank=False):
    """Return the distinct non-blank values of a repeatable parameter, bounded in number and length."""
    found = req.get_param_as_list(name) or []
    if len(found) > MAX_FACET_VALUES:
        raise InvalidParameter(f"{name} may be given at most {MAX_FACET_VALUES} times", name)
    if any(len(v) > MAX_VALUE_CHARS for v in found):
        raise InvalidParameter(f"a {name} value may be at most {MAX_VALUE_CHARS} characters", name)
    return tuple(dict.fromkeys(v for v in found if v or keep_blank))


def search_request(req, allowed=SEARCH_PARAMS, strict=True):
    """Return the SearchRequest of a Falcon request; raise InvalidParameter naming the bad parameter."""
    refuse_unknown(req, allowed)
    filters = {name: values(req, name) for name in FILTER_NAMES}
    request = SearchRequest(
        q=single(req, "q") or "",
        filters={name: chosen for name, chosen in filters.items() if chosen},
        exclusions={name: chosen for name in FILTER_NAMES if (chosen := values(req, EXCLUDE_PREFIX + name))},
        year_from=whole_number(req, "year_from", None, *YEARS, strict=strict),
        year_to=whole_number(req, "year_to", None, *YEARS, strict=strict),
        # event kinds and the day are checked by SearchRequest.validate(), for every caller
        event=values(req, "event", keep_blank=strict),
        in_force_on=text(req, "in_force_on", strict),
        sort=choice(req, "sort", SORTS, strict),
        # pages stop at MAX_PAGE: with per_page <= 100 no request reads past hit 10,000
        page=whole_number(req, "page", 1, 1, MAX_PAGE, strict),
        per_page=whole_number(req, "per_page", 20, 1, MAX_PER_PAGE, strict),
    )
    request.validate()
    return request
