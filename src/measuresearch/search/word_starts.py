"""The first letters an ASCII word of a text must have to be tried against a query's forms.

Most words of a page match no query word; the highlighter looks only at those
that start as a form of the query does (query_words._candidates), which
tests/search/test_fast_paths.py checks on English words, British spellings and
random runs of letters.
"""

import functools
import itertools

from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

from measuresearch.text.writing_systems import LATIN_KEY, lookalike_tables, roman_initials

# The first letters of a query form that an ASCII word of a text must start with to be tried (_prefixes).
HEAD = 3
# British words whose American spelling starts with other letters ("paediatric"/"pediatric", "grey"/"gray").
PREFIX_CHANGERS = frozenset(b for b, a in BRITISH_ENGLISH_SPELLINGS.items() if a[:HEAD] != b[:HEAD])
# their first one, two or three letters by the American spelling's as long ("pe": {"pa"}, "gra": {"gre"}): a
# text's British word of these can only have a form starting as the query's does if its American spelling starts so
_CHANGED_FROM = {}
for _british in PREFIX_CHANGERS:
    for _size in range(1, HEAD + 1):
        _american = BRITISH_ENGLISH_SPELLINGS[_british][:_size]
        if _british[:_size].isascii() and _british[:_size] != _american:
            _CHANGED_FROM.setdefault(_american, set()).add(_british[:_size])


@functools.lru_cache(maxsize=4096)
def _in_every_case(prefix):
    """Return an ASCII prefix in every mix of letter cases ("ab": "ab", "aB", "Ab", "AB")."""
    return frozenset("".join(cased) for cased in itertools.product(*({c, c.upper()} for c in prefix)))


def _prefixes(tables):
    """Return the first letters of every form the query matches under (_heads), each letter also as its
    look-alike in the other script.

    An ASCII word of a text is tried only if it starts with one of these: its own form, its
    readings and its stems are each looked up among all the query's forms (QueryWords._may_match), so a
    form's letters are taken as any of those may have them.
    """
    lat2cyr, cyr2lat = lookalike_tables()
    prefixes = set()
    for kind in ("exact", "lookalike", "stem", "written"):
        for key in tables.get(kind, ()):
            for head in _heads(key):
                letters = [(c, lat2cyr.get(c, c), cyr2lat.get(c, c)) for c in head]
                prefixes.update(map("".join, itertools.product(*letters)))
    return frozenset(prefixes)


def _heads(form):
    """Return the first letters that a word with this form (as written, folded, or stemmed) may start with.

    Folding keeps a word's letters where they are, and so do American spelling (bar
    PREFIX_CHANGERS) and Snowball's English stemming, bar the letters at a stem's end: a
    "y" made "i" ("drying": "dri"; "dying": "die") and an "e" added to a short stem ("using":
    "use"). So: the first HEAD letters of a longer form (and "y" for an "i" last of them), the
    first two of a form of HEAD letters or fewer (and "y" for an "i" second), and "is" for "iz"
    in either (below). tests/search/test_fast_paths.py checks this on wordfreq's English words,
    British spellings and random runs of letters.
    """
    if len(form) <= HEAD:
        heads = (form[:2], form[0] + "y") if form[1:2] == "i" else (form[:2],)
    else:
        heads = (form[:HEAD], form[:HEAD - 1] + "y") if form[HEAD - 1] == "i" else (form[:HEAD],)
    # American spelling makes every "isation" of a long word ending so "ization" (stemming.american), its first
    # ones too ("disationalisation": "dizationalization")
    return heads + tuple(head.replace("iz", "is") for head in heads if "iz" in head)


def initials_of_keys(keys):
    """Return the first letters, in both cases, of the ASCII words that can have one of these romanization keys.

    An ASCII word's keys are LATIN_KEY and a Cyrillic spelling (writing_systems.roman_keys): only such keys of the
    query (a Cyrillic query word's) can match one.
    """
    firsts = {key[len(LATIN_KEY)] for key in keys if key.startswith(LATIN_KEY) and len(key) > len(LATIN_KEY)}
    return frozenset(letter for first, initials in roman_initials().items() if not firsts.isdisjoint(initials)
                     for letter in (first, first.upper()))


def ascii_prefixes(tables):
    """Return the first letters an ASCII word of a text must have to be tried against these forms (_prefixes),
    with those of the British words whose American spelling starts otherwise; in every letter case, so that
    a word's own first letters can be looked up."""
    prefixes = _prefixes(tables)
    changed = [british for prefix in prefixes for british in _CHANGED_FROM.get(prefix, ())]
    return frozenset().union(*(_in_every_case(prefix) for prefix in [*prefixes, *changed]
                               if prefix and prefix.isascii()))
