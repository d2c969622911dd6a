"""A field's sorted postings written as W3 posting blocks and term infos, many blocks at a time.

Whoosh's W3PostingsWriter takes one posting at a time and pickles each block
and its block info (protocol 2). Here a window of postings is cut into blocks
with numpy, and every block's pickles are assembled for the whole window in
arrays (pickles.py), byte for byte what pickle writes: ids and weights as
ints, floats and tuples, a block's positions as pickle writes a `bytes` (a
call of _codecs.encode on its latin-1 text). The term infos and the terms
table's records are written in bulk, with the file offsets counted instead
of asked. tests/index/test_codec.py compares every block and term info with
Whoosh's own writer; tests/index/test_pickles.py the pickles with pickle's.
"""

import zlib
from array import array
from hashlib import md5

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb.filetables import md5_hash
from whoosh.formats import Frequency
from whoosh.system import pack_ushort
from whoosh.util.numeric import _length_byte_cache

from measuresearch.storage import write_pieces
from measuresearch.index.build.pickles import (Column, constant, fixed, floats, grouped, ints, join, masked,
                                               memo_puts, pick, rows, starts_of, tobytes, tuples)
from measuresearch.index.format.schema import PackedPositions

BYTE_LIMITS = np.array(_length_byte_cache, dtype=np.int64)
NO_LENGTH = np.iinfo(np.int64).max
# W3TermInfo.to_bytes(): its struct (flags, weight, documents, length bytes, top weight, first and last
# document), then pack_long(offset) and pack_int(length)
TERM_INFO_ARRAY = np.dtype([("flags", "u1"), ("weight", ">f4"), ("documents", ">u4"), ("min_length", "u1"),
                            ("max_length", "u1"), ("max_weight", ">f4"), ("min_id", ">u4"), ("max_id", ">u4"),
                            ("offset", ">i8"), ("length", ">i4")])


def length_bytes(lengths):
    """Return whoosh.util.numeric.length_to_byte of each length, at once."""
    return np.where(lengths >= BYTE_LIMITS[-1], 255, np.searchsorted(BYTE_LIMITS, lengths, side="left"))


def memo_put(index):
    """Return pickle's BINPUT / LONG_BINPUT of a memo index (protocol 2)."""
    return b"q" + bytes([index]) if index < 256 else b"r" + index.to_bytes(4, "little")


