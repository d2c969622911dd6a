"""Parse the search box: words, "phrases", OR, NOT or -excluded, law numbers, prefix* and fuzzy~.

Pure: text in, a ParsedQuery out. Anything that is not syntax is text, so a
stray quote or bracket never fails; only documented limits raise.

Operators are written in capitals: `OR` joins alternatives, `NOT x` excludes
x as `-x` does, `AND` between two words is the default and changes nothing.
Where an operator has nothing to act on (`NOT` last, `AND` alone, `NOT OR x`)
it is the word it spells; `not` and `and` in lower case are always words.

Limits (each a 400 that names it): MAX_QUERY_CHARS characters, MAX_CLAUSES
terms, MAX_PHRASE_WORDS words in a phrase, a wildcard only at the end of a
word after MIN_PREFIX letters; expansions are limited in search.py.
"""

import dataclasses
import re
import unicodedata

from measuresearch.text.analysis import STOP_WORDS, forms, pieces
from measuresearch.text.writing_systems import lookalike_tables
from measuresearch.errors import QueryTooComplex

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 32
MAX_PHRASE_WORDS = 16
MIN_PREFIX = 2
_PREFIX = re.compile(r"^([^\W_]+)\*$")
_FUZZY = re.compile(r"^([^\W_]+)~([12])?$")
_WILDCARD = re.compile(r"[*?]")

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# "No.", "№", "Nr." before a number only say that a law number follows.
_NUMBER_SIGN = re.compile(r"^(?:no\.?|nr\.?|№|n°)$", re.IGNORECASE)
_NUMBER_PREFIX = re.compile(r"^(?:№|no\.|nr\.)\s*(?=\d)", re.IGNORECASE)
# "N418-V": a capital N glued before a law number whose suffix is in capitals ("N95-masks" is a word)
_N_PREFIX = re.compile(r"^N(?=\d+[-/][A-ZА-ЯЁІӘҒҚҢӨҰҮҺ]+$)")
# "418V", "567II": a number glued to a Roman numeral (Latin letters, or their Cyrillic look-alikes І and Х, or
# В, which romanizes as V: "418В" for "418-В") is also read as the law number "418-V"; so is a number glued to
# two capital Cyrillic letters or more ("53НК" for "53/НК"; "100тыс" is a word); other letters ("5G", "3D",
# "5Г") are left alone.
_GLUED_LAW = re.compile(r"(\d+)((?=[ivxіхв])x{0,3}(?:ix|iv|[vв]?[iі]{0,3})|x{1,3})", re.IGNORECASE)
_GLUED_CYRILLIC = re.compile(r"(\d+)([А-ЯЁӘҒҚҢӨҰҮҺІ]{2,})")


@dataclasses.dataclass(frozen=True)
class Word:
    """A word of the query (may be a stop word)."""

    text: str

    @property
    def is_stop(self):
        return any(r in STOP_WORDS for r in forms(self.text).readings)


@dataclasses.dataclass(frozen=True)
class LawNumber:
    """A law or order number such as 418-V or 53/НК."""

    text: str


@dataclasses.dataclass(frozen=True)
class Prefix:
    """A word typed with a trailing * ("regul*"): every indexed word that starts so."""

    text: str


@dataclasses.dataclass(frozen=True)
class Fuzzy:
    """A word typed with a trailing ~ ("goverment~"): indexed words within an edit distance."""

    text: str
    distance: int = 2


@dataclasses.dataclass(frozen=True)
class Expansion:
    """An indexed word that a Prefix or Fuzzy unit stands for; it matches like a Word."""

    text: str
    source: object  # the Prefix or Fuzzy typed

    is_stop = False

    @property
    def kind(self):
        """Return the kind of match it explains: "prefix" or "fuzzy"."""
        return "prefix" if isinstance(self.source, Prefix) else "fuzzy"


@dataclasses.dataclass(frozen=True)
class Phrase:
    """Words that must appear in this order."""

    words: tuple

    def required(self):
        """Return, per word, whether it must match where it stands.

        A stop word holds its place without having to match (Lucene's
        position gaps: "law on informatization" is law, any word,
        informatization), unless the phrase has nothing but stop words.
        Stop words before the first or after the last required word need
        not exist at all: "the resolution of" matches a title that begins
        "Resolution of".
        """
        loose = [w.is_stop for w in self.words]
        return tuple(True for _ in loose) if all(loose) else tuple(not stop for stop in loose)


@dataclasses.dataclass
class Clause:
    """One required (or, when negated, excluded) unit: alternatives joined by OR."""

    options: list
    negated: bool = False


