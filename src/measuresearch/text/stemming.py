"""One stemmer per language, and which one a word takes: English (Snowball, American spelling) or Russian.

A folded word's script chooses its stemmer: a Cyrillic word takes the Russian
one (writing_systems.russian_stem), a Latin word the English one after its
British spelling is made American; any other word stays as it is. Pure and cached.
"""

import functools
import re
import string

import Stemmer
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

from measuresearch.text.writing_systems import is_cyrillic, russian_stem

ASCII_LOWERCASE = re.compile("[a-z]")

_EN_STEMMER = Stemmer.Stemmer("english")
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
    if reading.isascii():  # no Cyrillic letter: no per-letter name lookups
        return "latin" if ASCII_LOWERCASE.search(reading) else "other"
    for char in reading:
        if is_cyrillic(char):
            return "cyrillic"
    if any(c in string.ascii_lowercase for c in reading):
        return "latin"
    return "other"


def spelled(reading):
    """Return a folded word as the "exact" field holds it: unstemmed, British spelling made American."""
    return american(reading) if script_of(reading) == "latin" else reading


@functools.lru_cache(maxsize=200_000)
def stem(reading):
    """Stem one folded word with the stemmer of its script (Russian or English)."""
    script = script_of(reading)
    if script == "cyrillic":
        return russian_stem(reading)
    if script == "latin":
        return _EN_STEMMER.stemWord(american(reading))
    return reading


@functools.lru_cache(maxsize=50_000)
def stem_variants(reading):
    """Return the other stem a query word of Russian is looked up under, where Snowball splits one noun in two,
    else ().

    Snowball cuts a verb ending "н", "на"... after "а" or "я", which also ends nouns: "Казахстан" and
    "Казахстана" stem to "казахста", "Казахстане" and "Казахстаном" to "казахстан" (so "экран", "Иран",
    "ресторан"). A query word is looked up under both; the index keeps Snowball's stems.
    """
    if script_of(reading) != "cyrillic":
        return ()
    found = russian_stem(reading)
    if len(found) >= 4 and found.endswith(("ан", "ян")):
        return (found[:-1],)
    if len(found) >= 3 and found.endswith(("а", "я")) and reading[len(found):].startswith("н"):
        return (found + "н",)
    return ()
