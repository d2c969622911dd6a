"""Differential test: the engine against stock Whoosh and against a brute-force scan of the corpus.

Two references, neither of which shares the engine's matching code:

- stock Whoosh: the same index opened with `whoosh.index.open_dir`, queries built from Whoosh's own query
  classes (Term, Or, And, AndNot) and run by Whoosh's matchers, scored by `whoosh.scoring.BM25F`;
- a brute-force scan: every measure's searched text is run through the index's analyzers once, and each
  query is evaluated in plain Python over the (token, position) lists; facet counts with a Counter.

What a query word stands for is taken from the index's own analyzers in query mode (as Whoosh's QueryParser
does): a measure matches a word when it holds one of the word's "text" tokens or one of its "roman" keys.
A prefix* stands for every word of the corpus that starts with it (any reading of it), and finds those words
as written (their "exact" tokens), not the other words of their stems; a fuzzy~N term stands for every word
within N edits that shares its first letter (Whoosh's FuzzyTerm default), each matched like a typed word; a
law number for its instrument key or another law number of its bare number. A phrase's stop words are not required but keep their place.
The corpus is synthetic (measuresearch.synthetic, seeded), a few thousand measures with many ties.
"""

import collections
import functools
import html
import random
import re

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.scoring import BM25F

from measuresearch.index.build import indexer
from measuresearch.query import matching as ms_matching
from measuresearch.index.format import schema as ms_schema
from measuresearch.text.analysis import STOP_WORDS
from measuresearch.text.writing_systems import LATIN_KEY, fold_readings, roman_letters
from measuresearch.index.engine import IndexHolder
from measuresearch.query.parser import parse
from measuresearch.search.service import SearchRequest, search
from devtools.synthetic import Generator
from invariants import assert_every_clause_explained

SIZE = 2000
SEED = 20261128
FACETS = ("country", "pillar", "sub_pillar", "coverage")
MARK = re.compile(r"</?mark>")
WORDCHAR = re.compile(r"[^\W_]")


# --- the corpus, the index and the brute-force tables ------------------------------------------

