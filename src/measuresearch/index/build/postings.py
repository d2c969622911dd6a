"""A field's postings gathered in flat arrays while documents are added, then sorted by term.

No Whoosh internals here: tokens come from our analyzers (or the field's own
`index()` for ID and NUMERIC fields), postings are numpy arrays. codec.py
turns the sorted postings into Whoosh's on-disk blocks.
"""

import collections
import itertools
from array import array
from operator import itemgetter
from typing import NamedTuple

import numpy as np
from whoosh.analysis import IDTokenizer
from whoosh.fields import ID
from whoosh.formats import Existence, Frequency

from measuresearch.index.build.analysed import Analysed
from measuresearch.text.analysis import (PLAIN_WORD, SECTION_GAP, analyzer_settings, is_law_number, section_pattern,
                                          section_words, sections)
from measuresearch.index.format.columns import runs
from measuresearch.index.format.schema import PackedPositions


# positions 0, 1, 2...: a section's positions are a slice of them (the positions of a document rarely pass it)
COUNTING = array("I", range(1 << 16))


class WordTable:
    """Every word (or law number) met by one writer -> its word id, given in order of first sight.

    Shared by the analysed fields: "text" and "exact" split the same value into
    the same words once (Words), and each field turns a word id into its own
    terms once per build. A section's words are looked up in one C-level call
    (operator.itemgetter on a defaultdict that numbers the words it has not met).
    """

    SECTION_CHARS = 200  # sections kept by split(): at most this long,
    SECTIONS_KEPT = 20_000  # and this many

    def __init__(self):
        # word -> its id: a word looked up for the first time takes the next one, in C (defaultdict calls the
        # counter), so that a section's words are looked up in one C-level call, new words or not
        self.ids = collections.defaultdict(itertools.count().__next__)
        self._words = []  # the words in id order (the dict's, which keeps its keys in order of first sight)
        self.last = (None, None, None)  # (value, boosts, Words) of the last split
        self.lowered = {}  # lowercased word -> its number, in order of first sight (count_documents)
        self.lowered_ids = array("i")  # word id -> the number of its lowercased word, -1 for numbers and law numbers
        self.frequencies = np.zeros(0, dtype=np.int64)  # documents of each lowercased word
        self.known_sections = {}  # a short section's text -> (word ids array, positions or None, words, advance)

    @property
    def words(self):
        """Return every word met so far, in id order."""
        if len(self._words) < len(self.ids):
            self._words.extend(itertools.islice(self.ids, len(self._words), None))
        return self._words

    def ids_of(self, words):
        """Return the ids of a list of words, giving new words the next ones in order (a word twice takes one)."""
        if len(words) > 1:
            return itemgetter(*words)(self.ids)
        return [self.ids[word] for word in words]

    def split(self, value, boosts):
        """Return the Words of one field value (the last one's again when the same value comes with the same boosts).

        A short section met before (a pillar, a sub-pillar, an economy's names: most sections of a corpus)
        takes its words' ids from known_sections, without splitting it again.
        """
        last_value, last_boosts, last_words = self.last
        if value is last_value and boosts == last_boosts:
            return last_words
        ids, positions, runs, kept = array("i"), array("I"), [], self.known_sections
        pattern, pos = section_pattern(value), 0
        for boost, text, _ in sections(value, boosts):
            known = kept.get(text) if pattern is PLAIN_WORD else None
            if known is None:
                words, at, advance = section_words(text, pattern)
                known = (array("i", self.ids_of(words)), at, len(words), advance)
                if pattern is PLAIN_WORD and len(text) <= self.SECTION_CHARS and len(kept) < self.SECTIONS_KEPT:
                    kept[text] = known
            word_ids, at, count, advance = known
            ids += word_ids
            if at is None and pos + count <= len(COUNTING):  # a slice of 0, 1, 2...: copied, not counted
                positions += COUNTING[pos:pos + count]
            else:
                positions.extend(range(pos, pos + count) if at is None else [pos + a for a in at])
            runs.append((count, boost))
            pos += advance + SECTION_GAP
        self.last = (value, boosts, Words(ids, positions, runs))
        return self.last[2]

    def count_documents(self, ids, docs):
        """Count the documents of each lowercased word (no numbers) among words `ids` of documents `docs`.

        The counts are vocabulary.document_words' (a document counts once per
        word): a letter or digit lowercases to letters or digits only, and
        nothing else to either, so the words of a lowercased text are its words
        lowercased.
        """
        numbers = self.lowered_ids
        for word in self.words[len(numbers):]:
            low = word.casefold()
            numbers.append(-1 if is_law_number(word) or low.isdigit() else self.lowered.setdefault(low, len(self.lowered)))
        found = np.frombuffer(numbers, dtype=np.int32)[ids]
        kept, size = found >= 0, len(self.lowered)
        if not kept.any():
            return
        pairs = distinct(docs[kept].astype(np.int64) * size + found[kept])  # (document, word) once
        counts = np.bincount(pairs % size, minlength=size)
        counts[:len(self.frequencies)] += self.frequencies
        self.frequencies = counts

    def document_frequencies(self):
        """Return {lowercased word: documents} counted so far (count_documents)."""
        return {word: count for word, count in zip(self.lowered, self.frequencies.tolist()) if count}


