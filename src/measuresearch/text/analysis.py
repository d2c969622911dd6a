"""Text analysis shared by the index, the query parser and the highlighter.

One pipeline for every text field, composed the Whoosh way:

    WordTokenizer() | TermsFilter("text")     folded, then stemmed by script
    WordTokenizer() | TermsFilter("roman")    folded, then romanization keys

The filter is a thin wrapper over the pure, cached terms() below, which the
highlighter calls too, so a word is marked exactly when it was indexed.
"""

import dataclasses
import functools
import re
import typing
import unicodedata

from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.lang.stopwords import stoplists

from measuresearch.text.stemming import script_of, spelled, stem, stem_variants
from measuresearch.text.writing_systems import (LATIN_KEY, fold_readings, lookalike_tables, roman_keys, roman_letters,
                                                typed_roman_keys, written_folded)

# One character of a word: a letter or digit, or a combining mark kept inside the word.
WORD_CHAR = r"(?:[^\W_]|[\u0300-\u036f])"
# The "-" or "/" part of a law number: "-V" of "418-V", "/НК" of "53/НК".
LAW_TAIL = rf"(?:[-/]{WORD_CHAR}+)"
# A word: letters and digits, with combining marks kept inside the word.
WORD = re.compile(rf"{WORD_CHAR}+")
# The same words in a text without combining marks, twice as fast to scan.
PLAIN_WORD = re.compile(r"[^\W_]+")
COMBINING = re.compile(r"[\u0300-\u036f]")
# Every ASCII character that is not a letter or digit, as a space: what separates the words of an ASCII text.
ASCII_GAPS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
# A law number: digits, then one or more "-" or "/" parts ("418-V", "53/НК",
# "167-VІ", "567-II"). Stored as one extra term at the number's position.
LAW_NUMBER = re.compile(rf"(?<![^\W_])\d+{LAW_TAIL}+")
# What every law number holds: a text without it has none (a cheap test before LAW_NUMBER).
LAW_HINT = re.compile(r"\d[-/]")
STOP_WORDS = frozenset(stoplists["en"]) | frozenset(stoplists["ru"])


def may_hold_law_number(text):
    """Return whether LAW_HINT is in text: a substring search first, as most texts hold neither "-" nor "/"."""
    return ("-" in text or "/" in text) and LAW_HINT.search(text) is not None


@functools.lru_cache(maxsize=100_000)
def bare_number(keys):
    """Return the bare number of a law number's keys (law_keys): "418-v" -> "418"."""
    return keys[0].split("-")[0]


# What marks the bare number of a law number in the index ("#418" at "418-V"): a law number typed finds
# another instrument's number by it ("No. 485-VII": "No. 485-V"), never a plain number ("a score of 3").
NUMBER_MARK = "#"


def number_term(keys):
    """Return the index term of the bare number of a law number's keys (law_keys): "418-v" -> "#418"."""
    return NUMBER_MARK + bare_number(keys)


def has_letters(keys):
    """Return whether a law number's suffix holds a letter ("418-V", "53/НК"): "105-1", "3-10" are an article's or an
    annex's numbers, which another law number of that bare number does not find."""
    return any(c.isalpha() for c in keys[0])


def law_keys(text):
    """Return the canonical keys of a law number, "/" written as "-".

    Its Cyrillic letters are read both as the Latin letters they look like
    ("53/НК" = "53-hk") and as their romanization ("53-nk"), so the number is
    found however its letters were typed; "418-В" (a Cyrillic В) is "418-v".
    Its compatibility forms are read as what they stand for (NFKC): full-width
    "４１８-V", which LAW_NUMBER's digits match, is "418-v".
    """
    _, cyr2lat = lookalike_tables()
    parts = re.split(r"[-/]", unicodedata.normalize("NFKC", text).casefold().replace("ё", "е"))
    looks = "-".join("".join(cyr2lat.get(c, c) for c in part) for part in parts)
    spelled = "-".join(_romanize(part) for part in parts)
    return tuple(dict.fromkeys((looks, spelled)))


def _romanize(part):
    letters = roman_letters()
    return "".join(letters.get(c, c) for c in part)