class Corpus:
    """The synthetic measures, their analysed text and the index built from them."""

    def __init__(self, measures, root):
        self.measures = {m.id: m for m in measures}
        self.root = root
        self.schema = ms_schema.build_schema()
        self.alternatives = functools.cache(self.alternatives)  # asked for every measure: read once per word
        self.positions = {}  # id -> {token: [positions]} of the "text" field
        self.roman = {}  # id -> {key} of the "roman" field
        self.exact = {}  # id -> {token} of the "exact" field
        self.romanized = collections.defaultdict(set)  # romanization key -> "text" tokens of the words keyed so
        for m in measures:
            doc = ms_schema.document(m)
            table = collections.defaultdict(list)
            for token in self.schema["text"].analyzer(doc["text"], mode="index", positions=True):
                table[token.text].append(token.pos)
            self.positions[m.id] = table
            self.roman[m.id] = {t.text for t in self.schema["roman"].analyzer(doc["roman"], mode="index")}
            self.exact[m.id] = {t.text for t in self.schema["exact"].analyzer(doc["exact"], mode="index")}
            # a phrase word typed in Latin letters also stands on the "text" tokens of the words (not in
            # Latin letters) of the "roman" field that have one of its romanization keys
            for word in re.findall(r"[^\W_]+", doc["roman"]):
                if not word.isascii():
                    tokens = {t.text for t in self.schema["text"].analyzer(word, mode="index")}
                    for key in (t.text for t in self.schema["roman"].analyzer(word, mode="index")):
                        if not key.startswith(LATIN_KEY):
                            self.romanized[key] |= tokens
        self.words = sorted({w.lower() for m in measures for w in re.findall(r"[^\W\d_]+", _all_text(m))})
        # what a prefix* or fuzzy~ may stand for: every reading of every indexed word, as the index's
        # vocabulary holds it (the economies' names included; "ва" in "о-ва" is also read "ba")
        self.readings = sorted({r for m in measures for w in re.findall(r"[^\W\d_]+", _indexed_text(m))
                                for r in fold_readings(w.lower())})

    def alternatives(self, word):
        """Return (text tokens, roman keys) that one query word stands for, from the index's analyzers."""
        text = {t.text for t in self.schema["text"].analyzer(word, mode="query")}
        roman = {t.text for t in self.schema["roman"].analyzer(word, mode="query")}
        return text, roman

    def has_written(self, mid, words):
        """Return True when the measure holds one of these words as written (an "exact" token of one)."""
        return any(_exact_forms(self, w) & self.exact[mid] for w in words)

    def has_law_number(self, mid, number):
        """Return True when the measure's text holds a law number ("400-II", "400/НК") of that bare number; a
        plain "400" is not one."""
        return re.search(rf"(?<![^\W_]){number}[-/][^\W_]", _indexed_text(self.measures[mid])) is not None

    def has_word(self, mid, word):
        text, roman = self.alternatives(word)
        return bool(text & self.positions[mid].keys()) or bool(roman & self.roman[mid])

    def phrase_tokens(self, word, mid=None):
        """Return the text tokens a phrase word stands on (in measure `mid`): its own, and those of the words whose
        romanization keys it has, in a measure that holds one of those keys (any measure when mid is None)."""
        text, roman = self.alternatives(word)
        if mid is not None and not roman & self.roman[mid]:
            return text
        return text.union(*(self.romanized.get(key, ()) for key in roman))

    def has_phrase(self, mid, words):
        """Return True when the phrase's required words stand at their relative offsets in one place.

        Stop words (in any look-alike reading) are not required; they keep their place (the offsets of the others count them). A word
        stands on its text tokens and on those its romanization keys stand for (self.romanized).
        """
        table = self.positions[mid]
        required = [(offset, self.phrase_tokens(w, mid)) for offset, w in enumerate(words) if not _reads_as_stop(w)]
        if not required:
            return False
        first_offset, first = required[0]
        starts = {p - first_offset for t in first for p in table.get(t, ())}
        for offset, tokens in required[1:]:
            starts &= {p - offset for t in tokens for p in table.get(t, ())}
        return bool(starts)


_CLAUSE = re.compile(r"^(?:(?P<kw>last reported in|reported in|entry into force in|entry into force|in force since|"
                     r"last amended in|last amended|as amended in|amended in|since)\s+)?(?:[a-z]+\s+)?(?P<year>\d{4})$")
_GROUP = {"last reported in": "reported", "reported in": "reported", "entry into force in": "in_force",
          "entry into force": "in_force", "in force since": "in_force", "since": "in_force",
          "last amended in": "amended", "last amended": "amended", "as amended in": "amended", "amended in": "amended"}


def date_events(lines):
    """Return [(event group, year)] of the date lines, read here without the engine's parser.

    A clause without its own keyword ("Reported in 2019, 2020") continues the one before it.
    """
    events = []
    for line in lines:
        group = None
        for clause in line.split(","):
            match = _CLAUSE.match(clause.strip().lower())
            if match is None:
                continue  # "N/A"
            group = _GROUP[match["kw"]] if match["kw"] else group
            events.append((group, int(match["year"])))
    return events


def _all_text(m):
    return " ".join([*m.titles, m.description, m.sub_pillar, m.pillar, m.coverage or "", m.country])


def _indexed_text(m):
    """Every text a measure is indexed with: its economy under all its names (schema.country_names)."""
    return " ".join([_all_text(m), *ms_schema.country_names(m.country)])


def _is_stop(word):
    return word.lower() in STOP_WORDS