def distinct(keys):
    """Return np.unique(keys) of an int64 array: sorted by stable_order, then adjacent repeats dropped.

    numpy 2's unique hashes integers before sorting them, ten times slower
    than this on a batch's (document, word) pairs (and np.sort twice as slow).
    """
    keys = keys[stable_order(keys)]
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def stable_order(keys):
    """Return np.argsort(keys, kind="stable") of non-negative integer keys (int64 indexes).

    A stable sort of each 16 bits, lowest first, which numpy does as a radix sort
    (one pass over the keys for uint16): a batch's (document, term) keys (about
    27 bits) and a segment's term ranks (17) in 2 passes, 1.7 to 2.8 times faster
    than one sort of (key, index) packed in int64 (50 ns a key on this machine).
    Negative keys: numpy's own stable sort.
    """
    keys = np.asarray(keys)
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    if int(keys.min()) < 0:
        return np.argsort(keys, kind="stable")
    keys = keys.astype(np.int64, copy=False)
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    for shift in range(16, int(keys.max()).bit_length(), 16):
        order = order[np.argsort(((keys[order] >> shift) & 0xFFFF).astype(np.uint16), kind="stable")]
    return order


class Words(NamedTuple):
    """One field value split into words: their ids, positions, and (word count, boost) per section."""

    ids: array
    positions: array
    runs: list


