"""What any intake accepts: sizes per field and per file, and the characters refused (pure).

Proposals (curation/submissions.py) and imports (pages and sheets) share these: a
field shared by both has one limit, and one character check refuses control
characters and the bidirectional embedding, override and isolate controls
(U+202A-U+202E, U+2066-U+2069: they reorder what a reader sees, "Trojan Source")
everywhere. The marks LRM, RLM and ALM stay allowed: right-to-left titles need them.
"""

import re

from measuresearch.domain import fields

# field -> most characters (surrounding spaces included): the record's (domain/fields.py), a report's
TEXT_LIMITS = {**{f.name: f.limit for f in fields.FIELDS if isinstance(f.limit, int) and not f.taxonomy},
               "email": 254, "message": 5000}
# field -> (most lines, most characters a line)
LIST_LIMITS = {f.name: f.limit for f in fields.FIELDS if isinstance(f.limit, tuple)}
NAME_LIMIT = fields.NAME_LIMIT
NAME_FIELDS = fields.names("taxonomy")
# the record's fields an intake checks as text, names first (an address is checked where it is read)
_CHECKED_TEXTS = (*NAME_FIELDS,
                  *(f.name for f in fields.FIELDS if f.value in ("text", "prose") and f.name in TEXT_LIMITS))
# Files: a page or CSV file; an .xlsx file as stored and unpacked (a small zip can hold a huge shared string).
FILE_BYTES = 50 * 2**20
XLSX_UNPACKED_BYTES = 100 * 2**20
SHEET_ROWS = 200_000  # rows holding something, per sheet
SHEET_COLUMNS = 100  # columns read; a header names its columns within these

# a TCP port, 1-65535 (RFC 3986 allows any digits; no port above 65535 or of 0 exists): for a Host header and an address
PORT = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Character classes, also published in /openapi.json. Control characters (C0, DEL, C1), the Unicode
# line and paragraph separators and the bidi controls are refused everywhere; tab, CR and LF only
# inside multi-line texts.
LINE_CHAR = rf"[^\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]"
TEXT_CHAR = rf"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]"
SOLID = rf"[^\s\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]"
GAP = rf"[^\S\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]*"  # spaces inside a line (no tab, no line break)
_BAD_IN_LINE = re.compile(LINE_CHAR.replace("[^", "[", 1))
_BAD_IN_TEXT = re.compile(TEXT_CHAR.replace("[^", "[", 1))
MULTILINE = (*(f.name for f in fields.FIELDS if f.value == "prose"), "message")


def bad_character(text, multiline=False):
    """Return a message naming the first refused character of text, or None."""
    if text.isprintable():  # no control, separator or format character at all (a scan several times faster)
        return None
    found = (_BAD_IN_TEXT if multiline else _BAD_IN_LINE).search(text)
    return f"refused character U+{ord(found.group()):04X} at position {found.start() + 1}" if found else None


def _text_problems(name, value, most):
    if len(value) > most:
        return [(name, f"{name} may be at most {most} characters (got {len(value)})")]
    bad = bad_character(value, multiline=name in MULTILINE)
    return [(name, f"{name}: {bad} (control and bidi control characters are refused)")] if bad else []


def check_record(data):
    """Return [(key, message)] of a measure's plain data over the limits or with a refused character."""
    problems = []
    for name in _CHECKED_TEXTS:
        value = data.get(name)
        if isinstance(value, str) and not _fine(value, fields.BY_NAME[name].limit):
            problems += _text_problems(name, value, fields.BY_NAME[name].limit)
    for name, (most_lines, most_chars) in LIST_LIMITS.items():
        lines = data.get(name)
        if isinstance(lines, list) and len(lines) > most_lines:
            problems.append((name, f"{name} may have at most {most_lines} lines (got {len(lines)})"))
        elif isinstance(lines, list):
            for line in lines:
                if isinstance(line, str) and not _fine(line, most_chars):
                    problems += _text_problems(name, line, most_chars)
    return problems


def _fine(text, most):
    """Whether _text_problems has nothing to say, known without it for most texts (an import asks 100,000 times)."""
    return len(text) <= most and text.isprintable()
