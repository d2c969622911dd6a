"""The query's words indexed by every form they match under, and where they occur in a text.

The same forms() the index uses decide what matches, so a word is marked
exactly when it was indexed under one of the query's terms, and the marked
characters are the source's own, at their own offsets (highlight.py marks them).
A page's texts are taken apart by page_words.py, and word_starts.py says which
of their words can match at all.
"""

import bisect
import functools

from measuresearch.query.matching import is_prefix_word
from measuresearch.query.parser import Expansion, LawNumber, Phrase
from measuresearch.search import page_words, word_starts
from measuresearch.text.analysis import (LAW_NUMBER, WORD, Piece, bare_number, forms, has_letters, law_keys,
                                          may_hold_law_number, terms)
from measuresearch.text.writing_systems import LATIN_KEY, fold_readings

# The kinds of match, strongest first: a word that matches in several ways
# is reported under the first.
# number: the bare number of a law number typed ("No. 485-VII" finding "No. 485-V");
# prefix, fuzzy: a word that "regul*" or "goverment~" stands for.
KINDS = ("law_number", "exact", "lookalike", "stem", "romanized", "number", "prefix", "fuzzy")
_UNSEEN = object()


@functools.lru_cache(maxsize=200_000)
def _word_keys(raw):
    """Return (casefolded, look-alike readings, stems) of one word of a text: one cached look-up per word."""
    return raw.casefold(), fold_readings(raw), terms(raw, False, "text")


# What a word of a text matches in a query is a function of the query's units alone: the words of a
# page classified for one request are not classified again by the next request of the same query (its
# next page, the same search again, a phrase's stop word in other phrases). Bounded: so many queries
# (a phrase's words count one each), so many words in each of their four tables (one that fills up
# starts again empty); at about 110 bytes a word, at most 64 x 4 x 1024 words, about 30 MB.
MEMO_QUERIES, MEMO_WORDS = 64, 1024


@functools.lru_cache(maxsize=MEMO_QUERIES)
def _classified(units):
    """Return the shared tables of one query's classified words: {(titles, romanized): {word: hit}, "law": ...}.

    Requests on other threads use the same tables at once: they only get and set
    single words (never iterate), so a table emptied meanwhile costs a word's
    classification again, never a wrong answer.
    """
    return {(False, True): {}, (True, True): {}, (True, False): {}, "law": {}}


def _remember(kinds, raw, hit):
    """Keep one word's classification in its table (emptied first when full); return it."""
    if len(kinds) >= MEMO_WORDS:
        kinds.clear()
    kinds[raw] = hit
    return hit


def _as_typed(unit, kind):
    """Return (unit, kind) as explained: a word a prefix* or fuzzy~ stands for by what was typed."""
    return (unit.source, unit.kind) if isinstance(unit, Expansion) else (unit, kind)


@functools.lru_cache(maxsize=MEMO_QUERIES)  # a few KB each
def _tables(units):
    """Return what QueryWords looks a text's words up by, for a tuple of query units: (forms by kind,
    cross_script, keys, roman_keys, roman_initials, heads, title_heads, words_alone); shared by
    every matcher of those units, never changed.

    A function of the units alone, kept (as _classified): each request of a query (its next page, a facet
    clicked) built them again, a tenth of a two-word phrase's request; a phrase's words, each with a matcher
    of its own, come back in other queries ("regulation").
    """
    # by kind, each key -> the query units under it, in order (the first is the one matches() gives a piece);
    # "written": the words a prefix* stands for, by their "exact" forms (as written, British spelling made
    # American): each matches those alone, not the other words of its stem (matching.word_terms)
    tables = {kind: {} for kind in (*KINDS, "written")}
    # words typed come before the words a prefix* or fuzzy~ stands for: a form both share is the typed word's
    for unit in sorted(units, key=lambda u: isinstance(u, Expansion)):
        if isinstance(unit, Phrase):
            continue
        if isinstance(unit, LawNumber):
            keys = forms(unit.text, True).law
            _add(tables, "law_number", keys, unit)
            _add(tables, "number", (bare_number(keys),), unit)  # as matching.word_terms
            continue
        word = forms(unit.text)
        if is_prefix_word(unit):
            _add(tables, "written", word.exact, unit)
            continue
        _add(tables, "exact", (word.lower,), unit)
        _add(tables, "lookalike", word.readings, unit)
        _add(tables, "stem", word.stems, unit)
        _add(tables, "romanized", word.roman, unit)
    # the index romanizes every word of a title, so a Cyrillic query word may match an ASCII title word
    # that way ("ЗРК": "ZRK"; writing_systems.LATIN_KEY)
    cross_script = any(key.startswith(LATIN_KEY) for key in tables["romanized"])
    prefixes = word_starts.ascii_prefixes(tables)
    # every key a word of a text is looked up under (but romanization keys) in one set, and those keys apart:
    # most words of a page match no query word, and are told so in C (_word_spans) before _unit_kind looks
    keys = frozenset().union(*(tables[kind] for kind in ("exact", "lookalike", "stem")))
    roman_keys = frozenset(tables["romanized"])
    # an ASCII word can only have one of those keys if it starts with one of these letters (either case)
    roman_initials = word_starts.initials_of_keys(roman_keys)
    # what an ASCII word may start with (_candidates), in a title too: in every letter case, and in lowercase
    heads = (tuple(prefixes), frozenset(prefix.lower() for prefix in prefixes))
    title_heads = (tuple(prefixes | roman_initials), frozenset(head.lower() for head in prefixes | roman_initials))
    # a query of phrases and law numbers alone: no plain word of a text matches outside them (a law number and
    # its bare number match a text's law numbers: _law_matches)
    words_alone = any(tables[kind] for kind in ("exact", "lookalike", "stem", "romanized", "written"))
    return tables, cross_script, keys, roman_keys, roman_initials, heads, title_heads, words_alone


