"""Facet columns, written by a build (FacetColumns) and read by the service (FacetData); facet counts.

The date columns are read by date_columns.py (DateColumns), the request's date parameters are a DateFilter.
"""

import functools
import operator

import numpy as np

from measuresearch.domain import dates as events
from measuresearch.domain.dates import GROUPS
from measuresearch.domain.economy_names import EconomyNames, key
from measuresearch.domain.taxonomy_names import TaxonomyNames
from measuresearch.index.format.date_columns import DATE_COLUMNS, DateColumns
from measuresearch.index.format.jurisdictions import Groups
from measuresearch.index.format.names import merge_spellings
from measuresearch.index.format.schema import FACETS

NO_YEAR = -1


class FacetColumns:
    """Per-facet value lists and per-document value numbers, in document order."""

    def __init__(self):
        self.values = {name: [] for name in FACETS if name != "year"}
        self.numbers = {name: {} for name in self.values}
        self.columns = {name: [] for name in self.values}
        self.years, self.ids = [], []
        self.dates = {key: [] for key in DATE_COLUMNS}

    def add(self, measure):
        for name, column in self.columns.items():
            column.append(self._number(name, getattr(measure, name)))
        self.years.append(measure.year if measure.year is not None else NO_YEAR)
        for event in measure.events:
            self.dates["event_doc"].append(len(self.ids))
            self.dates["event_group"].append(GROUPS.index(events.group_of(event)))
            self.dates["event_month"].append(events.event_month(event))
        earliest, latest = events.span(measure.events)
        self.dates["earliest"].append(earliest)
        self.dates["latest"].append(latest)
        self.dates["in_force_from"].append(events.in_force_from(measure.events))
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
        offset = len(self.ids)
        self.dates["event_doc"].extend(doc + offset for doc in other.dates["event_doc"])
        for column in DATE_COLUMNS[1:]:
            self.dates[column].extend(other.dates[column])
        self.ids.extend(other.ids)

    def data(self):
        """Return the columns as plain data (the facets file)."""
        return {"values": self.values, "columns": self.columns, "year": self.years, "ids": self.ids,
                "dates": self.dates}


class FacetData:
    """Per-document facet values of one build, in Whoosh docnum order."""

    def __init__(self, data):
        self.values = data["values"]
        self.columns, self.numbers = {}, {}  # a value's spellings in other cases share its number (names.py)
        for name, column in data["columns"].items():
            self.columns[name], self.numbers[name] = merge_spellings(self.values[name],
                                                                     np.asarray(column, dtype=np.int32))
        self.year = np.asarray(data["year"], dtype=np.int32)
        self.ids = data["ids"]
        self.dates = DateColumns(data["dates"], len(data["ids"]))
        self.size = len(self.ids)
        # per-instance caches, so that a retired build's data is not kept alive by a class-level cache
        self.docs_with = functools.lru_cache(maxsize=512)(self._docs_with)
        self._parents = None
        self._id_rank = None
        self.groups = Groups([], {})  # the build's jurisdiction groups, set by the snapshot
        self.economies = EconomyNames({})  # the build's names of economies, set by the snapshot
        self.taxonomy = TaxonomyNames({})  # the build's names of pillars and sub-pillars, set by the snapshot
        self._folded = {name: {key(v): self.values[name][n] for v, n in numbers.items() if isinstance(v, str)}
                        for name, numbers in self.numbers.items()}

    def set_groups(self, groups):
        """Take the build's jurisdiction groups (plain data of groups.json)."""
        self.groups = Groups(groups, self.numbers["country"])

    def canonical(self, name, value):
        """Return the value a filter value stands for, in any case, by alias (country=kz, group=eu); else None.

        Countries go by every name of their economy (economies.json) and its ISO code, pillars and
        sub-pillars by their names and aliases (taxonomy.json): values of the taxonomy, with measures or none.
        """
        if name == "group":
            return self.groups.canonical(value)
        known = self.numbers.get(name, {})
        if value in known:
            return self.values[name][known[value]]  # the spelling that stands for all of its cases
        named = self.economies.economy(value) if name == "country" else self.taxonomy.name(name, value)
        return named or self._folded.get(name, {}).get(key(value))

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

    def docs_with(self, name, selected):
        """Return the mask of documents whose facet value is one of `selected` (cached per instance until close())."""
        return self._docs_with(name, selected)

    def close(self):
        """Drop the per-instance caches, which hold this object in reference cycles (each through its bound
        method): a retired build's tables then go with their last reference, collector or not (a serving
        holder keeps what it holds out of the collector's full passes, engine.py)."""
        self.__dict__.pop("docs_with", None)
        self.dates.close()

    def _docs_with(self, name, selected):
        """Return the mask of documents whose facet value is one of `selected`."""
        if name == "group":  # a measure is in a group when its country is a member
            mask = np.isin(self.columns["country"], self.groups.country_numbers(selected))
            mask.flags.writeable = False
            return mask
        wanted = [self.numbers[name][v] for v in selected if v in self.numbers[name]]
        mask = np.isin(self.columns[name], wanted)
        mask.flags.writeable = False
        return mask



