"""The curator's queue: reports and proposals behind the admin token (HTML and JSON), paged; the sign-in form."""

import falcon

from measuresearch.curation import edits
from measuresearch.domain import limits
from measuresearch.search import service as search
from measuresearch.errors import InvalidParameter, MeasureSearchError, NotFound, RateLimited
from measuresearch.web.http import guard
from measuresearch.web.views import forms
from measuresearch.web.views import pages
from measuresearch.web.http import params

STATUSES = {"report": ("open", "closed"), "proposal": ("open", "accepted", "rejected")}
PER_PAGE, MAX_PER_PAGE = 50, 200


def _measure_title(holder, measure_id, cache):
    """Return the measure's first title, or None when the live index no longer has it."""
    if measure_id not in cache:
        try:
            cache[measure_id] = search.get_measure(holder, measure_id, related=0)["titles"][0]
        except NotFound:
            cache[measure_id] = None
    return cache[measure_id]


def records_of(holder, country, sub_pillar):
    """Return the live index's records of one economy's sub-pillar (what a proposal may be an edit of)."""
    try:
        return search.export(holder, search.SearchRequest(filters={"country": (country,),
                                                                   "sub_pillar": (sub_pillar,)}))[1]
    except MeasureSearchError:  # no index yet: nothing to compare with
        return []


def queue(holder, store, status=None, measure_id=None, page=1, per_page=PER_PAGE):
    """Return one page of the queue as plain data: reports grouped by measure (with its title), then proposals.

    A page holds up to per_page reports (newest first) and, beside them, the same page of proposals.
    """
    start = (page - 1) * per_page
    proposal_status = status if status == "open" else None
    reports = store.reports(status=status, measure_id=measure_id, limit=per_page, offset=start)
    proposals = [] if measure_id else store.proposals(status=proposal_status, limit=per_page, offset=start)
    total_reports = store.count_reports(status=status, measure_id=measure_id)
    total_proposals = 0 if measure_id else store.count_proposals(status=proposal_status)
    groups, titles = {}, {}
    for report in reports:
        group = groups.setdefault(report["measure_id"], {"measure_id": report["measure_id"], "reports": []})
        group["reports"].append(report)
    for group in groups.values():
        group["title"] = _measure_title(holder, group["measure_id"], titles)
        group["open"] = sum(1 for r in group["reports"] if r["status"] == "open")
    pages_count = max(1, -(-max(total_reports, total_proposals) // per_page))
    edits.annotate(proposals, lambda country, sub: records_of(holder, country, sub))
    return {"status": status, "measure_id": measure_id, "measures": list(groups.values()),
            "reports": sum(len(g["reports"]) for g in groups.values()), "proposals": proposals,
            "page": page, "per_page": per_page, "pages": pages_count,
            "total_reports": total_reports, "total_proposals": total_proposals}


class AdminReports:
    """GET /admin/reports (HTML) and /admin/reports.json: what the curator has to look at, a page at a time."""

    def __init__(self, holder, subs):
        self.holder, self.subs = holder, subs

    def _queue(self, req):
        # a token in the header is checked like one typed at /admin/login: a wrong one counts against the
        # client's limit, and over it no token is checked (429): guessing here is no faster than there
        guard.check_admin(req, self.subs.admin_token, self.subs.sessions.alive, self.subs.check_token(req))
        params.refuse_unknown(req, ("status", "measure", "page", "per_page"))
        # blanks are "not given": the queue's filter form sends its empty fields
        status = params.choice(req, "status", STATUSES["report"], strict=False)
        page = params.whole_number(req, "page", 1, 1, 1_000_000, strict=False)
        per_page = params.whole_number(req, "per_page", PER_PAGE, 1, MAX_PER_PAGE, strict=False)
        measure = params.single(req, "measure") or None
        if measure is not None and limits.bad_character(measure):  # PostgreSQL refuses NUL in text: a 503
            raise InvalidParameter("measure is a measure's id: no control characters", "measure")
        return queue(self.holder, self.subs.store, status, measure, page, per_page)

    def on_get(self, req, resp):
        data = self._queue(req)
        resp.content_type = falcon.MEDIA_HTML
        resp.cache_control = ["no-store"]
        resp.text = pages.render(req, "admin.html", language="en", queue=data, csrf=self.subs.csrf.token(req, resp),
                                 page_url=_page_url(req))

    def on_get_json(self, req, resp):
        data = self._queue(req)
        resp.cache_control = ["no-store"]
        resp.media = data


def _page_url(req):
    """Return a function of a page number: this queue's URL on that page (other parameters kept)."""
    kept = [(name, value) for name, value in req.params.items() if name in ("status", "measure", "per_page") and value]

    def url(page):
        return "/admin/reports" + falcon.to_query_str(dict(kept + [("page", str(page))]), prefix=True)
    return url


def _configured(subs):
    """404 when no admin token is configured: then the admin pages do not exist."""
    if not subs.admin_token:
        raise NotFound("no page here")


class AdminLogin:
    """GET/POST /admin/login: the admin token typed once gives an expiring session cookie."""

    def __init__(self, subs):
        self.subs = subs

    def _form(self, req, resp, status=falcon.HTTP_200, error=None):
        _configured(self.subs)
        resp.status, resp.content_type, resp.cache_control = status, falcon.MEDIA_HTML, ["no-store"]
        resp.text = pages.render(req, "admin_login.html", language="en", error=error,
                                 csrf=self.subs.csrf.token(req, resp))

    def on_get(self, req, resp):
        self._form(req, resp)

    def on_post(self, req, resp):
        _configured(self.subs)
        form = self.subs.form(req)
        given = form.get("token")
        # a wrong token counts like a post, and over the limit no token is checked, right or wrong: guessing is
        # as slow as the rate limit
        try:
            right = self.subs.check_token(req)(lambda: isinstance(given, str)
                                               and guard.token_matches(given, self.subs.admin_token))
            exc = None if right else InvalidParameter("that is not the admin token", "token")
        except RateLimited as limited:
            exc = limited
            resp.set_headers(limited.headers)
        if exc is not None:
            status = falcon.HTTP_401 if exc.status == 400 else falcon.code_to_http_status(exc.status)
            self._form(req, resp, status, forms.form_error(exc, {}, "en"))
            return
        guard.set_private_cookie(req, resp, guard.ADMIN_COOKIE, self.subs.sessions.start(), guard.ADMIN_SECONDS)
        raise falcon.HTTPSeeOther("/admin/reports")


class AdminLogout:
    """POST /admin/logout: ends the session, on the server (its cookie is refused from then on) and in this browser."""

    def __init__(self, subs):
        self.subs = subs

    def on_post(self, req, resp):
        _configured(self.subs)
        self.subs.form(req)
        self.subs.sessions.end(req)
        guard.unset_private_cookie(req, resp, guard.ADMIN_COOKIE)
        raise falcon.HTTPSeeOther("/admin/login")


def add_routes(app, holder, subs):
    """Add the curator's routes (they answer 404 when no admin token is configured)."""
    resource = AdminReports(holder, subs)
    app.add_route("/admin/reports", resource)
    app.add_route("/admin/reports.json", resource, suffix="json")
    app.add_route("/admin/login", AdminLogin(subs))
    app.add_route("/admin/logout", AdminLogout(subs))