def _reads_as_stop(word):
    """Return whether a phrase word is a stop word in one of its look-alike readings (Latin "o" is "о")."""
    return any(reading in STOP_WORDS for reading in fold_readings(word.lower()))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    measures = Generator(seed=SEED, tail=3000).measures(SIZE)
    root = tmp_path_factory.mktemp("differential")
    indexer.build(None, root, measures=measures)
    return Corpus(measures, root)


@pytest.fixture(scope="module")
def holder(corpus):
    holder = IndexHolder(corpus.root)
    yield holder
    holder.close()


@pytest.fixture(scope="module")
def stock(corpus):
    """Stock Whoosh on the same build: (searcher, {docnum: id})."""
    ix = whoosh_index.open_dir(str((corpus.root / "current").resolve()))
    searcher = ix.searcher(weighting=BM25F(B=0.75, K1=1.2))
    ids = {}
    for mid in corpus.measures:
        docnum = searcher.document_number(id=mid)
        assert docnum is not None, mid
        ids[docnum] = mid
    yield searcher, ids
    searcher.close()


# --- queries ---------------------------------------------------------------------------------

class Query:
    """One generated query: its text, the filters, and its meaning for the brute-force scan."""

    def __init__(self, text, must=(), any_of=(), must_not=(), phrase=None, filters=None, law=None,
                 exclusions=None, years=None, groups=(), written=()):
        self.text = text
        self.written = list(written)  # the words a prefix* stands for
        self.exclusions = exclusions or {}
        self.years, self.groups = years, tuple(groups)  # (year_from, year_to) or None; event groups
        self.law = law  # (law key token, bare number) of a law-number query
        self.must, self.any_of, self.must_not = list(must), list(any_of), list(must_not)
        self.phrase = phrase
        self.filters = filters or {}

    def __repr__(self):
        return (f"Query({self.text!r}, filters={self.filters}, exclusions={self.exclusions}, years={self.years}, "
                f"groups={self.groups})")


def _content_words(text):
    return [w for w in re.findall(r"[^\W\d_]+", text) if len(w) >= 3 and not _is_stop(w) and w.isalpha()]


