"""axe-core (axe-playwright-python) in Debian's Chromium: no serious or critical violations on the main pages."""

import json
import urllib.parse
import urllib.request

import browsing
import pytest

pytestmark = pytest.mark.e2e
browsing.require()
try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:
    if browsing.under_ci():
        pytest.fail("axe-playwright-python is missing: `make test` installs it", pytrace=False)
    pytest.skip("axe-playwright-python is not installed", allow_module_level=True)

SERIOUS = ("serious", "critical")


def first_hit(server, **params):
    with urllib.request.urlopen(server + "/api/search?" + urllib.parse.urlencode(params)) as response:
        return json.load(response)["hits"][0]


def pages(server):
    """The pages a researcher goes through: start, a drill-down with a query, a measure, a rejected query."""
    return {
        "start": "/",
        "drill-down": "/?" + urllib.parse.urlencode({"q": "internet", "pillar": "Content access",
                                                     "coverage": "Horizontal"}),
        "measure": first_hit(server, q="trading activities")["url"],
        "no results": "/?q=whatsapp&coverage=Telecom+equipment",
        "error": "/?q=*tion",
        "compare": "/compare",
    }


def serious(results):
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in SERIOUS]


@pytest.mark.parametrize("name", ["start", "drill-down", "measure", "no results", "error", "compare"])
@pytest.mark.parametrize("width", [1280, 390], ids=["wide", "phone"])
def test_no_serious_or_critical_violations(browser, server, name, width):
    path = pages(server)[name]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    response = page.goto(server + path)
    if name == "compare" and response.status == 404:
        context.close()
        pytest.skip("no compare view on this branch yet")
    results = Axe().run(page)
    context.close()
    assert results.response["violations"] is not None
    assert serious(results) == []


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("name", ["start", "drill-down", "measure", "error", "compare", "propose", "report"])
def test_the_russian_and_kazakh_pages_have_no_serious_or_critical_violations(browser, server, name, lang):
    extra = {"propose": "/propose", "report": first_hit(server, q="trading activities")["url"] + "/report"}
    path = {**pages(server), **extra}[name]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    page.goto(server + path)
    assert page.get_attribute("html", "lang") == lang
    results = Axe().run(page)
    context.close()
    assert serious(results) == []


def test_axe_finds_a_known_violation(browser, server):
    """The check can fail: a page with an image without alt text and an unlabeled input is reported."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.evaluate("""() => {
        const input = document.createElement('input');
        document.querySelector('main').appendChild(input);
        const img = document.createElement('img');
        img.src = '/static/favicon.svg';
        document.querySelector('main').appendChild(img);
    }""")
    found = {v[0] for v in serious(Axe().run(page))}
    context.close()
    assert {"image-alt", "label"} <= found
