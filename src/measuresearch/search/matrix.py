"""Cross-tabulate the measures of a search: /api/matrix, /api/matrix.csv and the compare view.

A dimension is a list of (document, code) pairs and a 0/1 map from codes to the
dimension's values: the identity for the string facets of domain/fields.py (one
code per document), membership for groups (a group is a set of countries), and
one pair per event year for `year` (a measure counts in every year it has an
event of the asked kinds, as the year facet counts). A cell counts the measures
that have both values.
"""

import numpy as np

from measuresearch.domain import fields
from measuresearch.errors import InvalidParameter
from measuresearch.search.request import filters_echo
from measuresearch.search.selection import evaluate

DIMENSIONS = (*fields.FACETS, "group")


class Dimension:
    """One axis of a matrix over one build."""

    def __init__(self, data, name, event_groups):
        self.name = name
        if name == "year":
            columns = data.dates
            self.docs, codes = columns.year_pairs(event_groups)
            self.codes = codes.astype(np.int64)
            span = int(codes.max()) + 1 if len(codes) else 0
            self.labels = [columns.first_year + y for y in range(span)]
            self.expand = np.eye(span, dtype=np.int64)
            self.per_doc = None
            return
        column = data.columns["country" if name == "group" else name]
        self.docs = np.flatnonzero(column >= 0)
        self.codes = column[self.docs].astype(np.int64)
        self.per_doc = column
        if name == "group":
            self.labels = list(data.groups.names)
            self.expand = data.groups.membership(len(data.values["country"]))
        else:
            self.labels = list(data.values[name])
            self.expand = np.eye(len(self.labels), dtype=np.int64)

    @property
    def width(self):
        return self.expand.shape[1]

    def tally(self, allowed):
        """Return, per value, how many allowed documents have it."""
        keep = allowed[self.docs]
        return self.expand @ np.bincount(self.codes[keep], minlength=self.width)


def crosstab(data, allowed, rows, cols, event_groups):
    """Return (row Dimension, col Dimension, row counts, col counts, cells as a rows x cols array)."""
    row, col = Dimension(data, rows, event_groups), Dimension(data, cols, event_groups)
    if row.per_doc is None and col.per_doc is None:  # year by year: measures with events in both years
        keep = allowed[row.docs]
        incidence = np.zeros((data.size, row.width), dtype=np.int64)
        incidence[row.docs[keep], row.codes[keep]] = 1
        return row, col, row.tally(allowed), col.tally(allowed), incidence.T @ incidence
    if row.per_doc is None:  # year: walk its pairs and look up the other side's one code per document
        pairs, single, first = row, col, True
    else:
        pairs, single, first = col, row, False
    keep = allowed[pairs.docs] & (single.per_doc[pairs.docs] >= 0)
    other = single.per_doc[pairs.docs[keep]].astype(np.int64)
    mine = pairs.codes[keep]
    rcode, ccode = (mine, other) if first else (other, mine)
    joint = np.bincount(rcode * col.width + ccode, minlength=row.width * col.width).reshape(row.width, col.width)
    cells = row.expand @ joint @ col.expand.T
    return row, col, row.tally(allowed), col.tally(allowed), cells


def _axis(dimension, counts, keep):
    """Return [(index or None, {"value", "count"})] of the values with measures, and of those the request selected
    (at 0; a selected value that no measure of the build has, such as an economy without measures, has no index)."""
    order = range(len(dimension.labels)) if dimension.name in ("group", "year") else sorted(
        range(len(dimension.labels)), key=lambda i: (dimension.labels[i].casefold(), dimension.labels[i]))
    axis = [(i, {"value": dimension.labels[i], "count": int(counts[i])}) for i in order
            if counts[i] or dimension.labels[i] in keep]
    absent = set(keep) - set(dimension.labels)
    if absent and dimension.name not in ("group", "year"):
        axis = sorted(axis + [(None, {"value": value, "count": 0}) for value in absent],
                      key=lambda entry: (entry[1]["value"].casefold(), entry[1]["value"]))
    return axis


def _group_countries(data, allowed):
    """Return {group: the countries of the allowed measures that are its members, by name}."""
    column = data.columns["country"]
    present = np.bincount(column[allowed & (column >= 0)], minlength=len(data.values["country"])) > 0
    names = data.values["country"]
    return {group: sorted(names[n] for n in numbers.tolist() if present[n])
            for group, numbers in data.groups.members.items()}


def check_axes(rows, cols):
    """Raise InvalidParameter unless rows and cols are dimensions (the same one twice gives the diagonal)."""
    for name, value in (("rows", rows), ("cols", cols)):
        if value not in DIMENSIONS:
            raise InvalidParameter(f"{name} must be one of {', '.join(DIMENSIONS)}", name)


def matrix(holder, request, rows, cols, group_countries=False):
    """Return the matrix of one search as plain data (the /api/matrix shape) and the build it comes from.

    group_countries: also return, under "group_countries", the countries of each group row's measures (a
    group is a set of countries: the compare view links a group within the search's groups by them).
    """
    check_axes(rows, cols)
    request.validate()
    parsed = request.parsed()
    with holder.using() as snapshot:
        run = evaluate(snapshot, request, parsed)
        data = snapshot.facets
        row, col, row_counts, col_counts, cells = crosstab(data, run.allowed, rows, cols,
                                                           request.date_filter().groups)
        selected = {data.groups.canonical(v) or v for v in request.filters.get("group", ())}
        build = snapshot.stamp()
        extra = {"group_countries": _group_countries(data, run.allowed)} if group_countries else {}
    keep = {name: set(request.filters.get(name, ())) for name in DIMENSIONS} | {"group": selected}
    row_axis, col_axis = _axis(row, row_counts, keep[rows]), _axis(col, col_counts, keep[cols])
    return extra | {
        "query": {"q": request.q, "filters": filters_echo(request), "year_from": request.year_from,
                  "year_to": request.year_to, "event": list(request.event), "in_force_on": request.in_force_on,
                  "rows": rows, "cols": cols},
        "total": run.total,
        "rows": [entry for _, entry in row_axis],
        "cols": [entry for _, entry in col_axis],
        "cells": [{"row": r["value"], "col": c["value"], "count": int(cells[i, j])}
                  for i, r in row_axis for j, c in col_axis if i is not None and j is not None and cells[i, j]],
        "build": build,
    }
