"""Text analysis shared by the index, the query parser and the highlighter.

One pipeline for every text field, composed the Whoosh way:

    WordTokenizer() | FoldFilter() | StemFilter()       (field text)
    WordTokenizer() | FoldFilter() | RomanFilter()      (field roman)
    WordTokenizer() | FoldFilter()                      (field spell)

The filters are thin wrappers over the pure, cached functions below, which
the highlighter calls too, so a word is marked exactly when it was indexed.
"""

import dataclasses
import functools
import re
import string

import Stemmer
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.lang.stopwords import stoplists

from .scripts import fold_readings, is_cyrillic, lookalike_tables, roman_keys, roman_letters

# A word: letters and digits, with combining marks kept inside the word.
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
# A law number: digits, then one or more "-" or "/" parts ("418-V", "53/НК",
# "167-VІ", "567-II"). Stored as one extra term at the number's position.
LAW_NUMBER = re.compile(r"(?<![^\W_])\d+(?:[-/](?:[^\W_]|[\u0300-\u036f])+)+")
STOP_WORDS = frozenset(stoplists["en"]) | frozenset(stoplists["ru"])

_EN_STEMMER = Stemmer.Stemmer("english")
_RU_STEMMER = Stemmer.Stemmer("russian")
# -isation/-isations/... forms are derived from the -ise verb that the table
# holds, so "localisation" meets "localization" although only "localise" is listed.
_BRITISH_SUFFIXES = (("isations", "izations"), ("isation", "ization"), ("ising", "izing"),
                     ("ised", "ized"), ("ises", "izes"), ("iser", "izer"), ("isers", "izers"))


@functools.lru_cache(maxsize=100_000)
def american(word):
    """Return the American spelling of a lowercase British word, else the word."""
    if word in BRITISH_ENGLISH_SPELLINGS:
        return BRITISH_ENGLISH_SPELLINGS[word]
    for british, us in _BRITISH_SUFFIXES:
        if word.endswith(british) and word[: -len(british)] + "ise" in BRITISH_ENGLISH_SPELLINGS:
            return word[: -len(british)] + us
    # -isation has no other reading in English, so it is safe without the table
    # ("informatisation", "digitalisation" are in no dictionary yet).
    if word.endswith(("isation", "isations")) and len(word) > 9:
        return word.replace("isation", "ization")
    return word


def script_of(reading):
    """Return "cyrillic", "latin" or "other" for a folded word."""
    for char in reading:
        if is_cyrillic(char):
            return "cyrillic"
    if any(c in string.ascii_lowercase for c in reading):
        return "latin"
    return "other"


@functools.lru_cache(maxsize=200_000)
def stem(reading):
    """Stem one folded word with the stemmer of its script (Russian or English)."""
    script = script_of(reading)
    if script == "cyrillic":
        return _RU_STEMMER.stemWord(reading)
    if script == "latin":
        return _EN_STEMMER.stemWord(american(reading))
    return reading


@functools.lru_cache(maxsize=100_000)
def law_keys(text):
    """Return the canonical keys of a law number, "/" written as "-".

    Its Cyrillic letters are read both as the Latin letters they look like
    ("53/НК" = "53-hk") and as their romanization ("53-nk"), so the number is
    found however its letters were typed; "418-В" (a Cyrillic В) is "418-v".
    """
    _, cyr2lat = lookalike_tables()
    parts = re.split(r"[-/]", text.casefold().replace("ё", "е"))
    looks = "-".join("".join(cyr2lat.get(c, c) for c in part) for part in parts)
    spelled = "-".join(_romanize(part) for part in parts)
    return tuple(dict.fromkeys((looks, spelled)))


def _romanize(part):
    letters = roman_letters()
    return "".join(letters.get(c, c) for c in part)


@dataclasses.dataclass(frozen=True, slots=True)
class Piece:
    """One word (or law number) of a text, with its character offsets."""

    start: int
    end: int
    pos: int
    raw: str
    law: bool = False


def pieces(text):
    """Split text into word pieces and law-number pieces, in text order."""
    laws = {m.start(): m for m in LAW_NUMBER.finditer(text)}
    result = []
    for pos, match in enumerate(WORD.finditer(text)):
        law = laws.get(match.start())
        if law is not None:
            result.append(Piece(law.start(), law.end(), pos, law.group(), True))
        result.append(Piece(match.start(), match.end(), pos, match.group()))
    return result


@dataclasses.dataclass(frozen=True, slots=True)
class Forms:
    """Every form under which one piece is indexed."""

    raw: str
    lower: str
    readings: tuple
    stems: tuple
    roman: tuple
    law: tuple


@functools.lru_cache(maxsize=200_000)
def forms(raw, law=False):
    """Return the forms of one piece (cached: vocabularies are small)."""
    if law:
        keys = law_keys(raw)
        return Forms(raw, raw.casefold(), keys, keys, (), keys)
    readings = fold_readings(raw)
    stems = tuple(dict.fromkeys(stem(r) for r in readings))
    roman = tuple(dict.fromkeys(k for r in readings for k in roman_keys(r)))
    return Forms(raw, raw.casefold(), readings, stems, roman, ())


class WordTokenizer(Tokenizer):
    """Yields words and law numbers with positions and character offsets."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for piece in pieces(value):
            token.text = piece.raw
            token.law = piece.law
            token.stopped = False
            token.boost = 1.0
            if positions:
                token.pos = start_pos + piece.pos
            if chars:
                token.startchar = start_char + piece.start
                token.endchar = start_char + piece.end
            yield token


class FoldFilter(Filter):
    """Case-folds, makes ё into е and folds look-alike letters; may yield two readings."""

    def __call__(self, tokens):
        for token in tokens:
            for reading in forms(token.text, token.law).readings:
                token.text = reading
                yield token


class StemFilter(Filter):
    """Stems each reading with its own script's Snowball stemmer."""

    def __call__(self, tokens):
        for token in tokens:
            if not token.law:
                token.text = stem(token.text)
            yield token


class RomanFilter(Filter):
    """Replaces each reading with its romanization keys; drops law numbers."""

    def __call__(self, tokens):
        for token in tokens:
            if token.law:
                continue
            for key in roman_keys(token.text):
                token.text = key
                yield token


def text_analyzer():
    """Return the analyzer of searchable text fields."""
    return WordTokenizer() | FoldFilter() | StemFilter()


def roman_analyzer():
    """Return the analyzer of the romanization field."""
    return WordTokenizer() | FoldFilter() | RomanFilter()


def spell_analyzer():
    """Return the analyzer of the spelling field (folded, unstemmed words)."""
    return WordTokenizer() | FoldFilter()
