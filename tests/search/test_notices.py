"""Notices: what a search did that its numbers alone would not say (API and page, one result)."""

import re

import pytest


def api(client, **params):
    response = client.simulate_get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json


def codes(body):
    return [n["code"] for n in body["notices"]]


def test_an_ordinary_search_has_no_notices(client):
    body = api(client, q="shutdowns", country="Kazakhstan", year_from="2010", year_to="2022")
    assert body["notices"] == [] and body["total"] == 2


@pytest.mark.parametrize("q", ["!!!", "...", "—", "№", "? ! ?"])
def test_a_query_without_words_says_it_was_ignored(client, q, real_measures):
    body = api(client, q=q)
    assert codes(body) == ["no_words"]
    assert q.strip() in body["notices"][0]["message"]
    # every measure is shown, newest first, as for an empty box: not as if each one matched
    assert body["total"] == len(real_measures) and body["query"]["sort"] == "newest"
    assert all(hit["score"] is None for hit in body["hits"])
    html = client.simulate_get("/", params={"q": q}).text
    assert 'data-code="no_words"' in html
    assert not re.search(r'id="results-heading">.*for “', html)


def test_an_inverted_year_range_is_named(client):
    body = api(client, year_from="2022", year_to="2010")
    assert codes(body) == ["empty_year_range"] and body["total"] == 0
    assert "2022–2010" in body["notices"][0]["message"]
    assert api(client, year_from="2010", year_to="2022")["notices"] == []
    html = client.simulate_get("/", params={"year_from": "2022", "year_to": "2010"}).text
    assert 'data-code="empty_year_range"' in html
    assert 'href="/?year_from=2010&amp;year_to=2022">Search 2010–2022 instead' in html


@pytest.mark.parametrize("name, value, close", [("country", "Kazakstan", "Kazakhstan"),
                                                ("pillar", "Content acess", "Content access"),
                                                ("coverage", "Nothing like it", None)])
def test_an_unknown_facet_value_is_named(client, name, value, close):
    body = api(client, **{name: value})
    assert codes(body) == ["unknown_value"] and body["total"] == 0
    message = body["notices"][0]["message"]
    assert f"“{value}”" in message
    assert (f"Did you mean “{close}”?" in message) if close else "Did you mean" not in message


def test_a_known_value_with_no_match_in_this_search_is_not_unknown(client):
    body = api(client, q="shutdowns", coverage="Telecom equipment")
    assert body["total"] == 0 and body["notices"] == []


def test_each_unknown_value_gets_its_own_notice(client):
    body = api(client, country=["Kazakhstan", "Atlantis", "Narnia"])
    assert codes(body) == ["unknown_value", "unknown_value"]
    assert body["total"] > 0  # the known value still counts


def test_notices_are_escaped_on_the_page(client):
    html = client.simulate_get("/", params={"country": "<b>x</b>"}).text
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
