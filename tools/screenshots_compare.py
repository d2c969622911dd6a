"""Save screenshots of the compare view at DTI scale (10k synthetic measures, 146 economies) for the README.

    python tools/screenshots_compare.py docs/screenshots

Generates the synthetic corpus in a temporary folder (measuresearch.synthetic,
never written into corpus/), indexes it, serves it on a free loopback port and
drives Debian's Chromium with Playwright.
"""

import pathlib
import sys
import tempfile
import urllib.parse

from playwright.sync_api import sync_playwright

from measuresearch.index.build import indexer
from devtools import localserver
from devtools.synthetic import Generator

SHOTS = [
    ("compare-10k-economies-by-pillar.png", "/compare?rows=country&cols=pillar", (1440, 1000)),
    ("compare-10k-groups-by-pillar.png", "/compare?rows=group&cols=pillar", (1440, 760)),
    ("compare-10k-eu-by-sub-pillar.png", "/compare?" + urllib.parse.urlencode(
        [("group", "EU"), ("pillar", "Online sales and transactions"), ("cols", "sub_pillar")]), (1280, 900)),
]


def main(out, measures=10_000):
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        indexer.build(None, tmp, measures=Generator(seed=7).measures(measures))
        process, base, _ = localserver.start(tmp)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                  "--disable-component-update", "--disable-sync", "--no-first-run"])
                for name, path, (width, height) in SHOTS:
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(base + path)
                    page.screenshot(path=str(out / name))
                    page.close()
                browser.close()
        finally:
            localserver.stop(process)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
