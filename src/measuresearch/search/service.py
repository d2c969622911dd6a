"""A search request in, one page of hits with highlights and facets out.

Both renderings (JSON API and HTML page) call search() and show its result:
request.py says what may be asked, selection.py finds and orders the matches,
hits.py shows the page's hits. No Whoosh object leaves the search package.
"""

import time

from measuresearch.domain import dates as date_events
from measuresearch.domain import provenance
from measuresearch.errors import IndexUnavailable, NotFound, Removed
from measuresearch.index.format import facets as facet_counts
from measuresearch.query.parser import LawNumber, Word
from measuresearch.search.hits import hit, match_page
from measuresearch.search.meaning import meaning_notices, named_groups
from measuresearch.search.notices import law_number_by_number, search_notices
from measuresearch.search.query_words import QueryWords
from measuresearch.search.related import related as related_to, summary
from measuresearch.search.request import SearchRequest, filters_echo
from measuresearch.search.selection import evaluate
from measuresearch.search.suggest import complete, texts_of
from measuresearch.text.analysis import bare_number, forms

__all__ = ["SearchRequest", "example_id", "export", "get_measure", "health", "search", "suggest"]


def _suggestion(evaluation, vocabulary, parsed, text, data):
    """Return {"q": ...} replacing unknown words by close indexed words, else None.

    Left alone: a field name (`title:`), a group's name (its notice offers the filter), a word that
    begins a known word (the completions finish it); a word is never shrunk to one or two letters.
    """
    changed = text
    groups = {word for word, _ in named_groups(parsed, data)}
    for unit in parsed.words():
        if not isinstance(unit, Word) or len(unit.text) < 3 or unit.text.isdigit() or unit.text in groups \
                or f"{unit.text}:" in text:
            continue
        word = forms(unit.text)
        known = any(evaluation.doc_frequency("text", s) for s in word.stems)
        if known or any(evaluation.doc_frequency("roman", k) for k in word.roman) \
                or vocabulary.expand_prefix(word.readings[0], 1):
            continue
        correction = vocabulary.correct(word.readings[0])
        if correction and len(correction) >= 3:
            changed = changed.replace(unit.text, correction, 1)
    return {"q": changed} if changed != text else None


def _law_numbers_by_number(parsed, hits):
    """Return a notice for each law number typed that the hits shown match by its bare number only ("418-VI"
    finding "418-V", query/matching.word_terms): else they would look like exact answers. Read from the hits
    shown, so that a filter or a relaxed query (other words bringing other hits) is told as it is."""
    found = []
    for unit in dict.fromkeys(o for clause in parsed.positive for o in clause.options if isinstance(o, LawNumber)):
        kinds = {m["kind"] for h in hits for m in h["matched"] if m["word"] == unit.text}
        if "number" in kinds and "law_number" not in kinds:
            found.append(law_number_by_number(unit.text, bare_number(forms(unit.text, True).law)))
    return found


def search(holder, request, parents=False):
    """Run one search; return the result as plain data (the API's JSON shape).

    parents: also return {sub-pillar: pillar} as "sub_pillar_parents", from the
    same build as the counts (the page nests the facets with it).
    """
    started = time.perf_counter()
    request.validate()  # bad input is a 400 even when there is no index
    parsed = request.parsed()
    with holder.using() as snapshot:
        run = evaluate(snapshot, request, parsed)
        data = snapshot.facets
        words = QueryWords(run.parsed.words())
        start = (request.page - 1) * request.per_page
        ranked = run.ranked(request, data, start, request.per_page)
        page = [(run.record(d), score) for d, score in ranked]
        romanizable = run.evaluation.holding([d for d, _ in ranked], "roman", words.romanization_keys())
        fields = match_page(words, [record for record, _ in page], romanizable, data.economies)
        hits = [hit(record, score, words, f, ok) for (record, score), f, ok in zip(page, fields, romanizable)]
        counts = facet_counts.counts(data, run.matching, run.sets, request.filters, request.date_filter(),
                                     request.exclusions)
        suggestion = (_suggestion(run.evaluation, snapshot.vocabulary, run.parsed, request.q, data)
                      if run.parsed.clauses else None)
        extra = {"sub_pillar_parents": data.sub_pillar_parents()} if parents else {}
        notices = (search_notices(request, parsed, data.numbers | {"group": data.groups.with_measures()})
                   + meaning_notices(request, parsed, data, snapshot.vocabulary, run.total,
                                     {m["word"] for h in hits for m in h["matched"] if m["field"] != "titles"})
                   + _law_numbers_by_number(run.parsed, hits))
    return extra | {
        "query": {"q": request.q, "filters": filters_echo(request),
                  "year_from": request.year_from, "year_to": request.year_to,
                  "event": list(request.event), "in_force_on": request.in_force_on,
                  "sort": request.effective_sort(), "page": request.page, "per_page": request.per_page},
        "total": run.total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": (run.total + request.per_page - 1) // request.per_page,
        "took_ms": round((time.perf_counter() - started) * 1000, 2),
        "relaxed": run.relaxed,
        "hits": hits,
        "facets": counts,
        "suggestion": suggestion,
        "notices": notices,
    }


def export(holder, request):
    """Return (total, records) of every matching measure in the requested order, unpaged."""
    request.validate()
    parsed = request.parsed()
    with holder.using() as snapshot:
        run = evaluate(snapshot, request, parsed)
        records = [run.record(d) for d, _ in run.ranked(request, snapshot.facets, 0, run.total)]
        build = snapshot.stamp()
    for record in records:
        record.update(build)  # the CSV export says which build it comes from
        record["events"] = date_events.public_events(record.get("events", []))
    return run.total, records


def get_measure(holder, measure_id, related=5):
    """Return one measure's record with `related` measures (more like this)."""
    with holder.using() as snapshot:
        searcher = snapshot.searcher()
        docnum = searcher.document_number(id=measure_id)
        if docnum is None:
            tombstone = snapshot.removed.get(measure_id)
            if tombstone:
                raise Removed(f"measure {measure_id!r} is gone: {provenance.why_removed(tombstone)}",
                              {"id": measure_id, **tombstone})
            raise NotFound(f"no measure with id {measure_id!r}")
        record = snapshot.records.get(docnum)
        record["events"] = date_events.public_events(record.get("events", []))
        record["indexed"] = snapshot.history.dates(docnum)  # first indexed, last changed (changes.py)
        record["related"] = [summary(snapshot.records.get(d))
                             for d in related_to(searcher, snapshot.facets, docnum, record, related)]
    return record


def suggest(holder, prefix, limit=10):
    """Return up to `limit` completions of prefix as typed (see suggest.py)."""
    with holder.using() as snapshot:
        return complete(texts_of(snapshot), prefix, limit)


def example_id(holder):
    """Return the first measure id (code-point order) of the live index, or None without a usable index."""
    try:
        with holder.using() as snapshot:
            return min(snapshot.facets.ids, default=None)
    except IndexUnavailable:
        return None


def health(holder):
    """Return the /healthz document of the live index."""
    with holder.using() as snapshot:
        return {"status": "ok", "documents": snapshot.facets.size, **snapshot.stamp()}
