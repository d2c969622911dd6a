"""Report a problem with a measure, propose a new one: the JSON API and the HTML forms."""

import dataclasses
import time

import falcon

from measuresearch.search import service as search
from measuresearch.curation import edits
from measuresearch.curation import submissions
from measuresearch.domain import taxonomy
from measuresearch.errors import InvalidParameter, RateLimited
from measuresearch.web import i18n
from measuresearch.web.http import urls
from measuresearch.curation.gate import SLOTS as STORE_SLOTS
from measuresearch.curation.store import open_store
from measuresearch.web.http import guard
from measuresearch.web.http import sessions
from measuresearch.web.views import admin
from measuresearch.web.views import forms
from measuresearch.web.http import signing
from measuresearch.web.views import pages

HONEYPOT = "website"  # hidden from people by CSS; a bot that fills every field gives itself away


@dataclasses.dataclass
class Submissions:
    """What the writable pages need: the store, the limit, the admin token, signed values, the forms."""

    store: object
    limit: int
    admin_token: str | None
    signer: signing.Signer
    corpus: str = "corpus"

    def __post_init__(self):
        self.csrf = guard.Csrf(self.signer)
        self.sessions = sessions.AdminSessions(self.store, self.signer, self.admin_token)

    def client(self, req):
        """Return the address the rate limit counts."""
        return guard.client_address(req)

    def form(self, req):
        """Return the posted form fields after the CSRF check (403 first: a forged post learns nothing)."""
        if req.content_type is None or "application/x-www-form-urlencoded" not in req.content_type.lower():
            raise falcon.HTTPUnsupportedMediaType(description="post the form as application/x-www-form-urlencoded")
        form = guard.single_values(guard.read_body(req))
        self.csrf.check(req, form)
        return form

    def refused(self, req, exc):
        """Count a body that could not be read against the client's limit (429 over it), then raise exc."""
        self.store.count_submission(self.client(req), self.limit)
        raise exc

    def check_token(self, req):
        """Return the check of an admin token this request sent: matches() under the client's limit (Store)."""
        return lambda matches: self.store.check_token(self.client(req), self.limit, matches)

    def names(self):
        """Return the corpus's taxonomy (re-read when the file changes), which proposals are checked against."""
        return taxonomy.load(self.corpus)


def from_config(cfg, clock=time.time, store_slots=STORE_SLOTS):
    """Return the Submissions of a Config (nothing is opened until the first request needs it).

    store_slots: how many requests at once may wait on the reports database (curation/gate.py).
    """
    store = open_store(cfg.data, cfg.database_url, clock=clock, slots=store_slots)
    return Submissions(store=store, limit=cfg.report_limit, admin_token=cfg.admin_token,
                       signer=signing.Signer(lambda: store.secret("csrf"), clock), corpus=cfg.corpus)


def measure_summary(holder, measure_id):
    """Return the measure a report is about (404 when the index has no such measure)."""
    record = search.get_measure(holder, measure_id, related=0)
    return {"id": record["id"], "titles": record["titles"], "country": record["country"],
            "sub_pillar": record["sub_pillar"]}


def _json_body(req, subs):
    """Return the posted JSON; a body that is not JSON a person could have meant counts against the limit."""
    if req.content_type is None or falcon.MEDIA_JSON not in req.content_type.split(";")[0].strip().lower():
        raise falcon.HTTPUnsupportedMediaType(description="send the body as application/json")
    try:
        return guard.read_body(req)
    except falcon.MediaMalformedError as exc:
        subs.refused(req, InvalidParameter(f"the body is not JSON this service can take: {exc.description}", None))


def _created(resp, data):
    resp.status = falcon.HTTP_201
    resp.media = data


class ReportsApi:
    """POST /api/measures/{id}/reports: a report on one measure, from a script."""

    def __init__(self, holder, subs):
        self.holder, self.subs = holder, subs

    def on_post(self, req, resp, measure_id):
        measure_summary(self.holder, measure_id)
        message, email = submissions.check_report(_json_body(req, self.subs))
        report = self.subs.store.add_report(measure_id, message, email, self.subs.client(req), self.subs.limit)
        _created(resp, {"report": {k: report[k] for k in ("id", "measure_id", "status", "created_at")}})


def _add_proposal(holder, subs, req, data):
    """Check and store one proposal with the id of the measure it is an edit of as it was sent (else None): an
    accept refuses it once it would edit another measure (curation/decisions.py)."""
    record, source_url, email = submissions.check_proposal(data, subs.names())
    target = edits.edit_of(record, admin.records_of(holder, record["country"], record["sub_pillar"]))
    sent = {"source_url": source_url, "sent_edit_of": target[0].id if target else None,
            "sent_base": edits.sent_base(target)}
    return subs.store.add_proposal({**record, **sent}, email, subs.client(req), subs.limit)


