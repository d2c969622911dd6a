"""Check what strangers send: a report on a measure and a proposed measure (pure; no I/O).

Every check raises InvalidParameter naming the first bad field, in the order of the
contract, so that the API's 400 and the form's message point at the same field.
A proposal is turned into a measure record and checked by the same rules as an import.
"""

import re
import urllib.parse

from . import model
from .errors import InvalidParameter

MESSAGE_MIN, MESSAGE_MAX = 10, 5000
EMAIL_MAX = 254
# field -> most characters; list fields: (most lines, most characters a line)
TEXT_LIMITS = {"country": 100, "pillar": 200, "sub_pillar": 200, "description": 10_000, "coverage": 500,
               "source_url": 2000}
LIST_LIMITS = {"titles": (20, 1000), "dates": (10, 300)}
REPORT_FIELDS = ("message", "email")
PROPOSAL_FIELDS = ("country", "pillar", "sub_pillar", "titles", "dates", "description", "coverage", "source_url",
                   "email")
REQUIRED = ("country", "pillar", "sub_pillar", "titles", "dates", "description", "source_url")

# one address: no spaces or control characters, one @, a dotted domain of letters, digits and hyphens
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)"
                    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_LINE_BREAK = re.compile(r"[\r\n]")


def _unknown(data, known):
    if not isinstance(data, dict):
        raise InvalidParameter("the body must be a JSON object", "body")
    for key in data:
        if key not in known:
            raise InvalidParameter(f"unknown field {key!r}; known: {', '.join(known)}", str(key)[:100])


def _text(data, name, most, required=True, multiline=False):
    """Return the stripped text of one field (None when optional and blank)."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidParameter(f"{name} is required", name)
        return None
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be text", name)
    value = value.strip().replace("\r\n", "\n")
    if _CONTROL.search(value) or (not multiline and _LINE_BREAK.search(value)):
        raise InvalidParameter(f"{name} holds control characters or line breaks", name)
    if len(value) > most:
        raise InvalidParameter(f"{name} may be at most {most} characters (got {len(value)})", name)
    return value


def email(data):
    """Return the checked optional e-mail address, or None."""
    address = _text(data, "email", EMAIL_MAX, required=False)
    if address is not None and not _EMAIL.fullmatch(address):
        raise InvalidParameter("email is not an e-mail address (name@example.org); leave it empty to stay "
                               "anonymous", "email")
    return address


def check_report(data):
    """Return (message, email) of a report, or raise InvalidParameter."""
    _unknown(data, REPORT_FIELDS)
    message = _text(data, "message", MESSAGE_MAX, multiline=True)
    if len(message) < MESSAGE_MIN:
        raise InvalidParameter(f"message must be at least {MESSAGE_MIN} characters: say what is wrong", "message")
    return message, email(data)


def _lines(data, name):
    """Return the non-blank lines of a list field."""
    value = data.get(name)
    most_lines, most_chars = LIST_LIMITS[name]
    if isinstance(value, str):  # the form sends one line per entry in a text area
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameter(f"{name} must be a list of text lines", name)
    lines = [v.strip() for v in value if v.strip()]
    if not lines:
        raise InvalidParameter(f"{name} is required: one a line", name)
    if len(lines) > most_lines:
        raise InvalidParameter(f"{name} may have at most {most_lines} lines", name)
    for line in lines:
        if len(line) > most_chars or _CONTROL.search(line):
            raise InvalidParameter(f"each line of {name} may be at most {most_chars} characters of text", name)
    return lines


def _source_url(data):
    url = _text(data, "source_url", TEXT_LIMITS["source_url"])
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise InvalidParameter("source_url must be an http:// or https:// address of the source", "source_url")
    return url


def check_proposal(data, names):
    """Return (measure data, source_url, email) of a proposal, or raise InvalidParameter.

    The measure data is the record an import would write (id, events, year derived),
    checked by model.validate, so a proposal that passes can be accepted into the corpus.
    """
    _unknown(data, PROPOSAL_FIELDS)
    fields = {}
    for name in PROPOSAL_FIELDS:
        if name in LIST_LIMITS:
            fields[name] = _lines(data, name)
        elif name == "source_url":
            fields[name] = _source_url(data)
        elif name == "email":
            fields[name] = email(data)
        else:
            fields[name] = _text(data, name, TEXT_LIMITS[name], name in REQUIRED, multiline=name == "description")
        _check_measure_field(fields, name, names)
    return measure_record(fields), fields["source_url"], fields["email"]


def choices(names):
    """Return the proposal form's choices from the taxonomy: [(pillar, [sub-pillars])] and the economies."""
    return {"pillars": list(names.pillars.items()), "economies": list(names.economy_names)}


def _check_measure_field(fields, name, names):
    """Check the fields read so far the way an import checks a measure; name the first bad one.

    `names` is the corpus's taxonomy (taxonomy.Taxonomy); its check_measure is the one
    `import`, `check` and index builds apply.
    """
    if name not in model.FIELDS:
        return
    partial = {key: value for key, value in fields.items() if key in model.FIELDS and value is not None}
    problems = model.validate(partial) + names.check_measure(partial)
    for key, message in problems:
        if key == name:
            raise InvalidParameter(message, name)


def measure_record(fields):
    """Return the corpus record of checked proposal fields (what an import of the same measure writes)."""
    events = model.events_of(fields["dates"])
    record = {
        "id": model.measure_id(fields["country"], fields["pillar"], fields["sub_pillar"], fields["titles"],
                               fields["dates"], fields["description"]),
        "country": fields["country"], "pillar": fields["pillar"], "sub_pillar": fields["sub_pillar"],
        "titles": fields["titles"], "dates": fields["dates"], "events": events, "year": model.first_year(events),
        "description": fields["description"], "coverage": fields["coverage"],
    }
    problems = model.validate(record)
    if problems:
        key, message = problems[0]
        raise InvalidParameter(message, key or "body")
    return record
