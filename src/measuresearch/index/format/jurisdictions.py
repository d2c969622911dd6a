"""Jurisdiction groups on the serving side: a group is the set of its members' country numbers.

The groups come checked from the build folder (groups.json, see groups.py); a
measure is in a group when its country is a member, so group masks and counts
are made from the country column.
"""

import json
import pathlib

import numpy as np

from measuresearch.domain.economy_names import key
from measuresearch.index.format.layout import GROUPS_FILE


def read(folder):
    """Return the groups recorded in a build folder ([] for a build made before groups existed)."""
    try:
        data = json.loads((pathlib.Path(folder) / GROUPS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return data["groups"]


class Groups:
    """The groups of one build, with each group's members as numbers of the country facet."""

    def __init__(self, groups, country_numbers):
        self.info = {g["name"]: g for g in groups}
        self.names = [g["name"] for g in groups]
        self._alias = {alias: g["name"] for g in groups for alias in (g["name"], *g.get("aliases", ()))}
        self._folded = {}
        for alias, name in self._alias.items():
            self._folded.setdefault(key(alias), name)
        self.members = {g["name"]: np.array(sorted(country_numbers[m] for m in g["members"]
                                                   if m in country_numbers), dtype=np.int32)
                        for g in groups}
        self._memberships = {}  # country count -> membership(), made on the first tally

    def canonical(self, name):
        """Return the group's name for a name or alias in any case (EU-27, eu -> EU), or None when unknown."""
        return self._alias.get(name) or (self._folded.get(key(name)) if isinstance(name, str) else None)

    def known(self):
        """Return every name and alias that a group= value may use."""
        return self._alias

    def with_measures(self):
        """Return the names and aliases of the groups with a member that has measures in this build (a group
        without is a filter that matches nothing, which the unknown_value notice says)."""
        return {alias: name for alias, name in self._alias.items() if len(self.members[name])}

    def country_numbers(self, selected):
        """Return the country numbers of every member of the selected groups (names or aliases)."""
        chosen = [self.members[n] for n in map(self.canonical, selected) if n is not None]
        return np.unique(np.concatenate(chosen)) if chosen else np.array([], dtype=np.int32)

    def tally(self, country_tally):
        """Return [(group, count)] from the count of measures per country number (one product, in C: the
        groups one by one took a twentieth of a short query)."""
        matrix = self._memberships.get(len(country_tally))
        if matrix is None:
            matrix = self._memberships[len(country_tally)] = self.membership(len(country_tally))
        return list(zip(self.names, (matrix @ country_tally).tolist()))  # (groups.py: no name twice)

    def membership(self, country_count):
        """Return a (groups x countries) 0/1 matrix: row g has 1 where country n is a member of g."""
        matrix = np.zeros((len(self.names), country_count), dtype=np.int64)
        for row, name in enumerate(self.names):
            matrix[row, self.members[name]] = 1
        return matrix
