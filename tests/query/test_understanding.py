"""End to end on the real corpus: what people mean is found, and explained."""

import html
import re

import pytest

from measuresearch.search.evaluate import judge, load_queries, metrics, report
from measuresearch.search.service import SearchRequest, search

from conftest import ROOT, make_measure

ONLINE_PAYMENTS = "kazakhstan-restrictions-on-online-payments-f5dad5dc"
LCR = "kazakhstan-local-content-requirements-lcrs-on-ce7714ab"


def kinds(hit):
    return {(m["word"], m["field"], m["kind"]) for m in hit["matched"]}


@pytest.mark.parametrize("q, expected_id, matched", [
    ("currency", ONLINE_PAYMENTS, ("currency", "titles", "exact")),
    ("валютный", ONLINE_PAYMENTS, ("валютный", "titles", "stem")),
    ('"Закон о валютном"', ONLINE_PAYMENTS, ("о", "titles", "lookalike")),
    ("zakon o valyutnom", ONLINE_PAYMENTS, ("valyutnom", "titles", "romanized")),
    # the soft sign written as an apostrophe, as BGN/PCGN romanizes it: its halves alone matched nothing
    ("zakon o val'yutnom", ONLINE_PAYMENTS, ("valyutnom", "titles", "romanized")),
    ("53/HK", LCR, ("53/HK", "titles", "law_number")),
    ("418-V", LCR, ("418-V", "titles", "law_number")),
])
def test_first_hit_and_why(holder, q, expected_id, matched):
    hit = search(holder, SearchRequest(q=q))["hits"][0]
    assert hit["id"] == expected_id
    assert matched in kinds(hit)


def test_a_word_romanized_with_an_apostrophe_is_excluded_as_it_is_found(holder):
    """`-val'yutnom` excluded the phrase "val yutnom", which no measure holds: nothing was left out."""
    assert [h["id"] for h in search(holder, SearchRequest(q="payments"))["hits"]] == [ONLINE_PAYMENTS]
    assert search(holder, SearchRequest(q="payments -val'yutnom"))["total"] == 0
    assert search(holder, SearchRequest(q="payments -valyutnom"))["total"] == 0


def test_stop_word_o_is_matched_inside_a_phrase(holder):
    result = search(holder, SearchRequest(q='"Закон о валютном регулировании"'))
    assert [h["id"] for h in result["hits"]] == [ONLINE_PAYMENTS]


def test_highlight_marks_source_characters_at_their_offsets(holder):
    hit = search(holder, SearchRequest(q='"закон о валютном"'))["hits"][0]
    title = hit["highlights"]["titles"][0]
    # the Latin "o" of the source is marked as it is, not replaced by the Cyrillic о typed
    assert "<mark>Закон</mark> <mark>o</mark> <mark>валютном</mark>" in title
    assert html.unescape(re.sub(r"</?mark>", "", title)) == hit["titles"][0]


@pytest.mark.parametrize("typed", ["elektronnoy", "elektronnaya", "elektronnom", "valyutnoy", "valyutnaya"])
def test_a_romanized_word_finds_the_forms_its_cyrillic_spelling_finds(make_index, typed):
    """The romanization key read "й" as "и" before stemming, and the stemmer kept the "-ои" it strips from
    "-ая": "elektronnoy" found "электронной" but not "Электронная", which "электронной" finds by its stem.
    (Synthetic titles.)"""
    titles = ["Закон об электронной торговле", "Электронная коммерция", "Об электронном документе",
              "О валютной политике", "Валютная биржа", "Other law"]
    holder = make_index([make_measure(title, "Test-only text.") for title in titles])

    def found(q):
        hits = search(holder, SearchRequest(q=q, per_page=20))["hits"]
        assert all(hit["matched"] and any("<mark>" in t for t in hit["highlights"]["titles"]) for hit in hits), q
        return {hit["titles"][0] for hit in hits}
    cyrillic = "электронной" if typed.startswith("e") else "валютной"
    assert found(typed) == found(cyrillic) and len(found(cyrillic)) >= 2


def test_cyrillic_query_finds_a_romanized_title(make_index):
    holder = make_index([make_measure("Zakon o valyutnom regulirovanii", "Text."),
                         make_measure("Other law", "Other text.")])
    hit = search(holder, SearchRequest(q="закон о валютном регулировании"))["hits"][0]
    assert hit["titles"] == ["Zakon o valyutnom regulirovanii"]
    assert ("регулировании", "titles", "romanized") in kinds(hit)
    assert "<mark>regulirovanii</mark>" in hit["highlights"]["titles"][0]


def test_kazakh_letters_are_searchable(make_index):
    holder = make_index([make_measure("Ақпараттандыру туралы заң", "Мәтін."), make_measure("Other", "Text.")])
    assert search(holder, SearchRequest(q="ақпараттандыру"))["hits"][0]["titles"] == ["Ақпараттандыру туралы заң"]
    assert search(holder, SearchRequest(q="aqparattandyru"))["total"] == 1


def test_law_number_ranks_the_instrument_first_over_mentions(make_index):
    holder = make_index([make_measure("General rules", "This repeals Law No. 57, Law No. 57 and Law No. 57."),
                         make_measure("Law No. 57 on Monetary Regulation", "Text.")])
    assert search(holder, SearchRequest(q="No. 57"))["hits"][0]["titles"] == ["Law No. 57 on Monetary Regulation"]


def test_suggestion_in_either_script(holder):
    assert search(holder, SearchRequest(q="shutdwons"))["suggestion"] == {"q": "shutdowns"}
    # "валютнам" needs no fix: it shares the stem of "валютном"
    assert search(holder, SearchRequest(q="валютнам"))["suggestion"] is None
    assert search(holder, SearchRequest(q="рагулировании"))["suggestion"] == {"q": "регулировании"}


# Judged queries not at rank 1 today, each for a reason stated: the floor lets none of the others fall.
# ("информатизации закон" was one: in a partial answer the rare word now outweighs "закон".)
KNOWN_MISSES: set = set()


def test_judged_queries_keep_their_level(real_index):
    from measuresearch.index.engine import IndexHolder
    queries = load_queries(ROOT / "src" / "measuresearch" / "search" / "judged_queries.yaml")
    assert len(queries) >= 70
    holder = IndexHolder(real_index)
    try:
        judgements = judge(holder, queries)
    finally:
        holder.close()
    # a floor, not an exact score: every query whose expected measure is not first is printed
    # (pytest shows it when the test fails, `pytest -s` always), so a change says which queries moved
    print("\n".join(report(judgements)))
    missed = {j.q: j for j in judgements if j.rank != 1}
    for q in sorted(set(missed) ^ KNOWN_MISSES):  # what moved against the known misses, either way
        print(f"moved: {q!r} now at rank {missed[q].rank if q in missed else 1}")
    fallen = sorted(set(missed) - KNOWN_MISSES)
    assert not fallen, [(q, missed[q].rank, missed[q].top) for q in fallen]
    result = metrics(judgements)
    assert result["success@1"] >= 1 - len(KNOWN_MISSES) / len(queries), result
