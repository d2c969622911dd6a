"""A columnar copy of the posting lists, beside the Whoosh segments: what the engine reads.

Whoosh keeps a posting list as pickled blocks of 128 postings; reading one
back costs about 0.4 microseconds a posting, on every query that needs it. A
build also writes, for each segment, one file `columns-<segment id>.bin` of
plain little-endian arrays and its table of contents `columns-<segment id>.json`,
for every indexed field (nothing here names a field):

    terms          uint8   the field's terms (UTF-8), sorted by their bytes, end to end
    term_offsets   int64   where term i starts in `terms` (one more entry than terms)
    term_starts    int64   where term i's postings start (one more entry than terms)
    docs           int32   each posting's document, numbered inside the segment
    weights        float32 each posting's weight, as Whoosh's block stores it
    position_starts int64  (fields with positions) where each posting's positions start
    positions      uint32  (fields with positions) the positions, posting after posting

A snapshot maps each file once (shared by its threads): reading a term is a
binary search in `terms` and a slice of `docs` and `weights`, nothing
decoded. The Whoosh segments stay the index that stock Whoosh searches; the
build checks a sample of terms of the copy against them (index/build/columns.py)
and tests/query/test_matching.py every term of a test index.
"""

import bisect
import json
import mmap
import os

import numpy as np

ARRAYS = {"terms": "<u1", "term_offsets": "<i8", "term_starts": "<i8", "docs": "<i4", "weights": "<f4",
          "position_starts": "<i8", "positions": "<u4"}
ALIGN = 8  # every array starts at a multiple of 8 bytes of its file
SAMPLE = 32  # FieldColumns.find: one term in this many is kept in memory


def file_names(segment_id):
    """Return (data file, table of contents) of one segment's columns."""
    return f"columns-{segment_id}.bin", f"columns-{segment_id}.json"


class FieldColumns:
    """One field of one segment: its sorted terms and their postings, as views of the mapped file."""

    def __init__(self, data, table):
        for name, (offset, count) in table.items():
            setattr(self, name, np.frombuffer(data, dtype=ARRAYS[name], count=count, offset=offset))
        self.size = len(self.term_starts) - 1
        self.has_positions = hasattr(self, "positions")
        # the terms' bytes and offsets as memoryviews: a term is read in a third of numpy's time
        self._bytes = memoryview(self.terms)
        self._offsets = memoryview(self.term_offsets).cast("B").cast("q")
        # the postings' documents and weights alike, for a handful of documents looked up one by one (postings_at)
        self.doc_view = memoryview(self.docs).cast("B").cast("i")
        self.weight_view = memoryview(self.weights).cast("B").cast("f")
        if self.has_positions:
            self.position_start_view = memoryview(self.position_starts).cast("B").cast("q")
        self._sample = None  # every SAMPLE-th term, made on the first look-up

    def term(self, i):
        return bytes(self._bytes[self._offsets[i]:self._offsets[i + 1]])

    def find(self, term):
        """Return the number of `term` (bytes) among the field's terms, or -1.

        The sample of every SAMPLE-th term (bisect, in C) names the stretch that holds it;
        a binary search of that stretch finds it.
        """
        if self._sample is None:
            self._sample = [self.term(i) for i in range(0, self.size, SAMPLE)]
        stretch = bisect.bisect_right(self._sample, term) - 1
        if stretch < 0:
            return -1
        lo, hi = stretch * SAMPLE, min((stretch + 1) * SAMPLE, self.size)
        while lo < hi:
            middle = (lo + hi) // 2
            if self.term(middle) < term:
                lo = middle + 1
            else:
                hi = middle
        return lo if lo < self.size and self.term(lo) == term else -1

    def extent(self, i):
        return int(self.term_starts[i]), int(self.term_starts[i + 1])


