"""Shared fixtures: the real seed page, the real corpus and indexes built from them."""

import os
import pathlib
import shutil

import browsing
import falcon.testing
import pytest

from measuresearch.corpus import files as corpus
from measuresearch.index.build import indexer
from devtools import localserver
from measuresearch.index.engine import IndexHolder
from measuresearch.domain.model import Measure, events_of, first_year, measure_id
from measuresearch.web.app import create_app

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "dti_kazakhstan.txt"
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session", autouse=True)
def reports_database(tmp_path_factory):
    """Keep every test's reports and proposals out of the repository's data/ folder."""
    folder = tmp_path_factory.mktemp("data")
    os.environ["MEASURESEARCH_DATA"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def seed_text():
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def real_measures():
    return corpus.load(CORPUS)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory, real_measures):
    root = tmp_path_factory.mktemp("index")
    indexer.build(None, root, measures=real_measures)
    return root


@pytest.fixture()
def holder(real_index):
    holder = IndexHolder(real_index)
    yield holder
    holder.close()


@pytest.fixture()
def client(holder):
    return falcon.testing.TestClient(create_app(holder))


def make_measure(title, description, sub_pillar="Restrictions on online advertising",
                 pillar="Content access", country="Testland", dates=("Since July 2018",), coverage="Horizontal"):
    """Return a Measure for tests (not a real DTI measure; never written to corpus/)."""
    titles = [title] if isinstance(title, str) else list(title)
    events = events_of(list(dates))
    return Measure(id=measure_id(country, pillar, sub_pillar, titles, list(dates), description),
                   country=country, pillar=pillar, sub_pillar=sub_pillar, titles=titles, dates=list(dates),
                   description=description, coverage=coverage, events=events, year=first_year(events),
                   synthetic=True)


@pytest.fixture()
def make_index(tmp_path):
    """Build an index of the given measures; return an IndexHolder on it."""
    holders = []

    def build(measures):
        root = tmp_path / f"index{len(holders)}"
        indexer.build(None, root, measures=list(measures))
        holders.append(IndexHolder(root))
        return holders[-1]
    yield build
    for h in holders:
        h.close()


@pytest.fixture()
def corpus_copy(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def server(real_index):
    process, base, _ = localserver.start(real_index)
    yield base
    localserver.stop(process)


# --- the browser (tests/browsing.py: Playwright and Debian's Chromium) ----------------

@pytest.fixture(scope="session")
def browser():
    with browsing.require().sync_playwright() as p:
        browser = browsing.launch(p)
        yield browser
        browser.close()


@pytest.fixture()
def browser_errors():
    """Console errors and page errors of the `page` fixture; a test that provokes one removes it."""
    return []


@pytest.fixture()
def page(browser, browser_errors):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: browser_errors.append(str(error)))
    page.on("console", lambda m: browser_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert browser_errors == []