class Piece(typing.NamedTuple):
    """One word (or law number) of a text, with its character offsets."""

    start: int
    end: int
    pos: int
    raw: str
    law: bool = False


def word_matches(text):
    """Yield (position, regex match, is a law number) of each word and law number of text, in order.

    The one split into words under the index (WordTokenizer), the query and the
    highlighter (pieces): a law number ("418-V") has the position of the word
    it starts with and comes just before it.
    """
    laws = {m.start(): m for m in LAW_NUMBER.finditer(text)} if may_hold_law_number(text) else None
    for pos, match in enumerate(WORD.finditer(text)):
        if laws:
            law = laws.get(match.start())
            if law is not None:
                yield pos, law, True
        yield pos, match, False


def pieces(text):
    """Split text into word pieces and law-number pieces, in text order."""
    return [Piece(m.start(), m.end(), pos, m.group(), law) for pos, m, law in word_matches(text)]


@dataclasses.dataclass(frozen=True, slots=True)
class Forms:
    """Every form under which one piece is indexed."""

    raw: str
    lower: str
    readings: tuple
    stems: tuple
    roman: tuple
    law: tuple
    exact: tuple = ()  # unstemmed: folded, American spelling


# A query word, and each of its romanization keys, match by romanization only from this many letters on: a word
# or key of one letter is a Roman numeral's or a preposition's ("и" and the "II" of "567-II", "в" and the "V" of
# "418-V", "ii" whose key is "и"). The index keeps every key.
ROMAN_LEAST = 2


def query_roman_keys(raw):
    """Return the romanization keys a query word matches under (none for a word too short to tell)."""
    if len(raw) < ROMAN_LEAST:
        return ()
    readings = fold_readings(raw)
    own = _own_reading(raw, readings) if len(readings) > 1 else None
    # the key of the Latin words a Cyrillic word spells, only for a word typed in Cyrillic: "cam" and "ctate",
    # typed in Latin, are not "сам" and "стате", which would find "SAM" and "state"
    keys = dict.fromkeys(key for reading in readings for key in typed_roman_keys(reading)
                         if own in (None, reading) or not key.startswith(LATIN_KEY))
    return tuple(key for key in keys if len(key) >= ROMAN_LEAST)


@functools.lru_cache(maxsize=200_000)
def forms(raw, law=False):
    """Return the forms of one query piece (cached: vocabularies are small)."""
    if law:
        keys = law_keys(raw)
        return Forms(raw, raw.casefold(), keys, keys, (), keys)
    return Forms(raw, raw.casefold(), fold_readings(raw), query_terms(raw, "text"), query_roman_keys(raw), (),
                 query_terms(raw, "exact"))


# A field value may hold several sections, each "\x1f" + boost letter + text:
# one Whoosh field then holds titles, sub-pillar, ... and description, each
# token weighted by its section (BM25F: weighted term frequencies summed
# before saturation), with a position gap so that no phrase spans two sections.
SECTION = "\x1f"
SECTION_GAP = 100


def sections(value, boosts):
    """Return [(boost, text, offset of text in value)] of a field value with section markers."""
    if SECTION not in value:
        return [(1.0, value, 0)]
    result, offset = [], 0
    for part in value.split(SECTION):
        if offset:  # every part after the first starts with its boost letter
            result.append((boosts.get(part[:1], 1.0), part[1:], offset + 1))
        offset += len(part) + 1
    return result


def join_sections(parts):
    """Return one field value from [(section letter, text)]."""
    return "".join(SECTION + letter + text for letter, text in parts if text)


class WordTokenizer(Tokenizer):
    """Yields words and law numbers with positions, character offsets and section boosts."""

    def __init__(self, boosts=None):
        self.boosts = dict(boosts or {})

    def __eq__(self, other):
        return isinstance(other, WordTokenizer) and other.boosts == self.boosts

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.stopped = False
        pos = start_pos
        for boost, text, offset in sections(value, self.boosts):
            token.boost = boost
            words = 0
            # the hot path of indexing: plain regex matches, no Piece objects
            for at, match, law in word_matches(text):
                yield _filled(token, match, law, pos + at, positions, chars, start_char + offset)
                words = at + 1
            pos += words + SECTION_GAP


