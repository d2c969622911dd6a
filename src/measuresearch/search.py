"""A search request in, one page of hits with highlights and facets out.

Both renderings (JSON API and HTML page) call search() and show its result.
No Whoosh object leaves this module.
"""

import dataclasses
import itertools
import json
import time

from whoosh import query as wq

from . import facets as facet_counts
from .analysis import forms
from .errors import InvalidParameter, NotFound
from .highlight import explain, highlight, snippet
from .queryparse import LawNumber, Phrase, Word, parse
from .schema import FIELD_BOOSTS, ROMAN_BOOST, TEXT_SOURCES

SORTS = ("relevance", "newest", "oldest")
FILTER_NAMES = ("country", "pillar", "sub_pillar", "coverage")
MAX_PER_PAGE = 100
MAX_DEPTH = 10_000  # page * per_page
LAW_BOOST = 2.0
MAX_PHRASE_VARIANTS = 4


@dataclasses.dataclass
class SearchRequest:
    """Everything a search can be asked for; validated by the caller's parser."""

    q: str = ""
    filters: dict = dataclasses.field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20

    def effective_sort(self):
        """Return the sort in force: relevance with a query, newest without."""
        return self.sort or ("relevance" if self.q.strip() else "newest")

    def validate(self):
        """Raise InvalidParameter for values outside the documented ranges."""
        if self.sort is not None and self.sort not in SORTS:
            raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}", "sort")
        if self.page < 1:
            raise InvalidParameter("page must be 1 or more", "page")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidParameter(f"per_page must be between 1 and {MAX_PER_PAGE}", "per_page")
        if self.page * self.per_page > MAX_DEPTH:
            raise InvalidParameter(f"page x per_page may be at most {MAX_DEPTH}; narrow the search instead", "page")
        if None not in (self.year_from, self.year_to) and self.year_from > self.year_to:
            raise InvalidParameter("year_from must not be after year_to", "year_from")


# --- query building -------------------------------------------------------

def word_query(unit):
    """Return the Whoosh query of one word or law number over every field."""
    if isinstance(unit, LawNumber):
        keys = forms(unit.text, True).law
        number = keys[0].split("-")[0]
        terms = [wq.Term(f, key, boost=b * LAW_BOOST) for f, b in FIELD_BOOSTS.items() for key in keys]
        # the bare number still finds an instrument whose suffix was typed differently, ranked lower
        return wq.Or(terms + [wq.Term(f, number, boost=b * 0.25) for f, b in FIELD_BOOSTS.items()])
    word = forms(unit.text)
    terms = [wq.Term(f, s, boost=b) for f, b in FIELD_BOOSTS.items() for s in word.stems]
    terms += [wq.Term("roman", key, boost=ROMAN_BOOST) for key in word.roman]
    return wq.Or(terms)


def phrase_query(phrase):
    """Return the Whoosh query of a phrase in any one text field."""
    stems = [forms(w.text).stems for w in phrase.words]
    variants = list(itertools.islice(itertools.product(*stems), MAX_PHRASE_VARIANTS))
    return wq.Or([wq.Phrase(f, list(v), boost=b) for f, b in FIELD_BOOSTS.items() for v in variants])


def clause_query(clause):
    """Return the Whoosh query of one clause (its options OR-ed)."""
    parts = [phrase_query(o) if isinstance(o, Phrase) else word_query(o) for o in clause.options]
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def build_query(parsed, relaxed=False):
    """Return the Whoosh query of a parsed query; None matches everything."""
    positive = [clause_query(c) for c in parsed.positive]
    negative = [clause_query(c) for c in parsed.negative]
    if not positive:
        base = wq.Every()
    elif len(positive) == 1:
        base = positive[0]
    else:
        base = wq.Or(positive) if relaxed else wq.And(positive)
    if negative:
        base = wq.AndNot(base, wq.Or(negative))
    return None if isinstance(base, wq.Every) else base


# --- searching -------------------------------------------------------------

