"""One request evaluated on one snapshot: wildcards expanded, matches, filters, and the hits in order.

Relevance is matching.Evaluation.scores (BM25F plus a proximity term); every
order is total, equal keys ordered by measure id (ranked()).
"""

import numpy as np

from measuresearch.domain import dates as date_events
from measuresearch.errors import QueryTooComplex
from measuresearch.index.format import facets as facet_counts
from measuresearch.query.matching import Evaluation
from measuresearch.query.parser import Clause, Expansion, Fuzzy, ParsedQuery, Prefix
from measuresearch.search.meaning import resolve_filters
from measuresearch.text.analysis import forms
from measuresearch.text.stemming import script_of

MAX_EXPANSIONS = 200  # words one prefix* or fuzzy~ may stand for
MAX_EXPANDED_WORDS = 500  # words of the whole query after expansion


# --- wildcard and fuzzy expansion -------------------------------------------------

def expand(parsed, vocabulary):
    """Replace prefix* and fuzzy~ units by the indexed words they stand for; 400 past the limits."""
    total, clauses = 0, []
    for clause in parsed.clauses:
        options = []
        for option in clause.options:
            if not isinstance(option, (Prefix, Fuzzy)):
                options.append(option)
                continue
            # every reading of what was typed: "контр" is also "kohtp" (look-alike letters only), and the
            # Cyrillic words it starts are found as the Latin ones are
            readings = forms(option.text).readings
            if isinstance(option, Prefix):
                words = [w for reading in readings for w in vocabulary.expand_prefix(reading, MAX_EXPANSIONS)]
                kind = f"the wildcard {option.text}*"
            else:
                words = [w for reading in readings for w in ([reading] if reading in vocabulary else [])
                         + vocabulary.within(reading, option.distance, MAX_EXPANSIONS)]
                if script_of(option.text.casefold()) == "latin" and \
                        vocabulary.romanized_terms(forms(option.text).roman):
                    # a word in Latin letters that romanizes one in another script ("valyutnom~") is no indexed
                    # word, but it matches as typed, by that romanization: with ~ it had found less than without
                    words.insert(0, option.text)
                kind = f"the fuzzy term {option.text}~"
            words = list(dict.fromkeys(words))
            if len(words) > MAX_EXPANSIONS:
                raise QueryTooComplex(f"{kind} matches more than {MAX_EXPANSIONS} words; type more letters", "q")
            options.extend(Expansion(w, option) for w in words)
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
    key, missing = date_key(data, docs, request.effective_sort())
    order = np.lexsort((data.id_rank[docs], key, missing))[start:start + count]
    return [(int(d), None) for d in docs[order]]


def date_key(data, docs, sort):
    """Return (key, missing) of docs for a date sort: ascending key first, measures without a date last.

    newest: by each measure's latest event, oldest: by its earliest (month counts, events.py).
    """
    oldest = sort == "oldest"
    months = (data.dates.earliest if oldest else data.dates.latest)[docs]
    missing = months == date_events.NO_DATE
    return np.where(missing, 0, months if oldest else -months), missing


class _Evaluated:
    """One request evaluated on one snapshot: the expanded query, matches and filters."""

    def __init__(self, snapshot, request, parsed):
        resolve_filters(request, snapshot.facets)
        self.parsed = expand(parsed, snapshot.vocabulary)
        self.searcher = snapshot.searcher()
        self.records = snapshot.records
        self.evaluation = Evaluation(self.searcher, snapshot.lengths, snapshot.columns, snapshot.vocabulary)
        self.matching, self.allowed, self.sets, self.relaxed = _select(
            self.evaluation, snapshot.facets, self.parsed, request)
        self.total = int(self.allowed.sum())

    def ranked(self, request, data, start, count):
        return _ranked(self.evaluation, self.parsed, self.allowed, request, data, start, count, self.relaxed)

    def record(self, docnum):
        return self.records.get(docnum)


def evaluate(snapshot, request, parsed):
    """Return one request evaluated on one snapshot (matches, filters, total); for service.py, matrix.py, changes.py."""
    return _Evaluated(snapshot, request, parsed)