class ProposalsApi:
    """POST /api/proposals: a proposed new measure, from a script."""

    def __init__(self, holder, subs):
        self.holder, self.subs = holder, subs

    def on_post(self, req, resp):
        proposal = _add_proposal(self.holder, self.subs, req, _json_body(req, self.subs))
        _created(resp, {"proposal": {k: proposal[k] for k in ("id", "status", "created_at")}})


def _html(req, resp, name, status=falcon.HTTP_200, **context):
    resp.status = status
    resp.content_type = falcon.MEDIA_HTML
    resp.cache_control = ["no-store"]
    resp.text = pages.render(req, name, limits=forms.LIMITS, **context)


def _refused(req, resp, exc, values):
    """Return the FormError of a refusal; over the limit, the page is a 429 that says when to try again."""
    if isinstance(exc, RateLimited):
        resp.set_headers(exc.headers)
    return forms.form_error(exc, values, i18n.negotiate(req))


def _submit(req, resp, subs, form, values, store):
    """Check and store a posted form with store(); a filled honeypot (a bot) is only counted.

    Return (status, FormError) of a refusal, to show the form again with it, or None when it was taken.
    """
    try:
        if form.get(HONEYPOT):
            subs.store.count_submission(subs.client(req), subs.limit)
        else:
            store()
    except (InvalidParameter, RateLimited) as exc:
        return falcon.code_to_http_status(exc.status), _refused(req, resp, exc, values)
    return None


def _thanks(req, path):
    raise falcon.HTTPSeeOther(urls.localized(path, i18n.chosen(req)))


class ReportForm:
    """GET/POST /measures/{id}/report: the report form, which works without JavaScript."""

    def __init__(self, holder, subs):
        self.holder, self.subs = holder, subs

    def on_get(self, req, resp, measure_id):
        measure = measure_summary(self.holder, measure_id)
        # the search it was opened from (urls.search_back): its Cancel and its thanks page lead back there
        _html(req, resp, "report.html", measure=measure, values={}, error=None, csrf=self.subs.csrf.token(req, resp),
              back=urls.search_back(req.get_param("back")))

    def on_post(self, req, resp, measure_id):
        measure = measure_summary(self.holder, measure_id)
        form = self.subs.form(req)
        values = forms.form_values(form, submissions.REPORT_FIELDS)
        back = urls.search_back(form.get("back"))

        def store():
            message, email = submissions.check_report(values)
            self.subs.store.add_report(measure_id, message, email, self.subs.client(req), self.subs.limit)
        refusal = _submit(req, resp, self.subs, form, values, store)
        if refusal:
            status, error = refusal
            _html(req, resp, "report.html", status, measure=measure, values=values, error=error,
                  csrf=self.subs.csrf.token(req, resp), back=back)
            return
        _thanks(req, urls.with_back(urls.measure_path(measure_id, "report", "thanks"), back))


class ReportThanks:
    """GET /measures/{id}/report/thanks: what happens to a report next."""

    def __init__(self, holder):
        self.holder = holder

    def on_get(self, req, resp, measure_id):
        _html(req, resp, "thanks.html", kind="report", measure=measure_summary(self.holder, measure_id),
              search=urls.search_back(req.get_param("back")))


class ProposeForm:
    """GET/POST /propose: propose a new measure, with the taxonomy's choices."""

    def __init__(self, holder, subs):
        self.holder, self.subs = holder, subs

    def _render(self, req, resp, status, values, error):
        _html(req, resp, "propose.html", status, values=values, error=error, csrf=self.subs.csrf.token(req, resp),
              choices=submissions.choices(self.subs.names()))

    def on_get(self, req, resp):
        self._render(req, resp, falcon.HTTP_200, {}, None)

    def on_post(self, req, resp):
        form = self.subs.form(req)
        values = forms.form_values(form, submissions.PROPOSAL_FIELDS)

        def store():
            data = {**values, **{name: submissions.form_lines(values[name]) for name in submissions.LIST_LIMITS}}
            _add_proposal(self.holder, self.subs, req, data)
        refusal = _submit(req, resp, self.subs, form, values, store)
        if refusal:
            status, error = refusal
            self._render(req, resp, status, values, error)
            return
        _thanks(req, "/propose/thanks")


class ProposeThanks:
    """GET /propose/thanks: what happens to a proposal next."""

    def on_get(self, req, resp):
        _html(req, resp, "thanks.html", kind="proposal", measure=None)


def add_routes(app, holder, subs):
    """Add the report and proposal routes."""
    app.add_route("/api/measures/{measure_id}/reports", ReportsApi(holder, subs))
    app.add_route("/api/proposals", ProposalsApi(holder, subs))
    app.add_route("/measures/{measure_id}/report", ReportForm(holder, subs))
    app.add_route("/measures/{measure_id}/report/thanks", ReportThanks(holder))
    app.add_route("/propose", ProposeForm(holder, subs))
    app.add_route("/propose/thanks", ProposeThanks())
