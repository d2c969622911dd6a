"""A search request in, one page of hits with highlights and facets out.

Both renderings (JSON API and HTML page) call search() and show its result.
Relevance is matching.Evaluation.scores (BM25F plus a proximity term); every
order is total, equal keys ordered by measure id (_ranked).
No Whoosh object leaves this module.
"""

import dataclasses
import time

import numpy as np

from measuresearch.domain import dates as date_events
from measuresearch.index.format import facets as facet_counts
from measuresearch.text.analysis import forms
from measuresearch.domain import fields, model, provenance
from measuresearch.errors import IndexUnavailable, InvalidParameter, NotFound, QueryTooComplex, Removed
from measuresearch.search.highlight import QueryWords, explain, highlight, snippet
from measuresearch.query.matching import Evaluation
from measuresearch.search.meaning import meaning_notices, named_groups, resolve_filters
from measuresearch.search.notices import search_notices
from measuresearch.query.parser import Clause, Expansion, Fuzzy, ParsedQuery, Prefix, Word, parse
from measuresearch.search.suggest import complete, texts_of

SORTS = ("relevance", "newest", "oldest")
FILTER_NAMES = (*fields.STRING_FACETS, "group")  # group: the groups of economies (groups.yaml)
EXCLUDE_PREFIX = "not_"  # not_country=X leaves out the measures of X
MAX_PER_PAGE = 100
MAX_DEPTH = 10_000  # page * per_page
MAX_EXPANSIONS = 200  # words one prefix* or fuzzy~ may stand for
MAX_EXPANDED_WORDS = 500  # words of the whole query after expansion


@dataclasses.dataclass
class SearchRequest:
    """Everything a search can be asked for; validated by the caller's parser."""

    q: str = ""
    filters: dict = dataclasses.field(default_factory=dict)
    exclusions: dict = dataclasses.field(default_factory=dict)  # facet -> values to leave out
    year_from: int | None = None
    year_to: int | None = None
    event: tuple = ()  # event groups of the year range and year facet; empty: every group
    in_force_on: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD
    sort: str | None = None
    page: int = 1
    per_page: int = 20

    def effective_sort(self):
        """Return the sort in force: relevance when the query has words to score, else newest.

        A query whose words are all excluded (`-data`) scores nothing: it is browsed newest first even
        when relevance was asked for, and the answer names the sort it used.
        """
        searched = has_words(self.q)
        if self.sort == "relevance" and not searched:
            return "newest"
        return self.sort or ("relevance" if searched else "newest")

    def date_filter(self):
        """Return the request's date parameters as facets.DateFilter (call validate() first)."""
        return facet_counts.DateFilter(
            self.year_from, self.year_to,
            tuple(g for g in date_events.GROUPS if g in self.event) or date_events.GROUPS,
            None if self.in_force_on is None else date_events.parse_day(self.in_force_on))

    def validate(self):
        """Raise InvalidParameter for values outside the documented ranges."""
        unknown = [e for e in self.event if e not in date_events.GROUPS]
        if unknown:
            raise InvalidParameter(f"event {unknown[0]!r} is not one of {', '.join(date_events.GROUPS)}", "event")
        if self.in_force_on is not None:
            try:
                date_events.parse_day(self.in_force_on)
            except ValueError as exc:
                raise InvalidParameter(f"in_force_on {self.in_force_on!r} {exc}", "in_force_on") from None
        if self.sort is not None and self.sort not in SORTS:
            raise InvalidParameter(f"sort must be one of {', '.join(SORTS)}", "sort")
        if self.page < 1:
            raise InvalidParameter("page must be 1 or more", "page")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidParameter(f"per_page must be between 1 and {MAX_PER_PAGE}", "per_page")
        if self.page * self.per_page > MAX_DEPTH:
            raise InvalidParameter(f"page x per_page may be at most {MAX_DEPTH}; narrow the search instead", "page")


def has_words(q):
    """Return whether query text has words to score (not only punctuation, blanks or excluded words)."""
    try:
        return bool(parse(q).positive)
    except InvalidParameter:
        return True  # too long or malformed, but typed: the request is refused later anyway


def filters_echo(request):
    """Return the request's filters as the answers echo them: {"country": [...], "not_country": [...]}."""
    echo = {name: list(values) for name, values in request.filters.items() if values}
    echo.update({EXCLUDE_PREFIX + name: list(values) for name, values in request.exclusions.items() if values})
    return echo


# --- wildcard and fuzzy expansion -------------------------------------------------

