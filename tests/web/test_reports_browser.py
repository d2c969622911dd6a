"""The report and proposal forms in a real browser (Debian's Chromium via Playwright), JavaScript on and off."""

import json
import urllib.request
import uuid

import browsing
import pytest

from devtools import localserver

pytestmark = pytest.mark.e2e
playwright_api = browsing.require()
expect = playwright_api.expect
TOKEN = "curator-token-for-browser-tests-7"


@pytest.fixture(scope="module")
def site(real_index, tmp_path_factory):
    """A server of the real index with its own reports database and an admin token."""
    process, base, _ = localserver.start(real_index, env={
        "MEASURESEARCH_DATA": str(tmp_path_factory.mktemp("browser-data")),
        "MEASURESEARCH_ADMIN_TOKEN": TOKEN, "MEASURESEARCH_REPORT_LIMIT": "0"})
    yield base
    localserver.stop(process)


def queue(base):
    request = urllib.request.Request(base + "/admin/reports.json", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js_on(request):
    return request.param


@pytest.fixture()
def page(browser, js_on):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=js_on)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def test_report_an_issue_from_a_hit(page, site, js_on):
    page.goto(site + "/?q=shutdowns")
    title = page.locator(".hit-title").first.inner_text()
    search_url = page.url
    page.locator(".hit .report-link").first.click()
    page.wait_for_selector("#report-form")
    if js_on:  # the form opens in place, under the hit
        assert page.url == search_url and page.locator(".hit + .report-inline #report-form").count() == 1
        assert page.evaluate("() => document.activeElement.id") == "message"
    else:
        assert title.splitlines()[0] in page.locator(".submission .meta").inner_text()
    message = f"The shutdown measure was amended (browser test {uuid.uuid4().hex})."
    page.fill("#message", message)
    page.fill("#email", "reader@example.org")
    page.click("#report-form button[type=submit]")
    expect(page.locator("#thanks h1")).to_contain_text("your report was received")
    assert "What happens next" in page.inner_text("#thanks")
    stored = [r for g in queue(site)["measures"] for r in g["reports"] if r["message"] == message]
    assert len(stored) == 1 and stored[0]["email"] == "reader@example.org"


def test_report_form_shows_a_bad_field_and_keeps_the_text(page, site):
    page.goto(site + "/?q=shutdowns")
    page.locator(".hit .report-link").first.click()
    page.wait_for_selector("#report-form")
    page.fill("#message", "A fine message <b>with markup</b>.")
    page.fill("#email", "reader@localhost")  # Chromium's type=email check lets it through; ours wants a domain
    page.click("#report-form button[type=submit]")
    expect(page.locator("#form-error")).to_contain_text("email is not an e-mail address")
    assert page.input_value("#message") == "A fine message <b>with markup</b>."
    assert page.get_attribute("#email", "aria-invalid") == "true"
    assert page.locator("#report-form b").count() == 0


def test_propose_a_new_measure(page, site):
    page.goto(site + "/")
    page.click("footer >> text=Report new measure")
    page.wait_for_selector("#propose-form")
    title = f"Test proposal made in a browser ({uuid.uuid4().hex})"
    for selector, value in (("#country", "Kazakhstan"), ("#sub_pillar", "Restrictions on online advertising")):
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.select_option("#pillar", "Content access")
    page.fill("#titles", title + "\nSecond title line")
    page.fill("#dates", "Since March 2024")
    page.fill("#description", "A made-up measure that the browser test proposes.")
    page.fill("#source_url", "https://example.org/browser-test")
    page.click("#propose-form button[type=submit]")
    expect(page.locator("#thanks h1")).to_contain_text("your proposal was received")
    proposals = [p for p in queue(site)["proposals"] if p["proposal"]["titles"][0] == title]
    assert len(proposals) == 1 and proposals[0]["proposal"]["titles"][1] == "Second title line"


def test_a_form_posted_from_another_site_is_refused(browser, site, real_measures):
    context = browser.new_context()
    page = context.new_page()
    before = queue(site)
    page.goto(site + f"/measures/{real_measures[0].id}/report")  # the victim has our cookie
    # a page on another origin (about:blank) posts the form to us, as a forger would
    page.set_content(f"""<form id="f" method="post" action="{site}/measures/{real_measures[0].id}/report">
        <input name="message" value="Forged by another site."><input name="csrf_token" value="guess"></form>""")
    with page.expect_navigation():
        page.evaluate("() => document.getElementById('f').submit()")
    assert page.inner_text("h1") == "This form could not be accepted"
    assert queue(site)["reports"] == before["reports"]
    context.close()


def test_report_link_on_the_measure_page(page, site, js_on, real_measures):
    page.goto(site + f"/measures/{real_measures[0].id}")
    page.click("a.report-link")
    page.wait_for_selector("#report-form")
    if js_on:
        assert page.url.endswith(real_measures[0].id) and page.locator(".report-inline").count() == 1
        page.click(".report-inline .report-close")
        assert page.locator(".report-inline").count() == 0
    else:
        assert page.url.endswith(f"{real_measures[0].id}/report")


