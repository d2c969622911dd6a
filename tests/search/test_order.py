"""Every order is total: pages put end to end are one long page, whatever the sort, with many ties."""

import random

import pytest

from measuresearch.query.matching import Evaluation
from measuresearch.query.parser import parse
from measuresearch.search.request import SORTS
from measuresearch.search.selection import expand
from measuresearch.search.service import SearchRequest, search

from conftest import make_measure

WORDS = "data internet licence banks payments shutdown currency content".split()
# year-only date lines whose events all fall in one year: the same date key under any date sort
DATE_FORMS = ("Reported in {}", "Since {}", "Reported in {0}, last reported in {0}", "Since {0}, last amended in {0}")


def tied_measures(seed, count=80):
    """Measures that share a few texts and differ in their dates (ids differ, scores and years tie)."""
    rng = random.Random(seed)
    # every text has "data" and "licence", half of them "software", so that each query below has hits
    texts = [(" ".join(rng.sample(WORDS, 2)).capitalize(),
              " ".join(rng.choices(WORDS, k=rng.randint(3, 12)) + ["data licence"] + ["software"] * (i % 2)))
             for i in range(4)]
    measures, seen = [], set()
    while len(measures) < count:
        title, description = rng.choice(texts)
        date = rng.choice(DATE_FORMS).format(rng.choice((2015, 2018, 2020))) if rng.random() < 0.9 else "N/A"
        measure = make_measure(title, description, dates=(date,), country=rng.choice(("Testland", "Otherland")))
        if measure.id not in seen:
            seen.add(measure.id)
            measures.append(measure)
    return measures


@pytest.fixture(scope="module", params=[1, 2, 3])
def tied_index(request, tmp_path_factory):
    from measuresearch.index.build import indexer
    from measuresearch.index.engine import IndexHolder
    root = tmp_path_factory.mktemp(f"ties{request.param}")
    indexer.build(None, root, measures=tied_measures(request.param))
    holder = IndexHolder(root)
    yield holder
    holder.close()


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("q", ["", "data", "internet OR banks", "licence -software"])
def test_pages_end_to_end_are_one_long_page(tied_index, sort, q):
    whole = search(tied_index, SearchRequest(q=q, sort=sort, per_page=80))
    assert whole["total"] > 0
    ids = [h["id"] for h in whole["hits"]]
    assert len(set(ids)) == len(ids)
    for per_page in (1, 4, 7, 20):
        pages = []
        for page in range(1, 80 // per_page + 1):
            pages += [h["id"] for h in search(tied_index, SearchRequest(q=q, sort=sort, page=page,
                                                                        per_page=per_page))["hits"]]
        assert pages == ids[:len(pages)], (q, sort, per_page)


def exact_scores(holder, q):
    snapshot = holder.acquire()
    try:
        parsed = expand(parse(q), snapshot.vocabulary)
        evaluation = Evaluation(snapshot.searcher(), snapshot.lengths, snapshot.columns)
        scores = evaluation.scores(parsed)
        return {snapshot.facets.ids[d]: float(scores[d]) for d in range(snapshot.facets.size)}
    finally:
        holder.release(snapshot)


@pytest.mark.parametrize("q", ["data", "internet OR banks", "licence data"])
def test_relevance_ties_are_ordered_by_id(tied_index, q):
    hits = search(tied_index, SearchRequest(q=q, per_page=80))["hits"]
    scores = exact_scores(tied_index, q)
    keys = [(-scores[h["id"]], h["id"]) for h in hits]
    assert keys == sorted(keys)
    assert len({k[0] for k in keys}) < len(keys)  # the corpus does tie


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_ties_are_ordered_by_id(tied_index, sort):
    hits = search(tied_index, SearchRequest(q="", sort=sort, per_page=80))["hits"]
    sign = -1 if sort == "newest" else 1
    keys = [(h["year"] is None, 0 if h["year"] is None else sign * h["year"], h["id"]) for h in hits]
    assert keys == sorted(keys)
