"""Write Whoosh segments from postings gathered in flat arrays.

Whoosh's SegmentWriter pickles every posting into a temporary run file,
merges the runs, and hands the codec one posting at a time: about ten
microseconds a posting, nearly the whole cost of a build. ArraySegmentWriter
keeps each field's tokens in flat arrays, sorts them once with numpy, and
gives the codec's own W3 block writer 128 postings at a time. The files are
the format Whoosh writes and reads (tests/test_segments.py reads a segment of
each writer back and compares every term, posting, length and stored field).

What it leaves out, checked when it is created: term vectors, separate
spelling fields, and posting formats other than the three our schema uses.
"""

from array import array

import numpy as np
from whoosh.codec.whoosh3 import W3PostingsWriter, _lenfield
from whoosh.fields import UnknownFieldError
from whoosh.formats import Existence, Frequency
from whoosh.index import TOC
from whoosh.writing import SegmentWriter

from .analysis import analyzer_settings, index_terms
from .schema import PackedPositions


class ArraySegmentWriter(SegmentWriter):
    """A SegmentWriter for one new segment whose postings never go through Whoosh's pool."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self._postings = {name: FieldPostings(name, field) for name, field in self.schema.items()
                          if field.indexed}

    def add_document(self, **fields):
        self._check_state()
        docnum, writer = self.docnum, self.perdocwriter
        writer.start_doc(docnum)
        try:
            for name in sorted(fields):
                value = fields[name]
                if name not in self.schema:
                    raise UnknownFieldError(f"no field named {name!r} in the schema")
                if value is None:
                    continue
                field = self.schema[name]
                length = self._postings[name].add(docnum, value) if field.indexed else 0
                writer.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    writer.add_column_value(name, field.column_type, field.to_column_value(value))
        except BaseException:
            writer.cancel_doc()
            raise
        writer.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            for name in sorted(self._postings):
                postings = self._postings.pop(name)
                postings.write(self.fieldwriter, self.codec, _field_lengths(lengths, name, self.docnum))
        finally:
            lengths.close()
        self.fieldwriter.close()

    def finish_segment(self):
        """Write this writer's segment and return it (for commit_segments), without a TOC."""
        segment = self._finalize_segment()
        self._finish()
        return segment


def commit_segments(ix, segments):
    """Make the given new segments, in this order, the whole of a fresh index."""
    TOC(ix.schema, list(segments), ix.latest_generation() + 1).write(ix.storage, ix.indexname)


def _field_lengths(reader, name, doccount):
    """Return each document's stored length of one field (0 when unscored), as Whoosh quantised it."""
    if not reader.has_column(_lenfield(name)):
        return np.zeros(doccount, dtype=np.int64)
    return np.array([reader.doc_field_length(d, name) or 0 for d in range(doccount)], dtype=np.int64)


class FieldPostings:
    """One field's tokens as documents are added: term ids, documents, positions and weights."""

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
        self.tids, self.docs, self.positions, self.weights = array("i"), array("i"), array("i"), array("f")

    def add(self, docnum, value):
        """Add one document's value; return its length as Whoosh counts it (tokens, if scored)."""
        if self.analysis:
            terms, positions, weights = index_terms(value, *self.analysis)
        else:  # ID and NUMERIC fields: Whoosh's own terms, one posting each
            items = list(self.field.index(value))
            terms = [term for term, _, _, _ in items]
            positions, weights = [0] * len(items), [weight for _, _, weight, _ in items]
        ids = self.term_ids
        self.tids.extend([ids[t] if t in ids else ids.setdefault(t, len(ids)) for t in terms])
        self.docs.extend([docnum] * len(terms))
        self.positions.extend(positions)
        self.weights.extend(weights)
        return len(terms) if self.field.scorable else 0

    def write(self, fieldwriter, codec, lengths):
        """Write the field's terms in byte order, each posting list as W3 blocks."""
        if not self.tids:
            return  # Whoosh's own writer never starts a field without postings
        table = SortedPostings(self, codec._blocklimit)
        self.tids = self.docs = self.positions = self.weights = None
        fieldwriter.start_field(self.name, self.field)
        blocks = BlockWriter(fieldwriter._postfile, blocklimit=codec._blocklimit,
                             compression=codec._compression, inlinelimit=codec._inlinelimit)
        fieldwriter._postwriter = blocks
        for term, start, end, window in table.terms(lengths):
            fieldwriter.start_term(term)
            blocks.write_postings(window, start, end)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


