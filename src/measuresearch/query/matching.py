"""Evaluate a parsed query on the posting lists: which documents match, and their BM25F scores.

Whoosh's own matcher tree visits the matching documents one by one in Python,
which is what makes it slow on common words. Here each posting list is a
slice of the build's columnar copy of the postings (index/format/columns.py);
AND/OR/NOT become boolean masks and BM25F scores a vector sum, with Whoosh's own formula and
statistics (idf, quantised field lengths, B=0.75, K1=1.2), so that part of
the score is the one Whoosh's BM25F gives for the same terms and boosts. A
phrase is checked on the positions of its words, gathered in bulk for the
documents that hold all of them, as one numpy intersection of
(document, position) keys; the proximity term (words typed together that
stand together) uses the same intersection. Evaluation.scores states how a
score is composed.
"""

import math

import numpy as np

from measuresearch.text.analysis import forms, number_term
from measuresearch.text.frequency import ZIPF_CEILING, rarity
from measuresearch.query.parser import Expansion, LawNumber, Phrase
from measuresearch.index.format.schema import EXACT_BOOST, ROMAN_BOOST

B, K1 = 0.75, 1.2
LAW_BOOST = 2.0
NUMBER_BOOST = 0.25
PROXIMITY_BOOST = 0.5  # words typed together that stand together count again, at this weight
# a word in more documents than this takes no part in proximity: reading the positions of "the"
# in every document would cost more than the whole rest of a query, and say little
PROXIMITY_MIN_DF, PROXIMITY_SHARE = 1000, 0.05
# term_scores: the documents a page needs (or a phrase's) are picked out of a list of PICK_FROM postings
# or more when they are fewer than the list's length / NEEDED_SHARE; a shorter list is scored whole
PICK_FROM, NEEDED_SHARE = 4096, 2
# ... and documents this few (a phrase's, a rare word's page) are looked up in any list one by one
FEW = 16


def proximity_limit(size):
    """Return the largest document frequency (summed over a word's stems) of a word in a proximity pair."""
    return max(PROXIMITY_MIN_DF, int(size * PROXIMITY_SHARE))
# (document, position) -> one int64 key: positions are uint32 and a phrase shifts them forward by
# fewer words than a query has characters, so 33 bits hold any shifted position; documents get 30 bits
_STRIDE = 1 << 33


def word_terms(unit):
    """Return the (field, term, boost) triples that one word or law number matches."""
    if isinstance(unit, LawNumber):
        keys = forms(unit.text, True).law
        # the bare number still finds an instrument whose suffix was typed otherwise, ranked lower
        return [("text", key, LAW_BOOST) for key in keys] + [("text", number_term(keys), NUMBER_BOOST)]
    word = forms(unit.text)
    if is_prefix_word(unit):  # that word as it is written, not the others of its stem
        return [("exact", e, 1.0) for e in word.exact]
    return ([("text", s, 1.0) for s in word.stems] + [("exact", e, EXACT_BOOST) for e in word.exact]
            + [("roman", k, ROMAN_BOOST) for k in word.roman])


def is_prefix_word(unit):
    """Return whether a unit is a word a prefix* stands for: it matches its own "exact" forms alone, so that
    `accorda*` finds "accordance" and not "according" (the stem they share)."""
    return isinstance(unit, Expansion) and unit.kind == "prefix"


def matched_terms(unit):
    """Return the (field, term) pairs whose documents one word or law number matches: its word_terms but
    the "exact" ones, which only score (a document with a word's form has its stem too), but for a word a
    prefix* stands for, which has no others."""
    return [(field, term) for field, term, _ in word_terms(unit) if field != "exact" or is_prefix_word(unit)]


def clause_rarity(clause):
    """Return how rare a clause's words are in their language: its rarest option's frequency.rarity.

    A law number counts as rarest; a phrase as its rarest word.
    """
    def of(option):
        if isinstance(option, Phrase):
            return max(rarity(word.text) for word in option.words)
        return ZIPF_CEILING if isinstance(option, LawNumber) else rarity(option.text)
    return max(map(of, clause.options), default=ZIPF_CEILING)  # no options (a prefix* of no word): scores 0


def _sorted_unique(arrays):
    """Merge sorted key arrays (each without repeats) into one sorted array without repeats."""
    distinct = []
    for keys in arrays:  # a word's other reading is often absent, or at the very same places ("the", "тне")
        if len(keys) and not any(len(other) == len(keys) and np.array_equal(other, keys) for other in distinct):
            distinct.append(keys)
    arrays = distinct or arrays[:1]
    if len(arrays) == 1:
        return arrays[0]
    keys = np.sort(np.concatenate(arrays), kind="stable")  # timsort merges the sorted runs in linear time
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


