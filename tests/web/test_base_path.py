"""A base URL with a path mounts the service under it: every link, form, redirect, script and API URL it hands out.

Against a real `measuresearch serve --base-url http://127.0.0.1:PORT/base`: the pages' every href, src, action
and data-url (read with html.parser) and every Location start with /base/ and answer when followed; what the
page's JavaScript fetches (the search form's action, the box's data-url) answers; the JSON API's `url`s, the
feed's and the citations' absolute URLs agree with the pages'; nothing but /healthz is served outside /base.
Without a path in the base URL, the same walk finds every link at the root, as before.
"""

import html.parser
import http.cookies
import json
import re
import urllib.parse

import browsing
import feedparser
import pytest

from devtools import localserver
from measuresearch.web.http import urls
from measuresearch.web.views import rendering
from serving import call, running

pytestmark = pytest.mark.e2e

TARGETS = ("href", "src", "action", "data-url")


class Targets(html.parser.HTMLParser):
    """The href, src, action and data-url of a page (values unescaped), and its forms (method, action)."""

    def __init__(self):
        super().__init__()
        self.found, self.forms, self.hidden = [], [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.found.extend(attrs[name] for name in TARGETS if attrs.get(name) is not None)
        if tag == "form":
            self.forms.append(((attrs.get("method") or "get").lower(), attrs.get("action")))
        if tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs.get("name")] = attrs.get("value")


def targets(page):
    parser = Targets()
    parser.feed(page.decode())
    return parser


def local(base, target):
    """Return a target's path and query when it is of this server (a path, or an absolute URL here), else None."""
    parts = urllib.parse.urlsplit(urllib.parse.urljoin(base + "/base/", target))
    if f"{parts.scheme}://{parts.netloc}" != base or not parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(base, seeds, root):
    """GET the seeds, check every local target of each starts with root + "/"; return {target: (status, body)}.

    Each target of a seed is followed once; the pages it leads to have their targets checked too.
    """
    followed, checked = {}, set()

    def check(path, body):
        for target in targets(body).found:
            where = local(base, target)
            if where is None or target.startswith("#"):
                continue
            assert where.startswith(root + "/"), f"{path} links {target!r}"
            assert target.startswith(root + "/"), f"{path} links {target!r} (a path, not relative)"
            checked.add(where)

    for seed in seeds:
        status, headers, body = call(base, "GET", seed)
        assert status == 200, seed
        check(seed, body)
    for where in sorted(checked):
        status, headers, body = call(base, "GET", where)
        followed[where] = status, body
        if "text/html" in headers.get("Content-Type", ""):
            check(where, body)
    return followed


@pytest.fixture(scope="module")
def measure_id(real_measures):
    return real_measures[0].id


@pytest.fixture(scope="module")
def mounted(real_index, tmp_path_factory):
    port = localserver.free_port()
    env = {"MEASURESEARCH_DATA": str(tmp_path_factory.mktemp("data")), "MEASURESEARCH_ADMIN_TOKEN": "s3cret-token"}
    with running(real_index, env=env, args=("--base-url", f"http://127.0.0.1:{port}/base"), port=port) as base:
        yield base


def seeds(root, measure_id):
    return [f"{root}/", f"{root}/?q=internet", f"{root}/?q=qzxjvw&page=2", f"{root}/measures/{measure_id}",
            f"{root}/compare?q=internet", f"{root}/propose", f"{root}/measures/{measure_id}/report",
            f"{root}/admin/login", f"{root}/?q=internet&lang=ru"]


def test_every_link_of_the_pages_is_under_the_path_and_answers(mounted, measure_id):
    followed = walk(mounted, seeds("/base", measure_id), "/base")
    assert len(followed) > 50  # facets, pages, exports, measures, static files, languages, the JSON API
    assert {"/base/static/app.js", "/base/static/app.css", "/base/openapi.json", "/base/api/suggest"} <= set(followed)
    assert any(path.startswith("/base/api/search.csv?") for path in followed)
    assert any(path.startswith(f"/base/measures/{measure_id}/report?back=") for path in followed)
    failed = {path: status for path, (status, _) in followed.items() if status != 200}
    assert failed == {}