def filter_sets(data, filters, dates, exclusions=None):
    """Return {facet: document mask} for every active filter; dates: a DateFilter.

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
    if dates.has_years():
        sets["year"] = data.dates.in_years(dates.year_from, dates.year_to, dates.groups)
    if dates.in_force_on is not None:
        sets["in_force_on"] = data.dates.in_force_on(dates.in_force_on)
    return sets


def intersect(base, masks):
    """Return base narrowed by every mask."""
    result = base.copy()
    for mask in masks:
        result &= mask
    return result


def counts(data, matching, sets, filters, dates, exclusions=None):
    """Return the disjunctive facet counts: each facet ignores its own filter (and exclusions)."""
    exclusions = exclusions or {}
    result = {}
    narrowed, tallies = {}, {}  # facets whose filters apply -> (mask, docnums); (column, facets) -> tally
    for name in (*FACETS, "group"):
        others = tuple(facet for facet in sets if facet != name)  # without a filter of its own: every filter
        if others not in narrowed:
            docs = intersect(matching, [sets[facet] for facet in others])
            narrowed[others] = docs, docs.nonzero()[0]  # gathered by number, once for every column
        docs, numbers = narrowed[others]
        if name == "year":
            result[name] = _year_facet(data.dates, docs, numbers, dates)
            continue
        source = "country" if name == "group" else name
        if (source, others) not in tallies:  # the groups and the countries count the same measures
            # shift by one so that "no value" (-1) has a bin of its own
            tallies[source, others] = np.bincount(data.columns[source][numbers] + 1,
                                                  minlength=len(data.values[source]) + 1)[1:]
        tally = tallies[source, others]
        selected, excluded = set(filters.get(name, ())), set(exclusions.get(name, ()))
        if name == "group":
            selected, excluded = _canonical(data, selected), _canonical(data, excluded)
            items = [(g, c) for g, c in data.groups.tally(tally) if c]
        else:
            found, values = tally.nonzero()[0], data.values[name]
            items = list(zip([values[n] for n in found.tolist()], tally[found].tolist()))
        present = {v for v, _ in items}
        items.extend((v, 0) for v in sorted(selected | excluded) if v not in present)
        result[name] = _buckets(items, selected, excluded)
    return result


def _buckets(items, selected, excluded):
    """Return a facet's buckets from its (value, count) items: most measures first, then by value."""
    items.sort(key=operator.itemgetter(0))  # two stable sorts in C: by value, then by count, descending
    items.sort(key=operator.itemgetter(1), reverse=True)
    if excluded:
        return [{"value": v, "count": c, "selected": v in selected} | ({"excluded": True} if v in excluded else {})
                for v, c in items]
    return [{"value": v, "count": c, "selected": v in selected} for v, c in items]


def _canonical(data, names):
    """Return group names with aliases replaced by the group's name (EU-27 -> EU)."""
    return {data.groups.canonical(n) or n for n in names}


def _year_facet(columns, docs, numbers, dates):
    """Return the year facet: measures with an event in each year; the selected years listed even at 0."""
    found = columns.year_counts(docs, numbers, dates.groups)
    low = -(10 ** 9) if dates.year_from is None else dates.year_from
    high = 10 ** 9 if dates.year_to is None else dates.year_to
    chosen = dates.has_years()
    if chosen and low <= high:
        # every year of the range that events of this build can have, and the bounds as typed
        known = (columns.first_year, int(columns.event_year.max())) if len(columns.event_year) else (low, low - 1)
        wanted = set(range(max(low, known[0]), min(high, known[1]) + 1))
        wanted |= {y for y in (dates.year_from, dates.year_to) if y is not None}
        for year in wanted:
            found.setdefault(year, 0)
    return [{"value": y, "count": found[y], "selected": chosen and low <= y <= high} for y in sorted(found)]