# _intersect_sorted looks each key of the shorter array up in the longer when it is this many times shorter
SEARCH_SHARE = 16


def _intersect_sorted(a, b):
    """Return the keys that sorted arrays a and b (each without repeats) share, sorted.

    One linear merge (timsort of two sorted runs), twice as fast as a binary search of each key
    of a in b when both are long (a stop word's positions); a binary search of each key of the
    shorter when it is much shorter (a rare word's positions among a stop word's: 200 keys in
    200,000, 0.01 ms against the merge's 0.3 ms).
    """
    if not len(a) or not len(b):
        return a[:0]
    if len(a) > len(b):
        a, b = b, a
    if len(a) * SEARCH_SHARE <= len(b):
        at = np.searchsorted(b, a)
        return a[b[np.minimum(at, len(b) - 1)] == a]
    keys = np.sort(np.concatenate((a, b)), kind="stable")
    return keys[1:][keys[1:] == keys[:-1]]


class Evaluation:
    """One query evaluated on one thread's reader: masks and scores, each posting list read once.

    columns: the build's columnar postings (index/format/columns.py), which
    hold what the Whoosh segments hold, as arrays.
    """

    def __init__(self, searcher, lengths, columns, vocabulary=None):
        self.searcher = searcher
        self.vocabulary = vocabulary  # the build's Vocabulary: the "text" terms of romanization keys
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self.lengths = lengths
        self.columns = columns
        self._postings = {}
        self._phrases = {}
        # term_scores: (field, documents, boost, id(only), id(needed) if picked) ->
        # [(term, ids, what it added, only, needed)]
        self._added = {}
        self._few_kept = {}  # id(mask) -> (mask, its documents as ints when FEW or fewer, else None)

    def postings(self, field, text):
        """Return (docnums, weights) of one term as numpy arrays (empty when unknown)."""
        key = (field, text)
        if key not in self._postings:
            self._postings[key] = self.columns.postings(field, text)
        return self._postings[key]

    def holding(self, docs, field, terms):
        """Return, for each of the documents `docs`, whether it holds any of the terms in `field`."""
        docs = np.asarray(docs, dtype=np.int64)
        held = np.zeros(len(docs), dtype=bool)
        for term in terms:
            ids = self.postings(field, term)[0]  # ascending: a binary search per document of the page
            if len(ids):
                held |= ids[np.minimum(np.searchsorted(ids, docs), len(ids) - 1)] == docs
        return held.tolist()

    def doc_frequency(self, field, text):
        """Return how many documents hold one term."""
        return self.columns.doc_frequency(field, text)

    def term_mask(self, field, text):
        mask = np.zeros(self.size, dtype=bool)
        if self.doc_frequency(field, text) < PICK_FROM:  # a short list: read as its scores will read it
            mask[self.postings(field, text)[0]] = True
        else:  # a long one may be scored on a few documents only (term_scores): marked without widening
            self.columns.mark(mask, field, text)
        return mask

    def option_mask(self, option):
        """Return the documents one word, law number or phrase matches."""
        if isinstance(option, Phrase):
            if option not in self._phrases:
                self._phrases[option] = self._phrase_mask(option)
            return self._phrases[option]
        return np.logical_or.reduce([self.term_mask(f, t) for f, t in matched_terms(option)])

    def _phrase_mask(self, phrase):
        slots = [(offset, *self.phrase_terms(w), forms(w.text).roman)
                 for offset, (w, required) in enumerate(zip(phrase.words, phrase.required())) if required]
        return self._slots_mask(slots)

    def phrase_terms(self, word):
        """Return (terms, romanized) of a phrase word: the "text" terms it stands on, and those it stands on only in
        a document that holds one of its romanization keys (else ()).

        Its stems, and those of the words in another script whose romanization keys it has, so that "ob
        informatizatsii" in quotes finds "Об информатизации". A stem stands for more forms than a romanization
        key does ("регулирования", "регулировании"), so a document stands on such a stem only where it holds
        the word's key too: "regulirovana valyut" does not find "регулировании валют".
        """
        found = forms(word.text)
        if not found.roman or self.vocabulary is None:
            return found.stems, ()
        return found.stems, tuple(t for t in dict.fromkeys(self.vocabulary.romanized_terms(found.roman))
                                  if t not in found.stems)

    def _romanized_mask(self, terms, keys):
        """Return the documents that hold one of `terms` in "text" and one of the romanization `keys`."""
        return (np.logical_or.reduce([self.term_mask("text", t) for t in terms])
                & np.logical_or.reduce([self.term_mask("roman", k) for k in keys]))

    def adjacent_mask(self, first, second, within=None):
        """Return the documents (of `within`) where a stem of word `first` stands just before one of `second`."""
        return self._slots_mask([(0, forms(first.text).stems, (), ()), (1, forms(second.text).stems, (), ())],
                                within)

    def _slots_mask(self, slots, within=None):
        """Return the documents (of `within`) where each slot's terms stand at its offset from a common start.

        slots: [(offset, terms, romanized, keys)]: romanized, the terms a slot stands on only in the documents
        that hold one of its romanization keys (phrase_terms).
        """
        own, keyed = [], []  # per slot: the documents with one of its terms; with a romanized term and a key
        for _, terms, romanized, keys in slots:
            own.append(np.logical_or.reduce([self.term_mask("text", s) for s in terms]) if terms
                       else np.zeros(self.size, dtype=bool))
            keyed.append(self._romanized_mask(romanized, keys) if romanized else None)
        candidates = np.logical_and.reduce([a if b is None else a | b for a, b in zip(own, keyed)])
        if within is not None:
            candidates &= within
        if len(slots) == 1 or not candidates.any():
            return candidates
        mask = np.zeros(self.size, dtype=bool)
        keys, last, read = None, slots[-1][0], {}
        for (offset, terms, romanized, _), with_key in zip(slots, keyed):
            # word i of the phrase must stand at (start + i): every word's positions are moved to where
            # the phrase's last required word would stand, (position + last - i). Moving forward keeps
            # the key of a word at position 0 inside its own document when stop words lead the phrase
            # (moving back by i made it negative, and `// _STRIDE` named the previous document).
            # A word that comes back ("the ... the") is read once, and so is a reading at the very
            # same places as another ("тне" of "the"): the same keys, taken once. A romanized term's
            # positions count only in the documents with the word's key (read apart: another mask).
            found = [self._position_keys(s, candidates, read) for s in terms]
            if romanized:
                inside, apart = candidates & with_key, {}
                found += [self._position_keys(s, inside, apart) for s in romanized]
            read_keys = {id(k): k for k in found}
            word_keys = _sorted_unique([k + (last - offset) for k in read_keys.values()])
            keys = word_keys if keys is None else _intersect_sorted(keys, word_keys)
            if not len(keys):
                return mask
        mask[keys // _STRIDE] = True
        return mask

    def _position_keys(self, text, candidates, read):
        """Return document * STRIDE + position for every occurrence of a term in candidates, sorted.

        read: the keys of this phrase's terms read so far (term -> keys), filled in here.
        """
        if text not in read:
            twin = next((other for other in read if self.columns.same_postings("text", text, other, True)), None)
            if twin is not None:
                read[text] = read[twin]
            else:
                few = self._few(candidates)  # a handful of documents (a rare word's): looked up one by one
                docs, positions = (self.columns.positions("text", text, candidates) if few is None
                                   else self.columns.positions_at("text", text, few))
                # documents ascend and positions within a document: the keys come out sorted
                read[text] = docs * _STRIDE + positions.astype(np.int64)
        return read[text]

    def clause_mask(self, clause):
        """Return the documents one clause matches (its options OR-ed; none for no options)."""
        if not clause.options:
            return np.zeros(self.size, dtype=bool)
        return np.logical_or.reduce([self.option_mask(o) for o in clause.options])

    def matching(self, parsed, relaxed=False):
        """Return the mask of documents the query words match (every document without words)."""
        positive = [self.clause_mask(c) for c in parsed.positive]
        if not positive:
            mask = np.ones(self.size, dtype=bool)
        elif relaxed:
            mask = np.logical_or.reduce(positive)
        else:
            mask = np.logical_and.reduce(positive)
        for clause in parsed.negative:
            mask &= ~self.clause_mask(clause)
        return mask

    def term_scores(self, scores, field, text, boost, only=None, needed=None):
        """Add boost x BM25 of one term to scores (in place), optionally only where `only` is set.

        needed: the documents whose scores will be read (None: all); the others may be scored
        or not. From a long list (PICK_FROM postings) the postings outside `only`, or outside
        `needed`, are dropped before the arithmetic when they are most of it: a phrase's or a
        filter's few documents cost what they are, not what "the" costs; FEW documents or fewer
        are looked up in any list one by one. The sums of the others are the same to the bit
        (what they skip is adding 0.0).
        """
        frequency = self.doc_frequency(field, text)  # of the whole list, whatever is picked
        if not frequency:
            return
        keep = only if only is not None else needed
        few = None if keep is None else self._few(keep)
        pick = (few is None and keep is not None and frequency >= PICK_FROM
                and np.count_nonzero(keep) * NEEDED_SHARE < frequency)
        # a term with the very postings of one scored before ("тне", the Cyrillic reading of "the",
        # stands wherever "the" does) adds what that one added, computed once
        done = self._added.setdefault(
            (field, frequency, boost, id(only), (pick or few is not None) and id(needed)), [])
        twin = next((entry for entry in done if self.columns.same_postings(field, text, entry[0])), None)
        if twin is not None:
            ids, added = twin[1], twin[2]
        else:
            idf = math.log(self.size / (frequency + 1)) + 1
            if few is not None:  # a handful of documents: looked up one by one, the arithmetic on them alone
                ids, weights = self.columns.postings_at(field, text, few)
            else:
                ids, weights = self.columns.postings(field, text, keep) if pick else self.postings(field, text)
            if not len(ids):
                return
            lengths, average = self.lengths[field]
            bm25 = idf * (weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths[ids] / (average or 1)))
            if only is not None and not pick and few is None:
                bm25 = np.where(only[ids], bm25, 0.0)
            added = boost * bm25
            done.append((text, ids, added, only, needed))  # the masks kept: their ids name no other meanwhile
        scores[ids] += added  # a term has one posting per document

    def _few(self, mask):
        """Return the documents of a mask as ascending ints when they are FEW or fewer, else None (once a mask)."""
        kept = self._few_kept.get(id(mask))
        if kept is None or kept[0] is not mask:  # the mask is kept with them: its id names no other meanwhile
            docs = np.flatnonzero(mask).tolist() if np.count_nonzero(mask) <= FEW else None
            kept = self._few_kept[id(mask)] = (mask, docs)
        return kept[1]

    def _clause_scores(self, scores, clause, within=None):
        """Add the BM25F of one clause's options to scores (in place), of the documents `within` (None: all)."""
        for option in clause.options:
            if isinstance(option, Phrase):
                inside = self.option_mask(option)
                if within is not None:
                    inside = inside & within
                for word in option.words:  # where the phrase stands, each of its words scores as typed alone
                    for field, text, boost in word_terms(word):
                        self.term_scores(scores, field, text, boost, only=inside)
            else:
                for field, text, boost in word_terms(option):
                    self.term_scores(scores, field, text, boost, needed=within)

    def scores(self, parsed, within=None, relaxed=False):
        """Return the score of every document for the positive clauses: BM25F, plus the proximity term.

        Each word scores boost x BM25F of each of its terms (word_terms: its
        stems in "text" at 1.0, its unstemmed forms in "exact" at EXACT_BOOST,
        its romanization keys in "roman" at ROMAN_BOOST; a law number its keys
        at LAW_BOOST and its bare number at NUMBER_BOOST), summed over the
        terms a document has; a phrase's words score their terms (all three
        fields) in the documents where the phrase stands. Proximity: for each
        pair of words typed next to each other (parsed.pairs), the documents
        where a stem of the first stands just before a stem of the second score
        the two words' "text" and "exact" terms again, x PROXIMITY_BOOST (Solr's
        pf2), unless a word's stems are in more than proximity_limit(N)
        documents (summed document frequencies). `relaxed` (no measure has every
        word, so measures with some are ranked): each clause's BM25F is
        multiplied by clause_rarity, so that the rarer word outweighs a common
        one ("информатизации" over "закон"). `within`: only these documents' scores are read
        (the others may be scored or left at 0), each the same value as without it.
        """
        scores = np.zeros(self.size, dtype=np.float64)
        for clause in parsed.positive:
            if relaxed:  # measures with some of the words: each word weighs by its rarity in the language
                part = np.zeros(self.size, dtype=np.float64)
                self._clause_scores(part, clause, within)
                scores += clause_rarity(clause) * part
            else:
                self._clause_scores(scores, clause, within)
        limit = proximity_limit(self.size)
        for first, second in parsed.pairs:
            if any(sum(self.doc_frequency("text", s) for s in forms(w.text).stems) > limit
                   for w in (first, second)):
                continue
            near = self.adjacent_mask(first, second, within)
            if near.any():
                for word in (first, second):
                    for field, text, boost in word_terms(word):
                        if field != "roman":
                            self.term_scores(scores, field, text, PROXIMITY_BOOST * boost, only=near)
        return scores
