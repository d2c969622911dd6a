"""The Measure record, its date events and its validation; no I/O."""

import copy
import dataclasses
import functools
import hashlib
import re
import unicodedata

from measuresearch.domain import fields

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
)

# Clause keyword -> event kind. Longest keywords first so "last amended in"
# wins over "amended in".
_KINDS = (
    ("last reported in", "last_reported"),
    ("reported in", "reported"),
    ("entry into force in", "entry_into_force"),
    ("entry into force", "entry_into_force"),
    ("in force since", "entry_into_force"),
    ("enforcement from", "enforcement"),
    ("last amended in", "last_amended"),
    ("last amended", "last_amended"),
    ("as amended in", "amended"),
    ("amended in", "amended"),
    ("since", "since"),
)
EVENT_KINDS = tuple(sorted({kind for _, kind in _KINDS}))
DATE_KEYWORDS = tuple(keyword for keyword, _ in _KINDS)  # longest first, as _CLAUSE tries them
NOT_AVAILABLE = "N/A"

_CLAUSE = re.compile(
    r"^(?P<kw>" + "|".join(re.escape(k) for k, _ in _KINDS) + r")?\s*"
    r"(?:(?P<month>" + "|".join(MONTHS) + r")\s+)?(?P<year>\d{4})$",
    re.IGNORECASE,
)

# Where a record came from (`source`): set at its first import and kept; `last_imported` moves.
SOURCE_KINDS = ("dti_page", "sheet", "proposal", "manual")
SOURCE_KEYS = ("kind", "name", "url", "first_imported")
# An accepted edit of a record (`proposals accept --as-edit`): who, when, and the digest of the text it replaced;
# `fields` (optional: not in edits made before it was kept), the digest of each compared field it found there.
EDITED_KEYS = ("by", "on", "url", "replaced")
EDITED_FIELDS_KEY = "fields"
# the edits accepted before the last one, oldest first: [{by, on, url}] (a second edit had dropped the first's name)
EDITED_EARLIER_KEY = "earlier"
EARLIER_KEYS = ("by", "on", "url")
# the description the record's source gave, kept by an edit that changed it: a re-import knows the record by it
EDITED_FOUND_KEY = "found_description"
_SHA1 = re.compile(r"[0-9a-f]{40}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SOURCE_URL = re.compile(r"https?://\S+")  # an address of `sources`
KINDS = ("measure", "indicator")  # a legal measure or practice; a numeric indicator (pillar 1)
UNITS = ("%", None)


class DateError(ValueError):
    """Raised when a date line does not follow the DTI forms."""


def _optional(default, **roles):
    """A field that the corpus leaves out while it holds its default."""
    factory = (lambda: list(default)) if isinstance(default, list) else None
    metadata = {"omitted_at": default, **roles}
    if factory:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(kw_only=True)
class Measure:
    """One DTI entry as the corpus stores it: a measure, or a numeric indicator (kind "indicator").

    The fields in corpus key order; this declaration is the one list of them
    (FIELDS, the corpus keys, the API record). events and year are derived
    from dates. An indicator's titles are its values' labels, in order (the
    page prints each label over its number); its description is empty.
    """

    id: str
    country: str
    pillar: str
    sub_pillar: str
    titles: list
    dates: list
    events: list = dataclasses.field(default_factory=list)
    year: int | None = None
    description: str = ""
    coverage: str | None = None
    kind: str = _optional("measure")
    status: str | None = _optional(None)  # an indicator's status line, e.g. "ITA signatory? ..."
    values: list = _optional([])  # an indicator's [{label, value, unit}]
    sources: list = _optional([])  # the http(s) addresses listed under the entry, or a proposal's source_url
    source: dict | None = _optional(None)  # where the record came from (SOURCE_KEYS), set at its first import
    last_imported: str | None = _optional(None)
    edited: dict | None = _optional(None)  # an accepted edit (EDITED_KEYS)
    synthetic: bool = _optional(False, hidden=True)

    def to_dict(self, complete=False):
        """Return the record as plain data in the corpus key order.

        Optional fields at their default are left out, as the corpus writes
        them (records made before provenance or indicators have none);
        complete=True keeps them (the API's records), except `synthetic`.
        """
        data = {}
        for name, metadata in _FIELD_METADATA:
            value = getattr(self, name)
            if "omitted_at" in metadata and value == metadata["omitted_at"] and (
                    not complete or metadata.get("hidden")):
                continue
            data[name] = value
        return data


FIELDS = tuple(field.name for field in dataclasses.fields(Measure))
_FIELD_METADATA = tuple((field.name, field.metadata) for field in dataclasses.fields(Measure))  # once, not per record
# The optional fields and the value that stands for "not given" (records made before them have none).
DEFAULTS = {field.name: field.metadata["omitted_at"] for field in dataclasses.fields(Measure)
            if "omitted_at" in field.metadata}
ENTRY_KEYS = ("kind", "status", "values", "sources")  # what a DTI entry says beyond a measure's first fields
DERIVED = ("events", "year")
# the keys whose value is text, or a list of one-line texts (domain/fields.py)
TEXT_KEYS = tuple(f.name for f in fields.FIELDS if f.value in ("text", "prose") and f.name in FIELDS)
LINES_KEYS = tuple(f.name for f in fields.FIELDS if f.value == "lines")
# A record's id (and a tombstone's: an import that finds its measure again gives it back that id)
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,120}")
REQUIRED = {"measure": ("id", "country", "pillar", "sub_pillar", "titles", "dates", "description"),
            "indicator": ("id", "country", "pillar", "sub_pillar", "titles", "values")}


