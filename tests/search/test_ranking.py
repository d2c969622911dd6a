"""Ranking prefers what was typed: exact forms, words together, titles (small made-up indexes)."""

from measuresearch.search.service import SearchRequest, search

from conftest import make_measure


def first_title(holder, q):
    return search(holder, SearchRequest(q=q))["hits"][0]["titles"][0]


def test_the_form_typed_outranks_a_stem_only_match(make_index):
    # same length, same sections: only the word forms differ
    holder = make_index([make_measure("Rules one", "Servers are local here."),
                         make_measure("Rules two", "Servers localisation here."),
                         make_measure("Rules three", "Nothing to see.")])
    assert first_title(holder, "localisation") == "Rules two"
    assert first_title(holder, "localization") == "Rules two"  # spelling variants are one form
    assert first_title(holder, "local") == "Rules one"


def test_words_typed_together_outrank_the_same_words_apart(make_index):
    holder = make_index([make_measure("Rules one", "Data rules on storage of servers."),
                         make_measure("Rules two", "Rules on data storage of servers."),
                         make_measure("Rules three", "Nothing to see.")])
    assert first_title(holder, "data storage") == "Rules two"
    result = search(holder, SearchRequest(q="data storage"))
    assert result["hits"][0]["score"] > result["hits"][1]["score"]


def test_a_stop_word_typed_counts_for_proximity(make_index):
    holder = make_index([make_measure("Law on communication", "Text."),
                         make_measure("Communication law", "Text.")])
    assert first_title(holder, "law on communication") == "Law on communication"
    assert first_title(holder, "communication law") == "Communication law"
