"""Citations of one measure: BibTeX, RIS, CSL-JSON and plain text, with its absolute permalink.

The source is the Digital Trade Integration (DTI) database (https://dti.eui.eu), which
measuresearch searches; the access date is the day the citation was asked for (UTC).
"""

import datetime
import json

FORMATS = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
    "text": ("text/plain; charset=utf-8", "txt"),
}
SOURCE = "Digital Trade Integration (DTI) database"
SOURCE_URL = "https://dti.eui.eu"
_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#",
                   "$": r"\$", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}


def _where(record):
    return f"{record['country']}; {record['pillar']} › {record['sub_pillar']}"


def _bibtex_text(text):
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in text)


def bibtex(record, permalink, accessed):
    """Return a BibTeX @misc entry (the fields biblatex and natbib styles read)."""
    fields = [
        ("title", "{" + _bibtex_text(record["titles"][0]) + "}"),
        ("author", "{" + _bibtex_text(SOURCE) + "}"),
        ("howpublished", _bibtex_text(SOURCE) + r", \url{" + permalink + "}"),
        ("url", permalink),
        ("urldate", accessed.isoformat()),
        ("note", _bibtex_text(f"{_where(record)}; {'; '.join(record['dates'])}. Accessed {_long(accessed)}. "
                              f"Source: {SOURCE}, {SOURCE_URL}")),
    ]
    key = "dti-" + "".join(ch for ch in record["id"] if ch.isalnum() or ch == "-")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def ris(record, permalink, accessed):
    """Return a RIS record (type DBASE: an entry of a database)."""
    lines = [("TY", "DBASE"), ("TI", record["titles"][0]), *(("T3", t) for t in record["titles"][1:]),
             ("AU", SOURCE), ("DB", SOURCE), ("DP", SOURCE_URL), ("UR", permalink),
             ("Y2", accessed.strftime("%Y/%m/%d")), ("CY", record["country"]), ("KW", record["pillar"]),
             ("KW", record["sub_pillar"]), ("N1", "; ".join(record["dates"])), ("ER", "")]
    return "".join(f"{tag}  - {value}".rstrip(" ") + "\r\n" if tag == "ER" else f"{tag}  - {value}\r\n"
                   for tag, value in lines)


def csl_json(record, permalink, accessed):
    """Return CSL-JSON (a list with one item), as Zotero and citeproc read it."""
    item = {"id": record["id"], "type": "entry-database", "title": record["titles"][0],
            "container-title": SOURCE, "author": [{"literal": SOURCE}], "URL": permalink,
            "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
            "jurisdiction": record["country"], "note": f"{_where(record)}; {'; '.join(record['dates'])}",
            "source": SOURCE_URL}
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


def text(record, permalink, accessed):
    """Return a plain-text reference."""
    return (f"{record['titles'][0]}. {_where(record)}. {SOURCE} ({SOURCE_URL}), via measuresearch. "
            f"{permalink} (accessed {_long(accessed)}).\n")


def _long(day):
    return f"{day.day} {day:%B} {day.year}"


RENDERERS = {"bibtex": bibtex, "ris": ris, "csl-json": csl_json, "text": text}


def cite(record, permalink, fmt, accessed=None):
    """Return the citation of one measure's record in one format (see FORMATS)."""
    accessed = accessed or datetime.datetime.now(datetime.UTC).date()
    return RENDERERS[fmt](record, permalink, accessed)