def test_the_forms_post_and_redirect_under_the_path(mounted, measure_id):
    page = f"/base/measures/{measure_id}/report"
    status, headers, body = call(mounted, "GET", page + "?back=" + urllib.parse.quote("/?q=internet"))
    form = targets(body)
    assert ("post", page) in form.forms and form.hidden["back"] == "/?q=internet"  # the app's path, linked under /base
    cookie = "; ".join(c.key + "=" + c.value for line in headers.get_all("Set-Cookie")
                       for c in http.cookies.SimpleCookie(line).values())
    sent = urllib.parse.urlencode({"csrf_token": form.hidden["csrf_token"], "back": form.hidden["back"],
                                   "message": "The date of entry into force is wrong.", "website": ""})
    status, headers, body = call(mounted, "POST", page, sent.encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert status == 303 and headers["Location"].startswith(f"/base/measures/{measure_id}/report/thanks")
    status, _, thanks = call(mounted, "GET", headers["Location"])
    assert status == 200 and "/base/?q=internet" in targets(thanks).found
    # a form sent empty is refused by the app under /base, not missed by its routes
    for path in ("/base/propose", page, "/base/admin/login", "/base/admin/logout"):
        assert call(mounted, "POST", path, b"", {"Content-Type": "application/x-www-form-urlencoded"})[0] in (
            400, 401, 403, 422), path


def test_redirects_stay_under_the_path(mounted):
    status, headers, _ = call(mounted, "GET", "/base/?q=internet&year_from=")
    assert status == 303 and headers["Location"] == "/base/?q=internet"
    assert call(mounted, "GET", headers["Location"])[0] == 200
    status, headers, _ = call(mounted, "GET", "/base/compare?q=internet&year_to=")
    assert status == 303 and headers["Location"] == "/base/compare?q=internet"
    status, headers, _ = call(mounted, "GET", "/base/admin/reports")  # not signed in
    assert status in (303, 401)
    if status == 303:
        assert headers["Location"].startswith("/base/admin/login")


def test_what_the_javascript_fetches_is_under_the_path(mounted):
    _, _, body = call(mounted, "GET", "/base/?q=internet")
    page = body.decode()
    # app.js: the search page is the search form's action, the completions the box's data-url
    action = re.search(r'<form id="search-form"[^>]* action="([^"]*)"', page)[1]
    suggest = re.search(r'<input id="q"[^>]* data-url="([^"]*)"', page, re.S)[1]
    assert (action, suggest) == ("/base/", "/base/api/suggest")
    status, _, results = call(mounted, "GET", action + "?q=internet&country=Kazakhstan", headers={"Accept": "text/html"})
    assert status == 200 and 'id="content"' in results.decode()
    status, _, completions = call(mounted, "GET", suggest + "?q=inter")
    assert status == 200 and json.loads(completions)["suggestions"]
    # the links it loads in place are those starting with the action and a "?" (or the action alone)
    assert any(t.startswith(action + "?") for t in targets(results).found)
    _, _, script = call(mounted, "GET", "/base/static/app.js")
    assert not re.search(r'fetch\("/|"/\?|return "/"', script.decode()), "app.js names a path of its own"


def test_the_api_and_the_exports_agree_with_the_pages(mounted, measure_id):
    _, _, body = call(mounted, "GET", "/base/api/search?q=internet&page=99")
    answer = json.loads(body)
    assert [n["url"] for n in answer["notices"] if n["code"] == "page_out_of_range"] == ["/base/?q=internet"]
    _, _, body = call(mounted, "GET", "/base/api/search?q=internet")
    hits = json.loads(body)["hits"]
    assert hits and all(h["url"] == f"/base/measures/{urllib.parse.quote(h['id'])}" for h in hits)
    assert call(mounted, "GET", hits[0]["url"])[0] == 200
    _, _, body = call(mounted, "GET", f"/base/api/measures/{measure_id}")
    assert all(r["url"].startswith("/base/measures/") for r in json.loads(body)["related"])
    _, _, body = call(mounted, "GET", "/base/api/search.json?q=internet")
    assert all(m["url"].startswith("/base/measures/") for m in json.loads(body)["measures"])
    _, _, body = call(mounted, "GET", "/base/openapi.json")
    assert json.loads(body)["servers"] == [{"url": "/base"}]
    _, _, feed = call(mounted, "GET", "/base/api/search.atom?q=internet")
    parsed = feedparser.parse(feed)
    page = [link.href for link in parsed.feed.links if link.rel == "alternate"][0]
    assert page == mounted + "/base/?q=internet"
    for url in [page] + [entry.link for entry in parsed.entries]:
        assert url.startswith(mounted + "/base/") and call(mounted, "GET", url[len(mounted):])[0] == 200
    _, _, ris = call(mounted, "GET", f"/base/api/measures/{measure_id}/cite?format=ris")
    [cited] = re.findall(r"^UR  - (.*)$", ris.decode(), re.M)
    assert cited.strip() == f"{mounted}/base/measures/{measure_id}"
    # refused by the server before the app: still the JSON error shape under /base/api/
    status, headers, body = call(mounted, "GET", "/base/api/search?q=" + "a" * 70_000)
    assert status == 414 and json.loads(body)["error"]["code"] == "uri_too_long"


def test_in_a_browser_the_search_updates_in_place_under_the_path(page, mounted):
    expect = browsing.require().expect  # Playwright and Chromium: skipped without them, failed under CI
    asked = []
    page.on("request", lambda request: asked.append(urllib.parse.urlsplit(request.url).path))
    page.goto(mounted + "/base/")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.fill("#q", "inter")
    page.wait_for_selector("#suggestions li")  # completions fetched from the box's data-url
    page.fill("#q", "shutdowns")
    page.press("#q", "Enter")
    expect(page.locator("#total")).to_have_text("2")
    assert urllib.parse.urlsplit(page.url).path == "/base/"
    page.click("a.facet-value >> nth=0")  # a link of the results loads in place too
    page.wait_for_selector("a.chip")
    assert page.evaluate("() => window.__sameDocument") is True and urllib.parse.urlsplit(page.url).path == "/base/"
    assert "/base/api/suggest" in asked and all(path.startswith("/base/") for path in asked), asked


def test_nothing_but_health_is_served_outside_the_path(mounted, measure_id):
    for path in ("/", "/?q=internet", f"/measures/{measure_id}", "/static/app.js", "/api/search?q=internet",
                 "/openapi.json", "/propose", "/basement/", "/bas"):
        status, headers, body = call(mounted, "GET", path)
        assert status == 404, path
    status, headers, body = call(mounted, "GET", "/api/search?q=internet")
    assert json.loads(body)["error"]["code"] == "not_found" and "/base/" in json.loads(body)["error"]["message"]
    assert call(mounted, "GET", "/healthz")[0] == 200  # health checks are sent to the replica itself
    assert call(mounted, "GET", "/base/healthz")[0] == 200
    assert call(mounted, "GET", "/base")[0] == 200


def test_without_a_path_every_link_is_at_the_root(real_index, measure_id):
    port = localserver.free_port()
    with running(real_index, args=("--base-url", f"http://127.0.0.1:{port}"), port=port) as base:
        followed = walk(base, seeds("", measure_id)[:6], "")
        assert not any(path.startswith("/base") for path in followed)
        assert {path: status for path, (status, _) in followed.items() if status != 200} == {}
        status, headers, _ = call(base, "GET", "/?q=internet&year_from=")
        assert status == 303 and headers["Location"] == "/?q=internet"
        _, _, body = call(base, "GET", "/openapi.json")
        assert "servers" not in json.loads(body)
        _, _, body = call(base, "GET", "/api/search?q=internet")
        assert json.loads(body)["hits"][0]["url"].startswith("/measures/")


@pytest.mark.parametrize("root, path, public", [
    ("", "/?q=law", "/?q=law"),
    ("/base", "/", "/base/"),
    ("/base", "/measures/x?back=%2F", "/base/measures/x?back=%2F"),
    ("/base", "//other.example/x", "//other.example/x"),
    ("/base", "https://example.org/", "https://example.org/"),
    ("/base", "#main", "#main"),
])
def test_public_puts_a_path_of_the_app_under_the_root(root, path, public):
    assert urls.public(root, path) == public


def test_a_page_is_put_under_the_root_in_its_targets_only():
    page = ('<a href="/?q=a&amp;b=1">x</a> <form action="/" method="get"><input data-url="/api/suggest">'
            '<a data-href="/x" href="//cdn.example/y"> href=&#34;/z&#34; <script src="/static/app.js"></script>')
    assert rendering.under_root(page, "/base") == (
        '<a href="/base/?q=a&amp;b=1">x</a> <form action="/base/" method="get"><input data-url="/base/api/suggest">'
        '<a data-href="/x" href="//cdn.example/y"> href=&#34;/z&#34; <script src="/base/static/app.js"></script>')
    assert rendering.under_root(page, "") == page