def _matching(searcher, query, size):
    if query is None:
        return frozenset(range(size))
    return frozenset(query.docs(searcher))


def _select(searcher, data, parsed, request):
    """Return (query, matching, allowed, filter sets, relaxed) of one request.

    `matching` is what the words match, `allowed` that narrowed by the filters.
    When all the words together match nothing, any word will do (relaxed).
    """
    sets = facet_counts.filter_sets(data, request.filters, request.year_from, request.year_to)
    query = build_query(parsed)
    matching = _matching(searcher, query, data.size)
    relaxed = False
    if not matching and len(parsed.positive) > 1:
        query = build_query(parsed, relaxed=True)
        matching = _matching(searcher, query, data.size)
        relaxed = bool(matching)
    return query, matching, facet_counts.intersect(matching, sets.values()), sets, relaxed


def _ranked(searcher, query, allowed, request, data):
    """Return [(docnum, score)] of the requested page."""
    start = (request.page - 1) * request.per_page
    sort = request.effective_sort()
    if not allowed:
        return []
    if sort == "relevance" and query is not None:
        results = searcher.search(query, filter=set(allowed), limit=start + request.per_page)
        return [(hit.docnum, hit.score) for hit in results[start:start + request.per_page]]
    newest = sort != "oldest"

    def key(docnum):
        year = data.year[docnum]
        missing = year < 0
        return (missing, -year if newest else year, data.ids[docnum])
    page = sorted(allowed, key=key)[start:start + request.per_page]
    return [(docnum, None) for docnum in page]


def _hit(record, score, units):
    fields = {"titles": "\n".join(record["titles"]), "description": record["description"]}
    for source in ("sub_pillar", "pillar", "coverage", "country"):
        if record.get(source):
            fields[source] = record[source]
    return {
        "id": record["id"],
        "url": f"/measures/{record['id']}",
        "score": None if score is None else round(score, 4),
        "country": record["country"],
        "pillar": record["pillar"],
        "sub_pillar": record["sub_pillar"],
        "coverage": record.get("coverage"),
        "titles": record["titles"],
        "dates": record["dates"],
        "year": record.get("year"),
        "description": record["description"],
        "highlights": {
            "titles": [highlight(t, units) for t in record["titles"]],
            "description": snippet(record["description"], units),
        },
        "matched": explain(fields, units) if units else [],
    }


def _suggestion(searcher, parsed, text):
    """Return {"q": ...} replacing unknown words by close indexed words, else None."""
    reader = searcher.reader()
    changed = text
    for unit in parsed.words():
        if not isinstance(unit, Word) or len(unit.text) < 3 or unit.text.isdigit():
            continue
        word = forms(unit.text)
        known = any(reader.doc_frequency(f, s) for f in FIELD_BOOSTS for s in word.stems)
        if known or any(reader.doc_frequency("roman", k) for k in word.roman):
            continue
        corrections = searcher.corrector("spell").suggest(word.readings[0], limit=1, maxdist=2, prefix=1)
        if corrections:
            changed = changed.replace(unit.text, corrections[0], 1)
    return {"q": changed} if changed != text else None


def search(holder, request):
    """Run one search; return the result as plain data (the API's JSON shape)."""
    started = time.perf_counter()
    request.validate()
    parsed = parse(request.q)
    snapshot = holder.acquire()
    try:
        searcher = snapshot.searcher()
        data = snapshot.facets
        query, matching, allowed, sets, relaxed = _select(searcher, data, parsed, request)
        units = parsed.words()
        hits = [_hit(json.loads(searcher.stored_fields(d)["record"]), score, units)
                for d, score in _ranked(searcher, query, allowed, request, data)]
        counts = facet_counts.counts(data, matching, sets, request.filters, request.year_from, request.year_to)
        suggestion = _suggestion(searcher, parsed, request.q) if parsed.clauses else None
    finally:
        holder.release(snapshot)
    total = len(allowed)
    return {
        "query": {"q": request.q, "filters": {k: list(v) for k, v in request.filters.items() if v},
                  "year_from": request.year_from, "year_to": request.year_to,
                  "sort": request.effective_sort(), "page": request.page, "per_page": request.per_page},
        "total": total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": (total + request.per_page - 1) // request.per_page,
        "took_ms": round((time.perf_counter() - started) * 1000, 2),
        "relaxed": relaxed,
        "hits": hits,
        "facets": counts,
        "suggestion": suggestion,
    }