def test_the_proposal_form_shows_the_sub_pillars_of_the_chosen_pillar(page, site, js_on):
    page.goto(site + "/propose")
    groups = page.locator("#sub_pillar optgroup")
    labels = groups.evaluate_all("groups => groups.map(g => g.label)")
    assert len(labels) > 2
    visible = "groups => groups.filter(g => !g.hidden && !g.disabled).map(g => g.label)"
    assert groups.evaluate_all(visible) == labels  # no pillar chosen: every group, under its pillar
    page.select_option("#pillar", label="Content access")
    page.select_option("#sub_pillar", label="Presence of Internet shutdowns")
    if not js_on:  # without JavaScript the grouped list stays whole and works
        assert groups.evaluate_all(visible) == labels
        return
    assert groups.evaluate_all(visible) == ["Content access"]
    # choosing another pillar drops a sub-pillar that is not its own
    other = next(label for label in labels if label != "Content access")
    page.select_option("#pillar", label=other)
    assert groups.evaluate_all(visible) == [other]
    assert page.locator("#sub_pillar").input_value() == ""


def test_the_inline_forms_cancel_and_escape_close_it_in_place(page, site, js_on, real_measures):
    """The form page's own "Cancel" (a link to the measure page without JavaScript) closes the panel in place,
    and so does Escape; the focus goes back to the link that opened it."""
    if not js_on:
        pytest.skip("the panel is JavaScript's; without it the form is a page whose Cancel is a link")
    page.goto(site + "/?q=shutdowns&lang=ru")
    search_url = page.url
    link = page.locator(".hit .report-link").first
    link.click()
    page.wait_for_selector(".report-inline #report-form")
    page.click(".report-inline a.form-cancel")
    assert page.url == search_url and page.locator(".report-inline").count() == 0
    assert page.evaluate("() => document.activeElement.classList.contains('report-link')")
    link.click()
    page.wait_for_selector(".report-inline #report-form")
    page.keyboard.press("Escape")
    assert page.url == search_url and page.locator(".report-inline").count() == 0


def test_the_curators_queue_fits_a_phone(browser, site, real_measures):
    """A report with a long e-mail address: the queue at 375 px wide scrolls no wider than the screen."""
    body = json.dumps({"message": "Test-only report for the phone-width queue.",
                       "email": "a.very.long.address.of.a.journalist@newsroom.example.org"}).encode()
    request = urllib.request.Request(f"{site}/api/measures/{real_measures[0].id}/reports", data=body,
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).close()
    context = browser.new_context(viewport={"width": 375, "height": 812},
                                  extra_http_headers={"Authorization": f"Bearer {TOKEN}"})
    page = context.new_page()
    try:
        page.goto(site + "/admin/reports")
        assert page.locator("td.email").count() >= 1
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_without_javascript_a_phone_shows_the_first_results_on_its_first_screen(browser, site):
    """The filters cannot fold away without JavaScript: on a phone they follow the results, a link away."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    page = context.new_page()
    try:
        for url in ("/?q=law&lang=en", "/?q=418-V&lang=ru"):
            page.goto(site + url)
            top = page.evaluate("() => document.querySelector('.hit').getBoundingClientRect().top")
            assert top < 812, (url, top)
            page.click("a.filters-jump")
            assert page.evaluate("() => location.hash") == "#filters"
    finally:
        context.close()


def test_a_report_leads_back_to_the_search_it_was_sent_from(page, site, js_on):
    """From a search with a filter, in Russian: the report's "Back to the search" (and, without JavaScript, the full
    form's Cancel) returns to that search, not to the start page."""
    page.goto(site + "/?q=418-V&country=Kazakhstan&lang=ru")
    search = page.url
    page.locator(".hit .report-link").first.click()
    page.wait_for_selector("#report-form")
    if not js_on:
        page.click("#report-form a.form-cancel")
        assert page.url == search
        page.locator(".hit .report-link").first.click()
        page.wait_for_selector("#report-form")
    page.fill("#report-form textarea[name=message]", "Test-only report: the search it came from is kept.")
    page.locator("#report-form button[type=submit]").click()
    page.wait_for_selector("#thanks")
    page.click("#thanks p:last-child a:last-child")
    page.wait_for_load_state()
    assert page.url == search


@pytest.mark.parametrize("back", ["//evil.example/?q=x", "/\\evil.example", "https://evil.example/", "/admin/reports",
                                  "/?q=x\nSet-Cookie: a=b"])
def test_a_back_link_that_is_not_a_search_of_this_site_is_ignored(site, real_measures, back):
    import urllib.parse
    url = f"{site}/measures/{real_measures[0].id}/report/thanks?" + urllib.parse.urlencode({"back": back})
    with urllib.request.urlopen(url, timeout=30) as response:
        page = response.read().decode("utf-8")
    assert "evil" not in page and "/admin/reports" not in page and "Set-Cookie" not in page


def test_a_year_is_a_tap_target_as_high_as_the_histogram_and_a_year_without_measures_is_no_link(browser, site):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    try:
        page.goto(site + "/?lang=en")
        page.click(".facet-panel > summary")  # folded away on a phone
        links = page.locator(".histogram a")
        assert links.count() > 0
        heights = page.evaluate("() => [...document.querySelectorAll('.histogram a')].map(a => "
                                "a.getBoundingClientRect().height)")
        assert min(heights) >= 44, heights
        empty = page.evaluate("() => [...document.querySelectorAll('.histogram li')].filter(li => "
                              "/: 0 measures/.test(li.textContent)).map(li => li.querySelector('a') !== null)")
        assert not any(empty)
        links.first.click()
        page.wait_for_function("() => new URLSearchParams(location.search).has('year_from')")
    finally:
        context.close()
