"""The compare pieces in a real browser (Debian's Chromium via Playwright), JavaScript on and off."""

import re
import urllib.parse

import browsing
import pytest

pytestmark = pytest.mark.e2e
expect = browsing.require().expect


def query_of(page):
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)


def test_turn_a_chip_into_not(page, server):
    page.goto(server + "/")
    everything = int(page.inner_text("#total").replace(",", ""))
    page.goto(server + "/?pillar=Content+access")
    selected = int(page.inner_text("#total").replace(",", ""))
    page.click("a.chip-not")
    page.wait_for_selector("a.chip-excluded")
    assert query_of(page) == {"not_pillar": ["Content access"]}
    expect(page.locator("#total")).to_have_text(str(everything - selected))
    assert "not Content access" in page.inner_text("a.chip-excluded")
    page.fill("#q", "law")  # the exclusion stays with the next search
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=law"))
    assert query_of(page)["not_pillar"] == ["Content access"]


def test_exclusion_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/?coverage=Horizontal")
    page.click("a.chip-not")
    page.wait_for_url(re.compile(r"not_coverage=Horizontal"))
    assert page.locator("a.chip-excluded").count() == 1
    page.fill("#q", "data")
    page.click("form.search button[type=submit]")
    page.wait_for_url(re.compile(r"q=data"))
    assert query_of(page)["not_coverage"] == ["Horizontal"]
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_compare_view_drills_down(browser, server, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + "/compare")
    cell = page.locator("#matrix td.heat a").first
    count = int(cell.inner_text())
    title = cell.get_attribute("title")
    cell.click()
    page.wait_for_url(re.compile(r"/\?.*country=.*pillar="))
    expect(page.locator("#total")).to_have_text(str(count))
    assert title.startswith(query_of(page)["country"][0])
    page.go_back()
    page.wait_for_selector("#matrix")
    page.click("nav.compare-switch >> text=by sub-pillar")
    page.wait_for_url(re.compile(r"cols=sub_pillar"))
    assert page.locator("#matrix tbody tr").count() >= 1
    assert page.locator("#matrix td.none").count() == page.locator("#matrix td.none >> text=no measure recorded").count()
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_follow_this_search_offers_a_feed_that_parses(browser, server, javascript):
    import feedparser
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server + "/?q=law&pillar=Content+access")
    href = page.get_attribute("a.follow", "href")
    assert href.startswith("/api/search.atom?") and "q=law" in href and "pillar=Content+access" in href
    feed = feedparser.parse(page.request.get(server + href).text())
    assert feed.bozo == 0 and feed.version == "atom10"
    assert all(e.link.startswith(server + "/measures/") for e in feed.entries)
    context.close()


def test_citation_box_copies_with_javascript(browser, server):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    page.goto(server + "/?q=shutdowns")
    page.click(".hit-title a")
    page.wait_for_selector("#cite-bibtex")
    expected = page.inner_text("#cite-bibtex")
    page.click("button.copy[data-copy=cite-bibtex]")
    expect(page.locator(".cite .copied")).to_have_text("Copied BibTeX.")
    assert page.evaluate("() => navigator.clipboard.readText()").strip() == expected.strip()
    assert server + "/measures/" in expected
    context.close()


def test_citation_box_without_javascript_offers_downloads(browser, server):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.goto(server + "/?q=shutdowns")
    page.click(".hit-title a")
    page.wait_for_selector("#cite-ris")
    assert page.locator("button.copy").first.is_hidden()
    with page.expect_download() as info:
        page.click("a.cite-download[href$='format=ris']")
    download = info.value
    assert download.suggested_filename.endswith(".ris")
    text = open(download.path(), encoding="utf-8").read()
    assert text.startswith("TY  - DBASE") and f"UR  - {server}/measures/" in text
    context.close()
