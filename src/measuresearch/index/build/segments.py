"""Whoosh's on-disk layout, written: segments with the files Whoosh itself writes, at array speed.

Relies on private parts of Whoosh-Reloaded 2.7.5 (checked on import by
index/format/codec.py): SegmentWriter's per-document writer, field writer, its
postings file and terms table (`_postfile`, `_fieldid`, `_tindex`, an
OrderedHashWriter, its buckets and hash tables), the W3 block and term info layout (blocks.py), the codec's
block settings, the TOC written by commit.

Whoosh's SegmentWriter pickles every posting into a temporary run file,
merges the runs, and hands the codec one posting at a time: about ten
microseconds a posting, nearly the whole cost of a build. ArraySegmentWriter
gathers each field's postings in flat arrays (postings.py), sorts them once by
term, and writes their W3 blocks a window at a time (blocks.py). The files are the
format Whoosh writes and reads: tests/index/test_codec.py compares the posting
blocks, lengths and stored fields byte for byte with Whoosh's own writer.
"""

import functools

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, _lenfield
from whoosh.fields import UnknownFieldError
from whoosh.index import TOC, clean_files
from whoosh.writing import SegmentWriter

from measuresearch.index.build.blocks import FieldBlocks, length_bytes, write_hashes
from measuresearch.index.build.columns import ColumnsWriter
from measuresearch.index.build.postings import FieldPostings, SortedPostings
from measuresearch.index.format.codec import BYTE_LENGTHS, stored_lengths


class ArraySegmentWriter(SegmentWriter):
    """A SegmentWriter for one new segment whose postings never go through Whoosh's pool."""

    def __init__(self, ix, codec=None, words_of=None, analysed=None, **kwargs):
        """words_of: the field whose lowercased words' documents are counted (document_frequencies); analysed: the
        analysed.Analysed terms of words shared by the writers of this process."""
        # Posting blocks are stored without zlib (a W3 block says whether it is
        # compressed; Whoosh reads both): zlib was a third of decoding a block in a
        # cold query, for 1.6 times the disk of the index.
        super().__init__(ix, codec=codec or W3Codec(compression=0), **kwargs)
        tables = {}  # fields with the same tokenizer ("text", "exact") split a value into words once
        self._postings = {name: FieldPostings(name, field, tables, analysed) for name, field in self.schema.items()
                          if field.indexed}
        self._vocabulary = None
        if words_of:
            self._postings[words_of].counts_documents = True
            self._vocabulary = self._postings[words_of].table
        for name, field in self.schema.items():  # only Whoosh's per-document writer would write these
            if field.column_type:
                raise TypeError(f"field {name!r}: sortable columns are not written")
            if field.scorable and not (name in self._postings and self._postings[name].analysis):
                raise TypeError(f"field {name!r}: the lengths of a scored field without our analyzers are not written")
        # each field in name order (Whoosh's): (name, its FieldPostings or None, whether it is stored)
        self._plan = [(name, self._postings.get(name), field.stored) for name, field in sorted(self.schema.items())]
        self._names = frozenset(self.schema.names())
        # each document's stored fields ({} for none), written at once by _write_stored(): kept as given, so a value
        # must not change once added (the schema stores the id alone, a text)
        self._stored = []

    def add_document(self, **fields):
        """Add one document: its postings to the fields' FieldPostings, its stored fields kept for _write_stored().

        What Whoosh's per-document writer would be told (start_doc, add_field for each field, finish_doc) comes to
        only the stored fields here: the analysed fields' lengths are written at once (_write_lengths), and
        __init__ refuses the fields that would give it more (a sortable field's column, a scored unanalysed field's
        lengths).
        """
        self._check_state()
        unknown = fields.keys() - self._names
        if unknown:
            raise UnknownFieldError(f"no field named {min(unknown)!r} in the schema")
        docnum, stored = self.docnum, {}
        for name, postings, keep in self._plan:
            value = fields.get(name)
            if value is None:
                continue
            if postings is not None:
                postings.add(docnum, value)
            if keep:
                stored[name] = value
        self._stored.append(stored)
        self._added = True
        self.docnum += 1

    def _write_stored(self):
        """Write every document's stored fields into the per-document writer's stored column, as its finish_doc()
        does one document at a time (the column's own writer pickles and compresses each value)."""
        writer = self.perdocwriter
        column = writer._get_column("_stored")
        for docnum, stored in enumerate(self._stored):
            if stored:
                column.add(docnum, stored)
        writer._doccount = self.docnum

    def _write_lengths(self):
        """Write the lengths columns of the analysed fields, all documents at once, as W3PerDocWriter.add_field
        writes them one document at a time; return {field: each document's length as the column gives it back}.

        Whoosh makes a field's column (and its total in the segment's field lengths) at the first document
        with a length, fields in name order, and writes a byte per document up to the last with one.
        """
        counted = {name: postings.lengths(self.docnum) for name, postings in self._postings.items()
                   if postings.analysis}
        found = {name: np.flatnonzero(lengths) for name, lengths in counted.items()}
        writer, written = self.perdocwriter, {}
        for name in sorted((name for name in counted if len(found[name])), key=lambda name: (found[name][0], name)):
            lengths, column = counted[name], _lenfield(name)
            stored = length_bytes(lengths).astype(np.uint8)
            writer._create_column(column, LENGTHS_COLUMN)
            end = int(found[name][-1]) + 1
            column_writer = writer._get_column(column)
            column_writer._dbfile.write(stored[:end].tobytes())
            column_writer._count = end
            writer._fieldlengths[name] += int(lengths.sum())
            written[name] = BYTE_LENGTHS[stored]
        return {name: written.get(name, np.zeros(self.docnum, dtype=np.int64)) for name in counted}

    def field_words(self, name):
        """Return the words split in an analysed field so far (each once), or [] for another field."""
        postings = self._postings.get(name)
        return postings.table.words if postings is not None and postings.analysis else []

    def document_frequencies(self):
        """Return {lowercased word: documents} of the words_of field (vocabulary.document_words), once written."""
        return self._vocabulary.document_frequencies() if self._vocabulary else {}

    def _flush_segment(self):
        self._write_stored()
        written = self._write_lengths()
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        columns = ColumnsWriter(self.storage.folder, self.newsegment.segment_id())
        try:
            for name in sorted(self._postings):
                postings = self._postings.pop(name)
                field_lengths = written[name] if name in written else stored_lengths(lengths, name, self.docnum)
                write_field(self.fieldwriter, self.codec, postings, field_lengths, columns)
            columns.close()
        finally:
            lengths.close()
            columns.abandon()
        tindex = self.fieldwriter._tindex  # its hash tables written at once, the rest of its close() Whoosh's own
        tindex._write_hashes = functools.partial(write_hashes, tindex)
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


def write_field(fieldwriter, codec, postings, lengths, columns=None):
    """Write one field's FieldPostings: its terms in byte order, each posting list as W3 blocks (blocks.py).

    columns: a ColumnsWriter that also gets the field's columnar copy.
    """
    postings.group()
    if not postings.terms:
        return  # Whoosh's own writer never starts a field without postings
    table = SortedPostings(postings, codec._blocklimit)
    if columns is not None:
        columns.add(table)
    fieldwriter.start_field(postings.name, postings.field)
    FieldBlocks(fieldwriter, codec, table, lengths).write()
    fieldwriter.finish_field()
