"""Check what strangers send: a report on a measure and a proposed measure (pure; no I/O).

Each field is checked by a regular expression that the OpenAPI document publishes
unchanged (web/reports_openapi.py), so that what the schema allows and what the
server accepts are the same set. Every check raises InvalidParameter naming the
first bad field in the order of the contract; the API's 400 and the form's
message point at the same field. A proposal becomes the measure record an import
would write and passes the import's checks (model.validate and the taxonomy's).
"""

import re

from measuresearch.domain import fields as registry
from measuresearch.domain import limits
from measuresearch.domain import model
from measuresearch.errors import InvalidParameter

MESSAGE_MIN, MESSAGE_MAX = 10, limits.TEXT_LIMITS["message"]
EMAIL_MAX = limits.TEXT_LIMITS["email"]
# field -> most characters as sent; most lines and characters a line (shared with imports: domain/limits.py)
TEXT_LIMITS = limits.TEXT_LIMITS
LIST_LIMITS = limits.LIST_LIMITS
REPORT_FIELDS = ("message", "email")
# the record's fields the form asks (domain/fields.py), then the proposer's address
PROPOSAL_FIELDS = (*registry.FORM, "email")
REQUIRED = tuple(name for name in registry.FORM if registry.BY_NAME[name].form.required)
TAXONOMY_FIELDS = registry.names("taxonomy")
DESCRIPTION_MIN = registry.BY_NAME["description"].form.least

# Character classes of domain/limits.py: control and bidi control characters are refused everywhere; tab,
# CR and LF only inside multi-line texts. Spaces around a value are allowed and stripped.
_LINE_CHAR, _TEXT_CHAR, _SOLID, _GAP = limits.LINE_CHAR, limits.TEXT_CHAR, limits.SOLID, limits.GAP