def generate_queries(corpus, rng, count=200):
    ids = sorted(corpus.measures)
    queries = []

    def pick():
        return corpus.measures[rng.choice(ids)]

    def filters(m):
        roll = rng.random()
        if roll < 0.6:
            return {}
        name = rng.choice(FACETS)
        value = getattr(m, name) if rng.random() < 0.8 else getattr(pick(), name)
        return {name: [value]} if value else {}

    def narrow(query, m):
        """Add, now and then, an exclusion and a year range of some event groups."""
        if rng.random() < 0.25:
            name = rng.choice(FACETS)
            value = getattr(pick(), name)
            if value and value not in query.filters.get(name, ()):
                query.exclusions = {name: [value]}
        if rng.random() < 0.3:
            low = rng.randint(1995, 2024)
            query.years = (low, low + rng.randint(0, 6))
            query.groups = tuple(g for g in ("in_force", "amended", "reported") if rng.random() < 0.5)
        return query

    while len(queries) < count:
        m = pick()
        words = _content_words(m.description)
        title_words = _content_words(" ".join(m.titles))
        kind = rng.randrange(13)
        if kind == 0 and words:  # one word
            w = rng.choice(words)
            queries.append(Query(w, must=[w], filters=filters(m)))
        elif kind == 1 and len(words) > 1:  # two words of one measure
            a, b = rng.sample(words, 2)
            queries.append(Query(f"{a} {b}", must=[a, b], filters=filters(m)))
        elif kind == 2 and words:  # words of two measures (may need relaxing)
            other = _content_words(pick().description)
            if other:
                a, b = rng.choice(words), rng.choice(other)
                queries.append(Query(f"{a} {b}", must=[a, b], filters=filters(m)))
        elif kind == 3 and words:  # OR
            other = _content_words(pick().description) or words
            a, b = rng.choice(words), rng.choice(other)
            queries.append(Query(f"{a} OR {b}", any_of=[a, b], filters=filters(m)))
        elif kind == 4 and len(words) > 1:  # NOT
            a, b = rng.sample(words, 2)
            if corpus.alternatives(a)[0] & corpus.alternatives(b)[0]:
                continue
            queries.append(Query(f"{a} -{b}", must=[a], must_not=[b], filters=filters(m)))
        elif kind == 5:  # a phrase of consecutive words
            tokens = re.findall(r"[^\W\d_]+", m.description)
            if len(tokens) < 4:
                continue
            i = rng.randrange(len(tokens) - 3)
            phrase = [t.lower() for t in tokens[i:i + rng.randint(2, 4)]]
            if all(_is_stop(t) for t in phrase):
                continue
            queries.append(Query('"' + " ".join(phrase) + '"', phrase=phrase, filters=filters(m)))
        elif kind == 6:  # a phrase that begins with a stop word, its next word first in a field
            head = re.findall(r"[^\W\d_]+", m.titles[0])[:2]
            stop = rng.choice(("the", "of", "a", "on"))
            if not head or _is_stop(head[0]):
                continue
            phrase = [stop] + [t.lower() for t in head]
            queries.append(Query('"' + " ".join(phrase) + '"', phrase=phrase))
        elif kind == 7 and title_words:  # a title word (Cyrillic or English)
            w = rng.choice(title_words)
            queries.append(Query(w, must=[w], filters=filters(m)))
        elif kind == 8 and words:  # a word in upper case with a stop word beside it
            w = rng.choice(words)
            queries.append(Query(f"the {w.upper()}", must=[w.upper()], filters=filters(m)))
        elif kind == 9 and words:  # a prefix: every word of the corpus that starts with it
            w = rng.choice(words).lower()
            stem = w[:rng.randint(3, 5)]
            expansions = [v for v in corpus.readings if any(v.startswith(r) for r in fold_readings(stem))]
            if len(expansions) <= 150:
                queries.append(Query(f"{stem}*", written=expansions, filters=filters(m)))
        elif kind == 10 and words:  # a typo with ~: every word of the corpus within the edit distance
            w = rng.choice(words).lower()
            if len(w) < 5:
                continue
            i = rng.randrange(1, len(w) - 1)
            typo, distance = w[:i] + w[i + 1:], rng.choice((1, 2))
            # Whoosh's FuzzyTerm keeps the first letter (prefixlength=1), and so does the search box
            near = [v for v in corpus.readings if v[:1] == typo[:1] and abs(len(v) - len(typo)) <= distance
                    and _edits(v, typo) <= distance]
            latin = re.search("[a-z]", typo) and not re.search("[\u0400-\u04ff]", typo)
            if latin and corpus.alternatives(typo)[1] & corpus.romanized.keys():
                near.append(typo)  # Latin letters that romanize a word of another script match as typed
            queries.append(Query(f"{typo}~{distance}", any_of=near, filters=filters(m)))
        elif kind == 12:  # two words that stand next to each other in a description, typed without quotes
            tokens = re.findall(r"[^\W\d_]+", m.description)
            pairs = [(a, b) for a, b in zip(tokens, tokens[1:]) if len(a) >= 3 and len(b) >= 3
                     and not _is_stop(a) and not _is_stop(b)]
            if pairs:
                a, b = rng.choice(pairs)
                queries.append(Query(f"{a.lower()} {b.lower()}", must=[a.lower(), b.lower()], filters=filters(m)))
        elif kind == 11:  # a law number of a title, typed with or without "No."
            found = re.findall(r"\b(\d+)-([IVXLC]+)\b", " ".join(m.titles))
            if not found:
                continue
            number, suffix = rng.choice(found)
            text = rng.choice((f"No. {number}-{suffix}", f"{number}-{suffix}", f"№ {number}-{suffix}"))
            key = f"{number}-{suffix}".lower()
            queries.append(Query(text, law=(key, number), filters=filters(m)))
    queries += _romanized_phrases(corpus, rng)
    return [narrow(q, pick()) for q in queries]


