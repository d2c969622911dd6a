"""Write the columnar copy of a segment's postings (index/format/columns.py), and check it against Whoosh's.

The postings are already sorted numpy arrays when a segment's W3 blocks are
written (postings.SortedPostings): the copy is a few array writes per field.
"""

import json
import os

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from measuresearch.errors import MeasureSearchError
from measuresearch.storage import write_pieces
from measuresearch.index.format.codec import segment_ids, term_blocks
from measuresearch.index.format.columns import ALIGN, ARRAYS, SegmentColumns, file_names
from measuresearch.index.format.schema import PackedPositions

CHECKED_TERMS = 24  # terms of each field and segment compared with Whoosh's blocks by every build


class ColumnsWriter:
    """Writes the columns of one segment, field after field, into one file and its table of contents."""

    def __init__(self, folder, segment_id):
        data_name, table_name = file_names(segment_id)
        self.data_path, self.table_path = os.path.join(folder, data_name), os.path.join(folder, table_name)
        self.handle = open(self.data_path, "wb")
        self.tables = {}

    def _array(self, name, values):
        values = np.ascontiguousarray(values, dtype=ARRAYS[name])
        self.handle.write(b"\0" * (-self.handle.tell() % ALIGN))
        offset = self.handle.tell()
        write_pieces(self.handle, values)
        return name, [offset, len(values)]

    def add(self, table):
        """Add one field's postings (a SortedPostings)."""
        postings = table.postings
        names = [table.names[rank] for rank in table.term_ranks.tolist()]
        arrays = {
            "terms": np.frombuffer(b"".join(names), dtype=np.uint8),
            "term_offsets": np.concatenate(([0], np.cumsum([len(n) for n in names], dtype=np.int64))),
            "term_starts": np.append(table.term_starts, len(table.docs)),
            "docs": table.docs,
            # float32: the W3 block stores a weight as array("f")
            "weights": table.weights,
        }
        if table.positions is not None:
            arrays["position_starts"] = table.position_starts
            arrays["positions"] = table.positions
        self.tables[postings.name] = dict(self._array(name, values) for name, values in arrays.items())

    def close(self):
        """Write the table of contents; make both files durable."""
        with self.handle, open(self.table_path, "w", encoding="utf-8") as table:
            json.dump(self.tables, table)
            for handle in (self.handle, table):
                handle.flush()
                os.fsync(handle.fileno())

    def abandon(self):
        self.handle.close()


def check(folder, terms=CHECKED_TERMS):
    """Check every segment of the index in folder (check_segment); raise on a difference."""
    ix = whoosh_index.open_dir(str(folder))
    try:
        with ix.reader() as reader:
            for (segment_id, _), (leaf, _) in zip(segment_ids(reader), reader.leaf_readers()):
                _check_leaf(folder, segment_id, leaf, terms)
    finally:
        ix.close()


def check_segment(storage, schema, segment, terms=CHECKED_TERMS):
    """Compare a sample of every field's terms in a new segment's columns with its Whoosh postings; raise on a difference.

    The sample: evenly spread terms and each field's longest posting list. The
    writer process that wrote the segment checks it, in parallel with the others.
    """
    leaf = SegmentReader(storage, schema, segment)
    try:
        _check_leaf(storage.folder, segment.segment_id(), leaf, terms)
    finally:
        leaf.close()


def _check_leaf(folder, segment_id, leaf, terms):
    columns = SegmentColumns(folder, segment_id)
    try:
        for field, table in columns.fields.items():
            _check_field(leaf, field, table, terms)
    finally:
        columns.close()


def _check_field(leaf, field, table, terms):
    numbers = set(np.linspace(0, table.size - 1, min(terms, table.size)).astype(int).tolist())
    numbers.add(int(np.argmax(np.diff(table.term_starts))))
    for number in sorted(numbers):
        term = table.term(number)
        start, end = table.extent(number)
        blocks = term_blocks(leaf, field, term, 0) if (field, term) in leaf else []
        same = bool(blocks) and _equal(np.concatenate([b[0] for b in blocks]), table.docs[start:end])
        same = same and _equal(np.concatenate([b[1] for b in blocks]), table.weights[start:end].astype(np.float64))
        if same and table.has_positions:
            values = [v for b in blocks for v in b[2]]
            stored = np.frombuffer(b"".join(values), dtype=PackedPositions.DTYPE)
            same = _equal(stored, table.positions[table.position_starts[start]: table.position_starts[end]])
            counts = np.array([len(v) // 4 for v in values], dtype=np.int64)
            same = same and _equal(counts, np.diff(table.position_starts[start: end + 1]))
        if not same:
            raise MeasureSearchError(f"the columnar postings of {field}:{term!r} differ from the Whoosh segment's; "
                                     "the index was not made current")


def _equal(a, b):
    return len(a) == len(b) and bool(np.array_equal(a, b))
