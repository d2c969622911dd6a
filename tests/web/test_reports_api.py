"""Reports and proposals through falcon.testing: contract shapes, CSRF, rate limit, admin, escaping."""

import html
import re

import falcon.testing
import pytest

from measuresearch.curation import submissions
from measuresearch.domain import taxonomy
from measuresearch.config import Config
from measuresearch.web.views import reports
from measuresearch.web.app import create_app

TOKEN = "curator-token-for-tests-0123456789"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Clock:
    """A clock the tests move by hand (the rate limit's hour without sleeping)."""

    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture()
def clock():
    return Clock()


def make_client(holder, backend, clock, token=TOKEN, limit=10, corpus="corpus"):
    """Return a test client and its Submissions on the backend's database (SQLite or PostgreSQL)."""
    cfg = Config(corpus=str(corpus), index="unused", data=str(backend.data), admin_token=token, report_limit=limit,
                 database_url=backend.url)
    subs = reports.from_config(cfg, clock=clock)
    backend.opened.append(subs.store)  # closed by the fixture
    return falcon.testing.TestClient(create_app(holder, subs)), subs


@pytest.fixture()
def app(holder, store_backend, clock):
    """The app on a fresh reports database; every test that takes it runs on SQLite and on PostgreSQL."""
    client, subs = make_client(holder, store_backend, clock)
    return client


@pytest.fixture()
def measure_id(real_measures):
    return real_measures[0].id


def report(client, measure_id, message="The law was repealed in 2023.", **extra):
    return client.simulate_post(f"/api/measures/{measure_id}/reports", json={"message": message, **extra})


def admin_json(client, **params):
    result = client.simulate_get("/admin/reports.json", params=params, headers={"Authorization": f"Bearer {TOKEN}"})
    assert result.status_code == 200, result.text
    return result.json


SCRIPT_TEXT = "<script>alert(1)</script>"
PROPOSAL = {"country": "Kazakhstan", "pillar": "Content access", "sub_pillar": "Restrictions on online advertising",
            "titles": ["Test order No. 1 (made up by the test suite)"], "dates": ["Since March 2024"],
            "description": "A made-up measure that only the test suite proposes.", "coverage": "Horizontal",
            "source_url": "https://example.org/order-1", "email": "reader@example.org"}


def test_report_is_created_with_the_contract_shape(app, measure_id):
    result = report(app, measure_id, email="reader@example.org")
    assert result.status_code == 201
    assert set(result.json) == {"report"}
    body = result.json["report"]
    assert set(body) == {"id", "measure_id", "status", "created_at"}
    assert body["measure_id"] == measure_id and body["status"] == "open"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["created_at"])
    stored = admin_json(app)["measures"][0]["reports"][0]
    assert stored["message"] == "The law was repealed in 2023." and stored["email"] == "reader@example.org"


def test_unknown_measure_is_404_and_stores_nothing(app):
    result = report(app, "no-such-measure")
    assert result.status_code == 404 and result.json["error"]["code"] == "not_found"
    assert admin_json(app)["reports"] == 0


@pytest.mark.parametrize("body, parameter", [
    ({"message": "too short"}, "message"),
    ({"message": "x" * 5001}, "message"),
    ({"message": "   padded   "}, "message"),
    ({"message": 12345678901}, "message"),
    ({}, "message"),
    ({"message": "A long enough message.", "email": "not an address"}, "email"),
    ({"message": "A long enough message.", "email": "a@b"}, "email"),
    ({"message": "A long enough message.", "email": "x@example.org\nBcc: y@example.org"}, "email"),
    ({"message": "A long enough message.", "email": "a" * 250 + "@example.org"}, "email"),
    ({"message": "A long enough message.", "name": "me"}, "name"),
    ({"message": "A long enough\x00 message."}, "message"),
])
def test_bad_report_fields_are_named(app, measure_id, body, parameter):
    result = app.simulate_post(f"/api/measures/{measure_id}/reports", json=body)
    assert result.status_code == 400, result.text
    assert result.json["error"]["parameter"] == parameter


def test_limits_at_the_edges_are_accepted(app, measure_id):
    assert report(app, measure_id, "x" * 10).status_code == 201
    assert report(app, measure_id, "y" * 5000, email="first.last+tag@sub.example.co.uk").status_code == 201


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "Application/Json; Charset=UTF-8"])
def test_a_media_type_is_read_whatever_its_letter_case(app, measure_id, content_type):
    # RFC 9110 8.3.1: type, subtype and parameter names are case-insensitive
    sent = app.simulate_post(f"/api/measures/{measure_id}/reports", body='{"message": "The law was repealed."}',
                             headers={"Content-Type": content_type})
    assert sent.status_code == 201, sent.text


