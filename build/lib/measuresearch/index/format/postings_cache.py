"""A bounded cache of decoded posting lists, shared by the threads that search one build."""

import collections
import threading


class PostingCache:
    """Decoded posting lists (docnums, weights) of recently used terms, shared by the threads of one build.

    Decoding a posting block (zlib, then unpickling ids, weights and positions)
    is the main cost of reading a term, and queries share their common terms,
    so a bounded LRU of decoded lists saves most of it. It holds index data,
    not answers: every query is still evaluated in full. Positions are not
    kept (phrases read them again), which keeps it to 8 bytes a posting.
    """

    def __init__(self, max_postings=8_000_000):
        self.max_postings = max_postings
        self.size = 0
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            postings = self._items.get(key)
            if postings is not None:
                self._items.move_to_end(key)
            return postings

    def put(self, key, postings):
        count = len(postings[0])
        if count > self.max_postings // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = postings
            self.size += count
            while self.size > self.max_postings:
                _, old = self._items.popitem(last=False)
                self.size -= len(old[0])
