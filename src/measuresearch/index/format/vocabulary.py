"""The words of one build, for "did you mean" and search-as-you-type.

Built by the indexer (folded, unstemmed words with their document
frequencies) and held in memory by each snapshot: a sorted list for prefix
completion by bisection and Levenshtein automata (Whoosh's) for corrections.
"""

import bisect
import collections

from whoosh.spelling import ListCorrector

from measuresearch.index.format.codec import spelling_suggestions
from measuresearch.text.analysis import WORD, is_law_number, terms
from measuresearch.text.writing_systems import LATIN_KEY, fold_readings

MAX_PREFIX_SCAN = 20_000


def document_words(texts):
    """Return the set of lowercased words of one document's texts (no numbers)."""
    return {w for text in texts for w in WORD.findall(text.casefold()) if not w.isdigit()}


class WordCounts:
    """Document frequencies of words, counted as documents are added.

    Documents are counted by their lowercased words (cheap, C-level sets);
    look-alike folding is applied once per distinct word, by fold(): each
    writer process folds its own words, and the build sums their readings.

    It also gathers, for a quoted phrase typed in Latin letters, which "text"
    terms stand for each romanization key of a word not written in Latin
    letters (note_romanized): a phrase is checked on the positions of "text"
    terms, and the "roman" field keeps no positions.
    """

    def __init__(self):
        self.counter = collections.Counter()  # lowercased word -> documents, not folded yet
        self.readings = collections.Counter()  # folded reading -> documents, of the words folded so far
        self.romanized = collections.defaultdict(set)  # romanization key -> "text" terms of the words keyed so

    def add(self, words):
        self.counter.update(words)

    def fold(self):
        """Move the counted words into `readings`: a word's documents count for each of its readings."""
        readings = self.readings
        for word, df in self.counter.items():
            for reading in fold_readings(word):
                readings[reading] += df
        self.counter.clear()

    def note_romanized(self, words):
        """Note the "text" terms of each romanization key of these words (those of the "roman" field).

        Only keys a word typed in Latin letters is looked up under (analysis.query_roman_keys): not
        the LATIN_KEY ones of a word with Latin letters, which only Cyrillic query words find. An
        ASCII word has no other.
        """
        romanized = self.romanized
        for word in words:
            if word.isascii() or is_law_number(word):
                continue
            keys = [key for key in terms(word, False, "roman") if not key.startswith(LATIN_KEY)]
            if keys:
                stems = terms(word, False, "text")
                for key in keys:
                    romanized[key].update(stems)

    def merge(self, other):
        """Add another WordCounts' documents (a reading's documents are the sum over its words) and keys."""
        other.fold()
        self.readings.update(other.readings)
        for key, stems in other.romanized.items():
            self.romanized[key].update(stems)

    def data(self):
        """Return {"words": sorted folded words, "df": their document frequencies,
        "romanized": {romanization key: sorted "text" terms}} (note_romanized)."""
        self.fold()
        words = sorted(self.readings)
        return {"words": words, "df": [self.readings[w] for w in words],
                "romanized": {key: sorted(self.romanized[key]) for key in sorted(self.romanized)}}


class Vocabulary:
    """Sorted words with document frequencies."""

    def __init__(self, data):
        self.words = data["words"]
        self.df = dict(zip(data["words"], data["df"]))
        self.romanized = data["romanized"]  # romanization key -> "text" terms (WordCounts.note_romanized)
        self._corrector = ListCorrector(self.words)

    def romanized_terms(self, keys):
        """Return the "text" terms of the words not written in Latin letters that have one of these keys."""
        return [term for key in keys for term in self.romanized.get(key, ())]

    def __contains__(self, word):
        return word in self.df

    def correct(self, word, maxdist=2, prefix=1):
        """Return the commonest word closest to `word` (edit distance <= maxdist), or None."""
        if not self.words:
            return None
        best = None
        for score, candidate in spelling_suggestions(self._corrector, word, maxdist, prefix):
            if candidate == word:
                continue
            key = (-score, -self.df[candidate], candidate)
            if best is None or key < best[0]:
                best = (key, candidate)
        return best[1] if best else None

    def expand_prefix(self, prefix, limit):
        """Return up to limit + 1 words starting with prefix (limit + 1 means "too many")."""
        start = bisect.bisect_left(self.words, prefix)
        found = []
        for word in self.words[start:]:
            if not word.startswith(prefix) or len(found) > limit:
                break
            found.append(word)
        return found

    def within(self, word, maxdist, limit, prefix=1):
        """Return up to limit + 1 indexed words within maxdist edits of word (sharing its first letter)."""
        found = []
        for _, candidate in spelling_suggestions(self._corrector, word, maxdist, prefix):
            found.append(candidate)
            if len(found) > limit:
                break
        return found

    def complete(self, prefix, limit=10):
        """Return up to `limit` words starting with prefix, commonest first."""
        start = bisect.bisect_left(self.words, prefix)
        found = []
        for word in self.words[start:start + MAX_PREFIX_SCAN]:
            if not word.startswith(prefix):
                break
            found.append(word)
        found.sort(key=lambda w: (-self.df[w], w))
        return found[:limit]