@dataclasses.dataclass
class ParsedQuery:
    """The clauses of a query; empty when the query has no words."""

    clauses: list
    # (word, word) typed next to each other, stop words included: the proximity signal (matching.py)
    pairs: list = dataclasses.field(default_factory=list)

    @property
    def positive(self):
        return [c for c in self.clauses if not c.negated]

    @property
    def negative(self):
        return [c for c in self.clauses if c.negated]

    def words(self):
        """Return every word and law number of the positive clauses, phrases whole.

        These are what the clauses match: parse already dropped the clauses of stop words alone
        (unless the query has nothing else), and a stop word OR-ed with another word is matched too.
        """
        return [option for clause in self.positive for option in clause.options]


def clean(text):
    """Normalise query text: NFC, one kind of quote, no control characters."""
    text = unicodedata.normalize("NFC", text or "")
    return _CONTROL.sub(" ", text.translate(_QUOTES))


_NOT_BEFORE_PHRASE = re.compile(r"(?:^|(?<=\s))(?:-|NOT\s+)$")


def _split_quotes(text):
    """Yield (is_phrase, text, negated) segments; an unpaired quote is text.

    A phrase right after `-` or after the word `NOT` is excluded.
    """
    if text.count('"') % 2:
        last = text.rindex('"')
        text = text[:last] + " " + text[last + 1:]
    parts = text.split('"')
    negated = False
    for i, part in enumerate(parts):
        if i % 2:
            yield True, part, negated
        else:
            before_phrase = _NOT_BEFORE_PHRASE.search(part) if i + 1 < len(parts) else None
            negated = bool(before_phrase) and bool(parts[i + 1].strip())
            yield False, part[:before_phrase.start()] if negated else part, False


def parse(text):
    """Parse query text into a ParsedQuery; raise QueryTooComplex past a limit."""
    text = clean(text)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooComplex(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}", "q")
    items = []  # Clause objects, and the string "OR" between them
    segments = list(_split_quotes(text))
    for k, (is_phrase, segment, negated) in enumerate(segments):
        if is_phrase:
            words = _phrase_words(segment)
            if len(words) == 1:
                items.append(Clause([words[0]], negated))
            elif words:
                items.append(Clause([Phrase(tuple(words))], negated))
            continue
        after = any(later.strip() for _, later, _ in segments[k + 1:])  # something for an OR to join
        items.extend(_segment_items(segment, bool(items), after))
    clauses = _join_or(items)
    if len(clauses) > MAX_CLAUSES:
        raise QueryTooComplex(f"the query has {len(clauses)} terms; the limit is {MAX_CLAUSES}", "q")
    return ParsedQuery(_drop_stop_words(clauses), _pairs(items))


def _phrase_words(text):
    """Return the words of a phrase's text: a law number in it is its words; QueryTooComplex past the limit."""
    words = [Word(p.raw) for p in pieces(text) if not p.law]
    if len(words) > MAX_PHRASE_WORDS:
        raise QueryTooComplex(
            f"a phrase (in quotes, or words joined by hyphens) may have at most {MAX_PHRASE_WORDS} words", "q")
    return words


def _pairs(items):
    """Return the (word, word) pairs typed next to each other as plain required words, not both stop words.

    A word joined by OR, excluded, a phrase, a law number, a prefix* or a
    fuzzy~ breaks the sequence. Call after _join_or (which lengthens the
    clause before an OR).
    """
    pairs, previous, after_or = [], None, False
    for item in items:
        plain = (item != "OR" and not after_or and not item.negated and len(item.options) == 1
                 and type(item.options[0]) is Word)
        word = item.options[0] if plain else None
        if word is not None and previous is not None and not (word.is_stop and previous.is_stop):
            pairs.append((previous, word))
        previous, after_or = word, item == "OR"
    return pairs


OPERATORS = ("OR", "AND", "NOT")


def _operator(chunks, i, before=False, after=False):
    """Return the operator chunks[i] is ("OR", "AND", "NOT"), or None when it is a word.

    `OR` is an operator unless nothing stands on one of its sides in the whole query
    (before: something before this segment; after: something after it); `NOT` only
    before a word, `AND` only between two words: otherwise they are the words they spell.
    """
    chunk = chunks[i]
    following = chunks[i + 1] if i + 1 < len(chunks) else None
    if chunk == "OR":
        return "OR" if (i > 0 or before) and (following is not None or after) else None
    if chunk == "NOT":
        return "NOT" if following is not None and following not in OPERATORS else None
    if chunk == "AND":
        return "AND" if i > 0 and following is not None and following not in OPERATORS else None
    return None


