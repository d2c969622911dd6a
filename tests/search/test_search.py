"""Search behaviour on the real corpus and on small made-up indexes."""

import re

import pytest

from measuresearch.search.service import SearchRequest, search

from conftest import make_measure
from invariants import assert_consistent


def ids(result):
    return [h["id"] for h in result["hits"]]


def first_title(result):
    return result["hits"][0]["titles"][0]


def test_a_title_match_outranks_a_passing_mention(make_index):
    holder = make_index([
        make_measure("General rules on trade", "Among many other things this also concerns encryption once."),
        make_measure("Encryption rules", "Rules for devices."),
    ])
    assert first_title(search(holder, SearchRequest(q="encryption"))) == "Encryption rules"


def test_sub_pillar_match_outranks_description_mention(make_index):
    holder = make_index([
        make_measure("Law A", "It mentions advertising in passing.", sub_pillar="Monitoring requirement"),
        make_measure("Law B", "Nothing relevant here.", sub_pillar="Restrictions on online advertising"),
    ])
    assert first_title(search(holder, SearchRequest(q="advertising"))) == "Law B"


def test_all_words_must_match_by_default(holder):
    result = search(holder, SearchRequest(q="internet shutdowns"))
    assert result["total"] == 2 and not result["relaxed"]
    assert all("Presence of Internet shutdowns" in h["titles"] for h in result["hits"])


def test_relaxed_when_all_words_together_match_nothing(holder):
    result = search(holder, SearchRequest(q="whatsapp encryption"))
    assert result["relaxed"] is True
    assert result["total"] == 3  # one measure mentions WhatsApp, two mention encryption


def test_phrase_and_exclusion(holder):
    assert search(holder, SearchRequest(q='"internet shutdown"'))["total"] == 2
    assert search(holder, SearchRequest(q='"shutdown internet"'))["total"] == 0
    blocking = search(holder, SearchRequest(q="blocking"))["total"]
    assert search(holder, SearchRequest(q="blocking -whatsapp"))["total"] == blocking - 1


@pytest.mark.parametrize("q, excluded", [("informatization -об", "об"), ("informatization NOT об", "об"),
                                         ("law -on", "on")])
def test_an_excluded_stop_word_leaves_out_its_measures_beside_other_words(holder, q, excluded):
    """A stop word alone in the query is dropped when other words are left, but not an excluded one: `law -on`
    had listed all 9 "law" measures, every one of them holding "on", and `informatization -об` the title
    "Об информатизации"."""
    word = q.split()[0]
    every = {h["id"] for h in search(holder, SearchRequest(q=word, per_page=100))["hits"]}
    holding = {h["id"] for h in search(holder, SearchRequest(q=excluded, per_page=100))["hits"]}
    assert every & holding  # the exclusion has measures to leave out
    got = search(holder, SearchRequest(q=q, per_page=100))
    assert {h["id"] for h in got["hits"]} == every - holding and got["total"] == len(every - holding)


def test_or(holder):
    a = search(holder, SearchRequest(q="whatsapp"))["total"]
    b = search(holder, SearchRequest(q="advertisement"))["total"]
    assert search(holder, SearchRequest(q="whatsapp OR advertisement"))["total"] == a + b


@pytest.mark.parametrize("q", ['stray " quote', "a(b [c", "((((", "]]", "title:foo", "NOT OR x", "-", '"', "*",
                               "AND", "OR OR", "\x00\x01", "-\"\"", "№", "No."])
def test_odd_input_is_text_never_an_error(holder, real_measures, q):
    assert_consistent(search(holder, SearchRequest(q=q)), {m.id: m for m in real_measures})


def test_empty_query_browses_everything_newest_first(holder):
    result = search(holder, SearchRequest(per_page=100))
    assert result["total"] == 15
    # newest: by each measure's latest event, a month or a year counting from its first day
    latest = [max((e["year"], e["month"] or 1) for e in h["events"]) if h["events"] else None
              for h in result["hits"]]
    assert latest[:-1] == sorted(latest[:-1], reverse=True) and latest[-1] is None
    assert result["hits"][0]["dates"][0] == "Since April 2004, last amended in December 2022"


