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


@pytest.mark.parametrize("name, value, close", [("country", "Kazakhztan", "Kazakhstan"),
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


@pytest.mark.parametrize("name, value, close", [("country", "Nowhere", None), ("group", "NOPE", None),
                                                ("pillar", "Content acess", "Content access"),
                                                ("coverage", "Horizontl", "Horizontal")])
def test_an_unknown_excluded_value_is_named_too(client, real_measures, name, value, close):
    # a typo in an exclusion leaves every measure in: without a notice the answer looked like a normal one
    body = api(client, **{f"not_{name}": value})
    assert body["total"] == len(real_measures)
    [notice] = body["notices"]
    assert notice["code"] == "unknown_value" and notice["parameter"] == f"not_{name}"
    assert notice["value"] == value and notice["suggestion"] == close
    assert f"“{value}”" in notice["message"] and "this exclusion leaves out nothing" in notice["message"]
    html = client.simulate_get("/", params={f"not_{name}": value}).text
    assert 'data-code="unknown_value"' in html and "this exclusion leaves out nothing" in html
    assert api(client, not_country="Kazakhstan", not_group="EAEU")["notices"] == []  # values with measures


@pytest.mark.parametrize("params", [{"group": "eu"}, {"group": "ASEAN"}, {"not_group": "EU"}])
def test_a_group_none_of_whose_members_has_measures_is_named(client, real_measures, params):
    """groups.yaml knows the EU, but no measure of the corpus is of a member: the filter matches nothing (or the
    exclusion leaves out nothing), which had come without a word while an unknown country was named."""
    body = api(client, **params)
    [notice] = body["notices"]
    assert notice["code"] == "unknown_value" and notice["parameter"] == next(iter(params))
    assert body["total"] == (0 if "group" in params else len(real_measures))


def test_notices_are_escaped_on_the_page(client):
    html = client.simulate_get("/", params={"country": "<b>x</b>"}).text
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def _law_numbers(measure):
    """The law numbers a measure's titles and description write ("418-V", "53/НК"), as a reader finds them."""
    return set(re.findall(r"\b(\d+[-/][^\W\d_]+)", " ".join([*measure.titles, measure.description])))


@pytest.mark.parametrize("typed, number", [("418-VI", "418"), ("No. 167-V", "167"), ("53/AB", "53"),
                                           ("417-VI", "417")])
def test_a_law_number_no_measure_has_says_the_measures_shown_have_its_number_only(client, real_measures, typed,
                                                                                  number):
    # the real corpus: 418-V, 167-VІ, 53/НК, 417-V are there; what was typed is not
    exact = typed.split()[-1].casefold()
    assert not any(exact in {n.casefold() for n in _law_numbers(m)} for m in real_measures)
    body = api(client, q=typed)
    assert body["total"] >= 1 and codes(body) == ["law_number_by_number"], body["notices"]
    assert body["notices"][0]["typed"] == typed.split()[-1] and body["notices"][0]["number"] == number
    for hit in body["hits"]:  # each shown measure has the number with another suffix
        assert any(n.split("-")[0].split("/")[0] == number for n in _law_numbers(
            next(m for m in real_measures if m.id == hit["id"])))
    page = client.simulate_get("/", params={"q": typed, "lang": "ru"}).text
    assert f"Ни у одной из показанных мер нет закона с номером «{typed.split()[-1]}»" in page


def test_the_law_number_notice_is_told_by_the_hits_shown(client, real_measures):
    # "418-VI copyright" (relaxed): the copyright measure comes first, the 418-V one by its bare number: the notice
    # speaks of those that match 418-VI; with a filter that leaves only exact matches out of view, none shown
    body = api(client, q="418-VI copyright")
    assert codes(body) == ["law_number_by_number"] and "those that match it" in body["notices"][0]["message"]
    assert not [h for h in body["hits"] for m in h["matched"] if m["word"] == "418-VI" and m["kind"] != "number"]
    elsewhere = api(client, q="418-VI", sub_pillar="Presence of Internet shutdowns")
    assert elsewhere["total"] == 0 and codes(elsewhere) == []


@pytest.mark.parametrize("typed", ["418-V", "No. 418-V", "53/НК", "53/HK", "167-VI", "999-V"])
def test_a_law_number_a_measure_has_or_none_at_all_has_no_such_notice(client, typed):
    assert "law_number_by_number" not in codes(api(client, q=typed))