class FieldBlocks:
    """Writes one field's SortedPostings through a W3FieldWriter whose field is started."""

    def __init__(self, fieldwriter, codec, table, lengths):
        if codec._inlinelimit > 1:
            raise ValueError("posting lists inlined in the term infos are not written")
        self.fieldwriter, self.table, self.lengths = fieldwriter, table, lengths
        self.window = table.WINDOW  # postings turned into bytes at a time (more when one term has more)
        self.limit, self.compression = codec._blocklimit, codec._compression
        fmt = table.postings.field.format
        self.positions = isinstance(fmt, PackedPositions)
        self.frequency = isinstance(fmt, Frequency) and not self.positions
        if self.positions:
            self.pieces = _PositionPieces(self.limit)
        self.offset = fieldwriter._postfile.tell()
        self.key_prefix = pack_ushort(fieldwriter._fieldid)

    def write(self):
        """Write every term of the field, a window of terms at a time."""
        table, first = self.table, 0
        while first < len(table.term_starts):
            # whole terms: up to `window` postings, or one term with more
            last = int(np.searchsorted(table.term_ends, table.term_starts[first] + self.window, side="right"))
            last = max(last, first + 1)
            self._write_terms(first, last)
            first = last

    def _write_terms(self, first, last):
        table = self.table
        start, end = int(table.term_starts[first]), int(table.term_ends[last - 1])
        blocks = _Blocks(table.term_starts[first:last] - start, table.term_ends[first:last] - start, self.limit)
        docs, weights = table.docs[start:end], table.weights[start:end]
        stats = blocks.stats(weights, self.lengths[docs])
        weights32 = weights.astype(np.float32).astype(np.float64)  # as the block's array("f") reads back
        data = join(self._heads(blocks, table.deltas[start:end], weights32, stats[0]),
                    self._values(start, end, blocks, stats[4]))
        if self.compression:
            data = _column([zlib.compress(block, self.compression) for block in rows(data)])
        chunks, infos = self._chunks(blocks, docs, weights32, stats, data)
        write_pieces(self.fieldwriter._postfile, chunks)
        names = [self.key_prefix + table.names[rank] for rank in table.term_ranks[first:last].tolist()]
        _add_terms(self.fieldwriter._tindex, names, infos)

    @staticmethod
    def _heads(blocks, deltas, weights32, kind):
        """Each block's pickle up to its values: PROTO, the ids tuple (memo 0), then None, one float or a tuple (memo 1).

        A block's weights are None when all are 1.0, one float when all are alike.
        """
        count, sizes, tupled = len(kind), blocks.ends - blocks.starts, kind == 2
        ids = tuples(grouped(ints(deltas), blocks.starts, blocks.ends), sizes)
        items = grouped(masked(floats(weights32), np.repeat(tupled, sizes)), blocks.starts, blocks.ends)
        weights = join(masked(constant(b"N", count), kind == 0), masked(floats(weights32[blocks.starts]), kind == 1),
                       masked(join(tuples(items, sizes), constant(b"q\x01", count)), tupled))
        return join(constant(b"\x80\x02", count), ids, constant(b"q\x00", count), weights)

    def _values(self, start, end, blocks, tupled):
        """Each block's pickle from its values on: positions, frequencies or None, TUPLE3, its PUT, STOP.

        start, end: the window's postings in the field's SortedPostings."""
        table, memo = self.table, tupled.astype(np.int64) + 1  # the next memo index
        counts = table.counts[start:end]
        if self.frequency:
            return frequency_values(counts, blocks, tupled)
        if not self.positions:
            return join(constant(b"N\x87", len(memo)), memo_puts(memo), constant(b".", len(memo)))
        data = table.positions[table.position_starts[start]:table.position_starts[end]].astype(PackedPositions.DTYPE)
        return self.pieces.pickled(data.view(np.uint8), counts * 4, blocks, tupled)

    def _chunks(self, blocks, docs, weights32, stats, data):
        """Return (bytes to write, term info bytes of each term) of the window's blocks, from their pickles."""
        kind, maxweights, min_bytes, max_bytes, _ = stats
        count, sizes = len(kind), blocks.ends - blocks.starts
        positive = maxweights > 0
        top = np.where(positive, maxweights, 0)  # Whoosh's max(0, weights), an int 0 in the pickle
        info = join(constant(b"\x80\x02(", count), ints(sizes), ints(docs[blocks.ends - 1]),
                    join(masked(floats(maxweights), positive), masked(constant(b"K\x00", count), ~positive)),
                    ints(np.full(count, self.compression)), ints(min_bytes), ints(max_bytes),
                    constant(b"tq\x00.", count))
        size = info.sizes + data.sizes
        chunks = join(masked(constant(WHOOSH3_HEADER_MAGIC, count), blocks.first),
                      fixed(np.where(blocks.last, -size, size), ">i4"), info, data)
        at = self.offset + starts_of(chunks.sizes)
        first_blocks, last_blocks = np.flatnonzero(blocks.first), np.flatnonzero(blocks.last)
        term_start, term_end = at[first_blocks], (at + chunks.sizes)[last_blocks]
        self.offset = int(term_end[-1])
        # W3TermInfo.to_bytes(): the weight summed as Whoosh sums it, block by block, in order
        weight = sequential_sums(sequential_sums(weights32, blocks.starts, blocks.ends), first_blocks, last_blocks + 1)
        infos = np.zeros(len(first_blocks), dtype=TERM_INFO_ARRAY)
        infos["weight"], infos["documents"] = weight, blocks.term_ends - blocks.term_starts
        infos["min_length"], infos["max_length"] = blocks.term_min_bytes, blocks.term_max_bytes
        infos["max_weight"] = np.maximum.reduceat(top, first_blocks)
        infos["min_id"], infos["max_id"] = docs[blocks.term_starts], docs[blocks.term_ends - 1]
        infos["offset"], infos["length"] = term_start, term_end - term_start
        return tobytes(chunks), infos


class _Blocks:
    """The blocks of a window of terms: each term's postings cut into `limit`-posting blocks."""

    def __init__(self, term_starts, term_ends, limit):
        sizes = term_ends - term_starts
        counts = (sizes + limit - 1) // limit
        term = np.repeat(np.arange(len(sizes)), counts)
        within = np.arange(len(term)) - np.repeat(np.cumsum(counts) - counts, counts)
        self.starts = term_starts[term] + within * limit
        self.ends = np.minimum(self.starts + limit, term_ends[term])
        self.first = within == 0
        self.last = within == counts[term] - 1
        self.term, self.term_starts, self.term_ends = term, term_starts, term_ends

    def items(self):
        """Yield (start, end, first of its term, last of its term) of each block."""
        return zip(self.starts.tolist(), self.ends.tolist(), self.first.tolist(), self.last.tolist())

    def stats(self, weights, lengths):
        """Return per block: weights kind (0 all 1.0, 1 all alike, 2 a tuple), top weight, length bytes.

        Lengths of 0 (unscored) are left out, as Whoosh does; min_length is
        None then, whose byte is 0.
        """
        weights32 = weights.astype(np.float32)
        sizes = self.ends - self.starts
        alike = np.minimum.reduceat(weights32 == np.repeat(weights32[self.starts], sizes), self.starts)
        ones = np.minimum.reduceat(weights32 == 1, self.starts)
        kind = np.where(ones, 0, np.where(alike, 1, 2))
        shortest = np.minimum.reduceat(np.where(lengths > 0, lengths, NO_LENGTH), self.starts)
        longest = np.maximum.reduceat(lengths, self.starts)
        firsts = np.flatnonzero(self.first)
        self.term_min_bytes = _length_byte(np.minimum.reduceat(shortest, firsts))
        self.term_max_bytes = length_bytes(np.maximum.reduceat(longest, firsts))
        return (kind, np.maximum.reduceat(weights, self.starts), _length_byte(shortest), length_bytes(longest),
                kind == 2)