def _add(tables, kind, keys, unit):
    for key in keys:
        tables[kind].setdefault(key, []).append(unit)


class QueryWords:
    """The query's words and law numbers, indexed by every form they match under."""

    def __init__(self, units):
        self.units = list(units)
        self.phrases = [u for u in self.units if isinstance(u, Phrase)]
        # one matcher per distinct phrase word, built once and memoising across the texts of a request
        # (a word that comes back, "the ... the" or in two phrases, is matched once)
        matchers = {}
        self._phrase_words = [([matchers[w] if w in matchers else matchers.setdefault(w, QueryWords([w]))
                                for w in p.words], p.required()) for p in self.phrases]
        # a stop word only holds its place: matched in the texts that hold the phrase's required words
        self._primed = list({id(m): m for ms, required in self._phrase_words
                             for m, needed in zip(ms, required) if needed}.values())
        # ... and then, in one scan too, in the texts that hold every required word of one of its phrases
        self._stops = list({id(m): m for ms, required in self._phrase_words
                            for m, needed in zip(ms, required) if not needed and m not in self._primed}.values())
        (self.forms, self.cross_script, self._keys, self._roman_keys, self._roman_initials,
         self._heads, self._title_heads, self.words_alone) = _tables(tuple(self.units))
        self._every_kind = {}  # (text word, is a law number, in a title, romanized) -> [(query word, kind)]
        self._cache = {}
        # by (titles, romanized), then word; law numbers apart: kept across the query's requests (_classified)
        self._kinds = _classified(tuple(self.units))
        self._law_kinds = self._kinds["law"]

    @functools.cached_property
    def sharing(self):
        """Return the query words (as typed) with a form of another's ("regulation regulations": "regul"; "regul*
        regulations": "regulator", a word regul* stands for, is "regul" too): one text word can match several
        of them, and other_matches looks for those beside the one matches() gives it."""
        units = [unit for unit in self.units if not isinstance(unit, Phrase)]
        if len({_as_typed(unit, None)[0] for unit in units}) < 2:
            return frozenset()
        holders = {}  # every form of a query word -> the query words (as typed) with that form
        for unit in units:
            if isinstance(unit, LawNumber):
                keys = forms(unit.text, True).law
                keys = (*keys, bare_number(keys))
            else:
                word = forms(unit.text)
                keys = (word.lower, *word.readings, *word.stems, *word.roman, *word.exact)
            for key in keys:
                holders.setdefault(key, set()).add(_as_typed(unit, None)[0])
        return frozenset(unit for units in holders.values() if len(units) > 1 for unit in units)

    def other_matches(self, text, titles=False, romanized=True):
        """Return [(piece, word, kind)] of the query words in `sharing` where a piece of matches(text, titles) matches
        them as well as the word it was given (a highlight needs one: in "regulation regulations", "Regulation" is the
        first word's, exactly, and the second's too, by its stem, which explain() says). romanized: as in prime().
        """
        found, every = [], self._every_kind
        for piece, unit, _ in self.matches(text, titles):
            key = (piece.raw, piece.law, titles, romanized)
            if key not in every:
                hits = (_as_typed(*hit) for hit in self._unit_kinds(piece, titles, romanized))
                every[key] = [(word, kind) for word, kind in hits if word in self.sharing]
            found.extend((piece, word, kind) for word, kind in every[key] if word != unit)
        return found

    def romanization_keys(self):
        """Return every romanization key a word of the query (phrase words included) matches under."""
        keys = set(self.forms["romanized"])
        for matchers, _ in self._phrase_words:
            keys.update(key for matcher in matchers for key in matcher.forms["romanized"])
        return keys

    def kind_of(self, piece, titles=False):
        """Return (query unit, kind) for one text piece, or None (memoised per surface form)."""
        kinds = self._law_kinds if piece.law else self._kinds[(titles, True)]
        hit = kinds.get(piece.raw, _UNSEEN)
        if hit is _UNSEEN:
            hit = _remember(kinds, piece.raw, self._kind_of(piece, titles))
        return hit

    def _kind_of(self, piece, titles, romanized=True):
        hit = self._unit_kind(piece, titles, romanized)
        return _as_typed(*hit) if hit else hit

    def _may_match(self, raw, titles, romanized):
        """Return False for a word of a text that _unit_kind would find no query unit for, told at C speed.

        Most words of a page match no query word: none of their keys is one of the query's
        (looked up in one set), and an ASCII word of a title cannot have one of the query's
        romanization keys unless it starts with a letter such a key can come from.
        """
        lower, readings, stems = _word_keys(raw)
        keys = self._keys
        if lower in keys or not keys.isdisjoint(readings) or not keys.isdisjoint(stems):
            return True
        written = self.forms["written"]
        if written and not written.keys().isdisjoint(terms(raw, False, "exact")):
            return True
        if not self._roman_keys or not (romanized if titles else not raw.isascii()):
            return False
        if raw.isascii() and raw[0] not in self._roman_initials:
            return False
        return not self._roman_keys.isdisjoint(terms(raw, False, "roman"))

    def _unit_kind(self, piece, titles, romanized=True):
        return next(self._unit_kinds(piece, titles, romanized), None)

    def _unit_kinds(self, piece, titles, romanized=True):
        """Yield (query unit, kind) for every query unit a text piece matches, the one matches() gives it first."""
        raw, tables = piece.raw, self.forms
        if piece.law:
            keys = law_keys(raw)
            for key in keys:
                for unit in tables["law_number"].get(key, ()):
                    yield unit, "law_number"
            # another instrument of the number typed (matching.word_terms: its number_term); the whole number marked
            if has_letters(keys):
                for unit in tables["number"].get(bare_number(keys), ()):
                    yield unit, "number"
            return
        # cheapest forms first (cached), romanization keys only when they can matter
        lower, readings, stems = _word_keys(raw)
        for kind, keys in (("exact", (lower,)), ("lookalike", readings), ("stem", stems)):
            table = tables[kind]
            for key in keys:
                yield from ((unit, kind) for unit in table.get(key, ()))
        if tables["written"]:  # a word a prefix* stands for (its kind is the prefix's: _kind_of)
            for key in terms(raw, False, "exact"):
                yield from ((unit, "exact") for unit in tables["written"].get(key, ()))
        # a romanized match, as the index has it: a word with non-ASCII letters anywhere,
        # an ASCII word only in a title (the index romanizes every word of a title); none
        # in the titles of a measure whose "roman" postings hold no key of the query (romanized=False)
        table = tables["romanized"]
        if table and (romanized if titles else not raw.isascii()):
            for key in terms(raw, False, "roman"):
                yield from ((unit, "romanized") for unit in table.get(key, ()))

    def matches(self, text, titles=False):
        """Return [(piece, word, kind)] for every piece of text a query unit matches.

        A word or law number matches wherever it occurs; the words of a
        phrase only where they occur in order. titles: the text is a title
        (the index romanizes every word of a title, elsewhere only non-ASCII words).
        """
        key = (text, titles)
        if key not in self._cache:
            self._cache[key] = self._matches(text, titles)
        return self._cache[key]

    def prime(self, texts, titles=False, romanized=True, within=None):
        """Compute the matches of many texts at once (a page of hits): one scan, one regex.

        The texts are joined with a separator no word contains, matched on the
        common path, and the matches handed back to each text; phrases and law
        numbers are then matched text by text as usual. romanized=False: titles
        of measures whose "roman" postings hold none of romanization_keys(), so
        that no word of them can match by romanization (the index keeps the keys
        of every title word); their keys are then not computed. within: texts
        joined that hold all of these (the page, for some of its texts): their
        words, already split, are tried, rather than splitting these again.
        """
        texts = [t for t in dict.fromkeys(texts) if (t, titles) not in self._cache]
        if len(texts) < 2:
            return
        starts, offset = [], 0
        for text in texts:
            starts.append(offset)
            offset += len(text) + 1
        per_text, joined = [[] for _ in texts], page_words.SEPARATOR.join(texts)
        for start, end, word, unit, kind in self._word_spans(joined, titles, romanized, within):
            number = bisect.bisect_right(starts, start) - 1
            shift = starts[number]
            per_text[number].append((Piece(start - shift, end - shift, 0, word), unit, kind))
        for matcher in self._primed:  # the phrases' required words' own matches, in one scan as well
            matcher.prime(texts, titles, romanized)
        if self._stops:  # as _phrase_matches would match them text by text (romanized, as matches() does)
            held = [text for text in texts if any(all(m.matches(text, titles) for m, needed in zip(ms, required)
                                                      if needed) for ms, required in self._phrase_words)]
            for matcher in self._stops:
                matcher.prime(held, titles, within=joined)
        for text, found in zip(texts, per_text):
            self._cache[(text, titles)] = self._with_laws_and_phrases(found, text, titles)

    def _candidates(self, text, titles, romanized=True):
        """Return the distinct words of text that could match: a cheap necessary condition.

        An ASCII word must start with the first letters of a form the query
        matches under (_heads), or, in a title, with a letter one of the
        query's romanization keys can come from (writing_systems.roman_initials);
        words with other letters are tried.
        """
        page = page_words.page(text)
        if page.combining:
            return page_words.distinct_words(text, WORD)
        # in a title a letter a romanization key can come from (then the first letter tells) lets through every
        # word that starts with it
        cased, lowered = self._title_heads if titles and romanized and self.cross_script else self._heads
        return page.others.union(page_words.words_starting(page.spaced, page.lowered, lowered),
                                 [word for word in page.mixed if word.startswith(cased)])

    def _matches(self, text, titles):
        return self._with_laws_and_phrases(self._word_matches(text, titles), text, titles)

    def _with_laws_and_phrases(self, found, text, titles):
        """Add to the word matches of text its law numbers' (in text order, each before its first word),
        then its phrases'."""
        if self.forms["law_number"] and may_hold_law_number(text):  # only a query with a law number matches one
            found = sorted(found + self._law_matches(text, titles), key=lambda match: (match[0].start, not match[0].law))
        if self.phrases:
            found.extend(self._phrase_matches(text, titles))
        return found

    def _word_matches(self, text, titles, romanized=True):
        return [(Piece(start, end, 0, word), unit, kind)
                for start, end, word, unit, kind in self._word_spans(text, titles, romanized)]

    def _word_spans(self, text, titles, romanized=True, within=None):
        """Return [(start, end, word, unit, kind)] of the words of text that a query word matches, in text order.

        within: a text that holds every word of text; its candidates are tried (those not
        in text are then not found in it).
        """
        # the common case, kept in C as far as possible: the distinct words of the text are
        # classified once each, then a substring search of each word that matched finds its places
        if not self.words_alone:
            return []
        kinds = self._kinds[(titles, romanized or not titles)]
        hits = {}
        for raw in self._candidates(text if within is None else within, titles, romanized):
            hit = kinds.get(raw, _UNSEEN)
            if hit is _UNSEEN:
                hit = self._kind_of(Piece(0, 0, 0, raw), titles, romanized) if self._may_match(raw, titles, romanized) \
                    else None
                _remember(kinds, raw, hit)
            if hit:
                hits[raw] = hit
        if not hits:
            return []
        return [(start, end, word, *hits[word]) for start, end, word in page_words.whole_words(text, hits)]

    def _law_matches(self, text, titles):
        """Return the matches of the law numbers of text: those analysis.word_matches finds, at a word's start."""
        found = []
        for match in LAW_NUMBER.finditer(text):
            start = match.start()
            if start and page_words.joins(text[start - 1]):  # a combining mark before it: the word starts earlier
                continue
            piece = Piece(start, match.end(), 0, match.group(), True)
            hit = self.kind_of(piece, titles)
            if hit:
                found.append((piece, hit[0], hit[1]))
        return found

    def _phrase_matches(self, text, titles):
        """Return the matches of phrase words where the whole phrase occurs (stop words may differ).

        Each phrase word's own matches (the fast path) give its word positions;
        a phrase is tried only where its first required word occurs.
        """
        found = []
        for matchers, required in self._phrase_words:
            words = [m.matches(text, titles) if needed else None for m, needed in zip(matchers, required)]
            if not all(hits or not needed for hits, needed in zip(words, required)):
                continue  # a required word is not in the text
            words = [m.matches(text, titles) if hits is None else hits for m, hits in zip(matchers, words)]
            position = page_words.word_numbers(text, {match[0].start for hits in words for match in hits})
            at = [{position[match[0].start]: match for match in hits} for hits in words]
            anchor = required.index(True)  # a phrase always has a required word
            # stop words only hold places: before the first or after the last required word they
            # may stand outside the text ("the resolution" matches a text that starts "Resolution")
            for start in [i - anchor for i in at[anchor]]:
                hits = [at[k].get(start + k) for k in range(len(matchers))]
                if all(hit or not required[k] for k, hit in enumerate(hits)):
                    found.extend(hit for hit in hits if hit)
        return found