def test_sort_oldest_and_pagination_cover_everything_once(holder):
    pages = [search(holder, SearchRequest(sort="oldest", page=p, per_page=4)) for p in (1, 2, 3, 4)]
    seen = [i for page in pages for i in ids(page)]
    assert len(seen) == 15 and len(set(seen)) == 15
    assert pages[0]["pages"] == 4
    assert pages[0]["hits"][0]["year"] == 2003


def test_facets_are_disjunctive(holder):
    request = SearchRequest(filters={"pillar": ("Content access",)})
    result = search(holder, request)
    assert result["total"] == 4
    pillars = {f["value"]: f for f in result["facets"]["pillar"]}
    # the pillar facet ignores its own filter, so the other pillars still show their counts
    assert pillars["Content access"] == {"value": "Content access", "count": 4, "selected": True}
    assert pillars["Online sales and transactions"]["count"] == 4
    assert sum(f["count"] for f in result["facets"]["pillar"]) == 15
    # other facets are narrowed by the pillar filter
    assert sum(f["count"] for f in result["facets"]["sub_pillar"]) == 4


def test_selected_values_are_listed_even_at_zero(holder):
    result = search(holder, SearchRequest(q="whatsapp", filters={"coverage": ("Telecom equipment",)}))
    assert result["total"] == 0
    coverage = {f["value"]: f for f in result["facets"]["coverage"]}
    assert coverage["Telecom equipment"] == {"value": "Telecom equipment", "count": 0, "selected": True}


def test_filters_or_within_and_across(holder):
    two = search(holder, SearchRequest(filters={"pillar": ("Content access", "Intermediary liability")}))
    assert two["total"] == 7
    narrowed = search(holder, SearchRequest(filters={"pillar": ("Content access", "Intermediary liability"),
                                                     "coverage": ("Horizontal",)}))
    assert narrowed["total"] == 4


@pytest.fixture(scope="module")
def two_cases(make_module_index):
    """Measures whose coverage and country the data writes in two cases ("Horizontal", "horizontal")."""
    measures = [make_measure("Law one", "Text one.", coverage="Horizontal", country="Testland"),
                make_measure("Law two", "Text two.", coverage="Horizontal", country="Testland"),
                make_measure("Law three", "Text three.", coverage="horizontal", country="TESTLAND"),
                make_measure("Law four", "Text four.", coverage="Telecom equipment", country="Otherland")]
    return make_module_index(measures), measures


@pytest.mark.parametrize("facet, typed", [("coverage", "HORIZONTAL"), ("coverage", "horizontal"),
                                          ("coverage", "Horizontal"), ("country", "testland"),
                                          ("country", "TESTLAND"), ("country", "Testland")])
def test_a_value_the_data_writes_in_two_cases_is_one_value(two_cases, facet, typed):
    # coverage=HORIZONTAL had found only the "Horizontal" measures, coverage=horizontal only the other one
    holder, measures = two_cases
    spelled = {m.id for m in measures if getattr(m, facet).casefold() == typed.casefold()}
    assert len(spelled) == 3
    chosen = search(holder, SearchRequest(filters={facet: [typed]}))
    assert set(ids(chosen)) == spelled and chosen["total"] == 3
    commonest = getattr(measures[0], facet)  # two of the three are written so: the echo and the facet say it
    assert chosen["query"]["filters"] == {facet: [commonest]} and chosen["notices"] == []
    assert [(f["value"], f["count"], f["selected"]) for f in chosen["facets"][facet]] == [
        (commonest, 3, True), (getattr(measures[3], facet), 1, False)]
    left = search(holder, SearchRequest(exclusions={facet: [typed]}))
    assert ids(left) == [measures[3].id] and left["query"]["filters"] == {f"not_{facet}": [commonest]}


