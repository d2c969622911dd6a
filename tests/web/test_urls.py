"""The URL helpers of the search page: every state a plain query string."""

import pytest

from measuresearch.search.service import SearchRequest
from measuresearch.web.http import urls


@pytest.mark.parametrize("request_, expected", [
    (SearchRequest(), []),
    (SearchRequest(q="law", page=2), [("q", "law"), ("page", "2")]),
    (SearchRequest(filters={"pillar": ("A", "B")}, year_from=2010, sort="oldest", per_page=50),
     [("pillar", "A"), ("pillar", "B"), ("year_from", "2010"), ("sort", "oldest"), ("per_page", "50")]),
])
def test_state_of(request_, expected):
    assert urls.state_of(request_) == expected


@pytest.mark.parametrize("pairs, name, value, expected", [
    ([("q", "x")], "pillar", "Content access", "/?q=x&pillar=Content+access"),
    ([("q", "x"), ("pillar", "Content access"), ("page", "3")], "pillar", "Content access", "/?q=x"),
    ([("pillar", "A"), ("page", "2")], "country", "Kazakhstan", "/?country=Kazakhstan&pillar=A"),
    ([], "year_from", 2019, "/?year_from=2019"),
])
def test_toggle(pairs, name, value, expected):
    assert urls.toggle(pairs, name, value) == expected


def test_replace_and_year_only():
    pairs = [("q", "a b"), ("page", "2"), ("sort", "newest")]
    assert urls.replace(pairs, page=3) == "/?q=a+b&sort=newest&page=3"
    assert urls.replace(pairs, page=1) == "/?q=a+b&sort=newest"
    assert urls.replace(pairs, sort=None) == "/?q=a+b&page=2"
    assert urls.year_only(pairs, 2019) == "/?q=a+b&year_from=2019&year_to=2019&sort=newest"


def test_without_filters_keeps_the_query():
    pairs = [("q", "x"), ("country", "K"), ("year_to", "2020"), ("sort", "oldest")]
    assert urls.without_filters(pairs) == "/?q=x&sort=oldest"
