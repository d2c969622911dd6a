"""Citations of one measure: BibTeX, RIS, CSL-JSON and plain text, with its absolute permalink.

The source is the Digital Trade Integration (DTI) database (https://dti.eui.eu), which
measuresearch searches, except for a reader's contribution (`source.kind` proposal): its
citation says "contributed (proposal N), source <url>" and credits no one else. The access
date is the day the citation was asked for (UTC).
"""

import datetime
import json
import urllib.parse

from measuresearch.domain import provenance

FORMATS = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
    "text": ("text/plain; charset=utf-8", "txt"),
}
SOURCE = provenance.DTI
SOURCE_URL = provenance.DTI_URL
CONTRIBUTED = "measuresearch (contributed by a reader)"
# BibTeX counts every brace, escaped or not, to find where a field ends: "\{" alone would leave it open and swallow
# the fields after it. A brace is written as a command in a group of its own, so each field stays balanced.
_BIBTEX_SPECIAL = {"\\": r"{\textbackslash}", "{": r"{\textbraceleft}", "}": r"{\textbraceright}", "%": r"\%",
                   "&": r"\&", "#": r"\#", "$": r"\$", "_": r"\_", "^": r"{\textasciicircum}",
                   "~": r"{\textasciitilde}"}


def _where(record):
    return f"{record['country']}; {record['pillar']} › {record['sub_pillar']}"


def _bibtex_text(text):
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in text)


def _database(record):
    """Return (author and database, its address): the DTI, or measuresearch for a contribution."""
    contributed = provenance.contribution(record)
    return (CONTRIBUTED, (record.get("source") or {}).get("url") or "") if contributed else (SOURCE, SOURCE_URL)


def _bibtex_url(url):
    """Return a URL that cannot end a BibTeX field or a \\url{}: braces, backslashes and spaces percent-encoded."""
    return urllib.parse.quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")


def bibtex(record, permalink, accessed):
    """Return a BibTeX @misc entry (the fields biblatex and natbib styles read)."""
    database, _ = _database(record)
    permalink = _bibtex_url(permalink)
    fields = [
        ("title", "{" + _bibtex_text(record["titles"][0]) + "}"),
        ("author", "{" + _bibtex_text(database) + "}"),
        ("howpublished", _bibtex_text(database) + r", \url{" + permalink + "}"),
        ("url", permalink),
        ("urldate", accessed.isoformat()),
        ("note", _bibtex_text(f"{'; '.join([_where(record), *record['dates']])}. Accessed {_long(accessed)}. "
                              f"Source: {provenance.credit(record)}")),  # an undated indicator has no dates
    ]
    key = "dti-" + "".join(ch for ch in record["id"] if ch.isalnum() or ch == "-")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def ris(record, permalink, accessed):
    """Return a RIS record (type DBASE: an entry of a database)."""
    database, address = _database(record)
    lines = [("TY", "DBASE"), ("TI", record["titles"][0]), *(("T3", t) for t in record["titles"][1:]),
             ("AU", database), ("DB", database), ("DP", address), ("UR", permalink),
             ("Y2", accessed.strftime("%Y/%m/%d")), ("CY", record["country"]), ("KW", record["pillar"]),
             ("KW", record["sub_pillar"]), *((("N1", "; ".join(record["dates"])),) if record["dates"] else ()),
             *((("N1", provenance.contribution(record)),) if provenance.contribution(record) else ()), ("ER", "")]
    # one tag a line: a line break inside a value would start a tag of its own
    return "".join(f"{tag}  - {value}".rstrip(" ") + "\r\n" if tag == "ER" else f"{tag}  - {_one_line(value)}\r\n"
                   for tag, value in lines)


def _one_line(value):
    return " ".join(str(value).splitlines())


def csl_json(record, permalink, accessed):
    """Return CSL-JSON (a list with one item), as Zotero and citeproc read it."""
    database, address = _database(record)
    contributed = provenance.contribution(record)
    item = {"id": record["id"], "type": "entry-database", "title": record["titles"][0],
            "container-title": database, "author": [{"literal": database}], "URL": permalink,
            "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
            "jurisdiction": record["country"],
            "note": "; ".join([_where(record), *record["dates"], *([contributed] if contributed else [])]),
            "source": address}
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


def text(record, permalink, accessed):
    """Return a plain-text reference."""
    credit = provenance.contribution(record) or f"{SOURCE} ({SOURCE_URL})"
    return (f"{record['titles'][0]}. {_where(record)}. {credit}, via measuresearch. "
            f"{permalink} (accessed {_long(accessed)}).\n")


def _long(day):
    return f"{day.day} {day:%B} {day.year}"


RENDERERS = {"bibtex": bibtex, "ris": ris, "csl-json": csl_json, "text": text}


def cite(record, permalink, fmt, accessed=None):
    """Return the citation of one measure's record in one format (see FORMATS)."""
    accessed = accessed or datetime.datetime.now(datetime.UTC).date()
    return RENDERERS[fmt](record, permalink, accessed)
