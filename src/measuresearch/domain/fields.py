"""Each field of a measure record declared once, with the roles it plays; no I/O.

The modules that treat fields by role read their lists here instead of
writing them out: the facets and filters (index schema and columns, search,
matrix, pages, CLI), the fingerprint that says a measure changed, the fields
an import compares and a removed measure's history keeps, a sheet's columns,
what an intake accepts (limits, the proposal form and its checks), the
exports' columns, the API's hits and their OpenAPI schema, and the "Why:"
line's names. Adding a facet is one declaration here (plus the record's
attribute in domain/model.py and the templates' wording in the catalogs).
"""

import dataclasses
import typing


def N_(message):
    """Mark an English label for the catalogs (babel.cfg extracts this module); pages translate it."""
    return message


class Section(typing.NamedTuple):
    """A field's section of the one searchable text field, and how hits[].matched and the "Why:" line name it."""

    place: int  # its place in the text field
    letter: str
    weight: float  # BM25F
    explained: int  # its place among hits[].matched's fields
    label: str  # the "Why:" line's name of it (translated where shown)


class Export(typing.NamedTuple):
    """Where a record field is shown: the API's hits and JSON export, and the CSV export."""

    json: int  # its place among the keys of a JSON export's measure (and of a hit)
    csv: int  # its place among the CSV columns
    hit: bool = True  # search hits carry it too (else only the exports and the whole record)


class Form(typing.NamedTuple):
    """A field of the proposal form and POST /api/proposals (curation/submissions.py checks it)."""

    shape: str | None  # a shape of submissions.SHAPES; None: chosen from the taxonomy
    hint: str = ""  # what a refused value is told ({least} and {most} filled in)
    required: bool = True
    description: str | None = None  # in the OpenAPI schema
    least: int = 0  # fewest characters ("prose")


