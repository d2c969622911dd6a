"""Mark matched words in the source text and say why each hit matched.

The same forms() the index uses decide what matches, so a word is marked
exactly when it was indexed under one of the query's terms, and the marked
characters are the source's own, at their own offsets.
"""

import functools
import html
import re

from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

from .analysis import LAW_HINT, WORD, Piece, forms, law_keys, pieces, terms
from .queryparse import LawNumber, Phrase
from .scripts import fold_readings, lookalike_tables

SNIPPET_CHARS = 240
WHOLE_UNDER = 300
# The kinds of match, strongest first: a word that matches in several ways
# is reported under the first.
KINDS = ("law_number", "exact", "lookalike", "stem", "romanized")
_UNSEEN = object()
# British words whose American spelling starts with another letter ("aesthetic"/"esthetic").
INITIAL_CHANGERS = frozenset(b for b, a in BRITISH_ENGLISH_SPELLINGS.items() if a[:1] != b[:1])


@functools.lru_cache(maxsize=4096)
def _surface_regex(words):
    """Return a regex that finds these whole words (longest first, so no word hides a longer one)."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(r"(?<![^\W_]|[\u0300-\u036f])(?:" + alternatives + r")(?![^\W_]|[\u0300-\u036f])")


def _initials(tables):
    """Return the first letters (in both scripts) of every form the query matches under."""
    lat2cyr, cyr2lat = lookalike_tables()
    initials = set()
    for kind in ("exact", "lookalike", "stem"):
        for key in tables[kind]:
            first = key[:1]
            initials.update((first, lat2cyr.get(first, first), cyr2lat.get(first, first)))
    return initials


class QueryWords:
    """The query's words and law numbers, indexed by every form they match under."""

    def __init__(self, units):
        self.units = list(units)
        self.phrases = [u for u in self.units if isinstance(u, Phrase)]
        # one matcher per phrase word, built once and memoising across the texts of a request
        self._phrase_words = [([QueryWords([w]) for w in p.words], p.required()) for p in self.phrases]
        self.forms = {kind: {} for kind in KINDS}
        for unit in self.units:
            if isinstance(unit, Phrase):
                continue
            if isinstance(unit, LawNumber):
                self._add("law_number", forms(unit.text, True).law, unit)
                continue
            word = forms(unit.text)
            self._add("exact", (word.lower,), unit)
            self._add("lookalike", word.readings, unit)
            self._add("stem", word.stems, unit)
            self._add("romanized", word.roman, unit)
        self._cache = {}
        self._kinds = {}
        self._law_kinds = {}
        self.non_ascii_words = any(not u.text.isascii() for u in self.units if not isinstance(u, Phrase))
        # romanized matches of ASCII text words need a query word in another script
        self.cross_script = bool(self.forms["romanized"]) and self.non_ascii_words
        self.initials = _initials(self.forms)

    def _add(self, kind, keys, unit):
        for key in keys:
            self.forms[kind].setdefault(key, unit)

    def kind_of(self, piece):
        """Return (query unit, kind) for one text piece, or None (memoised per surface form)."""
        kinds = self._law_kinds if piece.law else self._kinds
        if piece.raw not in kinds:
            kinds[piece.raw] = self._kind_of(piece)
        return kinds[piece.raw]

    def _kind_of(self, piece):
        raw, tables = piece.raw, self.forms
        if piece.law:
            table = tables["law_number"]
            hit = next((table[k] for k in law_keys(raw) if k in table), None)
            return (hit, "law_number") if hit else None
        # cheapest forms first (each is cached), romanization keys only when they can matter
        lower = raw.casefold()
        if lower in tables["exact"]:
            return tables["exact"][lower], "exact"
        for kind, keys in (("lookalike", fold_readings(raw)), ("stem", terms(raw, False, "text"))):
            table = tables[kind]
            for key in keys:
                if key in table:
                    return table[key], kind
        # a romanized match joins two scripts: a Latin word of the text can only
        # match a query word that has other letters
        table = tables["romanized"]
        if table and (self.non_ascii_words or not raw.isascii()):
            for key in terms(raw, False, "roman"):
                if key in table:
                    return table[key], "romanized"
        return None

    def matches(self, text):
        """Return [(piece, word, kind)] for every piece of text a query unit matches.

        A word or law number matches wherever it occurs; the words of a
        phrase only where they occur in order.
        """
        if text not in self._cache:
            self._cache[text] = self._matches(text)
        return self._cache[text]

    def _could_match(self, raw):
        """A cheap necessary condition: exact, look-alike and stem matches share the first letter."""
        return (raw[:1].casefold() in self.initials or self.cross_script or not raw.isascii()
                or raw.casefold() in INITIAL_CHANGERS)

    def _matches(self, text):
        if self.phrases or LAW_HINT.search(text):
            return self._matches_with_pieces(text)
        # the common case, kept in C as far as possible: the distinct words of the text are
        # classified once each, then a regex of the words that matched finds their places
        kinds, could_match = self._kinds, self._could_match
        hits = set()
        for raw in set(WORD.findall(text)):
            hit = kinds.get(raw, _UNSEEN)
            if hit is _UNSEEN:
                hit = kinds[raw] = self._kind_of(Piece(0, 0, 0, raw)) if could_match(raw) else None
            if hit:
                hits.add(raw)
        if not hits:
            return []
        return [(Piece(m.start(), m.end(), 0, m.group()), *kinds[m.group()])
                for m in _surface_regex(frozenset(hits)).finditer(text)]

    def _matches_with_pieces(self, text):
        all_pieces = pieces(text)
        found = []
        for piece in all_pieces:
            hit = self.kind_of(piece)
            if hit:
                found.append((piece, hit[0], hit[1]))
        if self.phrases:
            words = [p for p in all_pieces if not p.law]
            for matchers, required in self._phrase_words:
                size = len(matchers)
                for i in range(len(words) - size + 1):
                    hits = [m.kind_of(words[i + k]) for k, m in enumerate(matchers)]
                    if all(hit or not required[k] for k, hit in enumerate(hits)):
                        found.extend((words[i + k], hit[0], hit[1]) for k, hit in enumerate(hits) if hit)
        return found


