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
    """The terms of words, by analysis kind: those a build read (known), and those it analysed anew (new)."""

    def __init__(self, known=None):
        self.known = known or {kind: {} for kind in KINDS}
        self.new = {kind: {} for kind in KINDS}
        self.used = {kind: [] for kind in KINDS}  # the known words asked for

    def terms(self, kind, word):
        """Return text/analysis.terms of a word (lowercased if ASCII, as FieldPostings asks) for one kind."""
        found = self.known[kind].get(word)
        if found is None:
            found = self.known[kind][word] = self.new[kind][word] = _analyse(word, is_law_number(word), kind)
        else:
            self.used[kind].append(word)
        return found

    def new_json(self):
        """Return the words analysed anew as JSON ({kind: {word: [term, ...]}}), or b"" if there are none."""
        return orjson.dumps(self.new) if any(self.new.values()) else b""

    def used_json(self):
        """Return the known words asked for as JSON ({kind: [word, ...]})."""
        return orjson.dumps(self.used)


def read(corpus_dir):
    """Return an Analysed with the terms the last build of this corpus kept (none if stale or damaged)."""
    layers = read_cache.load_named(corpus_dir, NAME, LARGEST)
    if not (isinstance(layers, list) and all(_fits(layer) for layer in layers)):
        return Analysed()
    known = {kind: {} for kind in KINDS}
    for layer in layers:
        for kind, table in layer.items():
            known[kind].update(table)
    return Analysed(known)


def _fits(layer):
    """Whether a layer is {kind: {word: [term, ...]}} as save() writes it (the types of its 150,000 lists and
    terms gathered in C: a third of the time of looking at each)."""
    if not (isinstance(layer, dict) and set(layer) <= set(KINDS) and all(type(t) is dict for t in layer.values())):
        return False
    lists = [found for table in layer.values() for found in table.values()]
    return set(map(type, lists)) <= {list} and set(map(type, itertools.chain.from_iterable(lists))) <= {str}


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
        read_cache.save_named(corpus_dir, NAME, b"[" + b",".join([orjson.dumps(known), *news]) + b"]")
