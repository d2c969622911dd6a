"""Each measure's record (the JSON a hit shows), in files beside the Whoosh segments.

Whoosh keeps stored fields pickled and zlib'ed, about 40 microseconds a hit
to read back, and a page shows 20 hits. A build writes the records of each
run as JSON lines with a table of offsets; a snapshot reads a record with one
pread(2), from any thread.
"""

import bisect
import json
import os
from array import array

import numpy as np
import orjson

from measuresearch.storage import WRITE_PIECE, write_pieces

JSONL, OFFSETS = ".jsonl", ".offsets"


class RecordWriter:
    """Appends records (JSON text) of consecutive documents to one file."""

    def __init__(self, folder, name):
        self.path = os.path.join(folder, name)
        self.handle = open(self.path + JSONL, "wb", buffering=WRITE_PIECE)
        self.offsets = array("Q", [0])

    def add(self, record_json):
        """Append one record: its JSON, as text or as UTF-8 bytes."""
        data = (record_json if isinstance(record_json, bytes) else record_json.encode("utf-8")) + b"\n"
        self.handle.write(data)
        self.offsets.append(self.offsets[-1] + len(data))

    def abandon(self):
        """Close the file without finishing it (the build failed)."""
        self.handle.close()

    def close(self):
        """Write the offsets and make both files durable."""
        with self.handle, open(self.path + OFFSETS, "wb") as offsets:
            write_pieces(offsets, self.offsets)
            for handle in (self.handle, offsets):
                handle.flush()
                os.fsync(handle.fileno())


class Records:
    """The records of one build, by docnum: files in docnum order."""

    def __init__(self, folder, names):
        self._fds, self._offsets, self._bases = [], [], [0]
        try:
            for name in names:
                path = os.path.join(folder, name)
                offsets = np.fromfile(path + OFFSETS, dtype=np.uint64)
                self._fds.append(os.open(path + JSONL, os.O_RDONLY))
                self._offsets.append(offsets)
                self._bases.append(self._bases[-1] + len(offsets) - 1)
        except BaseException:
            self.close()
            raise

    def __len__(self):
        return self._bases[-1]

    def get(self, docnum):
        """Return the record of one document as a dict."""
        if not 0 <= docnum < len(self):
            raise IndexError(f"no document {docnum}")
        run = bisect.bisect_right(self._bases, docnum) - 1
        offsets = self._offsets[run]
        local = docnum - self._bases[run]
        start, end = int(offsets[local]), int(offsets[local + 1])
        return parsed_record(os.pread(self._fds[run], end - start, start))

    def close(self):
        fds, self._fds = self._fds, []
        for fd in fds:
            os.close(fd)


# orjson reads an integer past 64 bits as a float, json as an int: a record with 19 digits in a row goes
# to json. Looked for as the regex \d{19} finds it, in two passes in C (ten times faster on a record):
# every ASCII digit made "0", anything else " ", then a substring search.
_DIGITS_ONLY = bytes(ord("0") if byte in b"0123456789" else ord(" ") for byte in range(256))
_LONG_NUMBER = b"0" * 19


def parsed_record(data):
    """Return one record's JSON (UTF-8 bytes) as json.loads does: orjson's parse (a few times faster) where it is the same."""
    if _LONG_NUMBER not in data.translate(_DIGITS_ONLY):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:  # NaN or Infinity, which json writes and reads
            pass
    return json.loads(data)