class FieldPostings:
    """One field's postings as documents are added, in flat arrays.

    Words (an analysed field) or tokens (ID and NUMERIC fields) are buffered
    for a batch of documents, then grouped into postings (term, document,
    weight, frequency, where its positions start); positions are kept grouped
    by posting, so a posting's value is one slice of them.
    """

    BATCH = 200_000  # words or tokens grouped into postings at a time

    def __init__(self, name, field, tables=None, analysed=None):
        """tables: see WordTable; analysed: the Analysed terms of words this process shares (a new one if None)."""
        if field.vector or field.separate_spelling():
            raise TypeError(f"field {name!r}: term vectors and spelling fields are not written")
        if not isinstance(field.format, (PackedPositions, Frequency, Existence)):
            raise TypeError(f"field {name!r}: posting format {type(field.format).__name__} is not written")
        self.name, self.field = name, field
        self.analysis = analyzer_settings(field.analyzer)
        if self.analysis is None and not isinstance(field.format, Existence):
            raise TypeError(f"field {name!r}: only our analyzers are written with positions or frequencies")
        self.term_ids = {}
        # fields that split words alike share a WordTable, from tables: {boosts of the tokenizer: WordTable}
        tokenizer = tuple(sorted((self.analysis[1] or {}).items())) if self.analysis else None
        self.table = WordTable() if tables is None else tables.setdefault(tokenizer, WordTable())
        self.word_terms, self.word_counts = array("i"), array("i")  # each word's term ids, flat; how many per word
        self.learned = {}  # a word (an ASCII word lowercased) -> its term ids
        self.analysed = analysed or Analysed()
        self.items = {}  # ID and NUMERIC fields: value -> (term ids, boosts)
        self.counts_documents = False  # whether the WordTable counts the documents of this field's words
        self.doc_lengths = np.zeros(0, dtype=np.int64)  # each document's tokens, as batches are grouped
        # an ID field whose value is its term: Whoosh's index() is six calls deep for it, and
        # every document's unique id is new (12 us a document, up to four times that between adds)
        self.whole = type(field) is ID and type(field.analyzer) is IDTokenizer and isinstance(field.format, Existence)
        self._new_batch()
        self.release()
        # only a field whose format stores positions keeps them (starts: where a posting's begin in positions)
        self.keeps_positions = isinstance(field.format, PackedPositions)

    def _new_batch(self):
        # analysed: word ids, positions, (words, document, boost) per section; else tokens: term, document, boost
        self.buffered = (array("i"), array("I"), array("i"), array("i"), array("d"))

    def add(self, docnum, value):
        """Add one document's value (an analysed field's lengths() are counted for all its documents at once)."""
        ids, positions, run_words, run_docs, run_boosts = self.buffered
        if self.analysis:
            words = self.table.split(value, self.analysis[1] or {})
            ids.extend(words.ids)
            if self.keeps_positions:
                positions.extend(words.positions)
            for count, boost in words.runs:
                run_words.append(count)
                run_docs.append(docnum)
                run_boosts.append(boost)
        else:  # ID and NUMERIC fields: Whoosh's own terms, one token each
            term_ids, boosts = self.items.get(value) or self._item(value, remember=not self.field.unique)
            ids.extend(term_ids)
            run_docs.extend([docnum] * len(term_ids))
            run_boosts.extend(boosts)
        if len(ids) >= self.BATCH:
            self.group()

    def _ids(self, terms):
        ids = self.term_ids
        return [ids[t] if t in ids else ids.setdefault(t, len(ids)) for t in terms]

    def _item(self, value, remember):
        """Return (term ids, boosts) of a value of an ID or NUMERIC field (remembered unless values are unique)."""
        if self.whole and isinstance(value, str):  # its one term, as Whoosh's ID field makes it
            found = (self._ids([value.encode("utf-8")]), [self.field.format.field_boost])
        else:
            items = list(self.field.index(value))
            found = (self._ids([term for term, _, _, _ in items]), [w for _, _, w, _ in items])
        if remember:
            self.items[value] = found
        return found

    def release(self):
        """Drop the postings gathered so far (once SortedPostings has them in term order)."""
        self.terms, self.docs, self.weights = array("i"), array("i"), array("d")
        self.frequencies, self.starts, self.positions = array("I"), array("I"), array("I")

    def lengths(self, doccount):
        """Return the length of this analysed field in each of doccount documents, as Whoosh counts it (its
        tokens; 0 if unscored), once every document is added."""
        self.group()
        lengths = np.zeros(doccount, dtype=np.int64)
        if self.field.scorable:
            kept = self.doc_lengths[:doccount]
            lengths[:len(kept)] = kept
        return lengths

    def _learn(self):
        """Analyse the words met since the last call into this field's term ids.

        An ASCII word has the terms of its lowercase form (tests/text/test_fast_paths.py),
        so "Data" and "DATA" reuse the analysis of "data": a quarter of a writer's words.
        """
        kind, learned, analysed = self.analysis[0], self.learned, self.analysed
        for word in self.table.words[len(self.word_counts):]:
            key = word.lower() if word.isascii() else word
            found = learned.get(key)
            if found is None:
                found = learned[key] = self._ids(analysed.terms(kind, key))
            self.word_terms.extend(found)
            self.word_counts.append(len(found))

    def nbytes(self):
        """Return the memory of the words, tokens, postings and positions gathered so far."""
        arrays = (*self.buffered, self.terms, self.docs, self.weights, self.frequencies, self.starts, self.positions)
        return sum(a.itemsize * len(a) for a in arrays)

    def group(self):
        """Turn the buffered words or tokens into postings (one per term and document)."""
        if self.analysis:
            terms, docs, positions, boosts = self._tokens()
        else:
            terms, _, _, docs, boosts = (np.frombuffer(a, dtype=a.typecode) for a in self.buffered)
            positions = None
        self._new_batch()
        if not len(terms):
            return
        # (document, term) in token order; a batch's documents are few and consecutive, so the pair takes few bits
        low = int(docs.min())
        order = stable_order(((docs - low).astype(np.int64) << int(terms.max()).bit_length()) | terms)
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
        if self.keeps_positions:
            self.starts.frombytes((first + len(self.positions)).astype(np.uint32).tobytes())
            self.positions.frombytes(positions[order].tobytes())

    def _tokens(self):
        """Return the buffered words as tokens: (term ids, documents, positions or None, boosts), in token order."""
        if len(self.word_counts) < len(self.table.ids):  # the terms of the words met since the last batch
            self._learn()
        ids, positions, run_words, run_docs, run_boosts = (np.frombuffer(a, dtype=a.typecode) for a in self.buffered)
        counts = np.frombuffer(self.word_counts, dtype=np.int32).astype(np.int64)
        firsts = np.cumsum(counts) - counts  # where each word's terms start in word_terms
        per_word = counts[ids]
        terms = np.frombuffer(self.word_terms, dtype=np.int32)[runs(firsts[ids], per_word)]
        word_docs = np.repeat(run_docs, run_words)
        if len(word_docs):  # a document's words are all in one batch
            low = int(word_docs.min())
            counted = np.bincount(word_docs - low, weights=per_word).astype(np.int64)
            if len(self.doc_lengths) < low + len(counted):
                self.doc_lengths = np.concatenate((self.doc_lengths, np.zeros(
                    max(low + len(counted) - len(self.doc_lengths), len(self.doc_lengths)), dtype=np.int64)))
            self.doc_lengths[low:low + len(counted)] += counted
        if self.counts_documents:
            self.table.count_documents(ids, word_docs)
        docs = np.repeat(word_docs, per_word)
        boosts = np.repeat(np.repeat(run_boosts, run_words), per_word)
        return terms, docs, np.repeat(positions, per_word) if self.keeps_positions else None, boosts


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
        self.order = stable_order(keys).astype(np.int32, copy=False)
        keys = keys[self.order]
        self.term_starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        self.term_ends = np.append(self.term_starts[1:], len(keys))
        self.term_ranks = keys[self.term_starts]
        del keys
        self.docs = np.frombuffer(postings.docs, dtype=np.int32)[self.order]
        self.deltas = self._deltas(blocklimit)
        # each posting's weight, frequency and positions in term order, gathered once for the W3 blocks
        # (a window's are slices) and the columnar copy alike
        self.weights = np.frombuffer(postings.weights, dtype=np.float64)[self.order]
        self.counts = np.frombuffer(postings.frequencies, dtype=np.uint32)[self.order].astype(np.int64)
        self.position_starts = self.positions = None
        if isinstance(postings.field.format, PackedPositions):
            self.position_starts = np.concatenate(([0], np.cumsum(self.counts)))
            firsts = np.frombuffer(postings.starts, dtype=np.uint32)[self.order].astype(np.int64)
            self.positions = np.frombuffer(postings.positions, dtype=np.uint32)[runs(firsts, self.counts)]
        postings.release()  # its copies in document order: a segment's memory is bounded by one of the two

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
