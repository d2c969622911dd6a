"""The date boxes of the search page in a real browser (Chromium via Playwright), JavaScript on and off."""

import urllib.parse

import browsing
import pytest

pytestmark = pytest.mark.e2e
expect = browsing.require().expect


def query_of(page):
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)


def choose_amended_in_force_on(page, server):
    page.goto(server + "/?q=online+payments")
    page.check("input[name=event][value=amended]")
    page.fill("input[name=year_from]", "2020")
    page.fill("input[name=in_force_on]", "2018-07")
    page.click(".year-range button[type=submit]")


@pytest.mark.parametrize("javascript", [True, False])
def test_tick_a_date_kind_and_a_day_then_apply(browser, server, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    choose_amended_in_force_on(page, server)
    page.wait_for_selector("a.chip >> text=2018-07")
    query = query_of(page)
    assert query["event"] == ["amended"] and query["in_force_on"] == ["2018-07"] and query["year_from"] == ["2020"]
    expect(page.locator("#total")).to_have_text("1")
    assert "167-VІ" in page.locator(".hit-title").first.inner_text()
    assert page.is_checked("input[name=event][value=amended]")
    assert not page.is_checked("input[name=event][value=reported]")
    # a day before "Since July 2018": the measure is not yet in force
    page.fill("input[name=in_force_on]", "2018-06-30")
    page.click(".year-range button[type=submit]")
    page.wait_for_selector("a.chip >> text=2018-06-30")
    expect(page.locator("#total")).to_have_text("0")
    assert errors == []
    context.close()
