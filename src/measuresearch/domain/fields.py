"""Each field of a measure record declared once, with the roles it plays; no I/O.

The modules that treat fields by role read their lists here instead of
writing them out: the facets and filters (index, search, matrix, pages, CLI),
the fingerprint that says a measure changed, the fields an import compares and
a removed measure's history keeps, and a sheet's columns. Adding a facet is
one line here (plus the templates' wording in the catalogs).
"""

import dataclasses
import typing


def N_(message):
    """Mark an English label for the catalogs (babel.cfg extracts this module); pages translate it."""
    return message


class Section(typing.NamedTuple):
    """A field's section of the one searchable text field: its place there, its letter, its BM25F weight."""

    place: int
    letter: str
    weight: float


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of the record and its roles."""

    name: str
    label: str = ""  # as a page names it (English; translated where shown)
    facet: int | None = None  # its place among the facets (counted, filtered, a matrix dimension)
    numeric: bool = False  # a number (the year), not a string value
    compared: bool = False  # an import reports a change of it (corpus/identity.py)
    fingerprint: bool = False  # a change of it makes the measure "changed" in the history
    kept_when_removed: bool = False  # kept in the history of a removed measure
    sheet_column: str | None = None  # the heading of its column in an imported sheet
    section: Section | None = None  # searchable: its words weigh this much in the text field (index/format/schema)


# In the record's key order (domain/model.Measure).
FIELDS = (
    Field("id", kept_when_removed=True),
    Field("country", N_("Country"), facet=0, fingerprint=True, kept_when_removed=True, sheet_column="Country",
          section=Section(4, "c", 1.5)),
    Field("pillar", N_("Pillar"), facet=1, fingerprint=True, kept_when_removed=True, sheet_column="Pillar",
          section=Section(2, "p", 2.0)),
    Field("sub_pillar", N_("Sub-pillar"), facet=2, fingerprint=True, kept_when_removed=True,
          sheet_column="Sub-pillar", section=Section(1, "s", 2.5)),
    Field("titles", compared=True, fingerprint=True, kept_when_removed=True, sheet_column="Title",
          section=Section(0, "t", 4.0)),
    Field("dates", compared=True, fingerprint=True, sheet_column="Date"),
    Field("events"),
    Field("year", N_("Year"), facet=4, numeric=True),
    Field("description", compared=True, fingerprint=True, sheet_column="Description",
          section=Section(5, "d", 1.0)),
    Field("coverage", N_("Coverage"), facet=3, compared=True, fingerprint=True, kept_when_removed=True,
          sheet_column="Coverage", section=Section(3, "v", 1.5)),
    Field("kind", compared=True),
    Field("status", compared=True),
    Field("values", compared=True),
    Field("sources", compared=True, sheet_column="Sources"),
    Field("source"),
    Field("last_imported"),
    Field("edited"),
    Field("synthetic"),
    # no longer written (sources replaced it); in the fingerprint so that builds before and after compare equal
    Field("source_url", fingerprint=True),
)


def names(role):
    """Return the names of the fields that have a role (a Field attribute), in record order."""
    return tuple(f.name for f in FIELDS if getattr(f, role))


_FACET_FIELDS = sorted((f for f in FIELDS if f.facet is not None), key=lambda f: f.facet)
FACETS = tuple(f.name for f in _FACET_FIELDS)
STRING_FACETS = tuple(f.name for f in _FACET_FIELDS if not f.numeric)  # the filters ?name=value
FACET_LABELS = {f.name: f.label for f in _FACET_FIELDS}
SHEET_COLUMNS = {f.name: f.sheet_column for f in FIELDS if f.sheet_column}
# (letter, record key, weight) of the searchable sections, in their order in the text field
SECTIONS = tuple((f.section.letter, f.name, f.section.weight)
                 for f in sorted((f for f in FIELDS if f.section), key=lambda f: f.section.place))
