"""The curator's queue: reports and proposals behind the admin bearer token (HTML and JSON)."""

import falcon

from measuresearch.curation import edits
from measuresearch.search import service as search
from measuresearch.errors import MeasureSearchError, NotFound
from measuresearch.web.http import guard
from measuresearch.web.views import pages
from measuresearch.web.http import params

STATUSES = {"report": ("open", "closed"), "proposal": ("open", "accepted", "rejected")}


def _measure_title(holder, measure_id, cache):
    """Return the measure's first title, or None when the live index no longer has it."""
    if measure_id not in cache:
        try:
            cache[measure_id] = search.get_measure(holder, measure_id, related=0)["titles"][0]
        except NotFound:
            cache[measure_id] = None
    return cache[measure_id]


def _records(holder, country, sub_pillar):
    """Return the live index's records of one economy's sub-pillar (what a proposal may be an edit of)."""
    try:
        return search.export(holder, search.SearchRequest(filters={"country": (country,),
                                                                   "sub_pillar": (sub_pillar,)}))[1]
    except MeasureSearchError:  # no index yet: nothing to compare with
        return []


def queue(holder, store, status=None, measure_id=None):
    """Return the queue as plain data: reports grouped by measure (with its title), then proposals."""
    groups, titles = {}, {}
    for report in store.reports(status=status, measure_id=measure_id):
        group = groups.setdefault(report["measure_id"], {"measure_id": report["measure_id"], "reports": []})
        group["reports"].append(report)
    for group in groups.values():
        group["title"] = _measure_title(holder, group["measure_id"], titles)
        group["open"] = sum(1 for r in group["reports"] if r["status"] == "open")
    proposals = [] if measure_id else store.proposals(status=status if status == "open" else None)
    edits.annotate(proposals, lambda country, sub: _records(holder, country, sub))
    return {"status": status, "measure_id": measure_id, "measures": list(groups.values()),
            "reports": sum(len(g["reports"]) for g in groups.values()), "proposals": proposals}


class AdminReports:
    """GET /admin/reports (HTML) and /admin/reports.json: what the curator has to look at."""

    def __init__(self, holder, subs):
        self.holder, self.subs = holder, subs

    def _queue(self, req):
        guard.check_admin(req, self.subs.admin_token, self.subs.signer)
        params.refuse_unknown(req, ("status", "measure"))
        # blanks are "not given": the queue's filter form sends its empty fields
        status = params.choice(req, "status", STATUSES["report"], strict=False)
        return queue(self.holder, self.subs.store, status, params.single(req, "measure") or None)

    def on_get(self, req, resp):
        data = self._queue(req)
        resp.content_type = falcon.MEDIA_HTML
        resp.cache_control = ["no-store"]
        resp.text = pages.render(req, "admin.html", language="en", queue=data)

    def on_get_json(self, req, resp):
        data = self._queue(req)
        resp.cache_control = ["no-store"]
        resp.media = data


def add_routes(app, holder, subs):
    """Add the curator's routes (they answer 404 when no admin token is configured)."""
    resource = AdminReports(holder, subs)
    app.add_route("/admin/reports", resource)
    app.add_route("/admin/reports.json", resource, suffix="json")