def _romanized_phrases(corpus, rng, count=20):
    """Phrases of two or three consecutive words of Cyrillic titles, typed as the romanization spells them."""
    letters = roman_letters()
    found = []
    for mid in sorted(corpus.measures):
        for title in corpus.measures[mid].titles:
            tokens = re.findall(r"[^\W\d_]+", title)
            found += [tokens[i:i + 3] for i in range(len(tokens) - 2)
                      if all(not w.isascii() for w in tokens[i:i + 3]) and not _is_stop(tokens[i])]
    queries = []
    for words in rng.sample(found, min(count, len(found))):
        phrase = ["".join(letters.get(c, c) for c in w.lower()) for w in words[:rng.randint(2, 3)]]
        queries.append(Query('"' + " ".join(phrase) + '"', phrase=phrase))
        # one of those words with ~: the words of the corpus within two edits, and the word as typed, which
        # matches the Cyrillic one by its romanization (as it does without ~)
        typed = phrase[-1]
        if len(typed) >= 5:
            near = [v for v in corpus.readings if v[:1] == typed[:1] and abs(len(v) - len(typed)) <= 2
                    and _edits(v, typed) <= 2]
            queries.append(Query(f"{typed}~", any_of=[*near, typed]))
    return queries


def _edits(a, b):
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def brute_force(corpus, query):
    """Return the ids that match the query's words (relaxed to any word if all together match none)."""
    def matches(mid, every):
        if query.phrase is not None:
            return corpus.has_phrase(mid, query.phrase)
        if query.law is not None:  # the instrument's number, or a law number of the bare number typed otherwise
            key, number = query.law
            return key in corpus.positions[mid] or corpus.has_law_number(mid, number)
        if query.written:
            return corpus.has_written(mid, query.written)
        if query.any_of:
            return any(corpus.has_word(mid, w) for w in query.any_of)
        words = query.must
        hit = all(corpus.has_word(mid, w) for w in words) if every else any(corpus.has_word(mid, w)
                                                                           for w in words)
        return hit and not any(corpus.has_word(mid, w) for w in query.must_not)

    found = {mid for mid in corpus.measures if matches(mid, True)}
    if not found and len(query.must) > 1:
        found = {mid for mid in corpus.measures if matches(mid, False)}
    return found


def _event_years(measure, groups):
    return {year for group, year in date_events(measure.dates) if not groups or group in groups}


def _filtered(corpus, ids, filters, skip=None, query=None):
    """Narrow ids by the filters (and the query's exclusions and year range); `skip` one facet's own."""
    exclusions = query.exclusions if query else {}
    years = query.years if query and skip != "year" else None
    result = set()
    for mid in ids:
        m = corpus.measures[mid]
        if not all(getattr(m, name) in values for name, values in filters.items() if name != skip):
            continue
        if any(getattr(m, name) in values for name, values in exclusions.items() if name != skip):
            continue
        if years and not any(years[0] <= y <= years[1] for y in _event_years(m, query.groups)):
            continue
        result.add(mid)
    return result


def _run(holder, query, **kwargs):
    years = query.years or (None, None)
    request = SearchRequest(q=query.text, filters={k: list(v) for k, v in query.filters.items()},
                            exclusions={k: list(v) for k, v in query.exclusions.items()},
                            year_from=years[0], year_to=years[1], event=query.groups, **kwargs)
    return search(holder, request)


def _all_hits(holder, query, sort, per_page=100):
    """Every hit of the query in the given sort, page by page."""
    first = _run(holder, query, sort=sort, per_page=per_page)
    hits = list(first["hits"])
    for page in range(2, min(first["pages"], 100) + 1):
        hits.extend(_run(holder, query, sort=sort, per_page=per_page, page=page)["hits"])
    return first, hits


