"""Shared fixtures: the real seed page, the real corpus and indexes built from them."""

import contextlib
import dataclasses
import os
import pathlib
import shutil
import sqlite3
import time

import browsing
import postgres
import falcon.testing
import pytest

from measuresearch.corpus import files as corpus
from measuresearch.curation.store import open_store
from measuresearch.index.build import indexer
from devtools import localserver
from measuresearch.index.engine import IndexHolder
from measuresearch.domain.model import Measure, events_of, first_year, measure_id
from measuresearch.web.app import create_app

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "data" / "dti_kazakhstan.txt"
CORPUS = ROOT / "corpus"

# The files that take 40 s or more each (`--durations`): run first, so that the workers end
# together on the short files instead of one of them running a long file alone at the end.
LONG_FILES = ("web/test_server_hardening.py", "search/test_differential.py", "curation/test_store.py",
              "corpus/test_import_safety.py", "web/test_accessibility.py", "index/test_codec.py",
              "query/test_matching.py", "web/test_browser_facets.py", "index/test_writers.py",
              "corpus/test_dti_layouts.py", "deploy/test_serving.py")


def pytest_collection_modifyitems(items):
    """Put the tests of LONG_FILES first, in that order; the others keep theirs (a stable sort)."""
    def rank(item):
        path = item.path.as_posix()
        return next((number for number, name in enumerate(LONG_FILES) if path.endswith(name)), len(LONG_FILES))
    items.sort(key=rank)


@pytest.fixture(scope="session", autouse=True)
def reports_database(tmp_path_factory):
    """Keep every test's reports and proposals out of the repository's data/ folder."""
    folder = tmp_path_factory.mktemp("data")
    os.environ["MEASURESEARCH_DATA"] = str(folder)
    os.environ.pop("MEASURESEARCH_DATABASE_URL", None)  # a developer's own database is never written
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


class Prefixed:
    """A Falcon test client whose requests go under a path: an app whose base URL has one (`/dti`) serves there."""

    def __init__(self, client, prefix):
        self.client, self.prefix = client, prefix.rstrip("/")

    def __getattr__(self, name):
        found = getattr(self.client, name)
        if name == "simulate_request":
            return lambda method, path="/", *args, **kwargs: found(method, self.prefix + path, *args, **kwargs)
        if name.startswith("simulate_"):
            return lambda path="/", *args, **kwargs: found(self.prefix + path, *args, **kwargs)
        return found


def make_measure(title, description, sub_pillar="Restrictions on online advertising",
                 pillar="Content access", country="Testland", dates=("Since July 2018",), coverage="Horizontal"):
    """Return a Measure for tests (not a real DTI measure; never written to corpus/)."""
    titles = [title] if isinstance(title, str) else list(title)
    events = events_of(list(dates))
    return Measure(id=measure_id(country, pillar, sub_pillar, titles, list(dates), description),
                   country=country, pillar=pillar, sub_pillar=sub_pillar, titles=titles, dates=list(dates),
                   description=description, coverage=coverage, events=events, year=first_year(events),
                   synthetic=True)


def _index_builder(folder):
    holders = []

    def build(measures):
        root = folder / f"index{len(holders)}"
        indexer.build(None, root, measures=list(measures))
        holders.append(IndexHolder(root))
        return holders[-1]
    return build, holders


@pytest.fixture()
def make_index(tmp_path):
    """Build an index of the given measures; return an IndexHolder on it."""
    build, holders = _index_builder(tmp_path)
    yield build
    for h in holders:
        h.close()


@pytest.fixture(scope="module")
def make_module_index(tmp_path_factory):
    """make_index for a module's fixed data set, searched and never changed by its tests: built once."""
    build, holders = _index_builder(tmp_path_factory.mktemp("module-index"))
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


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js_page(request, browser, browser_errors):
    """A wide page with JavaScript on, then off (page.js says which); no page error or console error."""
    context = browser.new_context(java_script_enabled=request.param, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: browser_errors.append(str(error)))
    page.on("console", lambda m: browser_errors.append(m.text) if m.type == "error" else None)
    page.js = request.param
    yield page
    context.close()
    assert browser_errors == []


# --- the reports store on both engines (tests/postgres.py: a throwaway PostgreSQL cluster) ---

@pytest.fixture(scope="session")
def postgres_cluster():
    """One PostgreSQL cluster for the run, stopped at the end (skipped without the server, failed under CI)."""
    cluster = postgres.Cluster(postgres.require())
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@dataclasses.dataclass
class StoreBackend:
    """An empty reports database on one engine: SQLite in `data`, or PostgreSQL at `url`."""

    engine: str
    data: pathlib.Path
    url: str | None
    opened: list = dataclasses.field(default_factory=list)

    def store(self, clock=time.time):
        """Return a new Store on this database (as a new process would open it)."""
        self.opened.append(open_store(self.data, self.url, clock=clock))
        return self.opened[-1]

    def rows(self, sql):
        """Return the rows of a query read past the store: sqlite3 on the file, or psycopg on the database."""
        if self.url:
            import psycopg
            with psycopg.connect(self.url) as db:
                return [tuple(row) for row in db.execute(sql).fetchall()]
        with contextlib.closing(sqlite3.connect(self.data / "measuresearch.sqlite3")) as db:
            return db.execute(sql).fetchall()

    def environ(self):
        """Return the environment of a process that uses this database."""
        environ = {**os.environ, "MEASURESEARCH_DATA": str(self.data)}
        environ.pop("MEASURESEARCH_DATABASE_URL", None)
        return {**environ, "MEASURESEARCH_DATABASE_URL": self.url} if self.url else environ


@pytest.fixture(params=["sqlite", "postgresql"])
def store_backend(request, tmp_path):
    """Each test that takes it runs twice: on a fresh SQLite file and on a fresh PostgreSQL database."""
    url = request.getfixturevalue("postgres_cluster").database() if request.param == "postgresql" else None
    backend = StoreBackend(request.param, tmp_path / "data", url)
    yield backend
    for store in backend.opened:
        store.close()