def _filled(token, match, law, pos, positions, chars, start_char):
    """Set the shared token to one regex match (Whoosh reuses one Token object)."""
    token.text, token.law = match.group(), law
    if positions:
        token.pos = pos
    if chars:
        token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
    return token


# raw word -> terms(word, False, kind), per kind: a plain dict is the cheapest lookup
# for index_terms; bounded by the vocabulary of the corpus being indexed.
_WORD_TERMS = {}


@functools.lru_cache(maxsize=500_000)
def terms(raw, law, kind):
    """Return the index terms of one piece: kind "text" (folded, stemmed), "exact" (folded, unstemmed) or "roman".

    Computed apart from forms() so that indexing a description never pays for
    romanization keys it does not store. A word made only of letters both
    scripts have, written in one ("to", "EEC", "то"), is indexed as written:
    its reading in the other script would meet that script's stems and keys
    ("той" stems to "то", "весь" to "ве"); a query word is read in both
    (query_terms), so "то" typed in Cyrillic still finds "to".
    """
    if law:
        keys = law_keys(raw)
        return ((*keys, number_term(keys)) if has_letters(keys) else keys) if kind == "text" else ()
    readings = fold_readings(raw)
    if len(readings) > 1:
        own = _own_reading(raw, readings)
        if own is not None:
            readings = (own,)
    if len(readings) == 1:  # nearly every word: no duplicates to drop
        reading = readings[0]
        return (stem(reading),) if kind == "text" else (spelled(reading),) if kind == "exact" else roman_keys(reading)
    if kind == "text":
        return tuple(dict.fromkeys(stem(r) for r in readings))
    if kind == "exact":
        return tuple(dict.fromkeys(spelled(r) for r in readings))
    return tuple(dict.fromkeys(k for r in readings for k in roman_keys(r)))


@functools.lru_cache(maxsize=100_000)
def query_terms(raw, kind):
    """Return the terms a query word is looked up under in field kind "text" or "exact": those of each of its readings.

    A word made only of letters both scripts have is stemmed in the script it
    is written in, and its reading in the other script is kept whole, as the
    index holds a word written in that script (terms): stemming it there would
    merge words that have nothing in common ("тнеу" and "тне"). Typed in
    Cyrillic, its Latin reading is also stemmed as English ("сомміттее": the
    index's "committe" of "committee"). A Russian word's stem comes with its
    variant (stemming.stem_variants).
    """
    readings = fold_readings(raw)
    if kind == "exact":
        return tuple(dict.fromkeys(spelled(r) for r in readings))
    own = _own_reading(raw, readings) if len(readings) > 1 else readings[0]
    stemmed = [r for r in readings if own in (None, r)]
    english = [stem(r) for r in readings if r not in stemmed and own is not None and script_of(own) == "cyrillic"]
    # a Russian noun that Snowball stems two ways is looked up under both (stemming.stem_variants)
    return tuple(dict.fromkeys([*(stem(r) if r in stemmed else r for r in readings), *english,
                                *(variant for r in stemmed for variant in stem_variants(r))]))


def _own_reading(raw, readings):
    """Return the reading of a word with several that is the word as written (lowercased), else None."""
    written = written_folded(raw)
    return written if written in readings else None


def word_runs(value, boosts=None):
    """Yield (boost, words, positions) of each section of a field value: what WordTokenizer(boosts) yields.

    words: the section's words and law numbers in token order (a law number just
    before the word it starts with, at its position); positions: theirs, a
    range when the section has no law number. The one split into words under
    index_terms and the segment writer's hot path (which reads section_words itself).
    """
    pattern = section_pattern(value)
    pos = 0
    for boost, text, _ in sections(value, boosts or {}):
        words, at, advance = section_words(text, pattern)
        yield boost, words, range(pos, pos + len(words)) if at is None else [pos + a for a in at]
        pos += advance + SECTION_GAP


def section_pattern(value):
    """Return the pattern that finds the words of every section of a field value (for section_words)."""
    return WORD if COMBINING.search(value) else PLAIN_WORD


