"""GET /api/measures/{id}/cite?format=F: a citation of one measure with its absolute permalink."""

from measuresearch.search import cite
from measuresearch.search import service as search
from measuresearch.web.http import urls
from measuresearch.web.http.baseurl import absolute
from measuresearch.web.i18n import N_
from measuresearch.web.http.params import choice, refuse_unknown


def permalink(req, measure_id):
    """Return the absolute permalink of a measure."""
    return absolute(req, urls.measure_path(measure_id))


def citations(req, record):
    """Return [{"format", "label", "text", "url"}] of every format, for the measure page's citation box."""
    labels = {"text": N_("Text"), "bibtex": "BibTeX", "ris": "RIS", "csl-json": "CSL-JSON"}
    link = permalink(req, record["id"])
    return [{"format": fmt, "label": labels[fmt], "text": cite.cite(record, link, fmt),
             "url": "/api" + urls.measure_path(record["id"], f"cite?format={fmt}"),
             "filename": f"{record['id']}.{cite.FORMATS[fmt][1]}"} for fmt in labels]


class CiteResource:
    """GET /api/measures/{id}/cite: BibTeX, RIS, CSL-JSON or plain text; 404 unknown, 410 removed."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp, measure_id):
        refuse_unknown(req, ("format",))
        fmt = choice(req, "format", tuple(cite.FORMATS)) or "text"
        record = search.get_measure(self.holder, measure_id)
        resp.content_type = cite.FORMATS[fmt][0]
        resp.text = cite.cite(record, permalink(req, measure_id), fmt)
