"""A field's sorted postings written as W3 posting blocks and term infos, many blocks at a time.

Whoosh's W3PostingsWriter takes one posting at a time and pickles each block
(protocol 2). Pickle writes each posting's positions, a `bytes`, as a call of
_codecs.encode on its latin-1 text: about 2 us a posting, the largest part of
writing a segment. Here a window of postings is cut into blocks with numpy:
each block's ids and weights are still pickled by pickle, while the positions
part of every block's pickle is assembled for the whole window in arrays
(_pickled_positions), byte for byte what pickle writes. The term infos and the
terms table's records are written in bulk, with the file offsets counted
instead of asked. tests/index/test_codec.py compares every block and term info
with Whoosh's own writer.
"""

import zlib
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import _lengths as HASH_LENGTHS
from whoosh.formats import Frequency
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import _length_byte_cache

from measuresearch.index.format.schema import PackedPositions

BYTE_LIMITS = np.array(_length_byte_cache, dtype=np.int64)
NO_LENGTH = np.iinfo(np.int64).max
TERM_INFO = W3TermInfo._struct  # flags, weight, documents, length bytes, top weight, first and last document


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
        postings = table.postings
        self.weights = np.frombuffer(postings.weights, dtype=np.float64)
        fmt = postings.field.format
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
        docs, order = table.docs[start:end], table.order[start:end]
        weights = self.weights[order]
        stats = blocks.stats(weights, self.lengths[docs])
        values = self._values(order, blocks, stats[4]) if self.positions or self.frequency else None
        chunks, infos = self._blocks(blocks, docs, table.deltas[start:end], weights, stats, values)
        self.fieldwriter._postfile.write(b"".join(chunks))
        names = [self.key_prefix + table.names[rank] for rank in table.term_ranks[first:last].tolist()]
        _add_terms(self.fieldwriter._tindex, names, infos)

    def _values(self, order, blocks, tupled):
        """Return what each block's pickle holds after its ids and weights (see _blocks)."""
        postings = self.table.postings
        counts = np.frombuffer(postings.frequencies, dtype=np.uint32)[order]
        if self.frequency:  # pack_uint(frequency) of each posting, joined: one bytes a block
            return counts.astype(">u4").tobytes()
        starts = np.frombuffer(postings.starts, dtype=np.uint32)[order].astype(np.int64)
        counts = counts.astype(np.int64)
        ends = np.cumsum(counts)
        where = np.repeat(starts - (ends - counts), counts) + np.arange(int(ends[-1]), dtype=np.int64)
        data = np.frombuffer(postings.positions, dtype=np.uint32)[where].astype(PackedPositions.DTYPE)
        return self.pieces.pickled(data.view(np.uint8), counts * 4, blocks, tupled)

    def _blocks(self, blocks, docs, deltas, weights, stats, values):
        """Return (bytes to write, term info bytes of each term) of the window's blocks."""
        docs, deltas = docs.tolist(), deltas.tolist()
        weights32 = weights.astype(np.float32).tolist()  # as the block's array("f") reads back
        mini, maxweights, min_bytes, max_bytes = (a.tolist() for a in stats[:4])
        terms, term_starts, term_ends = blocks.term.tolist(), blocks.term_starts.tolist(), blocks.term_ends.tolist()
        term_min, term_max_length = blocks.term_min_bytes.tolist(), blocks.term_max_bytes.tolist()
        compression, positions = self.compression, self.positions
        chunks, infos = [], []
        offset, term_start, term_weight, term_max = self.offset, self.offset, 0, 0
        for number, (a, b, first_block, last_block) in enumerate(blocks.items()):
            if first_block:
                chunks.append(WHOOSH3_HEADER_MAGIC)
                offset += 4
                term_start, term_weight, term_max = offset - 4, 0, 0
            ids = tuple(deltas[a:b])
            kind = mini[number]
            block_weights = None if kind == 0 else weights32[a] if kind == 1 else tuple(weights32[a:b])
            if positions:
                data = dumps((ids, block_weights), 2)[:-4] + values[number]
            else:
                data = dumps((ids, block_weights, values[4 * a: 4 * b] if values else None), 2)
            if compression:
                data = zlib.compress(data, compression)
            top = maxweights[number]
            top = top if top > 0 else 0  # Whoosh's max(0, weights)
            info = dumps((b - a, docs[b - 1], top, compression, min_bytes[number], max_bytes[number]), 2)
            size = len(info) + len(data)
            chunks += (pack_int(-size if last_block else size), info, data)
            offset += 4 + size
            term_weight += sum(weights32[a:b])
            term_max = max(term_max, top)
            if last_block:  # W3TermInfo.to_bytes()
                term = terms[number]
                a, b = term_starts[term], term_ends[term]
                infos.append(TERM_INFO.pack(False, term_weight, b - a, term_min[term], term_max_length[term], term_max,
                                            docs[a], docs[b - 1]) + pack_long(term_start) + pack_int(offset - term_start))
        self.offset = offset
        return chunks, infos


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
        self.before, self.after = _table(limit, self._before), _table(limit, self._after)

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
        """Return each block's pickle from its weights on: the values tuple, TUPLE3, its PUT, STOP."""
        text, text_sizes = _latin1_utf8(data, sizes)
        in_block = np.arange(len(sizes)) - np.repeat(blocks.starts, blocks.ends - blocks.starts)
        memo = np.repeat(tupled.astype(np.int64) + 1, blocks.ends - blocks.starts)
        row = (memo - 1) * self.before[2] + in_block
        head, tail = self.before[1][row], self.after[1][row]
        sizes_out = head + 4 + text_sizes + tail
        starts = np.cumsum(sizes_out) - sizes_out
        out = np.empty(int(sizes_out.sum()), dtype=np.uint8)
        _scatter(out, starts, self.before, row, head)
        for byte in range(4):  # BINUNICODE's length, little-endian
            out[starts + head + byte] = (text_sizes >> (8 * byte)) & 0xFF
        text_starts = np.cumsum(text_sizes) - text_sizes
        out[np.repeat(starts + head + 4 - text_starts, text_sizes) + np.arange(len(text))] = text
        _scatter(out, starts + head + 4 + text_sizes, self.after, row, tail)
        data, ends, starts = out.tobytes(), (starts + sizes_out).tolist(), starts.tolist()
        result = []
        for a, b, memo_base in zip(blocks.starts.tolist(), blocks.ends.tolist(), (tupled + 1).tolist()):
            n, last_memo = b - a, memo_base + 3 * (b - a) + 2
            close = (b"t" if n > 3 else b"\x85\x86\x87"[n - 1: n]) + memo_put(last_memo)
            result.append((b"(" if n > 3 else b"") + data[starts[a]: ends[b - 1]] + close + b"\x87"
                          + memo_put(last_memo + 1) + b".")
        return result