def expand(parsed, vocabulary):
    """Replace prefix* and fuzzy~ units by the indexed words they stand for; 400 past the limits."""
    total, clauses = 0, []
    for clause in parsed.clauses:
        options = []
        for option in clause.options:
            if isinstance(option, Prefix):
                words = vocabulary.expand_prefix(forms(option.text).readings[0], MAX_EXPANSIONS)
                kind = f"the wildcard {option.text}*"
            elif isinstance(option, Fuzzy):
                word = forms(option.text).readings[0]
                words = ([word] if word in vocabulary else []) + vocabulary.within(word, option.distance,
                                                                                  MAX_EXPANSIONS)
                kind = f"the fuzzy term {option.text}~"
            else:
                options.append(option)
                continue
            if len(words) > MAX_EXPANSIONS:
                raise QueryTooComplex(f"{kind} matches more than {MAX_EXPANSIONS} words; type more letters", "q")
            options.extend(Expansion(w, option) for w in dict.fromkeys(words))
            total += len(words)
        if total > MAX_EXPANDED_WORDS:
            raise QueryTooComplex(f"the query stands for more than {MAX_EXPANDED_WORDS} words after expanding "
                                  "wildcards and fuzzy terms", "q")
        clauses.append(Clause(options, clause.negated))
    return ParsedQuery(clauses, parsed.pairs)


# --- selecting and ranking ---------------------------------------------------

def _select(evaluation, data, parsed, request):
    """Return (matching, allowed, filter masks, relaxed) of one request.

    `matching` is what the words match, `allowed` that narrowed by the filters.
    When all the words together match nothing, any word will do (relaxed).
    """
    sets = facet_counts.filter_sets(data, request.filters, request.date_filter(), request.exclusions)
    relaxed = False
    matching = evaluation.matching(parsed)
    if not matching.any() and len(parsed.positive) > 1:
        matching = evaluation.matching(parsed, relaxed=True)
        relaxed = bool(matching.any())
    return matching, facet_counts.intersect(matching, sets.values()), sets, relaxed


def _ranked(evaluation, parsed, allowed, request, data, start, count, relaxed=False):
    """Return [(docnum, score)] of `count` hits from `start` in the requested order.

    Every order is total: equal keys (score, or date) are ordered by measure
    id, so that pages put end to end are the one long page.
    """
    docs = np.flatnonzero(allowed)
    if not len(docs):
        return []
    if request.effective_sort() == "relevance" and parsed.positive:
        scores = evaluation.scores(parsed, within=allowed, relaxed=relaxed)[docs]
        wanted = min(len(docs), start + count)
        if wanted < len(docs):  # only the top of the list needs sorting: every document that scores
            # at least the wanted-th best score, so that the ids decide among those tied at the cut
            threshold = -np.partition(-scores, wanted - 1)[wanted - 1]
            top = np.flatnonzero(scores >= threshold)
            docs, scores = docs[top], scores[top]
        order = np.lexsort((data.id_rank[docs], -scores))[start:start + count]
        return [(int(d), float(s)) for d, s in zip(docs[order], scores[order])]
    key, missing = _date_key(data, docs, request.effective_sort())
    order = np.lexsort((data.id_rank[docs], key, missing))[start:start + count]
    return [(int(d), None) for d in docs[order]]


def _date_key(data, docs, sort):
    """Return (key, missing) of docs for a date sort: ascending key first, measures without a date last.

    newest: by each measure's latest event, oldest: by its earliest (month counts, events.py).
    """
    oldest = sort == "oldest"
    months = (data.dates.earliest if oldest else data.dates.latest)[docs]
    missing = months == date_events.NO_DATE
    return np.where(missing, 0, months if oldest else -months), missing


def _explained_fields(record, economies):
    """Return {field: text} of one record, as hits[].matched names them (the country by all its names)."""
    fields = {"titles": "\n".join(record["titles"]), "description": record["description"]}
    for source in ("sub_pillar", "pillar", "coverage", "country"):
        if record.get(source):
            fields[source] = record[source]
    if record.get("country"):
        fields["country"] = "\n".join(economies.names(record["country"]))
    return fields


def _match_page(words, records, romanizable, economies):
    """Match every text of a page of hits in joined scans (titles, then the rest).

    romanizable: for each record, whether its "roman" postings hold a romanization
    key of the query (else its titles are matched without computing any);
    economies: the build's EconomyNames (a country is matched by all its names).
    """
    fields = [_explained_fields(record, economies) for record in records]
    for romanized in (True, False):
        chosen = [(record, f) for record, f, ok in zip(records, fields, romanizable) if ok == romanized]
        words.prime([title for record, _ in chosen for title in record["titles"]]
                    + [f["titles"] for _, f in chosen], titles=True, romanized=romanized)
    words.prime([text for f in fields for name, text in f.items() if name != "titles"])
    return fields


