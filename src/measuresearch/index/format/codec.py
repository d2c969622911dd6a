"""Whoosh's on-disk layout, read: the one module that knows the private parts of Whoosh's reading side.

Written against Whoosh-Reloaded 2.7.5 (`whoosh.__version__ == (2, 7, 5)`) and
its W3 codec; importing this module with any other Whoosh installed raises
UnsupportedWhoosh, because what follows relies on parts of that release that
are not its public API: a term's extent in the postings file, the W3 block
layout (header magic, a signed big-endian length, a pickled info tuple, then
the pickled delta-coded ids, weights and values, zlib'ed when the info says
so), the per-document lengths column, a segment's document count. The writing
half is index/build/segments.py; the serving path never loads it.
"""

import io
import pickle
import zlib

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, _lenfield
from whoosh.index import open_dir as open_whoosh_dir
from whoosh.util.numeric import byte_to_length

from measuresearch.errors import UnsupportedWhoosh
from measuresearch.index.format.schema import SCORED_FIELDS


WRITTEN_AGAINST = (2, 7, 5)


def check_whoosh(version):
    """Raise UnsupportedWhoosh unless `version` is the Whoosh release this module was written against."""
    if tuple(version[:3]) != WRITTEN_AGAINST:
        wanted, found = ".".join(map(str, WRITTEN_AGAINST)), ".".join(map(str, version))
        raise UnsupportedWhoosh(
            f"measuresearch reads and writes Whoosh {wanted}'s private index layout, but Whoosh {found} "
            f"is installed: install Whoosh-Reloaded=={wanted} (`make install`), or port measuresearch/index/format/codec.py and index/build/segments.py")


check_whoosh(whoosh.__version__)





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


def segment_ids(reader):
    """Return [(segment id, first document number)] of an index reader's segments, in document order."""
    return [(leaf.segment().segment_id(), base) for leaf, base in reader.leaf_readers()]


def spelling_suggestions(corrector, word, maxdist, prefix):
    """Yield (score, word) of a Whoosh ListCorrector within maxdist edits, keeping `prefix` letters.

    The public `suggest()` keeps only the best few and sorts them; the
    vocabulary needs every candidate with its distance.
    """
    return corrector._suggestions(word, maxdist, prefix)