def _table(limit, piece):
    """Return (rows as a 2-D uint8 array, row lengths, rows per memo) of piece(memo, k), memo 1 and 2, k < limit."""
    rows = [piece(memo, k) for memo in (1, 2) for k in range(limit)]
    array = np.zeros((len(rows), max(map(len, rows))), dtype=np.uint8)
    for number, row in enumerate(rows):
        array[number, :len(row)] = np.frombuffer(row, dtype=np.uint8)
    return array, np.array([len(row) for row in rows], dtype=np.int64), limit


def _scatter(out, starts, table, rows, sizes):
    """Copy row rows[i] of table (its first sizes[i] bytes) to out[starts[i]:], for every i."""
    within = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    out[np.repeat(starts, sizes) + within] = table[0][np.repeat(rows, sizes), within]


def _latin1_utf8(data, sizes):
    """Return (the UTF-8 of data decoded as latin-1, the UTF-8 size of each piece of `sizes` bytes)."""
    high = data >= 0x80
    widths = 1 + high.astype(np.int64)
    at = np.cumsum(widths) - widths
    text = np.empty(len(data) + int(high.sum()), dtype=np.uint8)
    text[at] = np.where(high, 0xC0 | (data >> 6), data)
    text[at[high] + 1] = 0x80 | (data[high] & 0x3F)
    ends = np.cumsum(sizes)
    highs = np.concatenate(([0], np.cumsum(high)))
    return text, sizes + highs[ends] - highs[ends - sizes]


def _add_terms(tindex, keys, infos):
    """Add term records to Whoosh's OrderedHashWriter as its add() does, counting positions instead of asking."""
    if not keys:
        return
    if keys[0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    position, records = tindex.dbfile.tell(), []
    for key, info in zip(keys, infos):
        tindex.index.append(position)
        h = tindex.hashfn(key)
        tindex.buckets[h & 255].append((h, position))
        records += (HASH_LENGTHS.pack(len(key), len(info)), key, info)
        position += HASH_LENGTHS.size + len(key) + len(info)
    tindex.dbfile.write(b"".join(records))
    tindex.lastkey = keys[-1]