def _hit(record, score, words, fields):
    return {
        "id": record["id"],
        # unrounded: the order of hits is by this exact score (then id), so a client can check it
        "score": score,
        "country": record["country"],
        "pillar": record["pillar"],
        "sub_pillar": record["sub_pillar"],
        "coverage": record.get("coverage"),
        "titles": record["titles"],
        "dates": record["dates"],
        "year": record.get("year"),
        "events": date_events.public_events(record.get("events", [])),
        "description": record["description"],
        # an indicator (kind) shows its values; its titles are their labels
        **{key: record.get(key, model.DEFAULTS[key]) for key in model.ENTRY_KEYS},
        "highlights": {
            "titles": [highlight(t, words, titles=True) for t in record["titles"]],
            "description": snippet(record["description"], words),
        },
        "matched": explain(fields, words) if words.units else [],
    }


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


class _Evaluated:
    """One request evaluated on one snapshot: the expanded query, matches and filters."""

    def __init__(self, snapshot, request, parsed):
        resolve_filters(request, snapshot.facets)
        self.parsed = expand(parsed, snapshot.vocabulary)
        self.searcher = snapshot.searcher()
        self.records = snapshot.records
        self.evaluation = Evaluation(self.searcher, snapshot.lengths, snapshot.columns)
        self.matching, self.allowed, self.sets, self.relaxed = _select(
            self.evaluation, snapshot.facets, self.parsed, request)
        self.total = int(self.allowed.sum())

    def ranked(self, request, data, start, count):
        return _ranked(self.evaluation, self.parsed, self.allowed, request, data, start, count, self.relaxed)

    def record(self, docnum):
        return self.records.get(docnum)


def evaluate(snapshot, request, parsed):
    """Return one request evaluated on one snapshot (matches, filters, total); for matrix.py and changes.py."""
    return _Evaluated(snapshot, request, parsed)


def search(holder, request, parents=False):
    """Run one search; return the result as plain data (the API's JSON shape).

    parents: also return {sub-pillar: pillar} as "sub_pillar_parents", from the
    same build as the counts (the page nests the facets with it).
    """
    started = time.perf_counter()
    request.validate()  # bad input is a 400 even when there is no index
    parsed = parse(request.q)
    with holder.using() as snapshot:
        run = _Evaluated(snapshot, request, parsed)
        data = snapshot.facets
        words = QueryWords(run.parsed.words())
        start = (request.page - 1) * request.per_page
        ranked = run.ranked(request, data, start, request.per_page)
        page = [(run.record(d), score) for d, score in ranked]
        romanizable = run.evaluation.holding([d for d, _ in ranked], "roman", words.romanization_keys())
        fields = _match_page(words, [record for record, _ in page], romanizable, data.economies)
        hits = [_hit(record, score, words, f) for (record, score), f in zip(page, fields)]
        counts = facet_counts.counts(data, run.matching, run.sets, request.filters, request.date_filter(),
                                     request.exclusions)
        suggestion = (_suggestion(run.evaluation, snapshot.vocabulary, run.parsed, request.q, data)
                      if run.parsed.clauses else None)
        extra = {"sub_pillar_parents": data.sub_pillar_parents()} if parents else {}
        notices = (search_notices(request, parsed, data.numbers | {"group": data.groups.known()})
                   + meaning_notices(request, parsed, data, snapshot.vocabulary, run.total))
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
    parsed = parse(request.q)
    with holder.using() as snapshot:
        run = _Evaluated(snapshot, request, parsed)
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
        record["related"] = [_summary(snapshot.records.get(d))
                             for d in _related(searcher, snapshot.facets, docnum, record, related)]
    return record


def _related(searcher, data, docnum, record, limit):
    """Return up to `limit` docnums like this one.

    The measures of the same sub-pillar (the DTI's subject) come first, the most
    alike in text first; then measures alike in text from elsewhere; then the
    rest of the same pillar, newest first.
    """
    if limit < 1:  # the record alone (a report form names its measure)
        return []
    text = " ".join(record["titles"]) + " " + record["description"]
    alike = [hit.docnum for hit in searcher.more_like(docnum, "text", text=text, top=10 * limit, numterms=15)]
    sub_pillars = data.columns["sub_pillar"]
    same = [d for d in alike if sub_pillars[d] == sub_pillars[docnum]]
    found = same + _newest_first(data, "sub_pillar", docnum, exclude=set(same))
    found += [d for d in alike if d not in found]
    found += _newest_first(data, "pillar", docnum, exclude=set(found))
    return found[:limit]


def _newest_first(data, facet, docnum, exclude, limit=50):
    """Return docnums sharing `facet` with docnum (not it, not in exclude), newest first, ties by docnum.

    Newest: by each measure's latest event, as sort=newest orders (measures without dates last).
    """
    same = np.flatnonzero(data.columns[facet] == data.columns[facet][docnum])
    key, missing = _date_key(data, same, "newest")
    same = same[np.lexsort((same, key, missing))]
    return [int(d) for d in same[:limit + len(exclude) + 1] if d != docnum and d not in exclude]


def _summary(record):
    return {"id": record["id"], "titles": record["titles"],
            "country": record["country"], "sub_pillar": record["sub_pillar"], "year": record.get("year")}


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
