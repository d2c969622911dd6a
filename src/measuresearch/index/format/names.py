"""The names a build knows its facet values by, read by its writers and by the service.

economies.json: every name of each economy (its records are indexed under all of them);
taxonomy.json: every name of each pillar and sub-pillar (a filter may use any of them).
And the data's own spellings: one value written in several cases is one value.
"""

import json
import pathlib

import numpy as np

from measuresearch.domain.economy_names import EconomyNames, key
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


def merge_spellings(values, column):
    """Return (column, numbers) of a facet with the spellings of one value (equal but for case and spacing: key)
    under one number, its commonest spelling's (the first seen among equals); numbers: {spelling: number}.

    Coverage is free text copied from pages ("Horizontal", "horizontal"): a filter, a count and a matrix take the
    spellings as the one value they are, not as values that a filter in any case could only match one of.
    """
    counts = np.bincount(column[column >= 0], minlength=len(values))
    chosen = {}
    for number, value in enumerate(values):
        folded = key(value) if isinstance(value, str) else value
        if folded not in chosen or counts[number] > counts[chosen[folded]]:
            chosen[folded] = number
    target = np.array([chosen[key(v) if isinstance(v, str) else v] for v in values], dtype=np.int32)
    if len(chosen) < len(values):
        column = np.where(column >= 0, target[np.maximum(column, 0)], -1).astype(np.int32)
    return column, {value: int(number) for value, number in zip(values, target.tolist())}
