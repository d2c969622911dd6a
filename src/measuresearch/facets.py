"""Facet columns held in memory and disjunctive facet counts."""

import collections
import functools

from .schema import FACETS

TEXT_FACETS = tuple(f for f in FACETS if f != "year")


class FacetData:
    """Per-document facet values of one build, in Whoosh docnum order."""

    def __init__(self, data):
        self.values = data["values"]
        self.columns = data["columns"]
        self.year = data["year"]
        self.ids = data["ids"]
        self.numbers = {name: {v: i for i, v in enumerate(vals)} for name, vals in self.values.items()}
        self.size = len(self.ids)
        # per-instance caches, so that a retired build's data is not kept alive by a class-level cache
        self.docs_with = functools.lru_cache(maxsize=512)(self._docs_with)
        self.docs_in_years = functools.lru_cache(maxsize=512)(self._docs_in_years)
        self._parents = None

    def value(self, name, docnum):
        """Return the facet value of one document (None when it has none)."""
        if name == "year":
            year = self.year[docnum]
            return None if year < 0 else year
        number = self.columns[name][docnum]
        return None if number < 0 else self.values[name][number]

    def sub_pillar_parents(self):
        """Return {sub-pillar value: pillar value} (the first pillar seen with it)."""
        if self._parents is None:
            parents = {}
            for pillar, sub in zip(self.columns["pillar"], self.columns["sub_pillar"]):
                parents.setdefault(self.values["sub_pillar"][sub], self.values["pillar"][pillar])
            self._parents = parents
        return self._parents

    def _docs_with(self, name, selected):
        """Return the frozenset of docnums whose facet value is one of `selected`."""
        wanted = {self.numbers[name][v] for v in selected if v in self.numbers[name]}
        column = self.columns[name]
        return frozenset(d for d in range(self.size) if column[d] in wanted)

    def _docs_in_years(self, year_from, year_to):
        """Return the docnums whose year lies in [year_from, year_to] (None: open)."""
        low = -(10 ** 9) if year_from is None else year_from
        high = 10 ** 9 if year_to is None else year_to
        return frozenset(d for d, y in enumerate(self.year) if y >= 0 and low <= y <= high)


def filter_sets(data, filters, year_from, year_to):
    """Return {facet: docnum set} for every active filter."""
    sets = {name: data.docs_with(name, tuple(sorted(values))) for name, values in filters.items() if values}
    if year_from is not None or year_to is not None:
        sets["year"] = data.docs_in_years(year_from, year_to)
    return sets


def intersect(base, sets):
    """Return base narrowed by every set in sets."""
    result = base
    for docs in sorted(sets, key=len):
        result = result & docs if isinstance(result, (set, frozenset)) else set(result) & docs
    return result


def counts(data, matching, sets, filters, year_from=None, year_to=None):
    """Return the disjunctive facet counts: each facet ignores its own filter."""
    result = {}
    for name in FACETS:
        others = [docs for facet, docs in sets.items() if facet != name]
        docs = intersect(matching, others)
        if name == "year":
            counter = collections.Counter(data.year[d] for d in docs)
            counter.pop(-1, None)
            items = sorted(counter.items())
            active = year_from is not None or year_to is not None
            low, high = year_from or -(10 ** 9), year_to or 10 ** 9
            result[name] = [{"value": y, "count": n, "selected": active and low <= y <= high}
                            for y, n in items]
            continue
        column = data.columns[name]
        counter = collections.Counter(column[d] for d in docs)
        counter.pop(-1, None)
        selected = set(filters.get(name, ()))
        items = [(data.values[name][n], c) for n, c in counter.items()]
        present = {v for v, _ in items}
        items.extend((v, 0) for v in selected if v not in present)
        items.sort(key=lambda item: (-item[1], item[0]))
        result[name] = [{"value": v, "count": c, "selected": v in selected} for v, c in items]
    return result