class SegmentColumns:
    """The columns of one segment: one mapped file."""

    def __init__(self, folder, segment_id):
        data_name, table_name = file_names(segment_id)
        with open(os.path.join(folder, table_name), encoding="utf-8") as handle:
            tables = json.load(handle)
        with open(os.path.join(folder, data_name), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self.map = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ) if size else b""
        self.fields = {name: FieldColumns(self.map, table) for name, table in tables.items()}

    def close(self):
        self.fields = {}
        if isinstance(self.map, mmap.mmap):
            try:
                self.map.close()
            except BufferError:  # a request still holds a view: the map goes with its last reference
                pass


def runs(first, counts):
    """Return the indexes of the runs [first, first + count) one after another, made at once."""
    run_starts = np.cumsum(counts) - counts
    return np.repeat(first - run_starts, counts) + np.arange(int(counts.sum()), dtype=np.int64)


# postings(only=...): documents looked up one by one in a list more than this many times as long as them
SPARSE_SHARE = 40
_EMPTY_DOCS, _EMPTY_WEIGHTS = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)


class Columns:
    """The columns of every segment of one build, documents numbered across segments."""

    LOOKUPS = 200_000  # remembered term numbers; forgotten all at once past this

    def __init__(self, folder, segments):
        """segments: [(segment id, first document number)] in document order."""
        self.segments = []
        try:
            for segment_id, base in segments:
                self.segments.append((SegmentColumns(folder, segment_id), base))
        except BaseException:
            self.close()
            raise
        self._lookups = {}

    def _terms(self, field, text):
        """Yield (FieldColumns, term number, base) of every segment that has the term."""
        key = (field, text)
        found = self._lookups.get(key)
        if found is None:
            term = text if isinstance(text, bytes) else text.encode("utf-8")
            found = [(columns.fields[field], number, base) for columns, base in self.segments
                     if field in columns.fields for number in [columns.fields[field].find(term)] if number >= 0]
            if len(self._lookups) >= self.LOOKUPS:
                self._lookups = {}
            self._lookups[key] = found
        return found

    def doc_frequency(self, field, text):
        """Return how many documents hold the term."""
        return sum(int(c.term_starts[n + 1] - c.term_starts[n]) for c, n, _ in self._terms(field, text))

    def postings(self, field, text, only=None):
        """Return (documents int64, weights float64) of one term, documents ascending.

        only: a mask of documents; the postings of the others are dropped while still in
        the segment's own 32-bit numbers, so that a common word's list is not widened whole
        for a few documents: a few documents are looked up in the list (binary search), more
        are taken by the mask (`only[base:]` is the segment's part of it).
        """
        parts, wanted = [], None
        if only is not None and np.count_nonzero(only) * SPARSE_SHARE < self.doc_frequency(field, text):
            wanted = np.flatnonzero(only)
        for columns, number, base in self._terms(field, text):
            start, end = columns.extent(number)
            ids, weights = columns.docs[start:end], columns.weights[start:end]
            if wanted is not None:
                inside = wanted[(wanted >= base) & (wanted - base <= ids[-1])] - base
                at = np.searchsorted(ids, inside.astype(ids.dtype))
                at = at[ids[at] == inside]
                ids, weights = ids[at], weights[at]
            elif only is not None:
                kept = only[base:][ids]
                ids, weights = ids[kept], weights[kept]
            parts.append((ids.astype(np.int64) + base, weights))
        if not parts:
            return _EMPTY_DOCS, _EMPTY_WEIGHTS
        if len(parts) == 1:
            return parts[0][0], parts[0][1].astype(np.float64)
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]).astype(np.float64)

    def _located(self, field, text, docs):
        """Yield (document, FieldColumns, posting number) of one term in each of `docs` (ascending ints) that holds it.

        For a handful of documents: each is looked up in the term's list by a binary search in C (bisect over
        the mapped array), where postings() and positions() cost a dozen numpy calls whatever their number.
        """
        for columns, number, base in self._terms(field, text):
            start, end = columns.extent(number)
            ids = columns.doc_view
            for doc in docs:
                local = doc - base
                if local >= 0:
                    at = bisect.bisect_left(ids, local, start, end)
                    if at < end and ids[at] == local:
                        yield doc, columns, at

    def postings_at(self, field, text, docs):
        """Return (documents int64, weights float64) of one term in `docs` (ascending ints), as postings() has them
        (_located)."""
        found = [(doc, columns.weight_view[at]) for doc, columns, at in self._located(field, text, docs)]
        return (np.array([doc for doc, _ in found], dtype=np.int64),
                np.array([weight for _, weight in found], dtype=np.float64))

    def same_postings(self, field, text, other, positions=False):
        """Return whether two terms have the same documents and weights in every segment (and positions)."""
        mine, theirs = self._terms(field, text), self._terms(field, other)
        if len(mine) != len(theirs):
            return False
        for (columns, number, _), (other_columns, other_number, _) in zip(mine, theirs):
            if columns is not other_columns:
                return False
            (start, end), (other_start, other_end) = columns.extent(number), columns.extent(other_number)
            if end - start != other_end - other_start:
                return False
            if not (np.array_equal(columns.docs[start:end], columns.docs[other_start:other_end])
                    and np.array_equal(columns.weights[start:end], columns.weights[other_start:other_end])):
                return False
            if positions and columns.has_positions:
                first = columns.position_starts[start:end + 1]
                other_first = columns.position_starts[other_start:other_end + 1]
                if not (np.array_equal(first - first[0], other_first - other_first[0]) and np.array_equal(
                        columns.positions[first[0]:first[-1]], columns.positions[other_first[0]:other_first[-1]])):
                    return False
        return True

    def mark(self, mask, field, text):
        """Set the documents that hold one term in `mask` (a bool array over every document)."""
        for columns, number, base in self._terms(field, text):
            start, end = columns.extent(number)
            mask[base:][columns.docs[start:end]] = True

    def positions(self, field, text, candidates):
        """Return (documents, positions) of every occurrence of a term in the `candidates` mask.

        One entry per occurrence, ordered by document, then position (as indexed).
        """
        docs, positions = [], []
        for columns, number, base in self._terms(field, text):
            start, end = columns.extent(number)
            ids = columns.docs[start:end]  # numbered inside the segment: widened once chosen
            chosen = np.flatnonzero(candidates[base:][ids])
            if not len(chosen):
                continue
            first = columns.position_starts[start + chosen]
            counts = columns.position_starts[start + chosen + 1] - first
            if len(chosen) == end - start:  # every posting (a common word): its positions are one slice
                positions.append(columns.positions[first[0]:first[-1] + counts[-1]])
                docs.append(np.repeat(ids.astype(np.int64) + base, counts))
                continue
            positions.append(columns.positions[runs(first, counts)])  # the chosen postings' positions
            docs.append(np.repeat(ids[chosen].astype(np.int64) + base, counts))
        if not docs:
            return _EMPTY_DOCS, np.zeros(0, dtype=np.uint32)
        return np.concatenate(docs), np.concatenate(positions)

    def positions_at(self, field, text, docs):
        """Return (documents, positions) of every occurrence of a term in `docs` (ascending ints), as positions()
        has them (_located)."""
        found, counts, pieces = [], [], []
        for doc, columns, at in self._located(field, text, docs):
            first, last = columns.position_start_view[at], columns.position_start_view[at + 1]
            found.append(doc)
            counts.append(last - first)
            pieces.append(columns.positions[first:last])
        if not found:
            return _EMPTY_DOCS, np.zeros(0, dtype=np.uint32)
        return np.repeat(np.array(found, dtype=np.int64), counts), np.concatenate(pieces)

    def close(self):
        segments, self.segments = self.segments, []
        self._lookups = {}  # they hold the segments' fields, whose views of the maps would keep them open
        for columns, _ in segments:
            columns.close()