def _spans(found):
    """Merge the character spans of matches; a law number covers its words."""
    spans = sorted((p.start, p.end) for p, _, _ in found)
    merged = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text, spans, start=0, end=None):
    """Return text[start:end] escaped, with <mark> around each span."""
    end = len(text) if end is None else end
    out, cursor = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[cursor:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def highlight(text, words):
    """Return the whole text escaped with every match marked (words: QueryWords)."""
    return mark(text, _spans(words.matches(text)))


def snippet(text, words, size=SNIPPET_CHARS):
    """Return an escaped excerpt of about `size` characters that shows the matches.

    The window is the one holding the most distinct matched query words; it
    is widened to word boundaries and marked "…" where text was cut.
    """
    found = words.matches(text)
    spans = _spans(found)
    if len(text) <= WHOLE_UNDER:
        return mark(text, spans)
    best, best_score = 0, -1
    for piece, _, _ in found:
        # a quarter of the window before the match, but never run past the end
        start = max(0, min(piece.start - size // 4, len(text) - size))
        covered = {id(u) for p, u, _ in found if start <= p.start and p.end <= start + size}
        if len(covered) > best_score:
            best, best_score = start, len(covered)
    start = _word_start(text, best)
    end = _word_end(text, min(len(text), start + size))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + mark(text, spans, start, end) + suffix


def _word_start(text, index):
    if index <= 0:
        return 0
    space = text.rfind(" ", 0, index)
    return space + 1 if space >= 0 and index - space < 30 else index


def _word_end(text, index):
    if index >= len(text):
        return len(text)
    space = text.find(" ", index)
    return space if space >= 0 and space - index < 30 else index


def explain(fields, words):
    """Return hits[].matched: for each matched query word, each field and its strongest kind."""
    best = {}
    for field, text in fields.items():
        for _, word, kind in words.matches(text):
            key = (word.text, field)
            if key not in best or KINDS.index(kind) < KINDS.index(best[key]):
                best[key] = kind
    order = [w.text for u in words.units for w in (u.words if isinstance(u, Phrase) else (u,))]
    field_order = list(fields)
    ranked = sorted(best.items(), key=lambda item: (order.index(item[0][0]), field_order.index(item[0][1])))
    return [{"word": word, "field": field, "kind": kind} for (word, field), kind in ranked]
