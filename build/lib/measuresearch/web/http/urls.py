"""Build the URLs of the search page: every state is a plain query string (pure)."""

import urllib.parse

from measuresearch.search.service import EXCLUDE_PREFIX, FILTER_NAMES

EXCLUSIONS = tuple(EXCLUDE_PREFIX + name for name in FILTER_NAMES)
FILTER_PARAMS = (*FILTER_NAMES, *EXCLUSIONS)  # what the search form carries as hidden fields
ORDER = ("q", *FILTER_PARAMS, "year_from", "year_to", "event", "in_force_on", "sort", "page", "per_page")


def state_of(request):
    """Return the request as an ordered list of (name, value) pairs, defaults left out."""
    pairs = [("q", request.q)] if request.q else []
    for name in FILTER_NAMES:
        pairs.extend((name, value) for value in request.filters.get(name, ()))
    for name in FILTER_NAMES:
        pairs.extend((EXCLUDE_PREFIX + name, value) for value in request.exclusions.get(name, ()))
    pairs.extend(("event", value) for value in request.event)
    for name in ("year_from", "year_to", "in_force_on", "sort"):
        value = getattr(request, name)
        if value is not None:
            pairs.append((name, str(value)))
    if request.page != 1:
        pairs.append(("page", str(request.page)))
    if request.per_page != 20:
        pairs.append(("per_page", str(request.per_page)))
    return pairs


def href(pairs, path="/"):
    """Return path with the pairs as its query string."""
    query = urllib.parse.urlencode(sorted(pairs, key=lambda p: ORDER.index(p[0])))
    return f"{path}?{query}" if query else path


def _without_page(pairs):
    return [p for p in pairs if p[0] != "page"]


def toggle(pairs, name, value):
    """Return the URL that adds value to facet `name`, or removes it if present; back to page 1."""
    value = str(value)
    pairs = _without_page(pairs)
    if (name, value) in pairs:
        return href([p for p in pairs if p != (name, value)])
    return href(pairs + [(name, value)])


def replace(pairs, **changes):
    """Return the URL with some single-valued parameters replaced (None removes them)."""
    keep = [p for p in pairs if p[0] not in changes]
    # page 1 is the default: leaving it out keeps one URL per state
    keep += [(name, str(value)) for name, value in changes.items()
             if value is not None and not (name == "page" and value == 1)]
    return href(keep)


def year_only(pairs, year):
    """Return the URL that narrows the year range to one year."""
    return replace(_without_page(pairs), year_from=year, year_to=year)


def without_filters(pairs):
    """Return the URL with the query kept and every filter removed."""
    return href([p for p in pairs if p[0] in ("q", "sort", "per_page")])


def exclude(pairs, name, value):
    """Return the URL that turns the filter name=value into not_name=value; back to page 1."""
    value = str(value)
    pairs = [p for p in _without_page(pairs) if p != (name, value)]
    return href(pairs + [(EXCLUDE_PREFIX + name, value)])