class SortedPostings:
    """A field's postings sorted by term bytes, then document, as flat arrays.

    Posting p is document docs[p] with weight weights[p]; its tokens are
    bounds[p]:bounds[p + 1] of the sorted token arrays.
    """

    WINDOW = 65_536  # postings turned into Python lists at a time

    def __init__(self, postings, blocklimit):
        names = [t if isinstance(t, bytes) else t.encode("utf-8") for t in postings.term_ids]
        by_bytes = sorted(range(len(names)), key=names.__getitem__)
        self.names = [names[i] for i in by_bytes]
        rank = np.empty(len(names), dtype=np.int32)
        rank[by_bytes] = np.arange(len(names), dtype=np.int32)
        keys = rank[np.frombuffer(postings.tids, dtype=np.int32)]
        order = np.argsort(keys, kind="stable")  # documents, then positions, stay in token order
        keys = keys[order]
        docs = np.frombuffer(postings.docs, dtype=np.int32)[order]
        first = np.ones(len(keys), dtype=bool)  # the first token of each (term, document)
        first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
        starts = np.flatnonzero(first)
        self.docs = docs[starts]
        self.bounds = np.append(starts, len(keys))
        # as Whoosh: the tokens' boosts summed, times the format's field boost (ID and
        # NUMERIC items come with it already applied)
        weights = np.add.reduceat(np.frombuffer(postings.weights, dtype=np.float32)[order].astype(np.float64), starts)
        self.weights = weights * (postings.field.format.field_boost if postings.analysis else 1.0)
        self.value_bytes, self.value_kind = self._values(postings.field.format, postings.positions, order)
        posting_keys = keys[starts]
        self.term_starts = np.flatnonzero(np.diff(posting_keys, prepend=-1))
        self.term_ends = np.append(self.term_starts[1:], len(starts))
        self.term_ranks = posting_keys[self.term_starts]
        self.deltas = self._deltas(blocklimit)

    def _values(self, fmt, positions, order):
        """Return every posting's encoded value in one bytes object, and how to cut it."""
        if isinstance(fmt, PackedPositions):  # the positions as uint32 in machine order
            return np.frombuffer(positions, dtype=np.int32)[order].astype(np.uint32).tobytes(), "positions"
        if isinstance(fmt, Frequency):  # pack_uint(frequency): a big-endian uint32 per posting
            return np.diff(self.bounds).astype(">u4").tobytes(), "frequency"
        return b"", None  # Existence: no value

    def _deltas(self, blocklimit):
        """Return the delta-encoded documents as W3 blocks store them (each block starts from 0)."""
        sizes = self.term_ends - self.term_starts
        in_term = np.arange(len(self.docs)) - np.repeat(self.term_starts, sizes)
        deltas = np.diff(self.docs, prepend=0)
        block_first = in_term % blocklimit == 0
        deltas[block_first] = self.docs[block_first]
        return deltas

    def terms(self, lengths):
        """Yield (term bytes, first posting, end posting, Window holding them) in term order."""
        window = None
        for rank, start, end in zip(self.term_ranks.tolist(), self.term_starts.tolist(), self.term_ends.tolist()):
            if window is None or end > window.end:
                window = Window(self, start, max(end, start + self.WINDOW), lengths)
            yield self.names[rank], start, end, window


class Window:
    """Postings start:end of a SortedPostings as Python lists, ready for blocks."""

    def __init__(self, table, start, end, lengths):
        self.start, self.end = start, min(end, len(table.docs))
        part = slice(self.start, self.end)
        self.docs = table.docs[part].tolist()
        self.deltas = table.deltas[part].tolist()
        self.weights = table.weights[part].tolist()
        self.weights32 = table.weights[part].astype(np.float32).tolist()  # as an array("f") reads back
        self.lengths = lengths[table.docs[part]].tolist()
        data = table.value_bytes
        if table.value_kind == "positions":
            cuts = (table.bounds[self.start: self.end + 1] * 4).tolist()
            self.values = [data[a:b] for a, b in zip(cuts, cuts[1:])]
        elif table.value_kind == "frequency":
            self.values = [data[4 * p: 4 * p + 4] for p in range(self.start, self.end)]
        else:
            self.values = None


class BlockWriter(W3PostingsWriter):
    """Whoosh's W3 postings writer, given a block's postings at once instead of one by one."""

    def write_postings(self, window, start, end):
        """Write postings start:end (held by window) as blocks of `blocklimit`, the last marked last."""
        start, end = start - window.start, end - window.start
        for first in range(start, end, self._blocklimit):
            last = min(first + self._blocklimit, end)
            self._ids = window.docs[first:last]
            self._block_deltas = window.deltas[first:last]
            self._weights = window.weights32[first:last]
            self._values = window.values[first:last] if window.values is not None else []
            self._maxweight = max(0, max(window.weights[first:last]))
            lengths = [n for n in window.lengths[first:last] if n]  # Whoosh ignores a length of 0
            self._minlength = min(lengths) if lengths else None
            self._maxlength = max(lengths) if lengths else 0
            self._write_block(last=last == end)

    def _mini_ids(self):
        return tuple(self._block_deltas)