# A field's value: "text" (one line), "prose" (lines of text), "lines" (a list of one-line texts),
# "integer", "events", "kind", "values", "addresses" (a list of http(s) addresses), "address",
# "source", "edit", "day" (YYYY-MM-DD), "flag".
NAME_LIMIT = 300  # economy, pillar, sub-pillar (the taxonomy's names are far shorter)


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of the record and its roles."""

    name: str
    value: str  # what its value is (above)
    nullable: bool = False  # may be null
    label: str = ""  # as a page names it (English; translated where shown)
    facet: int | None = None  # its place among the facets (counted, filtered, a matrix dimension)
    numeric: bool = False  # a number (the year), not a string value
    taxonomy: bool = False  # a name of the taxonomy (taxonomy.yaml), chosen from it in the form
    compared: bool = False  # an import reports a change of it (corpus/identity.py)
    fingerprint: bool = False  # a change of it makes the measure "changed" in the history
    kept_when_removed: bool = False  # kept in the history of a removed measure
    sheet_column: str | None = None  # the heading of its column in an imported sheet
    section: Section | None = None  # searchable: its words weigh this much in the text field (index/format/schema)
    # romanization keys in the index's "roman" field: "whole" its text, "words" only its non-ASCII words
    roman: str | None = None
    export: Export | None = None  # shown in hits and exports
    limit: int | tuple | None = None  # most characters an intake accepts; a list: (most lines, most characters)
    form: Form | None = None  # asked by the proposal form


_LINE_HINT = "{name} is one line of text, or empty"

# In the record's key order (domain/model.Measure).
FIELDS = (
    Field("id", "text", export=Export(0, 0), kept_when_removed=True),
    Field("country", "text", label=N_("Country"), facet=0, taxonomy=True, fingerprint=True, kept_when_removed=True,
          sheet_column="Country", section=Section(4, "c", 1.5, 5, N_("country")), export=Export(1, 1),
          limit=NAME_LIMIT, form=Form(None, description="an economy of corpus/taxonomy.yaml, exactly")),
    Field("pillar", "text", label=N_("Pillar"), facet=1, taxonomy=True, fingerprint=True, kept_when_removed=True,
          sheet_column="Pillar", section=Section(2, "p", 2.0, 3, N_("pillar")), export=Export(2, 2),
          limit=NAME_LIMIT, form=Form(None, description="a pillar of corpus/taxonomy.yaml")),
    Field("sub_pillar", "text", label=N_("Sub-pillar"), facet=2, taxonomy=True, fingerprint=True,
          kept_when_removed=True, sheet_column="Sub-pillar", section=Section(1, "s", 2.5, 2, N_("sub-pillar")),
          export=Export(3, 3), limit=NAME_LIMIT, form=Form(None, description="a sub-pillar of that pillar")),
    Field("titles", "lines", compared=True, fingerprint=True, kept_when_removed=True, sheet_column="Title",
          section=Section(0, "t", 4.0, 0, N_("titles")), roman="whole", export=Export(5, 8), limit=(20, 1000),
          form=Form("line", "each title is one line of text", description="the measure's titles, one a line")),
    Field("dates", "lines", compared=True, fingerprint=True, sheet_column="Date", export=Export(6, 6),
          limit=(10, 300), form=Form("date_line", "each date line is written as the DTI writes them: 'Since July "
                                     "2018', 'Reported in 2021', 'Since 2019, last amended in March 2022' or 'N/A'",
                                     description="DTI date lines: 'Since July 2018', 'Reported in 2021', 'N/A'")),
    Field("events", "events", export=Export(8, 7)),
    Field("year", "integer", nullable=True, label=N_("Year"), facet=4, numeric=True, export=Export(7, 5)),
    Field("description", "prose", compared=True, fingerprint=True, sheet_column="Description",
          section=Section(5, "d", 1.0, 1, N_("description")), roman="words", export=Export(9, 9), limit=10_000,
          form=Form("prose", "description must be {least} to {most} characters of text (line breaks allowed, no "
                             "control characters)", least=20)),  # fewer characters tell a curator nothing to check
    Field("coverage", "text", nullable=True, label=N_("Coverage"), facet=3, compared=True, fingerprint=True,
          kept_when_removed=True, sheet_column="Coverage", section=Section(3, "v", 1.5, 4, N_("coverage")),
          roman="words", export=Export(4, 4), limit=500,
          form=Form("optional_line", _LINE_HINT, required=False, description="optional, e.g. Horizontal")),
    Field("kind", "kind", compared=True, export=Export(10, 10)),
    Field("status", "text", nullable=True, compared=True, export=Export(11, 11)),
    Field("values", "values", compared=True, export=Export(12, 12)),
    Field("sources", "addresses", compared=True, sheet_column="Sources", export=Export(15, 15)),
    Field("source", "source", nullable=True, export=Export(13, 13, hit=False)),
    Field("last_imported", "day", nullable=True, export=Export(14, 14, hit=False)),
    Field("edited", "edit", nullable=True, export=Export(16, 16, hit=False)),
    Field("synthetic", "flag"),
    # no longer written (sources replaced it); in the fingerprint so that builds before and after compare equal;
    # a proposal's address, kept in its `sources`
    Field("source_url", "address", fingerprint=True, limit=2000,
          form=Form("address", "source_url must be the http:// or https:// address where the measure can be read",
                    description="where a curator can read the measure")),
)
BY_NAME = {f.name: f for f in FIELDS}


def names(role):
    """Return the names of the fields that have a role (a Field attribute), in record order."""
    return tuple(f.name for f in FIELDS if getattr(f, role))


def _ordered(role, key):
    """Return the names of the fields that have a role (not None), in the order that key gives."""
    return tuple(f.name for f in sorted((f for f in FIELDS if getattr(f, role) is not None), key=key))


FACETS = _ordered("facet", lambda f: f.facet)
STRING_FACETS = tuple(name for name in FACETS if not BY_NAME[name].numeric)  # the filters ?name=value
FACET_LABELS = {name: BY_NAME[name].label for name in FACETS}
SHEET_COLUMNS = {f.name: f.sheet_column for f in FIELDS if f.sheet_column}
# (letter, record key, weight) of the searchable sections, in their order in the text field
SECTIONS = tuple((BY_NAME[name].section.letter, name, BY_NAME[name].section.weight)
                 for name in _ordered("section", lambda f: f.section.place))
EXPLAINED = _ordered("section", lambda f: f.section.explained)  # hits[].matched's fields, in its order
EXPORTED = _ordered("export", lambda f: f.export.json)  # a JSON export's measure, in its key order
HIT = tuple(name for name in EXPORTED if BY_NAME[name].export.hit)  # a hit's record keys, in its key order
CSV = _ordered("export", lambda f: f.export.csv)  # the CSV export's record columns, in their order
FORM = names("form")  # the proposal's fields, in the form's order
ROMAN_WHOLE = tuple(f.name for f in FIELDS if f.roman == "whole")  # romanized in full (the titles)
ROMAN_WORDS = tuple(f.name for f in FIELDS if f.roman == "words")  # only their non-ASCII words
