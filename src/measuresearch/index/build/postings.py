"""A field's postings gathered in flat arrays while documents are added, then sorted by term.

No Whoosh internals here: tokens come from our analyzers (or the field's own
`index()` for ID and NUMERIC fields), postings are numpy arrays. codec.py
turns the sorted postings into Whoosh's on-disk blocks.
"""

from array import array
from itertools import chain, repeat

import numpy as np
from whoosh.formats import Existence, Frequency

from measuresearch.text.analysis import (COMBINING, LAW_HINT, PLAIN_WORD, SECTION_GAP, WORD, analyzer_settings,
                                         index_terms, sections, terms)
from measuresearch.index.format.schema import PackedPositions


class FieldPostings:
    """One field's postings as documents are added, in flat arrays.

    Tokens are buffered for a batch of documents, then grouped into postings
    (term, document, weight, frequency, where its positions start); positions
    are kept grouped by posting, so a posting's value is one slice of them.
    """

    BATCH = 200_000  # tokens grouped into postings at a time

    def __init__(self, name, field):
        if field.vector or field.separate_spelling():
            raise TypeError(f"field {name!r}: term vectors and spelling fields are not written")
        if not isinstance(field.format, (PackedPositions, Frequency, Existence)):
            raise TypeError(f"field {name!r}: posting format {type(field.format).__name__} is not written")
        self.name, self.field = name, field
        self.analysis = analyzer_settings(field.analyzer)
        if self.analysis is None and not isinstance(field.format, Existence):
            raise TypeError(f"field {name!r}: only our analyzers are written with positions or frequencies")
        self.term_ids = {}
        self.word_ids = {}  # word -> the tuple of its term ids
        self.tokens = (array("i"), array("i"), array("I"), array("d"))  # term, document, position, boost
        self.terms, self.docs, self.weights = array("i"), array("i"), array("d")
        self.frequencies, self.starts, self.positions = array("I"), array("I"), array("I")

    def add(self, docnum, value):
        """Add one document's value; return its length as Whoosh counts it (tokens, if scored)."""
        if self.analysis:
            term_ids, positions, boosts = self._analysed(value)
        else:  # ID and NUMERIC fields: Whoosh's own terms, one posting each
            items = list(self.field.index(value))
            term_ids = self._ids([term for term, _, _, _ in items])
            positions, boosts = [0] * len(items), [weight for _, _, weight, _ in items]
        token_terms, token_docs, token_positions, token_boosts = self.tokens
        token_terms.extend(term_ids)
        token_docs.extend([docnum] * len(term_ids))
        token_positions.extend(positions)
        token_boosts.extend(boosts)
        if len(token_terms) >= self.BATCH:
            self.group()
        return len(term_ids) if self.field.scorable else 0

    def _ids(self, terms):
        ids = self.term_ids
        return [ids[t] if t in ids else ids.setdefault(t, len(ids)) for t in terms]

    def _analysed(self, value):
        """Return (term ids, positions, boosts): the tokens of index_terms(value, kind, boosts), as term ids.

        Each distinct word is analysed once per build (the corpus repeats its
        vocabulary) into the tuple of its term ids; a section is then one dict
        lookup per word and C-level joins (chain, repeat). Sections with law
        numbers take index_terms' general path.
        """
        kind, section_boosts = self.analysis
        word_ids = self.word_ids
        pattern = WORD if COMBINING.search(value) else PLAIN_WORD
        ids, positions, boosts, pos = [], [], [], 0
        for boost, text, _ in sections(value, section_boosts or {}):
            words = pattern.findall(text)
            if LAW_HINT.search(text):
                found, at, _ = index_terms(text, kind)
                ids.extend(self._ids(found))
                positions.extend([pos + p for p in at])
            else:
                found = [word_ids[w] if w in word_ids else self._word(w, kind) for w in words]
                ids.extend(chain.from_iterable(found))
                positions.extend(chain.from_iterable(map(repeat, range(pos, pos + len(words)), map(len, found))))
            boosts.extend([boost] * (len(ids) - len(boosts)))
            pos += len(words) + SECTION_GAP
        return ids, positions, boosts

    def _word(self, word, kind):
        """Return the tuple of a word's term ids, remembered."""
        found = self.word_ids[word] = tuple(self._ids(terms(word, False, kind)))
        return found

    def nbytes(self):
        """Return the memory of the tokens, postings and positions gathered so far."""
        arrays = (*self.tokens, self.terms, self.docs, self.weights, self.frequencies, self.starts, self.positions)
        return sum(a.itemsize * len(a) for a in arrays)

    def group(self):
        """Turn the buffered tokens into postings (one per term and document)."""
        terms, docs, positions, boosts = (np.frombuffer(a, dtype=a.typecode) for a in self.tokens)
        if not len(terms):
            return
        order = np.argsort((docs.astype(np.int64) << 32) | terms, kind="stable")  # token order kept
        terms, docs = terms[order], docs[order]
        first = np.flatnonzero(np.r_[True, (terms[1:] != terms[:-1]) | (docs[1:] != docs[:-1])])
        self.terms.frombytes(terms[first].tobytes())
        self.docs.frombytes(docs[first].tobytes())
        # as Whoosh: a term's token boosts summed in token order, times the format's
        # field boost (ID and NUMERIC items come with it applied)
        weights = np.add.reduceat(boosts[order], first)
        if self.analysis:
            weights *= self.field.format.field_boost
        self.weights.frombytes(weights.tobytes())
        self.frequencies.frombytes(np.diff(first, append=len(terms)).astype(np.uint32).tobytes())
        self.starts.frombytes((first + len(self.positions)).astype(np.uint32).tobytes())
        self.positions.frombytes(positions[order].tobytes())
        self.tokens = tuple(array(a.typecode) for a in self.tokens)


class SortedPostings:
    """A field's postings in term-bytes order (documents ascending within a term)."""

    WINDOW = 65_536  # postings turned into Python lists at a time (codec.Window)

    def __init__(self, postings, blocklimit):
        self.postings = postings
        names = [t if isinstance(t, bytes) else t.encode("utf-8") for t in postings.term_ids]
        by_bytes = sorted(range(len(names)), key=names.__getitem__)
        self.names = [names[i] for i in by_bytes]
        rank = np.empty(len(names), dtype=np.int32)
        rank[by_bytes] = np.arange(len(names), dtype=np.int32)
        keys = rank[np.frombuffer(postings.terms, dtype=np.int32)]
        # postings were added in document order, which a stable sort keeps within a term
        self.order = np.argsort(keys, kind="stable").astype(np.int32)
        keys = keys[self.order]
        self.term_starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        self.term_ends = np.append(self.term_starts[1:], len(keys))
        self.term_ranks = keys[self.term_starts]
        del keys
        self.docs = np.frombuffer(postings.docs, dtype=np.int32)[self.order]
        self.deltas = self._deltas(blocklimit)

    def _deltas(self, blocklimit):
        """Return the delta-encoded documents as blocks of `blocklimit` store them (each block starts from 0)."""
        sizes = self.term_ends - self.term_starts
        in_term = np.arange(len(self.docs), dtype=np.int32)
        in_term -= np.repeat(self.term_starts.astype(np.int32), sizes)
        block_first = in_term % blocklimit == 0
        del in_term
        deltas = np.diff(self.docs, prepend=np.int32(0))
        deltas[block_first] = self.docs[block_first]
        return deltas

    def terms(self):
        """Yield (term bytes, first posting, end posting) in term order."""
        for rank, start, end in zip(self.term_ranks.tolist(), self.term_starts.tolist(), self.term_ends.tolist()):
            yield self.names[rank], start, end
