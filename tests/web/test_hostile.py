"""Hostile and malformed input: only documented 4xx, never a 5xx, always the error shape."""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hostile_inputs import requests
from invariants import assert_consistent
from measuresearch.errors import InvalidParameter
from measuresearch.search.highlight import highlight, snippet
from measuresearch.search.query_words import QueryWords
from measuresearch.query.parser import parse
from measuresearch.search.service import SearchRequest, search

SUITE = list(requests())


def test_every_hostile_request_is_200_or_a_documented_4xx(client, real_measures):
    failures, by_id = [], {m.id: m for m in real_measures}
    for path, query in SUITE:
        response = client.simulate_get(path, query_string=query)
        status = response.status_code
        # 303: the page sends a query with blank parameters to its clean URL
        if status not in (200, 400, 404) and not (status == 303 and path == "/"):
            failures.append((path, query[:80], status))
            continue
        if status == 200 and path == "/api/search":
            body = response.json
            assert_consistent(body, by_id, body["page"], body["per_page"])
        if status != 200 and path.startswith("/api/"):
            error = json.loads(response.text)["error"]
            assert error["status"] == status and error["message"], (path, query[:80])
    assert failures == []


@pytest.mark.parametrize("q, parameter_message", [
    ("a" * 501, "the query is 501 characters long; the limit is 500"),
    (" ".join(f"w{i}" for i in range(40)), "the query has 40 terms; the limit is 32"),
    ("a*", "a wildcard needs at least 2 letters before the *"),
    ("*a*", "a wildcard may only end a word"),
    ('"' + " ".join("w" * 20) + '"', "a phrase (in quotes, or words joined by hyphens) may have at most 16 words"),
])
def test_limits_are_400s_that_name_the_limit(client, q, parameter_message):
    response = client.simulate_get("/api/search", params={"q": q})
    assert response.status_code == 400
    assert parameter_message in response.json["error"]["message"]
    assert response.json["error"]["code"] == "query_too_complex"


def test_expansion_limit(make_index):
    from conftest import make_measure
    words = " ".join(f"zeta{i:03d}" for i in range(250))
    holder = make_index([make_measure("Title", words)])
    with pytest.raises(InvalidParameter, match="matches more than 200 words"):
        search(holder, SearchRequest(q="zeta*"))
    assert search(holder, SearchRequest(q="zeta00*"))["total"] == 1


def test_depth_limit(client):
    response = client.simulate_get("/api/search", params={"page": "101", "per_page": "100"})
    assert response.status_code == 400 and "page must be between 1 and 100" in response.json["error"]["message"]
    deepest = client.simulate_get("/api/search", params={"page": "100", "per_page": "100"}).json
    assert deepest["total"] == 15 and deepest["hits"] == [] and deepest["page"] == 100


def test_facet_value_count_limit(client):
    response = client.simulate_get("/api/search?" + "&".join(f"country=c{i}" for i in range(21)))
    assert response.status_code == 400 and response.json["error"]["parameter"] == "country"


text_strategy = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=120))
def test_any_query_text_is_a_200_or_a_documented_400(holder, real_measures, q):
    answered_or_refused(holder, real_measures, q)


def answered_or_refused(holder, real_measures, q):
    """Assert that a search for q is a consistent answer or a 400 about q."""
    try:
        result = search(holder, SearchRequest(q=q))
    except InvalidParameter as error:
        assert error.status == 400 and error.message and error.parameter == "q"
    else:
        assert_consistent(result, {m.id: m for m in real_measures})


# queries assembled from what the parser tells apart (words in both scripts, law numbers, operators, quotes,
# wildcards, fuzzy marks) glued by what joins or splits them: random text rarely meets two of them at once
PARTS = ["law", "data", "e", "commerce", "закон", "о", "the", "of", "No", "№", "418-V", "418V", "53/НК", "167-VІ",
         "1-I", "2019", "OR", "NOT", "AND", "inform*", "goverment~", "*", "-", '"', ".", "(", "қaz",
         "e\u0301"]
GLUES = ["", " ", "-", "/", ".", '"', "'", "’", " -", ". "]
structured_query = st.lists(st.tuples(st.sampled_from(PARTS), st.sampled_from(GLUES)), max_size=8).map(
    lambda pairs: "".join(part + glue for part, glue in pairs))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=structured_query)
@example(q="law-418-V")  # a law number joined to a word by a hyphen was a phrase holding a law number: a 500
@example(q='-"закон-167-VІ" OR No-53/НК')
def test_any_query_built_from_the_parsers_pieces_is_a_200_or_a_documented_400(holder, real_measures, q):
    answered_or_refused(holder, real_measures, q)


@settings(max_examples=300, deadline=None)
@given(text=text_strategy, q=text_strategy)
def test_highlight_without_marks_is_the_escaped_source(text, q):
    import html
    try:
        words = QueryWords(parse(q).words())
    except InvalidParameter:
        return
    for marked in (highlight(text, words), snippet(text, words, size=60)):
        plain = marked.replace("<mark>", "").replace("</mark>", "")
        if marked is not None and plain.startswith("… "):
            plain = plain[2:]
        if plain.endswith(" …"):
            plain = plain[:-2]
        assert plain in html.escape(text)
    assert highlight(text, words).replace("<mark>", "").replace("</mark>", "") == html.escape(text)
