"""Date columns of one build, read by the service: events per document, as numpy arrays (facets.py counts them)."""

import dataclasses
import functools

import numpy as np

from measuresearch.domain.dates import GROUPS, NO_DATE
from measuresearch.index.format.columns import runs

# The date columns (DateColumns reads them): one row per event (event_*), then one per document.
DATE_COLUMNS = ("event_doc", "event_group", "event_month", "earliest", "latest", "in_force_from")
SPARSE_YEARS = 128  # year_counts: documents found by binary search while the pairs outnumber them this much


@dataclasses.dataclass(frozen=True)
class DateFilter:
    """The date parameters of one request in the columns' units (in_force_on: a month count)."""

    year_from: int | None = None
    year_to: int | None = None
    groups: tuple = GROUPS
    in_force_on: int | None = None

    def has_years(self):
        """Return True when a year range is asked for."""
        return self.year_from is not None or self.year_to is not None


class DateColumns:
    """A build's date events as numpy columns: event_* one row per event, the rest one per document."""

    def __init__(self, data, size):
        self.size = size
        self.event_doc = np.asarray(data["event_doc"], dtype=np.intp)
        self.event_group = np.asarray(data["event_group"], dtype=np.int8)
        self.event_year = np.asarray(data["event_month"], dtype=np.int32) // 12
        self.earliest = np.asarray(data["earliest"], dtype=np.int64)
        self.latest = np.asarray(data["latest"], dtype=np.int64)
        self.in_force_from = np.asarray(data["in_force_from"], dtype=np.int64)
        self.first_year = int(self.event_year.min()) if len(self.event_year) else 0
        self.in_years = functools.lru_cache(maxsize=256)(self._in_years)
        self.in_force_on = functools.lru_cache(maxsize=256)(self._in_force_on)
        self.year_pairs = functools.lru_cache(maxsize=8)(self._year_pairs)

    # cached per instance until close() (__init__); uncached after it
    def in_years(self, year_from, year_to, groups):
        return self._in_years(year_from, year_to, groups)

    def in_force_on(self, month):
        return self._in_force_on(month)

    def year_pairs(self, groups):
        return self._year_pairs(groups)

    def close(self):
        """Drop the per-instance caches, which hold this object in reference cycles (FacetData.close)."""
        for name in ("in_years", "in_force_on", "year_pairs"):
            self.__dict__.pop(name, None)

    def _of_groups(self, groups):
        return np.isin(self.event_group, [GROUPS.index(g) for g in groups])

    def _in_years(self, year_from, year_to, groups):
        """Return the mask of documents with an event of `groups` in [year_from, year_to] (None: open)."""
        keep = self._of_groups(groups)
        if year_from is not None:
            keep &= self.event_year >= year_from
        if year_to is not None:
            keep &= self.event_year <= year_to
        mask = np.zeros(self.size, dtype=bool)
        mask[self.event_doc[keep]] = True
        mask.flags.writeable = False
        return mask

    def _in_force_on(self, month):
        """Return the mask of documents in force during the month counted `month` (events.in_force_from)."""
        mask = (self.in_force_from != NO_DATE) & (self.in_force_from <= month)
        mask.flags.writeable = False
        return mask

    def _year_pairs(self, groups):
        """Return (document, year - first_year) of the events of `groups`, each pair once."""
        keep = self._of_groups(groups)
        years = (self.event_year[keep] - self.first_year).astype(np.int64)
        pairs = np.unique(self.event_doc[keep].astype(np.int64) * 100_000 + years)
        return pairs // 100_000, pairs % 100_000

    def year_counts(self, docs, numbers, groups):
        """Return {year: number of documents of `docs` with an event of `groups` in that year}.

        numbers: the documents of the mask `docs`, ascending. The pairs are in document order:
        a few documents find theirs by binary search, more are picked by the mask.
        """
        pair_doc, pair_year = self.year_pairs(groups)
        if len(numbers) * SPARSE_YEARS < len(pair_doc):
            first = np.searchsorted(pair_doc, numbers)
            tally = np.bincount(pair_year[runs(first, np.searchsorted(pair_doc, numbers, "right") - first)])
        else:
            tally = np.bincount(pair_year[docs[pair_doc]])
        return {self.first_year + int(y): int(tally[y]) for y in tally.nonzero()[0].tolist()}
