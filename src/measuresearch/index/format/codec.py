"""Whoosh's on-disk layout, written and read: the one module that knows Whoosh's private parts.

Written against Whoosh-Reloaded 2.7.5 (`whoosh.__version__ == (2, 7, 5)`) and
its W3 codec; importing this module with any other Whoosh installed raises
UnsupportedWhoosh, because what follows relies on parts of that release that
are not its public API:

- writing: SegmentWriter's per-document writer, field writer and its postings
  file (`_postfile`, `_postwriter`), W3PostingsWriter's block buffers and
  `_write_block`, the codec's block settings, the TOC written by commit;
- reading: a term's extent in the postings file, the W3 block layout (header
  magic, a signed big-endian length, a pickled info tuple, then the pickled
  delta-coded ids, weights and values, zlib'ed when the info says so), the
  per-document lengths column, a segment's document count.

Whoosh's SegmentWriter pickles every posting into a temporary run file,
merges the runs, and hands the codec one posting at a time: about ten
microseconds a posting, nearly the whole cost of a build. ArraySegmentWriter
gathers each field's postings in flat arrays (postings.py), sorts them once by
term, and gives the W3 block writer 128 postings at a time. The files are the
format Whoosh writes and reads: tests/test_codec.py compares the posting
blocks, lengths and stored fields byte for byte with Whoosh's own writer.
"""

import io
import pickle
import zlib

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter, _lenfield
from whoosh.fields import UnknownFieldError
from whoosh.formats import Frequency
from whoosh.index import TOC, clean_files
from whoosh.index import open_dir as open_whoosh_dir
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from measuresearch.errors import UnsupportedWhoosh
from measuresearch.index.build.postings import FieldPostings, SortedPostings
from measuresearch.index.format.schema import SCORED_FIELDS, PackedPositions

WRITTEN_AGAINST = (2, 7, 5)


def check_whoosh(version):
    """Raise UnsupportedWhoosh unless `version` is the Whoosh release this module was written against."""
    if tuple(version[:3]) != WRITTEN_AGAINST:
        wanted, found = ".".join(map(str, WRITTEN_AGAINST)), ".".join(map(str, version))
        raise UnsupportedWhoosh(
            f"measuresearch reads and writes Whoosh {wanted}'s private index layout, but Whoosh {found} "
            f"is installed: install Whoosh-Reloaded=={wanted} (`make install`), or port measuresearch/codec.py")


check_whoosh(whoosh.__version__)


# -- writing ---------------------------------------------------------------------------------------


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
                write_field(self.fieldwriter, self.codec, postings, stored_lengths(lengths, name, self.docnum))
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


def write_field(fieldwriter, codec, postings, lengths):
    """Write one field's FieldPostings: its terms in byte order, each posting list as W3 blocks."""
    postings.group()
    if not postings.terms:
        return  # Whoosh's own writer never starts a field without postings
    table = SortedPostings(postings, codec._blocklimit)
    fieldwriter.start_field(postings.name, postings.field)
    blocks = BlockWriter(fieldwriter._postfile, blocklimit=codec._blocklimit,
                         compression=codec._compression, inlinelimit=codec._inlinelimit)
    fieldwriter._postwriter = blocks
    window = None
    for term, start, end in table.terms():
        if window is None or end > window.end:
            window = Window(table, start, max(end, start + table.WINDOW), lengths)
        fieldwriter.start_term(term)
        blocks.write_postings(window, start, end)
        fieldwriter.finish_term()
    fieldwriter.finish_field()


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
        if isinstance(fmt, PackedPositions):  # the positions as PackedPositions.encode writes them
            positions = np.frombuffer(postings.positions, dtype=np.uint32).astype(PackedPositions.DTYPE, copy=False)
            data = memoryview(positions).cast("B")
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


# -- reading ---------------------------------------------------------------------------------------


def document_count(folder):
    """Return how many documents the segments of the index in folder hold, from its TOC alone."""
    # opening a reader would map every segment file and touch much of it
    # (at 100k measures a passing 1 GB of the build's memory)
    ix = open_whoosh_dir(str(folder))
    try:
        return sum(segment.doc_count_all() for segment in ix._segments())
    finally:
        ix.close()


# What each length byte of a W3 lengths column stands for (Whoosh quantises lengths to a byte).
BYTE_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.int64)


def stored_lengths(perdoc, name, doccount):
    """Return each document's length of one field as a segment stores it (0 when unscored).

    perdoc: the segment's per-document reader. A W3 lengths column (a
    NumericColumn "B") holds one byte per document, up to the last document
    with a length; the documents after it have the default, 0. The bytes are
    read at once: Whoosh's reader would read them one call per document.
    """
    if not perdoc.has_column(_lenfield(name)):
        return np.zeros(doccount, dtype=np.int64)
    column = perdoc.column_reader(_lenfield(name), LENGTHS_COLUMN)
    stored = np.zeros(doccount, dtype=np.uint8)
    count = min(column._count, doccount)
    stored[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
    return BYTE_LENGTHS[stored]


def field_lengths(reader, fields=SCORED_FIELDS):
    """Return {field: (per-document lengths, average length)} of a whole index, read once per build."""
    size = reader.doc_count_all()
    result = {}
    for field in fields:
        lengths = np.zeros(size, dtype=np.float64)
        for leaf, base in reader.leaf_readers():
            count = leaf.doc_count_all()
            lengths[base:base + count] = stored_lengths(leaf._perdoc, field, count)
        result[field] = (lengths, (reader.field_length(field) / size) if size else 1.0)
    return result


def posting_extent(info):
    """Return (offset, length) of a term's posting list in the postings file.

    Whoosh 2.7.5 reads the length back as a 1-tuple (W3TermInfo unpacks it
    with a struct); a release that fixes it returns the int: both are taken.
    """
    offset, length = info.extent()
    if isinstance(length, tuple):
        (length,) = length
    return offset, length


def posting_bytes(leaf, field, text):
    """Return the raw W3 blocks of one term in one segment (leaf reader)."""
    info = leaf.term_info(field, text)
    if info.is_inlined():  # the W3 codec inlines lists shorter than inlinelimit=1: never
        raise ValueError(f"posting list of {field}:{text!r} is inlined in its term info")
    offset, length = posting_extent(info)
    return leaf._terms._postfile.get(offset, length)


def term_blocks(leaf, field, text, base):
    """Return the blocks [(docnums, weights, encoded values)] of one term in one segment.

    The term's whole posting extent is read at once and its W3 blocks parsed
    here (BlockWriter writes them); docnums are shifted by the segment's base.
    """
    data = posting_bytes(leaf, field, text)
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"posting list of {field}:{text!r} does not start with the W3 header")
    stream, position, blocks = io.BytesIO(data), 4, []
    while position < len(data):
        size = int.from_bytes(data[position: position + 4], "big", signed=True)
        end = position + 4 + abs(size)
        stream.seek(position + 4)
        count, _, _, compression, _, _ = pickle.load(stream)
        body = data[stream.tell(): end]
        ids, weights, values = pickle.loads(zlib.decompress(body) if compression else body)
        if weights is None or isinstance(weights, float):
            weights = np.full(count, 1.0 if weights is None else weights)
        blocks.append((np.cumsum(np.asarray(ids, dtype=np.int64)) + base, np.asarray(weights, dtype=np.float64),
                       values))
        position = end
        if size < 0:
            break
    return blocks