def _any_case(word):
    """Return a pattern of ASCII words (letters and spaces) in any letter case (the schema has no flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


def _date_line():
    """The DTI date-line grammar of model.parse_date_line, ASCII letters in any case, on one line."""
    keyword = "|".join(_any_case(k) for k in model.DATE_KEYWORDS)
    month = "|".join(_any_case(m) for m in model.MONTHS)
    space = _GAP[:-1] + "+"
    when = rf"{_GAP}(?:(?:{month}){space})?\d{{4}}{_GAP}"
    first, then = rf"{_GAP}(?:{keyword}){when}", rf"{_GAP}(?:{keyword})?{when}"
    return rf"^\s*(?:N/A|{first}(?:,{then})*)\s*$"


def shape_pattern(shape, least=0):
    """Return the pattern of a shape of value (fields.Form.shape); prose has at least `least` characters."""
    return {
        "line": rf"^\s*{_SOLID}{_LINE_CHAR}*\s*$",
        "optional_line": rf"^\s*(?:{_SOLID}{_LINE_CHAR}*)?\s*$",
        "date_line": _date_line(),
        "prose": rf"^\s*{_SOLID}{_TEXT_CHAR}{{{least - 2},}}{_SOLID}\s*$",
        "address": (r"^\s*https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?" rf"(?::{limits.PORT})?"
                    r"(?:[/?#][^\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*)?\s*$"),
    }[shape]


_ASKED = [(name, registry.BY_NAME[name].form) for name in registry.FORM if registry.BY_NAME[name].form.shape]
PATTERNS = {
    "message": shape_pattern("prose", MESSAGE_MIN),
    "email": (r"^\s*$|^\s*[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
              r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\s*$"),
    **{name: shape_pattern(form.shape, form.least) for name, form in _ASKED},
}
_COMPILED = {name: re.compile(pattern) for name, pattern in PATTERNS.items()}
HINTS = {
    "message": f"message must be {MESSAGE_MIN} to {MESSAGE_MAX} characters saying what is wrong (no control "
               "characters)",
    "email": "email is not an e-mail address (name@example.org); leave it empty to stay anonymous",
    **{name: form.hint.format(name=name, least=form.least, most=TEXT_LIMITS.get(name)) for name, form in _ASKED},
}


def _unknown(data, known):
    if not isinstance(data, dict):
        raise InvalidParameter("the body must be a JSON object", "body")
    for key in data:
        if key not in known:
            raise InvalidParameter(f"unknown field {key!r}; known: {', '.join(known)}", str(key)[:100])


def _value(name, value, most, pattern_name=None):
    """Return a checked text value, stripped (CRLF made LF), or None when blank and allowed."""
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be text", name)
    if len(value) > most:
        raise InvalidParameter(f"{name} may be at most {most} characters (got {len(value)})", name)
    if not _COMPILED[pattern_name or name].search(value):
        raise InvalidParameter(HINTS[pattern_name or name], name)
    return value.strip().replace("\r\n", "\n") or None


def _text(data, name, required=True):
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidParameter(f"{name} is required", name)
        return None
    return _value(name, value, TEXT_LIMITS[name])


def _lines(data, name):
    value = data.get(name)
    most_lines, most_chars = LIST_LIMITS[name]
    if value is None:
        raise InvalidParameter(f"{name} is required: a list of lines", name)
    if not isinstance(value, list):
        raise InvalidParameter(f"{name} must be a list of text lines", name)
    if not 1 <= len(value) <= most_lines:
        raise InvalidParameter(f"{name} must have 1 to {most_lines} lines", name)
    return [_value(name, line, most_chars) for line in value]


def check_report(data):
    """Return (message, email) of a report, or raise InvalidParameter."""
    _unknown(data, REPORT_FIELDS)
    return _text(data, "message"), _text(data, "email", required=False)


def form_lines(text):
    """Return the non-blank lines of a text area (the form's titles and dates) as a list."""
    return [line for line in text.splitlines() if line.strip()] if isinstance(text, str) else text


def check_proposal(data, names):
    """Return (measure data, source_url, email) of a proposal, or raise InvalidParameter.

    `names` is the corpus's taxonomy (taxonomy.Taxonomy): economy, pillar and sub-pillar
    must be its names or their aliases (the record holds the names), by the check that
    `import`, `check` and index builds apply.
    The measure data is the record an import would write (id, events and year derived).
    """
    _unknown(data, PROPOSAL_FIELDS)
    fields = {}
    for name in PROPOSAL_FIELDS:
        if name in TAXONOMY_FIELDS:
            fields[name] = _taxonomy_field(data, name, fields, names)
        elif name in LIST_LIMITS:
            fields[name] = _lines(data, name)
        else:
            fields[name] = _text(data, name, required=name in REQUIRED)
    return measure_record(fields), fields["source_url"], fields["email"]


def _taxonomy_field(data, name, fields, names):
    value = data.get(name)
    if value is None or value == "":
        raise InvalidParameter(f"{name} is required: choose one of the list", name)
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be text", name)
    if len(value) > limits.NAME_LIMIT:
        raise InvalidParameter(f"{name} may be at most {limits.NAME_LIMIT} characters (got {len(value)})", name)
    # an alias of the taxonomy, as a DTI page writes it, stands for its name, as in an import
    value = names.named_by_alias(value) or value
    if name == "pillar" and value in names.pillars and not names.pillars[value]:
        raise InvalidParameter(f"pillar {value!r} has no sub-pillar in this database yet, so no measure can be "
                               "filed under it; choose another pillar", name)
    partial = {**{k: fields[k] for k in TAXONOMY_FIELDS if k in fields}, name: value}
    for key, message in names.check_measure(partial, public=True):
        if key == name:
            raise InvalidParameter(message, name)
    return value


def choices(names):
    """Return the proposal form's choices from the taxonomy: [(pillar, [sub-pillars])] and the economies.

    A pillar without a known sub-pillar is listed too (its choice is shown disabled: no proposal can pass).
    """
    return {"pillars": list(names.pillars.items()), "economies": list(names.economy_names),
            "empty_pillars": [pillar for pillar, subs in names.pillars.items() if not subs]}


def measure_record(fields):
    """Return the corpus record of checked proposal fields (what an import of the same measure writes)."""
    events = model.events_of(fields["dates"])
    record = {
        "id": model.measure_id(fields["country"], fields["pillar"], fields["sub_pillar"], fields["titles"],
                               fields["dates"], fields["description"]),
        **{name: fields[name] for name in registry.FORM if name in model.FIELDS},
        "events": events, "year": model.first_year(events),
    }
    record = {key: record[key] for key in model.FIELDS if key in record}  # in the record's key order
    problems = model.validate(record)
    if problems:
        key, message = problems[0]
        raise InvalidParameter(message, key or "body")
    return record
