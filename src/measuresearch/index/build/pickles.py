"""Pickles (protocol 2) of many small tuples at once, built with numpy, byte for byte what pickle writes.

A W3 posting block and its block info are each one pickle of a small tuple:
calling pickle.dumps for each of a segment's tens of thousands of blocks, and
slicing the tuples to pickle, was most of writing a segment. Here each part
of every pickle (an opcode, an int, a float, a tuple of them) is a Column: the
bytes of all rows end to end and the size of each row; rows are joined side
by side, and the rows of a column grouped into tuples, with a few array
operations. tests/index/test_pickles.py compares them with pickle.dumps.
"""

from typing import NamedTuple

import numpy as np

from measuresearch.index.format.columns import runs


class Column(NamedTuple):
    """One piece of many pickles: the bytes of every row, end to end, and each row's size.

    width: when every row is `width` bytes or empty (opcodes, fixed-size numbers), its bytes are put
    in place by one broadcast, without the index of every byte (`runs`) that rows of any size need.
    """

    data: np.ndarray  # uint8
    sizes: np.ndarray  # int64
    width: int | None = None

    def write(self, out, at):
        """Copy row i to out[at[i]:]."""
        if self.width is None:
            out[runs(at, self.sizes)] = self.data
            return
        if len(self.data) != self.width * len(self.sizes):  # some rows are empty
            at = at[self.sizes > 0]
        if self.width == 1:
            out[at] = self.data
        elif self.width:
            out[(at[:, None] + np.arange(self.width)).reshape(-1)] = self.data


class Joined(NamedTuple):
    """Columns side by side, each byte copied once to where it ends up (see Column): joining joins is cheap."""

    parts: tuple
    sizes: np.ndarray

    def write(self, out, at):
        for part in self.parts:
            part.write(out, at)
            at = at + part.sizes


class Grouped(NamedTuple):
    """Runs of consecutive rows of a column as one row each."""

    column: object
    starts: np.ndarray
    ends: np.ndarray
    sizes: np.ndarray

    def write(self, out, at):
        within = starts_of(self.column.sizes)
        self.column.write(out, np.repeat(at - within[self.starts], self.ends - self.starts) + within)


def flat(column):
    """Return a Column, Joined or Grouped as a Column."""
    if isinstance(column, Column):
        return column
    out = np.empty(int(column.sizes.sum()), dtype=np.uint8)
    column.write(out, starts_of(column.sizes))
    return Column(out, column.sizes)


def tobytes(column):
    return flat(column).data.tobytes()


def rows(column):
    """Return each row's bytes."""
    data, ends = tobytes(column), np.cumsum(column.sizes).tolist()
    return [data[a:b] for a, b in zip([0] + ends[:-1], ends)]


def starts_of(sizes):
    return np.cumsum(sizes) - sizes


def pick(pieces, which):
    """Return the column whose row i is pieces[which[i]]."""
    table = np.zeros((len(pieces), max(1, max(map(len, pieces)))), dtype=np.uint8)
    for number, piece in enumerate(pieces):
        table[number, :len(piece)] = np.frombuffer(piece, dtype=np.uint8)
    lengths = np.array([len(piece) for piece in pieces], dtype=np.int64)
    sizes = lengths[which]
    widths = set(lengths.tolist()) - {0}
    if len(widths) <= 1:  # pieces of one size, or empty
        width = widths.pop() if widths else 0
        rows = which[sizes > 0] if (lengths == 0).any() else which  # an empty piece's rows hold no bytes
        return Column(table[rows, :width].reshape(-1), sizes, width)
    within = np.arange(int(sizes.sum())) - np.repeat(starts_of(sizes), sizes)
    return Column(table[np.repeat(which, sizes), within], sizes)


def constant(piece, rows):
    """Return the column of `rows` rows, each the bytes `piece`."""
    return Column(np.tile(np.frombuffer(piece, dtype=np.uint8), rows), np.full(rows, len(piece), dtype=np.int64),
                  len(piece))


def fixed(values, dtype):
    """Return the column of each value's bytes as `dtype` (a fixed-size numpy type)."""
    data = np.ascontiguousarray(values, dtype=dtype)
    return Column(data.view(np.uint8).reshape(-1), np.full(len(data), data.itemsize, dtype=np.int64), data.itemsize)


def join(*columns):
    """Return the column whose row i is the row i of every column, in order."""
    return Joined(columns, sum(column.sizes for column in columns))


def masked(column, keep):
    """Return the column with the rows where keep is False made empty."""
    sizes = np.where(keep, column.sizes, 0)
    if isinstance(column, Joined):
        return Joined(tuple(masked(part, keep) for part in column.parts), sizes)
    if isinstance(column, Grouped):
        inner = masked(column.column, np.repeat(keep, column.ends - column.starts))
        return Grouped(inner, column.starts, column.ends, sizes)
    if column.width is None:
        return Column(column.data[np.repeat(keep, column.sizes)], sizes)
    rows = column.data.reshape(-1, column.width) if column.width else column.data.reshape(0, 0)
    kept = keep if len(rows) == len(keep) else keep[column.sizes > 0]
    return Column(rows[kept].reshape(-1), sizes, column.width)


def grouped(column, starts, ends):
    """Return the column whose rows are the runs of rows starts[j]:ends[j], which tile the column in order."""
    bounds = np.concatenate(([0], np.cumsum(column.sizes)))
    return Grouped(column, starts, ends, bounds[ends] - bounds[starts])


def ints(values):
    """pickle's BININT1, BININT2 or BININT of each int in 0 .. 2**31 - 1."""
    values = np.asarray(values, dtype=np.int64)
    if len(values) and (values.min() < 0 or values.max() >= 2 ** 31):
        raise ValueError("only ints in 0 .. 2**31 - 1 are pickled here")
    widths = np.where(values < 256, 1, np.where(values < 65536, 2, 4))
    code = pick([b"K", b"M", b"J"], widths // 2)
    data = values.astype("<u4").view(np.uint8).reshape(-1, 4)[np.arange(4) < widths[:, None]]
    return join(code, Column(data, widths))


def floats(values):
    """pickle's BINFLOAT of each float (a double, big-endian)."""
    return join(constant(b"G", len(values)), fixed(values, ">f8"))


def memo_puts(indices):
    """pickle's BINPUT or LONG_BINPUT of each memo index."""
    indices = np.asarray(indices, dtype=np.int64)
    long = indices >= 256
    data = indices.astype("<u4").view(np.uint8).reshape(-1, 4)[np.arange(4) < np.where(long, 4, 1)[:, None]]
    return join(pick([b"q", b"r"], long.astype(np.int64)), Column(data, np.where(long, 4, 1)))


def tuples(items, counts):
    """Tuples whose items' pickles are the rows of `items` (counts[j] items in row j), without their memo PUT.

    Pickle writes a tuple of up to three items as the items and TUPLE1-3, a
    longer one as MARK, the items, TUPLE; an empty one as EMPTY_TUPLE.
    """
    counts = np.asarray(counts, dtype=np.int64)
    opening = pick([b"", b"("], (counts > 3).astype(np.int64))
    closing = pick([b")", b"\x85", b"\x86", b"\x87", b"t"], np.minimum(counts, 4))
    return join(opening, items, closing)
