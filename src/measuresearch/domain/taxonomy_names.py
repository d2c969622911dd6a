"""Every spelling of a pillar or sub-pillar: its name in `taxonomy.yaml` and the aliases listed there.

Index builds record them (taxonomy.json) so that a filter value written as an alias or in
another case (`pillar=Domestic Data policies`, `not_pillar=...`) stands for the name, as
`country=kz` stands for Kazakhstan, also for a pillar that has no measure yet. Plain data:
the service reads it without YAML.
"""

from measuresearch.domain.economy_names import key

FACETS = ("pillar", "sub_pillar")


def table(taxonomy):
    """Return {"pillar": {name: [aliases]}, "sub_pillar": {name: [aliases]}} of a Taxonomy, in its order."""
    return {"pillar": {p: list(taxonomy.aliases.get(p, ())) for p in taxonomy.pillars},
            "sub_pillar": {s: list(taxonomy.aliases.get(s, ()))
                           for subs in taxonomy.pillars.values() for s in subs}}


class TaxonomyNames:
    """The names of a build's pillars and sub-pillars (the plain data of `table`), found by any spelling."""

    def __init__(self, data):
        self._names = {facet: {} for facet in FACETS}
        for facet, names in (data or {}).items():
            found = self._names.setdefault(facet, {})
            for name, aliases in names.items():
                for spelling in (name, *aliases):
                    found.setdefault(key(spelling), name)

    def name(self, facet, spelling):
        """Return the name of the pillar or sub-pillar (facet) that a name or alias in any case stands for,
        else None."""
        return self._names.get(facet, {}).get(key(spelling)) if isinstance(spelling, str) else None