def test_the_matrix_counts_the_two_cases_as_one_value(two_cases):
    import falcon.testing
    from measuresearch.web.app import create_app
    client = falcon.testing.TestClient(create_app(two_cases[0]))
    body = client.simulate_get("/api/matrix", params={"rows": "coverage", "cols": "country"}).json
    assert body["rows"] == [{"value": "Horizontal", "count": 3}, {"value": "Telecom equipment", "count": 1}]
    assert body["cols"] == [{"value": "Otherland", "count": 1}, {"value": "Testland", "count": 3}]
    assert {(c["row"], c["col"]): c["count"] for c in body["cells"]} == {("Horizontal", "Testland"): 3,
                                                                          ("Telecom equipment", "Otherland"): 1}


def test_year_range_matches_any_event_in_it(holder, real_measures):
    result = search(holder, SearchRequest(year_from=2015, year_to=2018, per_page=50))
    expected = {m.id for m in real_measures if any(2015 <= e["year"] <= 2018 for e in m.events)}
    assert {h["id"] for h in result["hits"]} == expected and result["total"] == len(expected)
    # "Since July 2004, as amended in 2016, ..." is in, though its first year is 2004
    assert any(h["year"] == 2004 for h in result["hits"])
    selected = [f["value"] for f in result["facets"]["year"] if f["selected"]]
    assert selected == [2015, 2016, 2017, 2018]


def test_highlights_mark_the_original_words_and_escape_the_rest(make_index):
    holder = make_index([make_measure('Rules on <script> & "shutdowns"', "The SHUTDOWN of <b>networks</b>.")])
    hit = search(holder, SearchRequest(q="shutdown"))["hits"][0]
    assert hit["highlights"]["titles"] == ["Rules on &lt;script&gt; &amp; &quot;<mark>shutdowns</mark>&quot;"]
    assert hit["highlights"]["description"] == "The <mark>SHUTDOWN</mark> of &lt;b&gt;networks&lt;/b&gt;."


def test_long_description_snippet_shows_the_match(holder):
    hit = search(holder, SearchRequest(q="WhatsApp"))["hits"][0]
    snippet = hit["highlights"]["description"]
    assert "<mark>WhatsApp</mark>" in snippet
    assert 150 <= len(re.sub(r"</?mark>", "", snippet)) <= 320
    assert snippet.startswith("… ")


def test_suggestion_for_a_misspelt_word(holder):
    result = search(holder, SearchRequest(q="shutdwons"))
    assert result["suggestion"] == {"q": "shutdowns"}
    assert search(holder, SearchRequest(q="shutdowns"))["suggestion"] is None


def test_unknown_words_do_not_crash_and_total_is_exact(holder):
    result = search(holder, SearchRequest(q="zzzzqqq"))
    assert result["total"] == 0 and result["hits"] == [] and result["pages"] == 0


def test_a_stop_word_in_a_phrase_holds_its_place(make_index):
    holder = make_index([make_measure("Law on Informatization", "a"), make_measure("Law of Informatization", "b"),
                         make_measure("Informatization on law", "c"), make_measure("Law informatization", "d")])
    titles = sorted(h["titles"][0] for h in search(holder, SearchRequest(q='"law on informatization"'))["hits"])
    assert titles == ["Law of Informatization", "Law on Informatization"]
    assert [h["titles"][0] for h in search(holder, SearchRequest(q='"of on"'))["hits"]] == []


@pytest.mark.parametrize("q", ["data localization", "-data", "\"personal data\" OR licens*", "!!!", ""])
def test_a_search_parses_its_query_once(holder, monkeypatch, q):
    import sys
    from measuresearch.query import parser
    calls = []
    real = parser.parse

    def counted(text):
        calls.append(text)
        return real(text)

    # the parser's own name and every loaded module that imported it
    for module in [parser, *(m for m in list(sys.modules.values()) if vars(m).get("parse") is real)]:
        monkeypatch.setattr(module, "parse", counted)
    result = search(holder, SearchRequest(q=q, sort="relevance", page=1))
    assert calls == [q] and result["query"]["sort"] in ("relevance", "newest")
