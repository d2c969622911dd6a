"""What every search answer must satisfy, whatever the query: checks that catch a wrong answer.

Used where no reference answer is known (hypothesis text, hostile input): the
numbers of one answer must agree with each other and with the records they show.
"""

import html

from measuresearch.query.parser import Fuzzy, LawNumber, Phrase, Prefix, parse
from measuresearch.search.highlight import typed
from measuresearch.text.analysis import forms

SINGLE_VALUED = ("country", "pillar", "sub_pillar")  # every measure has exactly one of each


def strip_marks(text):
    """Return highlighted HTML without its <mark> tags."""
    return text.replace("<mark>", "").replace("</mark>", "")


def typed_words(option):
    """The words hits[].matched may name for one query option: a phrase's words, or the option as typed."""
    return [typed(word) for word in option.words] if isinstance(option, Phrase) else [typed(option)]


def _keys(option):
    """Every form a query option's words match under (a text word matching several options is explained once)."""
    keys = set()
    for word in option.words if isinstance(option, Phrase) else [option]:
        found = forms(word.text, isinstance(word, LawNumber))
        keys.update((found.lower, *found.readings, *found.stems, *found.roman, *found.law))
        if found.law:  # a law number also matches its bare number ("418-Vlaw" and "418-V" share "418")
            keys.add(found.law[0].split("-")[0])
    return keys


def assert_every_clause_explained(clauses, hit, q):
    """Assert that hits[].matched explains every clause the hit has to hold, not just one: by one of its
    options as typed, or by another clause's option sharing a form with it ("Ì Ý" both read "и": the
    title word "и" is explained once, as the first). A clause of prefix* or fuzzy~ words is left out:
    a word they stand for may be explained as a word typed ("KZ К~", whose К~ stands for "kz")."""
    explained = {match["word"] for match in hit["matched"]}
    shown = [option for clause in clauses for option in clause.options if set(typed_words(option)) & explained]
    shown_keys = set().union(*map(_keys, shown))
    for clause in clauses:
        if any(isinstance(option, (Prefix, Fuzzy)) for option in clause.options):
            continue
        assert any(option in shown or _keys(option) & shown_keys for option in clause.options), (q, hit["id"])


def assert_consistent(result, measures_by_id, page=1, per_page=20):
    """Assert that one /api/search answer agrees with itself and with the corpus records."""
    total, hits, query = result["total"], result["hits"], result["query"]
    assert result["pages"] == -(-total // per_page)
    assert len(hits) == max(0, min(per_page, total - (page - 1) * per_page))
    ids = [hit["id"] for hit in hits]
    assert len(set(ids)) == len(ids)
    narrowed = set(query.get("filters", {})) | {k for k, v in query.items() if k.startswith("not_") and v}
    for name in SINGLE_VALUED:
        if name not in narrowed and f"not_{name}" not in narrowed and not query.get("exclusions"):
            # facet counts of a facet that is not narrowed add up to the total
            assert sum(value["count"] for value in result["facets"][name]) == total, name
    for name, buckets in result["facets"].items():
        # the years in year order; every other facet most measures first (the page shows the 10 largest), then by value
        keys = [b["value"] for b in buckets] if name == "year" else [(-b["count"], b["value"]) for b in buckets]
        assert keys == sorted(set(keys)), name
    clauses = parse(query.get("q") or "").positive
    for hit in hits:
        if clauses and not result["relaxed"]:
            assert_every_clause_explained(clauses, hit, query["q"])
        measure = measures_by_id[hit["id"]]
        assert (hit["country"], hit["pillar"], hit["sub_pillar"], hit["titles"], hit["description"]) == (
            measure.country, measure.pillar, measure.sub_pillar, measure.titles, measure.description)
        assert [strip_marks(t) for t in hit["highlights"]["titles"]] == [html.escape(t) for t in measure.titles]