def _length_byte(shortest):
    """length_bytes of the shortest lengths, 0 where there was none (Whoosh's length_to_byte(None))."""
    return np.where(shortest == NO_LENGTH, 0, length_bytes(shortest))


class _PositionPieces:
    """The positions part of W3 block pickles (protocol 2), for many blocks at once.

    A block's pickle is (ids, weights, values) with values a tuple of bytes.
    Pickle memoizes the ids tuple (memo 0) and a weights tuple (memo 1), then
    writes the k-th bytes of the values as
      k = 0: GLOBAL _codecs.encode, PUT m, BINUNICODE text, PUT, BINUNICODE 'latin1', PUT, TUPLE2, PUT, REDUCE, PUT
      k > 0: GET m, BINUNICODE text, PUT, GET m+2, TUPLE2, PUT, REDUCE, PUT
    (m: the next memo index after the weights; text: the bytes decoded as
    latin-1, so encoded in UTF-8), then the values tuple (MARK ... TUPLE, or
    TUPLE1-3 for three or fewer), the outer TUPLE3 and STOP.
    """

    def __init__(self, limit):
        self.limit = limit
        self.before = [self._before(memo, k) for memo in (1, 2) for k in range(limit)]
        self.after = [self._after(memo, k) for memo in (1, 2) for k in range(limit)]

    @staticmethod
    def _before(memo, k):
        return (b"c_codecs\nencode\n" + memo_put(memo) if k == 0 else b"h" + bytes([memo])) + b"X"

    @staticmethod
    def _after(memo, k):
        if k == 0:
            return (memo_put(memo + 1) + b"X\x06\x00\x00\x00latin1" + memo_put(memo + 2) + b"\x86"
                    + memo_put(memo + 3) + b"R" + memo_put(memo + 4))
        put = memo + 2 + 3 * k
        return memo_put(put) + b"h" + bytes([memo + 2]) + b"\x86" + memo_put(put + 1) + b"R" + memo_put(put + 2)

    def pickled(self, data, sizes, blocks, tupled):
        """Return each block's pickle from its weights on (a Column): the values tuple, TUPLE3, its PUT, STOP."""
        text, text_sizes = _latin1_utf8(data, sizes)
        counts = blocks.ends - blocks.starts
        in_block = np.arange(len(sizes)) - np.repeat(blocks.starts, counts)
        row = np.repeat(tupled.astype(np.int64), counts) * self.limit + in_block
        values = join(pick(self.before, row), fixed(text_sizes, "<u4"), Column(text, text_sizes), pick(self.after, row))
        last_memo = tupled.astype(np.int64) + 1 + 3 * counts + 2
        return join(tuples(grouped(values, blocks.starts, blocks.ends), counts), memo_puts(last_memo),
                    constant(b"\x87", len(counts)), memo_puts(last_memo + 1), constant(b".", len(counts)))


def frequency_values(counts, blocks, tupled):
    """A Frequency field's blocks from their values on: pack_uint(frequency) of each posting joined, TUPLE3, PUT, STOP."""
    memo = tupled.astype(np.int64) + 1
    text, text_sizes = _latin1_utf8(counts.astype(">u4").view(np.uint8), 4 * (blocks.ends - blocks.starts))
    return join(_encoded(memo, text, text_sizes), constant(b"\x87", len(memo)), memo_puts(memo + 5),
                constant(b".", len(memo)))


def _encoded(memo, text, text_sizes):
    """pickle's _codecs.encode(text, 'latin1') of one bytes a row (protocol 2), memo indices from `memo` on."""
    count = len(memo)
    return join(constant(b"c_codecs\nencode\n", count), memo_puts(memo), constant(b"X", count),
                fixed(text_sizes, "<u4"), Column(text, text_sizes), memo_puts(memo + 1),
                constant(b"X\x06\x00\x00\x00latin1", count), memo_puts(memo + 2), constant(b"\x86", count),
                memo_puts(memo + 3), constant(b"R", count), memo_puts(memo + 4))


