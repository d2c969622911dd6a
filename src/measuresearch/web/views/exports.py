"""CSV and JSON exports of a whole result set."""

import csv
import io

from measuresearch.domain import fields as registry
from measuresearch.domain.dates import describe
from measuresearch.web.http.urls import measure_path, public

# a record field shown as several columns: the id with the measure's address, the source and an accepted edit
# by their keys (an edit's `replaced`, the SHA-1 of the text it replaced, is in the JSON export alone)
_SPREAD = {"id": ("id", "url"), "source": ("source_kind", "source_name", "source_url", "first_imported"),
           "edited": ("edited_by", "edited_on", "edited_url")}
# the record's columns (domain/fields.py), then index_id and index_built_at (the build the rows come from),
# repeated on every row so that the file stays one table
COLUMNS = (*(column for name in registry.CSV for column in _SPREAD.get(name, (name,))), "index_id", "index_built_at")
# a JSON export's measure: the record's keys, the address after the id
JSON_KEYS = tuple(key for name in registry.EXPORTED for key in (_SPREAD["id"] if name == "id" else (name,)))
# A cell starting with one of these is read as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Return a CSV cell that no spreadsheet evaluates as a formula."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "\n".join(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(hits, base_url=""):
    """Return the CSV text (with a BOM, so Excel reads UTF-8) of the hits."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for hit in hits:
        # one event a line, as a reader says it: "in_force: since July 2018"
        source, edited = hit.get("source") or {}, hit.get("edited") or {}
        row = dict(hit, url=base_url + measure_path(hit["id"]),
                   events=[f"{e['event']}: {describe(e)}" for e in hit.get("events", [])],
                   source_kind=source.get("kind"), source_name=source.get("name"), source_url=source.get("url"),
                   first_imported=source.get("first_imported"), edited_by=edited.get("by"),
                   edited_on=edited.get("on"), edited_url=edited.get("url"),
                   values=[f"{v['label']}: {v['value']}{v['unit'] or ''}" for v in hit.get("values", [])])
        writer.writerow([safe_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


def to_json_export(result, hits, root=""):
    """Return the JSON export document: the query, the total and every record; root: the app's (urls.public)."""
    return {"query": result["query"], "total": result["total"],
            "measures": [{f: hit.get(f) for f in JSON_KEYS} | {"url": public(root, measure_path(hit["id"]))}
                         for hit in hits]}
