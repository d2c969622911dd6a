"""CSV and JSON exports of a whole result set."""

import csv
import io

from measuresearch.domain.dates import describe
from measuresearch.web.http.urls import measure_path

# index_id and index_built_at (the build the rows come from) are repeated on every row, so the file stays one table
COLUMNS = ("id", "url", "country", "pillar", "sub_pillar", "coverage", "year", "dates", "events", "titles",
           "description", "kind", "status", "values", "source_kind", "source_name", "source_url", "first_imported",
           "last_imported", "sources", "index_id", "index_built_at")
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
        source = hit.get("source") or {}
        row = dict(hit, url=base_url + measure_path(hit["id"]),
                   events=[f"{e['event']}: {describe(e)}" for e in hit.get("events", [])],
                   source_kind=source.get("kind"), source_name=source.get("name"), source_url=source.get("url"),
                   first_imported=source.get("first_imported"),
                   values=[f"{v['label']}: {v['value']}{v['unit'] or ''}" for v in hit.get("values", [])])
        writer.writerow([safe_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


def to_json_export(result, hits):
    """Return the JSON export document: the query, the total and every record."""
    fields = ("id", "url", "country", "pillar", "sub_pillar", "coverage", "titles", "dates", "year", "events",
              "description", "kind", "status", "values", "source", "last_imported", "sources")
    return {"query": result["query"], "total": result["total"],
            "measures": [{f: hit.get(f) for f in fields} | {"url": measure_path(hit["id"])} for hit in hits]}