@pytest.fixture(scope="module")
def relevance_hits(holder):
    """_all_hits of a query in relevance order, read page by page once and compared by several tests."""
    return functools.cache(lambda query: _all_hits(holder, query, "relevance"))


# --- the comparisons -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def queries(corpus):
    return generate_queries(corpus, random.Random(SEED))


def test_matching_sets_and_totals_equal_a_brute_force_scan(corpus, relevance_hits, queries):
    differences = []
    for query in queries:
        expected = _filtered(corpus, brute_force(corpus, query), query.filters, query=query)
        result, hits = relevance_hits(query)
        got = [h["id"] for h in hits]
        if result["total"] != len(expected) or set(got) != expected or len(got) != len(set(got)):
            differences.append((query, result["total"], len(expected), sorted(set(got) ^ expected)[:5]))
    assert not differences, f"{len(differences)} of {len(queries)} queries differ: {differences[:5]}"
    romanized = [q for q in queries if q.phrase and _typed_romanized(corpus, q)]
    assert sum(1 for q in romanized if relevance_hits(q)[0]["total"]) >= 10  # Cyrillic titles found in Latin


def _typed_romanized(corpus, query):
    """Return whether a phrase query stands on some word only by romanization (not by its own text tokens)."""
    return any(corpus.phrase_tokens(w) - corpus.alternatives(w)[0] for w in query.phrase if not _is_stop(w))