def _segment_items(segment, before=False, after=False):
    items = []
    chunks = segment.split()
    excluding = False  # the chunk before was the operator NOT
    for i, chunk in enumerate(chunks):
        operator = _operator(chunks, i, before, after)
        if operator == "OR":
            items.append("OR")
        if operator is not None:
            excluding = operator == "NOT"
            continue
        if _NUMBER_SIGN.match(chunk) and i + 1 < len(chunks) and chunks[i + 1][:1].isdigit():
            continue
        negated = (chunk.startswith("-") and len(chunk) > 1) or excluding
        body = chunk[1:] if chunk.startswith("-") and len(chunk) > 1 else chunk
        excluding = False
        special = _special_unit(body)
        if special is not None:
            if special is not _NOTHING:
                items.append(Clause([special], negated))
            continue
        units = _chunk_units(body)
        if len(units) > 1 and _is_compound(chunk):
            # words joined by hyphens are a phrase, a law number among them its words, as in quotes:
            # "law-418-V" is "\"law 418-V\"" (a phrase holds words only)
            options = [Phrase(tuple(_phrase_words(body)))]
            joined = _apostrophes_out(body)
            if joined is not None:
                options.append(Word(joined))
            items.append(Clause(options, negated))
        else:
            items.extend(Clause([unit, *_glued_law(unit)], negated) for unit in units)
    return items


_NOTHING = object()


def _special_unit(chunk):
    """Return a Prefix or Fuzzy unit, _NOTHING for a lone "*", None for plain text."""
    core = chunk.strip(".,;:!?()[]{}")
    if core in ("*", "**"):
        return _NOTHING  # "*" alone: every measure, as an empty query
    match = _PREFIX.match(core)
    if match:
        if len(match.group(1)) < MIN_PREFIX:
            raise QueryTooComplex(f"a wildcard needs at least {MIN_PREFIX} letters before the *: {core!r}", "q")
        return Prefix(match.group(1))
    if _WILDCARD.search(core) and any(c.isalnum() for c in core):
        raise QueryTooComplex(f"a wildcard may only end a word, after at least {MIN_PREFIX} letters: {core!r}", "q")
    match = _FUZZY.match(core)
    if match:
        return Fuzzy(match.group(1), int(match.group(2) or 2))
    return None


def _chunk_units(chunk):
    chunk = _N_PREFIX.sub("", _NUMBER_PREFIX.sub("", chunk))
    units, law_end = [], -1
    for piece in pieces(chunk):
        if piece.law:
            units.append(LawNumber(piece.raw))
            law_end = piece.end
        elif piece.start >= law_end:
            units.append(Word(piece.raw))
    return units


# a number glued to two capital Latin letters or more that all look like Cyrillic ones: "53HK" for "53/НК"
# ("4th", "10km" are words)
_GLUED_LOOKALIKES = re.compile(r"(\d+)([A-Z]{2,})")


def _glued_law(unit):
    """Return [LawNumber("418-V")] for a word such as "418V" or "53HK", else []."""
    if not isinstance(unit, Word):
        return []
    match = (_GLUED_LAW.fullmatch(unit.text) or _GLUED_CYRILLIC.fullmatch(unit.text)
             or _GLUED_LOOKALIKES.fullmatch(unit.text))
    if match and match.re is _GLUED_LOOKALIKES and not set(match.group(2).lower()) <= set(lookalike_tables()[0]):
        match = None
    return [LawNumber(f"{match.group(1)}-{match.group(2)}")] if match else []


# a word with apostrophes inside it and nothing else between its letters: "val'yutnom", "svyaz'", "Kazakhstan's"
_APOSTROPHES = re.compile(r"[^\W_]+(?:['’][^\W_]+)+")


def _apostrophes_out(chunk):
    """Return a word written with apostrophes inside it as one word without them, else None.

    A romanization writes the soft sign so ("deyatel'nosti" for "деятельности", as BGN/PCGN
    does): its letters without the apostrophe are the word's romanization, which its two halves,
    a phrase, never match. The phrase is kept beside it ("Kazakhstan's": "kazakhstan s").
    """
    core = chunk.strip(".,;:!?()[]{}")
    return re.sub("['’]", "", core) if _APOSTROPHES.fullmatch(core) else None


def _is_compound(chunk):
    """True for "e-commerce" or "radio-electronic": words joined by hyphens."""
    return bool(re.fullmatch(r"-?[^\W_]+(?:[-'’][^\W_]+)+[.,;:!?]?", chunk))


def _join_or(items):
    clauses = []
    pending_or = False
    for item in items:
        if item == "OR":
            pending_or = bool(clauses)
            continue
        if pending_or and not item.negated and not clauses[-1].negated:
            clauses[-1].options.extend(item.options)
        else:
            clauses.append(item)
        pending_or = False
    return clauses


def _drop_stop_words(clauses):
    """Drop lone stop words unless the query has nothing else; an excluded one is kept (`law -on` leaves out
    the measures with "on", as `-on` alone does)."""
    def is_stop(clause):
        return all(isinstance(o, Word) and o.is_stop for o in clause.options)
    kept = [c for c in clauses if c.negated or not is_stop(c)]
    return kept if any(not c.negated for c in kept) else clauses