def section_words(text, pattern):
    """Return (words, positions, advance) of one section: its words and law numbers in token order, their
    positions from 0 (None when they are 0, 1, 2...: no law number), and how far the section moves the
    position of the next (its words without law numbers). pattern: section_pattern() of the whole value."""
    # the words of an ASCII text are its runs of ASCII letters and digits: a C-level split, twice the regex's speed
    words = text.translate(ASCII_GAPS).split() if text.isascii() else pattern.findall(text)
    if not may_hold_law_number(text):
        return words, None, len(words)
    if pattern is WORD:
        found = pieces(text)
        return [p.raw for p in found], [p.pos for p in found], len(words)
    return (*_with_law_numbers(text, words), len(words))


def _with_law_numbers(text, words):
    """Return (words, positions from 0) of a section without combining marks: its words, each law number put in.

    What pieces() yields, without a regex match per word: without combining marks
    a word is a run of letters and digits, so a law number (which none precedes)
    starts the word that follows as many words as the text before it holds.
    """
    out, positions, done, char = [], [], 0, 0
    for law in LAW_NUMBER.finditer(text):
        before = done + len(PLAIN_WORD.findall(text, char, law.start()))
        out += words[done:before]
        out.append(law.group())
        positions += range(done, before + 1)
        done, char = before, law.start()
    out += words[done:]
    positions += range(done, len(words))
    return out, positions


def is_law_number(raw):
    """Return whether a word of word_runs() is a law number (a word never holds "-" or "/")."""
    return "-" in raw or "/" in raw


def index_terms(value, kind, boosts=None):
    """Return (terms, positions, boosts): what the analyzer of `kind` yields for a field value.

    The same tokens as WordTokenizer(boosts) | TermsFilter(kind), as three flat
    lists instead of one Token per term.
    """
    out_terms, out_positions, out_boosts = [], [], []
    cache = _WORD_TERMS.setdefault(kind, {})
    for boost, words, positions in word_runs(value, boosts):
        start = len(out_terms)
        for word, at in zip(words, positions):
            word_terms = cache.get(word)
            if word_terms is None:
                word_terms = cache[word] = terms(word, is_law_number(word), kind)
            out_terms.extend(word_terms)
            out_positions.extend([at] * len(word_terms))
        out_boosts.extend([boost] * (len(out_terms) - start))
    return out_terms, out_positions, out_boosts


class TermsFilter(Filter):
    """Replaces each word by its terms of one kind; several terms share a position.

    Folding (case, ё, look-alike letters) and then stemming ("text") or the
    romanization keys ("roman") are composed in terms(); this filter only looks
    the result up, which keeps indexing fast.
    """

    def __init__(self, kind):
        self.kind = kind

    def __eq__(self, other):
        return isinstance(other, TermsFilter) and other.kind == self.kind

    def __call__(self, tokens):
        kind = self.kind
        for token in tokens:
            # a query word's romanization keys follow query_roman_keys() (what forms() gives the engine)
            if token.mode != "query" or token.law:
                found = terms(token.text, token.law, kind)
            else:
                found = query_roman_keys(token.text) if kind == "roman" else query_terms(token.text, kind)
            for term in found:
                token.text = term
                yield token


def analyzer_settings(analyzer):
    """Return (kind, boosts) of an analyzer built here (for index_terms), else None."""
    items = getattr(analyzer, "items", ())
    if len(items) == 2 and isinstance(items[0], WordTokenizer) and isinstance(items[1], TermsFilter):
        return items[1].kind, items[0].boosts
    return None


def text_analyzer(boosts=None):
    """Return the analyzer of the searchable text field (section letter -> boost)."""
    return WordTokenizer(boosts) | TermsFilter("text")


def roman_analyzer():
    """Return the analyzer of the romanization field."""
    return WordTokenizer() | TermsFilter("roman")


def exact_analyzer(boosts=None):
    """Return the analyzer of the exact-forms field: the text's words unstemmed (section letter -> boost)."""
    return WordTokenizer(boosts) | TermsFilter("exact")
