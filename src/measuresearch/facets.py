"""Facet columns, written by a build (FacetColumns) and read by the service (FacetData); facet counts."""

import functools

import numpy as np

from .schema import FACETS

NO_YEAR = -1


class FacetColumns:
    """Per-facet value lists and per-document value numbers, in document order."""

    def __init__(self):
        self.values = {name: [] for name in FACETS if name != "year"}
        self.numbers = {name: {} for name in self.values}
        self.columns = {name: [] for name in self.values}
        self.years, self.ids = [], []

    def add(self, measure):
        for name, column in self.columns.items():
            column.append(self._number(name, getattr(measure, name)))
        self.years.append(measure.year if measure.year is not None else NO_YEAR)
        self.ids.append(measure.id)

    def _number(self, name, value):
        if value is None:
            return -1
        if value not in self.numbers[name]:
            self.numbers[name][value] = len(self.values[name])
            self.values[name].append(value)
        return self.numbers[name][value]

    def extend(self, other):
        """Append another run's documents, renumbering its values."""
        for name, column in self.columns.items():
            renumber = [self._number(name, value) for value in other.values[name]]
            column.extend(renumber[n] if n >= 0 else -1 for n in other.columns[name])
        self.years.extend(other.years)
        self.ids.extend(other.ids)

    def data(self):
        """Return the columns as plain data (the facets file)."""
        return {"values": self.values, "columns": self.columns, "year": self.years, "ids": self.ids}


class FacetData:
    """Per-document facet values of one build, in Whoosh docnum order."""

    def __init__(self, data):
        self.values = data["values"]
        self.columns = {name: np.asarray(col, dtype=np.int32) for name, col in data["columns"].items()}
        self.year = np.asarray(data["year"], dtype=np.int32)
        self.ids = data["ids"]
        self.numbers = {name: {v: i for i, v in enumerate(vals)} for name, vals in self.values.items()}
        self.size = len(self.ids)
        # per-instance caches, so that a retired build's data is not kept alive by a class-level cache
        self.docs_with = functools.lru_cache(maxsize=512)(self._docs_with)
        self.docs_in_years = functools.lru_cache(maxsize=512)(self._docs_in_years)
        self._parents = None
        self._id_rank = None

    @property
    def id_rank(self):
        """Return each document's place among the ids in code-point order: every sort's tie-break."""
        if self._id_rank is None:
            rank = np.empty(self.size, dtype=np.int64)
            rank[sorted(range(self.size), key=self.ids.__getitem__)] = np.arange(self.size)
            rank.flags.writeable = False
            self._id_rank = rank
        return self._id_rank

    def sub_pillar_parents(self):
        """Return {sub-pillar value: pillar value} (the first pillar seen with it)."""
        if self._parents is None:
            parents = {}
            for pillar, sub in zip(self.columns["pillar"].tolist(), self.columns["sub_pillar"].tolist()):
                parents.setdefault(self.values["sub_pillar"][sub], self.values["pillar"][pillar])
            self._parents = parents
        return self._parents

    def _docs_with(self, name, selected):
        """Return the mask of documents whose facet value is one of `selected`."""
        wanted = [self.numbers[name][v] for v in selected if v in self.numbers[name]]
        mask = np.isin(self.columns[name], wanted)
        mask.flags.writeable = False
        return mask

    def _docs_in_years(self, year_from, year_to):
        """Return the mask of documents whose year lies in [year_from, year_to] (None: open)."""
        mask = self.year != NO_YEAR
        if year_from is not None:
            mask &= self.year >= year_from
        if year_to is not None:
            mask &= self.year <= year_to
        mask.flags.writeable = False
        return mask


def filter_sets(data, filters, year_from, year_to, exclusions=None):
    """Return {facet: document mask} for every active filter.

    A facet's mask holds both its own selection and its own exclusions (not_*), so
    the disjunctive counts of a facet ignore both: an excluded value shows how many
    measures its exclusion leaves out.
    """
    exclusions = exclusions or {}
    sets = {}
    for name in dict.fromkeys([*filters, *exclusions]):
        mask = data.docs_with(name, tuple(sorted(filters[name]))) if filters.get(name) else None
        if exclusions.get(name):
            kept = ~data.docs_with(name, tuple(sorted(exclusions[name])))
            mask = kept if mask is None else mask & kept
        if mask is not None:
            sets[name] = mask
    if year_from is not None or year_to is not None:
        sets["year"] = data.docs_in_years(year_from, year_to)
    return sets


def intersect(base, masks):
    """Return base narrowed by every mask."""
    result = base.copy()
    for mask in masks:
        result &= mask
    return result


def counts(data, matching, sets, filters, year_from=None, year_to=None, exclusions=None):
    """Return the disjunctive facet counts: each facet ignores its own filter (and exclusions)."""
    exclusions = exclusions or {}
    result = {}
    for name in FACETS:
        docs = intersect(matching, [mask for facet, mask in sets.items() if facet != name])
        if name == "year":
            years = data.year[docs]
            values, numbers = np.unique(years[years != NO_YEAR], return_counts=True)
            active = year_from is not None or year_to is not None
            low = -(10 ** 9) if year_from is None else year_from
            high = 10 ** 9 if year_to is None else year_to
            result[name] = [{"value": int(y), "count": int(n), "selected": active and low <= y <= high}
                            for y, n in zip(values.tolist(), numbers.tolist())]
            continue
        # shift by one so that "no value" (-1) has a bin of its own
        tally = np.bincount(data.columns[name][docs] + 1, minlength=len(data.values[name]) + 1)[1:]
        selected, excluded = set(filters.get(name, ())), set(exclusions.get(name, ()))
        items = [(data.values[name][n], int(tally[n])) for n in np.flatnonzero(tally).tolist()]
        present = {v for v, _ in items}
        items.extend((v, 0) for v in sorted(selected | excluded) if v not in present)
        items.sort(key=lambda item: (-item[1], item[0]))
        result[name] = [{"value": v, "count": c, "selected": v in selected} | ({"excluded": True} if v in excluded
                                                                               else {}) for v, c in items]
    return result