def test_not_json_and_oversized_bodies_are_refused(app, measure_id):
    url = f"/api/measures/{measure_id}/reports"
    assert app.simulate_post(url, body="message=hello+there+friend", headers=FORM).status_code == 415
    # a cross-site form can send text/plain holding JSON; the API only takes application/json
    plain = app.simulate_post(url, body='{"message": "hello there friend"}', headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    broken = app.simulate_post(url, body="{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json["error"]["status"] == 400
    listed = app.simulate_post(url, json=["message"])
    assert listed.status_code == 400 and listed.json["error"]["parameter"] == "body"
    huge = app.simulate_post(url, json={"message": "z" * 70_000})
    assert huge.status_code == 413
    assert admin_json(app)["reports"] == 0


def test_rate_limit_then_accepted_after_the_window(holder, store_backend, clock, measure_id):
    client, _ = make_client(holder, store_backend, clock, limit=3)
    assert [report(client, measure_id).status_code for _ in range(3)] == [201] * 3
    clock.now += 1200
    refused = client.simulate_post("/api/proposals", json=PROPOSAL)  # proposals count against the same limit
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) == 3600 - 1200
    assert report(client, measure_id).status_code == 429
    clock.now += 3600 - 1200 - 1
    assert report(client, measure_id).status_code == 429
    clock.now += 1
    assert report(client, measure_id).status_code == 201
    assert admin_json(client)["reports"] == 4


def test_rate_limit_zero_turns_it_off(holder, store_backend, clock, measure_id):
    client, _ = make_client(holder, store_backend, clock, limit=0)
    assert {report(client, measure_id).status_code for _ in range(25)} == {201}


def test_forwarded_for_is_not_read_by_the_app(holder, store_backend, clock, measure_id):
    # waitress reads X-Forwarded-For from a trusted proxy (tests/web/test_proxy.py, through `serve`); the app
    # itself never does, so a client talking to it directly cannot pick a fresh address
    client, _ = make_client(holder, store_backend, clock, limit=1)

    def post(forwarded):
        return client.simulate_post(f"/api/measures/{measure_id}/reports", remote_addr="198.51.100.7",
                                    json={"message": "The law was repealed in 2023."},
                                    headers={"X-Forwarded-For": forwarded}).status_code
    assert [post("203.0.113.1"), post("203.0.113.2")] == [201, 429]


def test_proposal_is_created_and_checked_like_an_import(app):
    result = app.simulate_post("/api/proposals", json=PROPOSAL)
    assert result.status_code == 201, result.text
    assert set(result.json["proposal"]) == {"id", "status", "created_at"}
    stored = admin_json(app)["proposals"][0]
    assert stored["proposal"]["titles"] == PROPOSAL["titles"] and stored["email"] == "reader@example.org"
    assert stored["proposal"]["events"] == [{"kind": "since", "year": 2024, "month": 3, "line": 0}]


@pytest.mark.parametrize("change, parameter", [
    ({"country": ""}, "country"),
    ({"pillar": "Not a pillar"}, "pillar"),
    ({"country": "kazakhstan"}, "country"),  # no name nor alias of the taxonomy: it names the spelling to use
    ({"country": "Atlantis"}, "country"),
    ({"sub_pillar": "Monitoring requirement"}, "sub_pillar"),  # a sub-pillar of another pillar
    ({"sub_pillar": "Restrictions on online dancing"}, "sub_pillar"),
    ({"sub_pillar": SCRIPT_TEXT}, "sub_pillar"),
    ({"sub_pillar": None}, "sub_pillar"),
    ({"titles": []}, "titles"),
    ({"titles": "one title as text, not a list"}, "titles"),
    ({"titles": ["First", "  "]}, "titles"),
    ({"titles": ["Two\nlines"]}, "titles"),
    ({"country": " Kazakhstan"}, "country"),
    ({"dates": ["Since 2020,"]}, "dates"),
    ({"dates": ["ſince 2020"]}, "dates"),  # matches "since" under Unicode IGNORECASE, but is not a DTI date line
    ({"titles": ["t"] * 21}, "titles"),
    ({"dates": ["sometime soon"]}, "dates"),
    ({"dates": ["Since 2020", 7]}, "dates"),
    ({"description": "x" * 10_001}, "description"),
    ({"coverage": "line\nbreak"}, "coverage"),
    ({"source_url": "javascript:alert(1)"}, "source_url"),
    ({"source_url": "ftp://example.org/x"}, "source_url"),
    ({"source_url": "https://example.org:99999/x"}, "source_url"),  # no port above 65535 exists
    ({"source_url": "https://example.org:65536/x"}, "source_url"),
    ({"source_url": "https://example.org:0/x"}, "source_url"),
    ({"email": "nobody"}, "email"),
    ({"extra": 1}, "extra"),
    ({"pillar": "Not a pillar", "dates": ["never"]}, "pillar"),  # the first bad field in the contract's order
])
def test_bad_proposal_fields_are_named(app, change, parameter):
    result = app.simulate_post("/api/proposals", json={**PROPOSAL, **change})
    assert result.status_code == 400, result.text
    assert result.json["error"]["parameter"] == parameter


def test_a_source_url_with_any_real_port_is_taken(app):
    for port in (1, 8080, 65535):
        source = f"https://example.org:{port}/order-{port}"
        result = app.simulate_post("/api/proposals", json={**PROPOSAL, "source_url": source,
                                                           "titles": [f"Test order No. {port} (made up by the tests)"]})
        assert result.status_code == 201, result.text


def form_token(client, path):
    page = client.simulate_get(path)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return token, page.cookies["ms_csrf"].value


def post_form(client, path, fields, cookie=None):
    body = "&".join(f"{k}={falcon.uri.encode_value(v)}" for k, v in fields.items())
    headers = {**FORM, **({"Cookie": f"ms_csrf={cookie}"} if cookie else {})}
    return client.simulate_post(path, body=body, headers=headers)


def test_report_form_posts_with_its_token_and_redirects_to_thanks(app, measure_id):
    path = f"/measures/{measure_id}/report"
    token, cookie = form_token(app, path)
    cookie_header = app.simulate_get(path).headers["set-cookie"]
    assert "SameSite=Strict" in cookie_header and "HttpOnly" in cookie_header
    result = post_form(app, path, {"message": "Wrong date line.", "email": "", "csrf_token": token}, cookie)
    assert result.status_code == 303 and result.headers["location"].endswith(f"{path}/thanks")
    thanks = app.simulate_get(f"{path}/thanks")
    assert thanks.status_code == 200 and "What happens next" in thanks.text
    assert admin_json(app)["measures"][0]["reports"][0]["message"] == "Wrong date line."


def test_forged_posts_are_403_and_store_nothing(app, measure_id):
    path = f"/measures/{measure_id}/report"
    token, cookie = form_token(app, path)
    fields = {"message": "Forged from another site."}
    assert post_form(app, path, fields).status_code == 403
    assert post_form(app, path, fields, cookie).status_code == 403
    assert post_form(app, path, {**fields, "csrf_token": token}).status_code == 403
    assert post_form(app, path, {**fields, "csrf_token": token[:-1] + ("1" if token.endswith("0") else "0")}, cookie).status_code == 403
    other_token, _ = form_token(app, "/propose")  # another browser's token
    _, attacker_cookie = form_token(app, path)
    assert other_token != token
    assert post_form(app, path, {**fields, "csrf_token": other_token}, attacker_cookie).status_code == 403
    assert post_form(app, "/propose", {**PROPOSAL, "titles": "T", "dates": "Since 2020"}).status_code == 403
    assert admin_json(app)["reports"] == 0 and admin_json(app)["proposals"] == []


def test_honeypot_looks_accepted_but_stores_nothing(app, measure_id):
    path = f"/measures/{measure_id}/report"
    token, cookie = form_token(app, path)
    result = post_form(app, path, {"message": "Buy cheap things now!", "website": "http://spam.example",
                                   "csrf_token": token}, cookie)
    assert result.status_code == 303
    assert admin_json(app)["reports"] == 0


def test_form_errors_are_shown_with_the_values_kept_and_escaped(app, measure_id):
    path = f"/measures/{measure_id}/report"
    token, cookie = form_token(app, path)
    result = post_form(app, path, {"message": "<b>short", "email": "", "csrf_token": token}, cookie)
    assert result.status_code == 400
    assert "Write at least 10 characters (now 8)." in result.text and "&lt;b&gt;short" in result.text and "<b>short" not in result.text


def test_every_real_measure_would_pass_as_a_proposal(real_measures):
    """The field patterns accept the real DTI text: the same record as the corpus, events and all."""
    names = taxonomy.load()
    for measure in real_measures:
        data = {name: getattr(measure, name) for name in submissions.PROPOSAL_FIELDS if hasattr(measure, name)}
        record, _, _ = submissions.check_proposal({**data, "source_url": "https://dti.eui.eu/"}, names)
        expected = {k: v for k, v in measure.to_dict().items() if k in record}
        assert {k: record[k] for k in expected if k != "id"} == {k: v for k, v in expected.items() if k != "id"}


def test_propose_form_offers_the_taxonomy_and_escapes_a_refused_value(app):
    page = app.simulate_get("/propose").text
    assert '<optgroup label="Content access">' in page and "<option>Presence of Internet shutdowns</option>" in page
    assert "<option>Kazakhstan</option>" in page
    token, cookie = form_token(app, "/propose")
    fields = {**PROPOSAL, "sub_pillar": SCRIPT_TEXT, "titles": "T", "dates": "Since 2020", "csrf_token": token}
    result = post_form(app, "/propose", fields, cookie)
    assert result.status_code == 400 and "unknown sub-pillar" in result.text
    assert SCRIPT_TEXT not in result.text and "&lt;script&gt;" in result.text


def test_propose_form_posts_lines_as_lists(app):
    token, cookie = form_token(app, "/propose")
    fields = {**PROPOSAL, "titles": "First title\r\nSecond title\r\n", "dates": "Since March 2024",
              "csrf_token": token}
    result = post_form(app, "/propose", fields, cookie)
    assert result.status_code == 303 and result.headers["location"].endswith("/propose/thanks")
    assert admin_json(app)["proposals"][0]["proposal"]["titles"] == ["First title", "Second title"]


SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_in_every_field_is_shown_as_text_on_the_admin_page(app, measure_id):
    assert report(app, measure_id, message=SCRIPT, email="a@example.org").status_code == 201
    # pillar, sub-pillar and economy are chosen from the taxonomy: script there is a 400 (tested below)
    proposal = {"country": "Kazakhstan", "pillar": "Content access", "sub_pillar": "Presence of Internet shutdowns",
                "titles": [SCRIPT],
                "dates": ["Since 2020"], "description": SCRIPT, "coverage": SCRIPT,
                "source_url": "https://example.org/?q=" + SCRIPT.replace(" ", "%20"), "email": "b@example.org"}
    assert app.simulate_post("/api/proposals", json=proposal).status_code == 201
    page = app.simulate_get("/admin/reports", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img" not in page.text
    url = proposal["source_url"]
    for css, value in (("message", SCRIPT), ("titles", SCRIPT), ("description", SCRIPT), ("coverage", SCRIPT),
                       ("source_url", url)):
        cell = re.search(rf'class="{css}">(.*?)</(?:td|dd)>', page.text, re.S).group(1)
        # shown as text: the markup's brackets are entities in the page, the text itself is all there
        assert "<script" not in cell and "<img" not in cell and "&lt;script&gt;" in cell, css
        assert value in html.unescape(re.sub(r"</?(ul|li)[^>]*>", "", cell)), css


def test_admin_pages_need_the_token(app, holder, store_backend, clock):
    for path in ("/admin/reports", "/admin/reports.json"):
        missing = app.simulate_get(path)
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        for header in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN, f"Basic {TOKEN}", "Bearer "):
            assert app.simulate_get(path, headers={"Authorization": header}).status_code == 401, header
        assert app.simulate_get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    closed, _ = make_client(holder, store_backend, clock, token=None)
    for path in ("/admin/reports", "/admin/reports.json"):
        assert closed.simulate_get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    assert app.simulate_get("/admin/reports.json").json["error"]["code"] == "unauthorized"


def test_admin_view_of_one_measure_lists_its_reports(app, real_measures):
    first, second = real_measures[0].id, real_measures[1].id
    report(app, first, "First measure is wrong.")
    report(app, second, "Second measure is wrong.")
    report(app, first, "First measure again.")
    only = admin_json(app, measure=first)
    assert [g["measure_id"] for g in only["measures"]] == [first]
    assert [r["message"] for r in only["measures"][0]["reports"]] == ["First measure again.", "First measure is wrong."]
    assert only["measures"][0]["title"] == real_measures[0].titles[0]
    page = app.simulate_get("/admin/reports", params={"measure": first}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert "First measure again." in page.text and "Second measure" not in page.text
    assert admin_json(app, status="closed")["reports"] == 0


@pytest.mark.parametrize("path", ["/admin/reports", "/admin/reports.json"])
def test_a_measure_filter_with_a_control_character_is_a_400_on_both_engines(app, path):
    # PostgreSQL cannot hold NUL in text: it was a 503 there and a 200 on SQLite
    answer = app.simulate_get(path, params={"measure": "\x00"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 400


def test_links_to_the_forms_on_hits_and_measure_pages(app, measure_id):
    search = app.simulate_get("/")
    assert search.text.count('class="report-link"') == search.text.count('class="hit"') > 0
    assert f'href="/measures/{measure_id}/report"' in app.simulate_get(f"/measures/{measure_id}").text
    assert 'href="/propose"' in search.text


def test_the_form_offers_only_pillars_that_can_pass_and_messages_name_no_server_file(holder, store_backend, tmp_path,
                                                                                       clock):
    import yaml
    folder = tmp_path / "corpus"
    folder.mkdir()
    data = yaml.safe_load(open("corpus/taxonomy.yaml", encoding="utf-8"))
    # made up by the test, in a temporary folder: a pillar of which no sub-pillar is known yet
    data["pillars"].append({"name": "Test-only pillar without sub-pillars", "sub_pillars": []})
    (folder / "taxonomy.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    app, _ = make_client(holder, store_backend, clock, limit=0, corpus=folder)
    names = taxonomy.load(folder)
    empty = [pillar for pillar, subs in names.pillars.items() if not subs]
    assert empty == ["Test-only pillar without sub-pillars"]
    page = app.simulate_get("/propose").text
    for pillar, subs in names.pillars.items():
        option = re.search(r"<option( disabled)?>" + re.escape(html.escape(pillar, quote=False)) + "</option>", page)
        assert option and bool(option.group(1)) == (not subs), pillar
        if subs:
            assert f'<optgroup label="{html.escape(pillar)}">' in page
    assert "have no sub-pillar in this database yet" in page and '/static/propose.js' in page
    assert app.simulate_get("/static/propose.js").status_code == 200
    good = {"country": "Kazakhstan", "pillar": "Content access", "sub_pillar": "Presence of Internet shutdowns",
            "titles": ["Test-only title"], "dates": ["Since 2020"], "description": "Test-only description.",
            "source_url": "https://example.org/x"}
    wrong = [{"pillar": empty[0]}, {"pillar": "Content acces"}, {"sub_pillar": "Nope"}, {"country": "kazakhstan"},
             {"sub_pillar": "Restrictions on domain names"}, {"pillar": ""}]
    for change in wrong:
        answer = app.simulate_post("/api/proposals", json={**good, **change})
        message = answer.json["error"]["message"]
        assert answer.status_code == 400, change
        assert not re.search(r"/\w|\.yaml|\\\\", message), message  # no path, no file name
    assert "no sub-pillar in this database yet" in \
        app.simulate_post("/api/proposals", json={**good, "pillar": empty[0]}).json["error"]["message"]


def test_an_unreachable_database_is_a_503_that_names_no_server_path(holder, store_backend, clock, measure_id,
                                                                     tmp_path):
    if store_backend.url:  # the cluster answers, but it has no such database
        store_backend.url = store_backend.url.rsplit("/", 1)[0] + "/no_such_database?" + store_backend.url.split("?")[1]
    else:  # a file where the data folder should be
        store_backend.data.write_text("not a folder")
    client, _ = make_client(holder, store_backend, clock)
    for answer in (report(client, measure_id), client.simulate_post("/api/proposals", json=PROPOSAL),
                   client.simulate_get("/admin/reports.json", headers={"Authorization": f"Bearer {TOKEN}"})):
        assert answer.status_code == 503 and answer.json["error"]["code"] == "store_unavailable"
        message = answer.json["error"]["message"]
        assert message.startswith("the reports database (") and "/tmp" not in message and str(tmp_path) not in message
    page = client.simulate_get(f"/measures/{measure_id}/report")  # the form needs the CSRF secret
    assert page.status_code == 503 and "/tmp" not in page.text
    # headed by what is out of order: the form's database, not the search (which still answers)
    for path in (f"/measures/{measure_id}/report", "/propose"):
        for lang, heading in (("en", "This form is not available right now"), ("ru", "Эта форма сейчас недоступна")):
            page = client.simulate_get(path, params={"lang": lang})
            assert page.status_code == 503 and f"<h1>{heading}</h1>" in page.text, (path, lang)
    assert client.simulate_get("/", params={"q": "law"}).status_code == 200