def parse_date_line(line):
    """Parse one DTI date line into a list of events (kind, year, month)."""
    text = line.strip()
    if text == NOT_AVAILABLE:
        return []
    events = []
    kind = None
    for clause in text.split(","):
        match = _CLAUSE.match(clause.strip())
        if not match:
            raise DateError(f"cannot read date clause {clause.strip()!r} in {text!r}")
        if match.group("kw"):
            kind = dict(_KINDS)[match.group("kw").lower()]
        elif kind is None:
            raise DateError(f"date clause {clause.strip()!r} does not say what happened")
        event = {"kind": kind, "year": int(match.group("year"))}
        if match.group("month"):
            event["month"] = MONTHS.index(match.group("month").lower()) + 1
        events.append(event)
    return events


def events_of(date_lines):
    """Parse every date line; each event also names its line (0-based)."""
    events = []
    for number, line in enumerate(date_lines):
        for event in _parsed(line):
            events.append({**event, "line": number})
    return events


@functools.lru_cache(maxsize=4096)
def _parsed(line):
    """parse_date_line of a line, kept: a page repeats its date lines (events_of copies each event)."""
    return tuple(parse_date_line(line))


def first_year(events):
    """Return the first year the date lines mention, or None."""
    return events[0]["year"] if events else None


@functools.lru_cache(maxsize=4096)  # economies and sub-pillars, once per measure
def slugify(text, words=6):
    """Return a lowercase ASCII slug of the first few words of text."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(parts[:words]) or "measure"


def measure_id(country, pillar, sub_pillar, titles, dates, description):
    """Return a stable, readable id: country, sub-pillar words and a content hash."""
    digest = hashlib.sha1(
        "\x1f".join([country, pillar, sub_pillar, *titles, "\x1e", *dates, description]).encode()
    ).hexdigest()[:8]
    return f"{slugify(country, 3)}-{slugify(sub_pillar, 5)}-{digest}"


def _good_edit(edited):
    if not (isinstance(edited, dict)
            and set(edited) - {EDITED_FIELDS_KEY, EDITED_EARLIER_KEY, EDITED_FOUND_KEY} == set(EDITED_KEYS)
            and isinstance(edited["replaced"], str) and _SHA1.fullmatch(edited["replaced"])
            and isinstance(edited["by"], str) and isinstance(edited["on"], str) and _DAY.fullmatch(edited["on"])
            and (edited["url"] is None or isinstance(edited["url"], str))
            and isinstance(edited.get(EDITED_FOUND_KEY, ""), str)):
        return False
    earlier = edited.get(EDITED_EARLIER_KEY, [])
    if not (isinstance(earlier, list) and all(isinstance(e, dict) and set(e) == set(EARLIER_KEYS)
                                              and all(v is None or isinstance(v, str) for v in e.values())
                                              for e in earlier)):
        return False
    fields = edited.get(EDITED_FIELDS_KEY, {})
    return isinstance(fields, dict) and all(isinstance(key, str) and isinstance(value, str) and _SHA1.fullmatch(value)
                                            for key, value in fields.items())


def validate(data):
    """Return a list of (key, message) problems of one measure as plain data.

    Shape only: the names of pillars, sub-pillars and economies are checked
    against the taxonomy (taxonomy.check_measure).
    """
    problems = [(key, f"unknown key {key!r}") for key in data if key not in FIELDS]
    kind = data.get("kind", "measure")
    if kind not in KINDS:
        problems.append(("kind", f"kind must be one of {', '.join(KINDS)}, not {kind!r}"))
        kind = "measure"
    for key in REQUIRED[kind]:
        if key not in data or data[key] in (None, "", []):
            problems.append((None, f"missing field {key!r}"))
    for key in TEXT_KEYS:
        if key in data and data[key] is not None and not isinstance(data[key], str):
            problems.append((key, f"{key} must be text"))
        elif key in data and data[key] is None and not fields.BY_NAME[key].nullable and key not in REQUIRED[kind]:
            # an indicator's empty description is "", never null: the service reads it as text
            problems.append((key, f"{key} must be text (\"\" when empty), not null"))
    for key in LINES_KEYS:
        value = data.get(key)
        if value is None and key in data and key not in REQUIRED[kind]:
            problems.append((key, f"{key} must be a list of text lines ([] when empty), not null"))
        elif value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        ):
            problems.append((key, f"{key} must be a list of non-empty text lines"))
    if isinstance(data.get("id"), str) and not ID_PATTERN.fullmatch(data["id"]):
        problems.append(("id", f"id {data['id']!r} must be lowercase letters, digits and '-'"))
    problems.extend(_validate_values(data, kind))
    problems.extend(_validate_dates(data))
    problems.extend(_validate_provenance(data))
    return problems


def _validate_provenance(data):
    problems, source = [], data.get("source")
    sources = data.get("sources", [])
    if not (isinstance(sources, list) and all(isinstance(u, str) and SOURCE_URL.fullmatch(u) for u in sources)):
        problems.append(("sources", "sources must be a list of http(s) addresses"))
    if "source" in data and not (
            isinstance(source, dict) and set(source) == set(SOURCE_KEYS) and source["kind"] in SOURCE_KINDS
            and isinstance(source["name"], str) and (source["url"] is None or isinstance(source["url"], str))
            and isinstance(source["first_imported"], str) and _DAY.fullmatch(source["first_imported"])):
        problems.append(("source", f"source must be {{kind: {' | '.join(SOURCE_KINDS)}, name, url, "
                                   "first_imported: YYYY-MM-DD}"))
    edited = data.get("edited")
    if edited is not None and not _good_edit(edited):
        problems.append(("edited", f"edited must be {{{', '.join(EDITED_KEYS)}}}, replaced the SHA-1 (40 hex "
                                   "digits) of the text the edit replaced, and optionally fields: {field: SHA-1} "
                                   "and earlier: [{by, on, url}] and found_description (text); on a day "
                                   "YYYY-MM-DD"))
    elif "edited" in data and edited is None:  # never written empty: a file cut off after its key
        problems.append(("edited", "edited is empty (an accepted edit is {by, on, url, replaced}): is the file cut "
                                   "off here?"))
    day = data.get("last_imported")
    if day is not None and not (isinstance(day, str) and _DAY.fullmatch(day)):
        problems.append(("last_imported", "last_imported must be a date YYYY-MM-DD"))
    return problems


def _validate_values(data, kind):
    """An indicator's values are [{label, value: number, unit}], its titles their labels; a measure has neither."""
    values = data.get("values", [])
    if kind == "measure":
        return [(key, f"{key} belongs to an indicator (kind: indicator)")
                for key in ("values", "status") if data.get(key) not in (None, [])]
    if not isinstance(values, list) or not all(_is_value(v) for v in values):
        return [("values", "values must be a list of {label: text, value: number, unit: '%' or null}")]
    if data.get("titles") != [v["label"] for v in values]:
        return [("titles", "an indicator's titles must be its values' labels, in order")]
    return []