def _column(rows):
    """Return the Column of a list of bytes."""
    return Column(np.frombuffer(b"".join(rows), dtype=np.uint8), np.array(list(map(len, rows)), dtype=np.int64))


def sequential_sums(values, starts, ends):
    """Sums of values[starts[j]:ends[j]] added left to right as Python's sum() of floats adds them.

    numpy's add.reduceat sums pairwise, whose last bit can differ.
    """
    sizes = ends - starts
    if not len(sizes):
        return np.zeros(0)
    order = np.argsort(-sizes, kind="stable")  # longest first: the runs with a k-th value are a prefix
    firsts, longer = starts[order], np.cumsum(np.bincount(sizes)[::-1])[::-1]  # longer[k]: runs of k values or more
    sums = np.zeros(len(sizes))
    for k in range(1, len(longer)):
        sums[:longer[k]] += values[firsts[:longer[k]] + (k - 1)]
    out = np.empty(len(sizes))
    out[order] = sums
    return out


def _latin1_utf8(data, sizes):
    """Return (the UTF-8 of data decoded as latin-1, the UTF-8 size of each piece of `sizes` bytes).

    Python's codecs convert the bytes (in C, four times numpy's way); a byte from 0x80 takes two.
    """
    text = np.frombuffer(data.tobytes().decode("latin-1").encode("utf-8"), dtype=np.uint8)
    ends = np.cumsum(sizes)
    highs = np.concatenate(([0], np.cumsum(data >= 0x80)))
    return text, sizes + highs[ends] - highs[ends - sizes]


def _add_terms(tindex, keys, infos):
    """Add term records to Whoosh's OrderedHashWriter as its add() does, counting positions instead of asking.

    infos: the term info of each key, a TERM_INFO_ARRAY.
    """
    if not keys:
        return
    if keys[0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    key_sizes = np.array(list(map(len, keys)), dtype=np.int64)
    records = join(fixed(key_sizes, ">i4"), fixed(np.full(len(keys), infos.itemsize), ">i4"),
                   Column(np.frombuffer(b"".join(keys), dtype=np.uint8), key_sizes), fixed(infos, infos.dtype))
    positions = tindex.dbfile.tell() + starts_of(records.sizes)
    hashes = _md5_hashes(keys) if tindex.hashfn is md5_hash else np.array(list(map(tindex.hashfn, keys)), np.int64)
    buckets = hashes & 255
    order = np.argsort(buckets, kind="stable")  # a bucket's entries in key order, as add() appends them
    buckets = buckets[order]
    bounds = np.flatnonzero(np.diff(buckets, prepend=-1, append=256))
    hashes, positions_in_order = hashes[order].tolist(), positions[order].tolist()
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        tindex.buckets[int(buckets[a])].extend(zip(hashes[a:b], positions_in_order[a:b]))
    _extend(tindex.index, positions.tolist())
    write_pieces(tindex.dbfile, tobytes(records))
    tindex.lastkey = keys[-1]


def _md5_hashes(keys):
    """Whoosh's md5_hash of each key (the digest's last four bytes, big-endian), in one pass."""
    digests = b"".join([md5(key, usedforsecurity=False).digest() for key in keys])
    return np.frombuffer(digests, dtype=">u4")[3::4].astype(np.int64)


def _extend(growable, increasing):
    """GrowableArray.extend of increasing ints: the array retyped once for the last, as appending one by one does."""
    try:
        array(growable.typecode, increasing[-1:])
    except OverflowError:
        growable._retype(increasing[-1])
    growable.array.extend(increasing)


HASH_SLOT = np.dtype([("hash", ">u4"), ("position", ">i8")])  # filetables._pointer ("!Iq")


def write_hashes(tindex):
    """HashWriter._write_hashes() of a segment's terms table: the same bytes, each of its 256 hash tables (linear
    probing, entries in insertion order) packed at once instead of one slot per write (100,000s a segment).
    Set on the table before its close() (segments.py)."""
    dbfile = tindex.dbfile
    for entries in tindex.buckets:
        numslots = 2 * len(entries)
        tindex.directory.append((dbfile.tell(), numslots))
        if not numslots:
            continue
        hashes, positions, taken = [0] * numslots, [0] * numslots, bytearray(numslots)
        for hashval, position in entries:
            slot = (hashval >> 8) % numslots
            while taken[slot]:
                slot = (slot + 1) % numslots
            hashes[slot], positions[slot], taken[slot] = hashval, position, 1
        # an empty slot is (0, 0), as Whoosh writes it (no key is at position 0: the file starts with its header)
        table = np.zeros(numslots, dtype=HASH_SLOT)
        table["hash"], table["position"] = hashes, positions
        dbfile.write(table.tobytes())
