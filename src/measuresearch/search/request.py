"""What a search may ask for: the request, its checks, and the filters as answers echo them."""

import dataclasses

from measuresearch.domain import dates as date_events
from measuresearch.domain import fields
from measuresearch.errors import InvalidParameter
from measuresearch.index.format.date_columns import DateFilter
from measuresearch.query.parser import parse

SORTS = ("relevance", "newest", "oldest")
FILTER_NAMES = (*fields.STRING_FACETS, "group")  # group: the groups of economies (groups.yaml)
EXCLUDE_PREFIX = "not_"  # not_country=X leaves out the measures of X
MAX_PER_PAGE = 100
MAX_DEPTH = 10_000  # page * per_page


@dataclasses.dataclass
class SearchRequest:
    """Everything a search can be asked for; validated by the caller's parser."""

    q: str = ""
    filters: dict = dataclasses.field(default_factory=dict)
    exclusions: dict = dataclasses.field(default_factory=dict)  # facet -> values to leave out
    year_from: int | None = None
    year_to: int | None = None
    event: tuple = ()  # event groups of the year range and year facet; empty: every group
    in_force_on: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    # the query as parsed, once per request (matching, scoring, highlighting, notices and the sort share it)
    _parsed: tuple = dataclasses.field(default=(None, None), init=False, repr=False, compare=False)

    def parsed(self):
        """Return the query text parsed (query/parser.parse), parsing it only the first time; InvalidParameter
        for a query that cannot be used."""
        q, parsed = self._parsed
        if parsed is None or q != self.q:
            parsed = parse(self.q)
            self._parsed = (self.q, parsed)
        return parsed

    def effective_sort(self):
        """Return the sort in force: relevance when the query has words to score, else newest.

        A query whose words are all excluded (`-data`) scores nothing: it is browsed newest first even
        when relevance was asked for, and the answer names the sort it used.
        """
        try:
            searched = bool(self.parsed().positive)  # not only punctuation, blanks or excluded words
        except InvalidParameter:
            searched = True  # too long or malformed, but typed: the request is refused later anyway
        if self.sort == "relevance" and not searched:
            return "newest"
        return self.sort or ("relevance" if searched else "newest")

    def date_filter(self):
        """Return the request's date parameters as a DateFilter (call validate() first)."""
        return DateFilter(
            self.year_from, self.year_to,
            tuple(g for g in date_events.GROUPS if g in self.event) or date_events.GROUPS,
            None if self.in_force_on is None else date_events.parse_day(self.in_force_on))

    def validate(self):
        """Raise InvalidParameter for values outside the documented ranges."""
        unknown = [e for e in self.event if e not in date_events.GROUPS]
        if unknown:
            raise InvalidParameter(f"event {unknown[0]!r} is not one of {', '.join(date_events.GROUPS)}", "event")
        if self.in_force_on is not None:
            try:
                date_events.parse_day(self.in_force_on)
            except ValueError as exc:
                raise InvalidParameter(f"in_force_on {self.in_force_on!r} {exc}", "in_force_on") from None
        if self.sort is not None and self.sort not in SORTS:
            raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}", "sort")
        if self.page < 1:
            raise InvalidParameter("page must be 1 or more", "page")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidParameter(f"per_page must be between 1 and {MAX_PER_PAGE}", "per_page")
        if self.page * self.per_page > MAX_DEPTH:
            raise InvalidParameter(f"page x per_page may be at most {MAX_DEPTH}; narrow the search instead", "page")


def filters_echo(request):
    """Return the request's filters as the answers echo them: {"country": [...], "not_country": [...]}."""
    echo = {name: list(values) for name, values in request.filters.items() if values}
    echo.update({EXCLUDE_PREFIX + name: list(values) for name, values in request.exclusions.items() if values})
    return echo