def _is_value(item):
    return (isinstance(item, dict) and set(item) == {"label", "value", "unit"}
            and isinstance(item["label"], str) and item["label"].strip() != ""
            and isinstance(item["value"], (int, float)) and not isinstance(item["value"], bool)
            and item["unit"] in UNITS)


def _validate_dates(data):
    dates = data.get("dates")
    if not isinstance(dates, list) or not all(isinstance(v, str) for v in dates):
        return []
    try:
        events = events_of(dates)
    except DateError as exc:
        return [("dates", f"unparsable date: {exc}")]
    problems = []
    if "events" in data and data["events"] != events:
        problems.append(("events", "events do not match the date lines"))
    if "year" in data and data["year"] != first_year(events):
        problems.append(("year", f"year must be {first_year(events)}, the first year of the date lines"))
    return problems


def _copied(value):
    """Return copy.deepcopy(value), without its machinery for a text, a number or a list of texts (most values)."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is list and all(type(item) is str for item in value):
        return list(value)
    return copy.deepcopy(value)


def from_dict(data):
    """Build a Measure from validated plain data, deriving events and year.

    An indicator may leave out its dates (REQUIRED): it then has none, as `dates: []` says.
    """
    given = {key: _copied(value) for key, value in data.items() if key in FIELDS and key not in DERIVED}
    given.setdefault("dates", [])
    events = events_of(given["dates"])
    return Measure(**given, events=events, year=first_year(events))

