"""Write Whoosh segments from postings gathered in flat arrays.

Whoosh's SegmentWriter pickles every posting into a temporary run file,
merges the runs, and hands the codec one posting at a time: about ten
microseconds a posting, nearly the whole cost of a build. ArraySegmentWriter
keeps each field's tokens in flat arrays, groups them into postings a batch
at a time, sorts the postings once with numpy by term, and gives the codec's
own W3 block writer 128 postings at a time. The files are
the format Whoosh writes and reads (tests/test_segments.py reads a segment of
each writer back and compares every term, posting, length and stored field).

What it leaves out, checked when it is created: term vectors, separate
spelling fields, and posting formats other than the three our schema uses.
It drives private parts of the pinned Whoosh 2.7.5 (the field writer's
postings file and block writer, the codec's block settings), which the
byte-for-byte tests pin down.
"""

from array import array

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PostingsWriter, _lenfield
from whoosh.fields import UnknownFieldError
from whoosh.formats import Existence, Frequency
from whoosh.index import TOC, clean_files
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from .analysis import analyzer_settings, index_terms
from .schema import PackedPositions


class ArraySegmentWriter(SegmentWriter):
    """A SegmentWriter for one new segment whose postings never go through Whoosh's pool."""

    def __init__(self, ix, codec=None, **kwargs):
        # Posting blocks are stored without zlib (a W3 block says whether it is
        # compressed; Whoosh reads both): zlib was a third of decoding a block in a
        # cold query, for 1.6 times the disk of the index.
        super().__init__(ix, codec=codec or W3Codec(compression=0), **kwargs)
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
                postings.write(self.fieldwriter, self.codec, stored_lengths(lengths, name, self.docnum))
        finally:
            lengths.close()
        self.fieldwriter.close()

    def finish_segment(self):
        """Write this writer's segment; return [it] (for commit_segments), or [] if it is empty."""
        if not self._added:
            self.cancel()
            return []
        segment = self._finalize_segment()
        self._finish()
        return [segment]

    def _finish(self):
        # Whoosh's _finish() also removes the temporary folder (MAIN.tmp), which every
        # writer of the index shares, other processes' writers included: commit_segments
        # removes it once they are all done.
        if self.writelock:
            self.writelock.release()
        self.is_closed = True

    def postings_bytes(self):
        """Return the memory the postings gathered so far take."""
        return sum(postings.nbytes() for postings in self._postings.values())


def commit_segments(ix, segments):
    """Make the given new segments, in this order, the whole of a fresh index."""
    segments, generation = list(segments), ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)  # the empty TOC of create_in()
    ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()


# What each length byte of a W3 lengths column stands for (Whoosh quantises lengths to a byte).
BYTE_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.int64)


def stored_lengths(perdoc, name, doccount):
    """Return each document's length of one field as a segment stores it (0 when unscored).

    perdoc: the segment's per-document reader (W3 codec internals).
    """
    if not perdoc.has_column(_lenfield(name)):
        return np.zeros(doccount, dtype=np.int64)
    column = perdoc.column_reader(_lenfield(name), LENGTHS_COLUMN)
    return BYTE_LENGTHS[np.fromiter(column, dtype=np.uint8, count=doccount)]


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
        self.tokens = (array("i"), array("i"), array("I"), array("d"))  # term, document, position, boost
        self.terms, self.docs, self.weights = array("i"), array("i"), array("d")
        self.frequencies, self.starts, self.positions = array("I"), array("I"), array("I")

    def add(self, docnum, value):
        """Add one document's value; return its length as Whoosh counts it (tokens, if scored)."""
        if self.analysis:
            terms, positions, boosts = index_terms(value, *self.analysis)
        else:  # ID and NUMERIC fields: Whoosh's own terms, one posting each
            items = list(self.field.index(value))
            terms = [term for term, _, _, _ in items]
            positions, boosts = [0] * len(items), [weight for _, _, weight, _ in items]
        ids = self.term_ids
        token_terms, token_docs, token_positions, token_boosts = self.tokens
        token_terms.extend([ids[t] if t in ids else ids.setdefault(t, len(ids)) for t in terms])
        token_docs.extend([docnum] * len(terms))
        token_positions.extend(positions)
        token_boosts.extend(boosts)
        if len(token_terms) >= self.BATCH:
            self.group()
        return len(terms) if self.field.scorable else 0

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

    def write(self, fieldwriter, codec, lengths):
        """Write the field's terms in byte order, each posting list as W3 blocks."""
        self.group()
        if not self.terms:
            return  # Whoosh's own writer never starts a field without postings
        table = SortedPostings(self, codec._blocklimit)
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
    """A field's postings in term-bytes order (documents ascending within a term)."""

    WINDOW = 65_536  # postings turned into Python lists at a time

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
        """Return the delta-encoded documents as W3 blocks store them (each block starts from 0)."""
        sizes = self.term_ends - self.term_starts
        in_term = np.arange(len(self.docs), dtype=np.int32)
        in_term -= np.repeat(self.term_starts.astype(np.int32), sizes)
        block_first = in_term % blocklimit == 0
        del in_term
        deltas = np.diff(self.docs, prepend=np.int32(0))
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
    """Sorted postings start:end as Python lists, ready to be cut into blocks."""

    def __init__(self, table, start, end, lengths):
        postings = table.postings
        self.start, self.end = start, min(end, len(table.docs))
        index = table.order[self.start: self.end]
        self.docs = table.docs[self.start: self.end].tolist()
        self.deltas = table.deltas[self.start: self.end].tolist()
        weights = np.frombuffer(postings.weights, dtype=np.float64)[index]
        self.weights = weights.tolist()
        self.weights32 = weights.astype(np.float32).tolist()  # as the block's array("f") reads back
        self.lengths = lengths[table.docs[self.start: self.end]].tolist()
        frequencies = np.frombuffer(postings.frequencies, dtype=np.uint32)[index]
        fmt = postings.field.format
        if isinstance(fmt, PackedPositions):  # the positions, uint32 in machine order
            data = memoryview(postings.positions).cast("B")
            starts = (np.frombuffer(postings.starts, dtype=np.uint32)[index].astype(np.int64) * 4).tolist()
            self.values = [data[a: a + 4 * n].tobytes() for a, n in zip(starts, frequencies.tolist())]
        elif isinstance(fmt, Frequency):  # pack_uint(frequency): a big-endian uint32
            data = frequencies.astype(">u4").tobytes()
            self.values = [data[i: i + 4] for i in range(0, len(data), 4)]
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
