"""The URL helpers of the search page: every state a plain query string."""

import pytest

from measuresearch.search import service as search
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


@pytest.mark.parametrize("measure_id, below, expected", [
    ("kz-licensing-1a2b", (), "/measures/kz-licensing-1a2b"),
    ("kz-licensing-1a2b", ("report", "thanks"), "/measures/kz-licensing-1a2b/report/thanks"),
    ("a/b?c#d", (), "/measures/a%2Fb%3Fc%23d"),
])
def test_a_measure_path_quotes_the_id_as_one_segment(measure_id, below, expected):
    assert urls.measure_path(measure_id, *below) == expected


def test_hits_are_linked_by_the_web_layer_with_the_one_measure_path(client, holder):
    bare = search.search(holder, search.SearchRequest(q="licensing"))
    served = client.simulate_get("/api/search", params={"q": "licensing"}).json
    assert bare["hits"] and all("url" not in hit for hit in bare["hits"])
    assert [hit["url"] for hit in served["hits"]] == [urls.measure_path(hit["id"]) for hit in bare["hits"]]
    assert list(served["hits"][0])[:2] == ["id", "url"]
