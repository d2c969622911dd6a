"""The terms of every word a build analysed, kept beside the corpus for the next build (read_cache's folder).

Working out a word's terms (its stem, its spelling, its romanization keys:
text/analysis.terms) takes about ten microseconds, and each writer process
meets nearly every word of the corpus: each half of a 10k corpus holds 85% of
its 70,000 words, half a second of each writer's three. A build reads what
the last one kept before its writers fork, so that a writer looks a known
word up. The words each writer analyses anew come back as JSON with its
results, and the build keeps them after the words it knew (layers, read in
order), so that the parent process parses none of them. They are kept under
read_cache's key (code_version: the package's source and its libraries'
files): any change of the analysis or of the data it reads makes the copy stale.
tests/index/test_analysed.py builds with and without it.

A copy is a JSON list of layers, each {kind: [[word, ...], [its terms joined by a space, ...]]}: two lists of
texts parse five times faster than a map of lists (12 against 66 ms for a 10k corpus's 2.8 MB), and the parent
process reads it before any writer starts. A word whose terms would not come back from their joined text is
analysed but not kept: a term with a space (NFKC makes one of a few characters: U+FC62 is " ِّ"), or an empty
term ("ь" has the one romanization key "", which joined reads back as no term at all).
"""

import itertools

import orjson

from measuresearch.corpus import read_cache
from measuresearch.text.analysis import is_law_number, terms

NAME = "terms.json"
KINDS = ("text", "exact", "roman")
LARGEST = 1 << 30
_analyse = terms.__wrapped__  # a build asks each word once: not through the query side's cache


class Analysed:
    """The terms of words, by analysis kind: those a build read (known), and those it analysed anew (new).

    Both keep a word's terms joined by SEPARATOR, as the copy does; terms() splits them for the one writer field
    that asks (FieldPostings asks each word once).
    """

    def __init__(self, known=None):
        self.known = known or {kind: {} for kind in KINDS}
        self.new = {kind: {} for kind in KINDS}
        self.used = {kind: [] for kind in KINDS}  # the known words asked for

    def terms(self, kind, word):
        """Return text/analysis.terms of a word (lowercased if ASCII, as FieldPostings asks) for one kind, a list."""
        found = self.known[kind].get(word)
        if found is None:
            analysed = _analyse(word, is_law_number(word), kind)
            if all(term and SEPARATOR not in term for term in analysed):  # (else not read back the same: above)
                self.known[kind][word] = self.new[kind][word] = SEPARATOR.join(analysed)
            return list(analysed)
        self.used[kind].append(word)
        return found.split(SEPARATOR) if found else []

    def new_json(self):
        """Return the words analysed anew as a layer's JSON, or b"" if there are none."""
        return orjson.dumps(_layer(self.new)) if any(self.new.values()) else b""

    def used_json(self):
        """Return the known words asked for as JSON ({kind: [word, ...]})."""
        return orjson.dumps(self.used)


SEPARATOR = " "


def _layer(tables):
    """Return {kind: {word: joined terms}} as a layer: {kind: [[word, ...], [joined terms, ...]]}."""
    return {kind: [list(table), list(table.values())] for kind, table in tables.items()}


def read(corpus_dir):
    """Return an Analysed with the terms the last build of this corpus kept (none if stale or damaged)."""
    layers = read_cache.load_named(corpus_dir, NAME, LARGEST)
    if not (isinstance(layers, list) and all(_fits(layer) for layer in layers)):
        return Analysed()
    known = {kind: {} for kind in KINDS}
    for layer in layers:
        for kind, (words, joined) in layer.items():
            known[kind].update(zip(words, joined))
    return Analysed(known)


def _fits(layer):
    """Whether a layer is {kind: [[word, ...], [joined terms, ...]]} as save() writes it, two lists of texts of one
    length for each kind (their types gathered in C)."""
    if not (isinstance(layer, dict) and set(layer) <= set(KINDS)):
        return False
    pairs = list(layer.values())
    if not all(type(pair) is list and len(pair) == 2 and all(type(texts) is list for texts in pair) for pair in pairs):
        return False
    return (all(len(words) == len(joined) for words, joined in pairs)
            and set(map(type, itertools.chain.from_iterable(itertools.chain.from_iterable(pairs)))) <= {str})


def save(corpus_dir, analysed, news, useds):
    """Keep the known words some writer asked for (useds: their Analysed.used_json()), then each writer's new ones
    (news: their Analysed.new_json()), when there are new ones: a word gone from the corpus goes from the copy."""
    news = [new for new in news if new]
    if news:
        used = {kind: set() for kind in KINDS}
        for asked in useds:
            for kind, words in orjson.loads(asked).items():
                used[kind].update(words)
        known = {kind: {word: analysed.known[kind][word] for word in used[kind] if word in analysed.known[kind]}
                 for kind in KINDS}
        read_cache.save_named(corpus_dir, NAME, b"[" + b",".join([orjson.dumps(_layer(known)), *news]) + b"]")
