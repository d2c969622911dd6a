"""The names a build knows its facet values by, read by its writers and by the service.

economies.json: every name of each economy (its records are indexed under all of them);
taxonomy.json: every name of each pillar and sub-pillar (a filter may use any of them).
"""

import json
import pathlib

from measuresearch.domain.economy_names import EconomyNames
from measuresearch.domain.taxonomy_names import TaxonomyNames
from measuresearch.index.format.layout import ECONOMIES_FILE, TAXONOMY_FILE


def _data(folder, name):
    try:
        return json.loads((pathlib.Path(folder) / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def read(folder):
    """Return the EconomyNames of a build folder (none recorded: every economy has only its own name)."""
    return EconomyNames(_data(folder, ECONOMIES_FILE))


def read_taxonomy(folder):
    """Return the TaxonomyNames of a build folder (none recorded: a filter takes only the values of the data)."""
    return TaxonomyNames(_data(folder, TAXONOMY_FILE))
