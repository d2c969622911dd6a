"""Save screenshots of the search page for the README (wide and phone-sized).

    python tools/screenshots.py docs/screenshots

Builds a throw-away index of corpus/ (and one of 10,000 synthetic measures,
for the facets at DTI scale), serves each on a free loopback port and drives
Debian's Chromium with Playwright.
"""

import os
import pathlib
import sys
import tempfile
import urllib.parse

from playwright.sync_api import sync_playwright

from measuresearch.index.build import indexer
from devtools import localserver
from devtools.synthetic import Generator

ROOT = pathlib.Path(__file__).resolve().parent.parent

SHOTS = [
    ("search-english-wide.png", "/?q=" + urllib.parse.quote("internet shutdowns"), (1280, 860)),
    ("search-cyrillic-wide.png", "/?q=" + urllib.parse.quote("закон о валютном контроле"), (1280, 760)),
    ("search-english-phone.png", "/?q=" + urllib.parse.quote("informatization"), (390, 844)),
    ("search-cyrillic-phone.png", "/?q=" + urllib.parse.quote("об информатизации"), (390, 844)),
    ("browse-filtered-wide.png", "/?pillar=" + urllib.parse.quote("Content access"), (1280, 900)),
]
# the two forms of web/reports.py: a measure's "Report issue" and "Report new measure"
FORM_SHOTS = [
    ("report-form.png", "/measures/kazakhstan-presence-of-internet-shutdowns-f645e4fa/report", (1000, 760)),
    ("propose-form.png", "/propose", (1000, 1340)),
]


# 10,000 synthetic measures (146 economies): the folded facets, and the country list narrowed by typing
SYNTHETIC_SHOTS = [
    ("facets-10k-wide.png", "/", (1280, 1100), None),
    ("facets-10k-filtered-wide.png", "/?" + urllib.parse.urlencode({"sub_pillar": "Restrictions on domain names"}),
     (1280, 1100), ("country", "island")),
]


def shoot(out, base, shots):
    """Take each (name, path, size[, (facet, typed)]) screenshot of the server at base."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync", "--no-first-run"])
        for name, path, (width, height), *typing in shots:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(base + path)
            if typing and typing[0]:
                facet, text = typing[0]
                page.type(f".facet-filter[data-filter={facet}]", text, delay=20)
                page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=str(out / name))
            page.close()
            print(out / name)
        browser.close()


def serve_and_shoot(out, index, shots):
    process, base, _ = localserver.start(index)
    try:
        shoot(out, base, shots)
    finally:
        localserver.stop(process)


def main(out):
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        indexer.build(ROOT / "corpus", tmp)
        os.environ["MEASURESEARCH_DATA"] = str(pathlib.Path(tmp) / "data")  # the forms' CSRF secret goes here
        serve_and_shoot(out, tmp, SHOTS + FORM_SHOTS)
    with tempfile.TemporaryDirectory() as tmp:
        indexer.build(None, tmp, measures=Generator(seed=7).measures(10_000))
        serve_and_shoot(out, tmp, SYNTHETIC_SHOTS)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