def export(holder, request):
    """Return (total, records) of every matching measure in the requested order, unpaged."""
    request.validate()
    parsed = parse(request.q)
    snapshot = holder.acquire()
    try:
        searcher = snapshot.searcher()
        data = snapshot.facets
        query, _, allowed, _, _ = _select(searcher, data, parsed, request)
        everything = dataclasses.replace(request, page=1, per_page=max(1, len(allowed)))
        ranked = _ranked(searcher, query, allowed, everything, data)
        records = [json.loads(searcher.stored_fields(d)["record"]) for d, _ in ranked]
    finally:
        holder.release(snapshot)
    for record in records:
        record["url"] = f"/measures/{record['id']}"
    return len(allowed), records


def get_measure(holder, measure_id, related=5):
    """Return one measure's record with `related` measures (more like this)."""
    snapshot = holder.acquire()
    try:
        searcher = snapshot.searcher()
        docnum = searcher.document_number(id=measure_id)
        if docnum is None:
            raise NotFound(f"no measure with id {measure_id!r}")
        record = json.loads(searcher.stored_fields(docnum)["record"])
        record["related"] = [_summary(json.loads(searcher.stored_fields(d)["record"]))
                             for d in _related(searcher, snapshot.facets, docnum, record, related)]
    finally:
        holder.release(snapshot)
    return record


def _related(searcher, data, docnum, record, limit):
    """Return up to `limit` docnums like this one: more-like-this on the text, then same sub-pillar, pillar."""
    text = " ".join(record["titles"]) + " " + record["description"]
    found = [hit.docnum for hit in searcher.more_like(docnum, "description", text=text, top=limit, numterms=15)]
    for facet in ("sub_pillar", "pillar"):
        if len(found) >= limit:
            break
        value = data.columns[facet][docnum]
        same = [d for d in range(data.size) if data.columns[facet][d] == value and d != docnum and d not in found]
        same.sort(key=lambda d: -data.year[d])
        found.extend(same[: limit - len(found)])
    return found[:limit]


def _summary(record):
    return {"id": record["id"], "url": f"/measures/{record['id']}", "titles": record["titles"],
            "country": record["country"], "sub_pillar": record["sub_pillar"], "year": record.get("year")}


def suggest(holder, prefix, limit=10):
    """Return up to `limit` completions of the last word of prefix, commonest first."""
    text = prefix.strip()
    if not text:
        return []
    head, _, last = text.rpartition(" ")
    readings = forms(last).readings if last else ()
    snapshot = holder.acquire()
    try:
        reader = snapshot.searcher().reader()
        found = {}
        for reading in readings:
            for term in itertools.islice(reader.expand_prefix("spell", reading), 2000):
                term = term.decode("utf-8") if isinstance(term, bytes) else term
                found[term] = reader.doc_frequency("spell", term)
    finally:
        holder.release(snapshot)
    best = sorted(found, key=lambda t: (-found[t], t))[:limit]
    return [(head + " " + t).strip() for t in best]


def sub_pillar_parents(holder):
    """Return {sub-pillar: pillar} of the live index, to nest the facets."""
    snapshot = holder.acquire()
    try:
        return snapshot.facets.sub_pillar_parents()
    finally:
        holder.release(snapshot)


def health(holder):
    """Return the /healthz document of the live index."""
    snapshot = holder.acquire()
    try:
        meta = snapshot.meta
        return {"status": "ok", "documents": snapshot.facets.size,
                "index_id": meta["index_id"], "index_built_at": meta["built_at"]}
    finally:
        holder.release(snapshot)