def test_disjunctive_facet_counts_equal_a_brute_force_count(corpus, holder, queries):
    differences = []
    for query in queries[::3]:
        matched = brute_force(corpus, query)
        result = _run(holder, query, per_page=1)
        for name in FACETS + ("year",):
            base = _filtered(corpus, matched, query.filters, skip=name, query=query)
            if name == "year":  # measures with an event (of the chosen groups) in each year
                expected = collections.Counter(y for mid in base
                                               for y in _event_years(corpus.measures[mid], query.groups))
            else:
                expected = collections.Counter(getattr(corpus.measures[mid], name) for mid in base)
                expected.pop(None, None)
            got = {f["value"]: f["count"] for f in result["facets"][name] if f["count"]}
            if got != dict(expected):
                differences.append((query, name))
            if name != "year":
                selected = {f["value"] for f in result["facets"][name] if f["selected"]}
                assert selected == set(query.filters.get(name, ())), (query, name)
    assert not differences, f"{len(differences)} facet differences: {differences[:5]}"


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_pages_concatenate_to_one_big_page_without_repeats(corpus, holder, queries, sort):
    rng = random.Random(sort)
    checked = 0
    for query in rng.sample(queries, 80) + [Query("")]:
        big = _run(holder, query, sort=sort, per_page=100)
        if big["total"] < 8:
            continue
        per_page = rng.choice((3, 7, 10))
        pages = []
        for page in range(1, min(100 // per_page, (big["total"] + per_page - 1) // per_page) + 1):
            pages.extend(h["id"] for h in _run(holder, query, sort=sort, per_page=per_page, page=page)["hits"])
        assert len(pages) == len(set(pages)), (query, sort)
        assert pages == [h["id"] for h in big["hits"]][:len(pages)], (query, sort, per_page)
        checked += 1
    assert checked >= 20


def test_relevance_order_is_by_score_then_id(corpus, relevance_hits, queries):
    for query in queries[::4]:
        _, hits = relevance_hits(query)
        keys = [(-h["score"], h["id"]) for h in hits]
        assert keys == sorted(keys), query


def _exact_forms(corpus, word):
    return {t.text for t in corpus.schema["exact"].analyzer(word, mode="query")}


def _stock_word(corpus, w):
    """One typed word as Whoosh objects: an Or of its text tokens, exact forms and roman keys."""
    text, roman = corpus.alternatives(w)
    return wq.Or([wq.Term("text", t) for t in sorted(text)]
                 + [wq.Term("exact", e, boost=ms_schema.EXACT_BOOST) for e in sorted(_exact_forms(corpus, w))]
                 + [wq.Term("roman", k, boost=ms_schema.ROMAN_BOOST) for k in sorted(roman)])


def _stock_found(corpus, searcher, ids, query):
    """Return {id: stock Whoosh score} of the query's words (its exclusions taken out).

    The exclusions are two stock searches and a set difference, not
    wq.AndNot: Whoosh 2.7.5's AndNotMatcher._find_first skips the excluded
    list forward only when both lists start on the same document, so a
    document that is the first of the wanted list but not of the excluded one
    is kept although it holds an excluded word (seen here: 'disfi -encryption').
    AndNot scores are the wanted part's scores, as here.
    """
    def found(q):
        return {ids[hit.docnum]: hit.score for hit in searcher.search(q, limit=None)}
    if query.any_of:
        return found(wq.Or([_stock_word(corpus, w) for w in query.any_of]))
    wanted = found(wq.And([_stock_word(corpus, w) for w in query.must]))
    if query.must_not:
        excluded = found(wq.Or([_stock_word(corpus, w) for w in query.must_not]))
        return {mid: score for mid, score in wanted.items() if mid not in excluded}
    return wanted


def _proximity(corpus, searcher, ids, query):
    """Return {id: the proximity term} of a query of plain words, as the README states it.

    For each two words typed next to each other (not both stop words), the
    measures where a text token of the first stands just before a text token of
    the second (brute force on the analysed positions) get PROXIMITY_BOOST x
    the stock Whoosh score of the two words' text and exact terms; a word whose
    text tokens are in more than proximity_limit(N) documents takes no part.
    """
    typed = query.text.split()
    bonus = collections.Counter()
    limit = ms_matching.proximity_limit(searcher.doc_count_all())
    for first, second in zip(typed, typed[1:]):
        if _is_stop(first) and _is_stop(second):
            continue
        if any(sum(searcher.doc_frequency("text", t) for t in corpus.alternatives(w)[0]) > limit
               for w in (first, second)):
            continue
        a, b = corpus.alternatives(first)[0], corpus.alternatives(second)[0]
        near = {mid for mid, table in corpus.positions.items()
                if {p + 1 for t in a for p in table.get(t, ())} & {p for t in b for p in table.get(t, ())}}
        for w in (first, second):
            terms = wq.Or([wq.Term("text", t) for t in sorted(corpus.alternatives(w)[0])]
                          + [wq.Term("exact", e, boost=ms_schema.EXACT_BOOST) for e in sorted(_exact_forms(corpus, w))])
            for hit in searcher.search(terms, limit=None):
                if ids[hit.docnum] in near:
                    bonus[ids[hit.docnum]] += ms_matching.PROXIMITY_BOOST * hit.score
    return bonus


def test_scores_and_sets_equal_stock_whoosh(corpus, relevance_hits, stock, queries):
    searcher, ids = stock
    compared = with_proximity = 0
    for query in queries:
        if query.phrase is not None or query.law is not None or query.text.endswith(("*", "~1", "~2")):
            continue
        found = _stock_found(corpus, searcher, ids, query)
        if not found:
            continue  # relaxed answers are not a Whoosh query of their own
        allowed = _filtered(corpus, found, query.filters, query=query)  # the facet filters, by brute force
        expected = {mid: score for mid, score in found.items() if mid in allowed}
        if not query.any_of and not query.must_not:
            bonus = _proximity(corpus, searcher, ids, query)
            expected = {mid: score + bonus[mid] for mid, score in expected.items()}
            with_proximity += any(bonus[mid] for mid in expected)
        result, hits = relevance_hits(query)
        got = {h["id"]: h["score"] for h in hits}
        assert set(got) == set(expected), query
        for mid, score in got.items():
            assert score == pytest.approx(expected[mid], rel=1e-9, abs=1e-9), (query, mid)
        compared += 1
    assert compared >= 100
    assert with_proximity >= 10  # words typed together that stand together in some measures


def _plain(fragment):
    return html.unescape(MARK.sub("", fragment))


def _at_word_edges(text, start, end):
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not WORDCHAR.match(before) and not WORDCHAR.match(after)


def test_highlights_are_the_text_with_whole_words_marked(corpus, holder, queries):
    for query in queries[::2]:
        result = _run(holder, query, per_page=20)
        for hit in result["hits"]:
            m = corpus.measures[hit["id"]]
            assert hit["matched"], (query, hit["id"])
            if not result["relaxed"]:
                assert_every_clause_explained(parse(query.text).positive, hit, query.text)
            for marked, title in zip(hit["highlights"]["titles"], m.titles):
                assert _plain(marked) == title
                _check_marks(marked, title, query)
            snippet = hit["highlights"]["description"]
            for fragment in _plain(snippet).split("…"):
                fragment = fragment.strip()
                if not fragment:
                    continue
                start = m.description.find(fragment)
                assert start >= 0, (query, fragment)
                assert _at_word_edges(m.description, start, start + len(fragment)), (query, fragment)
            for piece in snippet.split("…"):
                plain = _plain(piece).strip()
                if plain:
                    _check_marks(piece.strip(), plain, query)


def _check_marks(marked, plain, query):
    """Every <mark> wraps whole words of the text (never a fragment of a word); no other tag is added."""
    assert not re.search(r"<(?!/?mark>)", marked), marked
    for match in re.finditer(r"<mark>(.*?)</mark>", marked):
        start = len(_plain(marked[:match.start()]))
        end = start + len(html.unescape(match.group(1)))
        assert _at_word_edges(plain, start, end), (query, marked)


def test_a_prefix_marks_only_the_words_it_stands_for(corpus, holder, queries):
    """A prefix* marks words that start with it (as written: British spelling made American), never another
    word of their stem ("accorda*" marks "accordance", not "According")."""
    checked = 0
    for query in queries:
        if not query.written:
            continue
        allowed = set().union(*(_exact_forms(corpus, w) for w in query.written))
        for hit in _run(holder, query, per_page=20)["hits"]:
            for text in [*hit["highlights"]["titles"], hit["highlights"]["description"]]:
                for word in re.findall(r"<mark>(.*?)</mark>", text):
                    assert _exact_forms(corpus, html.unescape(word)) & allowed, (query, word)
                    checked += 1
    assert checked >= 50


def test_titles_left_unromanized_highlight_as_if_every_title_were_tried(corpus, holder, queries, monkeypatch):
    """match_page computes no romanization key for the titles of a measure whose "roman" postings hold
    none of the query's (the index keeps every title word's keys): trying every title answers the same.
    The queries add title words typed as the romanization spells them (a Cyrillic word in Latin letters,
    an English one as it is), alone, beside another title word, and in a phrase."""
    letters = roman_letters()
    rng = random.Random(SEED)
    title_words = sorted({word for m in corpus.measures.values() for title in m.titles
                          for word in re.findall(r"[^\W\d_]{4,}", title)})
    typed = [q.text for q in queries[::2]]
    for word in rng.sample(title_words, 60):
        spelt = "".join(letters.get(c, c) for c in word.lower())
        typed += [spelt, f"{spelt} {rng.choice(title_words)}", f'"{spelt} {rng.choice(title_words)}"']

    def answers():
        out = []
        for q in typed:
            result = search(holder, SearchRequest(q=q))
            result.pop("took_ms")
            out.append(result)
        return out

    skipping = answers()
    monkeypatch.setattr(ms_matching.Evaluation, "holding", lambda self, docs, field, terms: [True] * len(docs))
    trying = answers()
    assert sum(1 for r in trying for h in r["hits"] for m in h["matched"] if m["kind"] == "romanized") >= 30
    assert skipping == trying
