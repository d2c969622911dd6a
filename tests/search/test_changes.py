"""Change history across real builds: /api/changes, /api/search.atom (checked with feedparser), measure dates."""

import dataclasses
import json
import time
import urllib.parse

import falcon.testing
import feedparser
import pytest

from measuresearch.index.build import fingerprints
from measuresearch.index.build import indexer
from measuresearch.index.format import layout
from measuresearch.index.engine import IndexHolder
from measuresearch.errors import InputProblems
from devtools.synthetic import Generator
from measuresearch.web.app import create_app
from conftest import Prefixed


@pytest.fixture(scope="module")
def pool():
    return Generator(seed=31).measures(260)


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory, pool):
    """Build 1: measures 0-219. Build 2: 0-199 as they were, 200-209 with a changed description,
    210-219 removed, 220-259 added."""
    root = tmp_path_factory.mktemp("history")
    first = indexer.build(None, root, measures=pool[:220])
    time.sleep(1.1)  # built_at has whole seconds: the two builds get different times
    changed = [dataclasses.replace(m, description=m.description + " Amended in this test.") for m in pool[200:210]]
    second = indexer.build(None, root, measures=pool[:200] + changed + pool[220:])
    expected = {"added": {m.id for m in pool[220:]}, "changed": {m.id for m in pool[200:210]},
                "removed": {m.id for m in pool[210:220]}}
    return root, first.index_id, second.index_id, expected


@pytest.fixture()
def history_client(two_builds):
    holder = IndexHolder(two_builds[0])
    yield Prefixed(falcon.testing.TestClient(create_app(holder, base_url="https://dti.example.org/search")), "/search")
    holder.close()


def _by_kind(changes, index_id=None):
    found = {"added": set(), "changed": set(), "removed": set()}
    for change in changes:
        if index_id is None or change["index_id"] == index_id:
            found[change["kind"]].add(change["id"])
    return found


def test_changes_since_the_first_build_are_exactly_what_the_second_did(history_client, two_builds):
    _, first, second, expected = two_builds
    body = history_client.simulate_get("/api/changes", params={"since": first}).json
    assert body["since"] == first and [b["index_id"] for b in body["builds"]] == [second]
    assert _by_kind(body["changes"]) == expected
    assert all(c["index_id"] == second and c["url"] == f"/search/measures/{c['id']}" for c in body["changes"])


def test_changes_without_since_list_both_builds_newest_first(history_client, two_builds, pool):
    _, first, second, expected = two_builds
    body = history_client.simulate_get("/api/changes").json
    assert [b["index_id"] for b in body["builds"]] == [first, second]
    # the measures removed later are no longer in the index: build 1 still lists them as added
    assert _by_kind(body["changes"], first) == {"added": {m.id for m in pool[:220]}, "changed": set(),
                                                "removed": set()}
    assert _by_kind(body["changes"], second) == expected
    order = [c["index_id"] for c in body["changes"]]
    assert order == sorted(order, reverse=True)


def test_a_removed_measures_earlier_changes_follow_the_facet_filters_with_the_values_it_had(history_client, pool):
    pillar = pool[215].pillar
    body = history_client.simulate_get("/api/changes", params={"pillar": pillar}).json
    added = {c["id"] for c in body["changes"] if c["kind"] == "added"}
    assert pool[215].id in added
    assert added == {m.id for m in pool if m.pillar == pillar}  # both builds' additions, the removed ones too


def test_since_a_date(history_client, two_builds):
    root, first, second, expected = two_builds
    builds = history_client.simulate_get("/api/changes").json["builds"]
    between = builds[0]["built_at"]  # strictly after the first build: only the second
    body = history_client.simulate_get("/api/changes", params={"since": between}).json
    assert _by_kind(body["changes"]) == expected
    assert history_client.simulate_get("/api/changes", params={"since": "2999-01-01"}).json["changes"] == []
    everything = history_client.simulate_get("/api/changes", params={"since": "2000-01-01"}).json
    assert len(everything["builds"]) == 2


@pytest.mark.parametrize("since, message, status", [("20200101T000000-abcdef", "not in the change history", 404),
                                                    ("last week", "since must be an index_id", 400),
                                                    ("2026-13-01", "since must be an index_id", 400)])
def test_bad_since_is_a_4xx(history_client, since, message, status):
    response = history_client.simulate_get("/api/changes", params={"since": since})
    assert response.status_code == status
    assert response.json["error"]["parameter"] == "since" and message in response.json["error"]["message"]


def test_changes_follow_the_search_filters(history_client, two_builds, pool):
    _, first, second, expected = two_builds
    pillar = pool[205].pillar
    body = history_client.simulate_get("/api/changes", params={"since": first, "pillar": pillar}).json
    by_id = {m.id: m for m in pool}
    wanted = {kind: {i for i in ids if by_id[i].pillar == pillar} for kind, ids in expected.items()}
    assert _by_kind(body["changes"]) == wanted
    left_out = history_client.simulate_get("/api/changes", params={"since": first, "not_pillar": pillar}).json
    assert _by_kind(left_out["changes"]) == {kind: ids - wanted[kind] for kind, ids in expected.items()}


def test_a_removed_measure_is_filtered_in_any_case_too(tmp_path):
    from conftest import make_measure
    kept = make_measure("Law one", "Text one.", coverage="Horizontal")
    gone = make_measure("Law two", "Text two.", coverage="horizontal")
    indexer.build(None, tmp_path, measures=[kept, gone])
    indexer.build(None, tmp_path, measures=[kept])
    holder = IndexHolder(tmp_path)
    try:
        client = falcon.testing.TestClient(create_app(holder))
        for typed in ("HORIZONTAL", "horizontal", "Horizontal"):
            found = client.simulate_get("/api/changes", params={"coverage": typed}).json["changes"]
            assert {(c["id"], c["kind"]) for c in found} >= {(gone.id, "removed"), (kept.id, "added")}, typed
            left = client.simulate_get("/api/changes", params={"not_coverage": typed}).json["changes"]
            assert left == [], typed
    finally:
        holder.close()


def test_measure_says_when_it_was_first_indexed_and_last_changed(history_client, two_builds, pool):
    builds = history_client.simulate_get("/api/changes").json["builds"]
    changed = history_client.simulate_get(f"/api/measures/{pool[205].id}").json["indexed"]
    assert changed == {"first_indexed": builds[0]["built_at"], "last_changed": builds[1]["built_at"]}
    same = history_client.simulate_get(f"/api/measures/{pool[5].id}").json["indexed"]
    assert same == {"first_indexed": builds[0]["built_at"], "last_changed": builds[0]["built_at"]}
    page = history_client.simulate_get(f"/measures/{pool[205].id}").text
    assert "first indexed" in page and "last changed" in page


def test_the_atom_feed_parses_and_lists_added_and_changed_newest_first(history_client, two_builds):
    _, first, second, expected = two_builds
    response = history_client.simulate_get("/api/search.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.text)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    health = history_client.simulate_get("/healthz").json
    assert feed.feed.updated == health["index_built_at"]
    assert feed.feed.links[0].href.startswith("https://dti.example.org/search/api/search.atom")
    ids = [e.id.rsplit("/", 1)[1] for e in feed.entries]
    assert len(ids) == min(50, len(set(ids)))
    newest = expected["added"] | expected["changed"]
    assert set(ids[:len(newest)]) == newest  # the second build's measures come first
    times = [e.updated_parsed for e in feed.entries]
    assert times == sorted(times, reverse=True)
    entry = feed.entries[0]
    assert entry.link == entry.id == f"https://dti.example.org/search/measures/{ids[0]}"
    assert history_client.simulate_get(urllib.parse.urlsplit(entry.link).path.replace("/search", "", 1)).status_code \
        == 200


@pytest.mark.parametrize("params", [{"q": "a\x01b"}, {"q": "a\ufffeb"}, {"q": "a\x0bb", "country": "a\x0cb"}])
def test_a_feed_of_a_query_with_characters_xml_cannot_hold_is_still_well_formed(history_client, params):
    response = history_client.simulate_get("/api/search.atom", params=params)
    assert response.status_code == 200
    feed = feedparser.parse(response.text)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title.startswith("measuresearch: “a\ufffdb”")


def test_the_feed_follows_the_search(history_client, two_builds, pool):
    _, first, second, expected = two_builds
    pillar = pool[205].pillar
    feed = feedparser.parse(history_client.simulate_get("/api/search.atom", params={"pillar": pillar}).text)
    assert feed.bozo == 0
    by_id = {m.id: m for m in pool}
    ids = [e.id.rsplit("/", 1)[1] for e in feed.entries]
    assert ids and all(by_id[i].pillar == pillar for i in ids)
    assert pillar in feed.feed.title


def test_feed_urls_come_from_the_request_host_without_a_base_url(make_index, pool):
    holder = make_index(pool[:30])
    client = falcon.testing.TestClient(create_app(holder))
    feed = feedparser.parse(client.simulate_get("/api/search.atom", headers={"Host": "mirror.example"}).text)
    assert feed.bozo == 0 and feed.entries
    assert all(e.link.startswith("http://mirror.example/measures/") for e in feed.entries)


def test_a_description_reads_back_from_the_feed_character_for_character(make_index):
    # a CR LF inside a description (valid in the corpus, kept by CSV and JSON): an XML parser reads a raw CR LF as
    # LF, so the feed writes the CR as a reference; read back with feedparser and with ElementTree
    import xml.etree.ElementTree as ET
    from conftest import make_measure
    text = "Test-only first line,\r\n  then a second line\rand a lone CR; a tab\there."
    client = falcon.testing.TestClient(create_app(make_index([make_measure("Test-only CR title", text)])))
    atom = client.simulate_get("/api/search.atom").text
    (entry,) = feedparser.parse(atom).entries
    assert entry.content[0].value == text
    content = ET.fromstring(atom.split("\n", 1)[1]).find(".//{http://www.w3.org/2005/Atom}content")
    assert content.text == text


def test_a_failed_build_leaves_the_history_and_the_next_build_compares_with_the_live_one(tmp_path, pool):
    root = tmp_path / "index"
    indexer.build(None, root, measures=pool[:20])
    before = json.loads((layout.current_build(root) / layout.HISTORY_FILE).read_text())
    broken = tmp_path / "broken"  # a corpus folder whose groups.yaml names no economy: the build fails late
    broken.mkdir()
    (broken / "groups.yaml").write_text("groups:\n  - {name: X, members: [Atlantis], source: s, as_of: 2026-01-01}\n")
    with pytest.raises(InputProblems):
        indexer.build(broken, root, measures=pool[:19] + pool[30:40])
    assert json.loads((layout.current_build(root) / layout.HISTORY_FILE).read_text()) == before
    indexer.build(None, root, measures=pool[:21])
    after = json.loads((layout.current_build(root) / layout.HISTORY_FILE).read_text())
    assert after["builds"][:-1] == before["builds"]
    assert after["builds"][-1]["added"] == [pool[20].id]
    assert after["builds"][-1]["changed"] == [] and after["builds"][-1]["removed"] == []


def test_the_history_is_bounded(tmp_path, pool, monkeypatch):
    monkeypatch.setattr(fingerprints, "MAX_BUILDS", 3)
    root = tmp_path / "index"
    for n in range(5):
        indexer.build(None, root, measures=pool[:10 + n])
    history = json.loads((layout.current_build(root) / layout.HISTORY_FILE).read_text())
    assert len(history["builds"]) == 3
    assert [b["added"] for b in history["builds"]] == [[pool[11].id], [pool[12].id], [pool[13].id]]


def test_provenance_is_not_a_change_of_the_measure(real_measures):
    # docs/API.md: where a record came from (source, last_imported, edited) is not what the measure says
    record = real_measures[0].to_dict()
    moved = {**record, "source": {**record["source"], "kind": "sheet", "name": "other.xlsx"},
             "last_imported": "2030-01-01", "edited": {"by": "proposal 1", "on": "2030-01-01", "url": None,
                                                       "replaced": "0" * 40}}
    assert fingerprints.fingerprint(moved) == fingerprints.fingerprint(record)
    for key, value in (("description", record["description"] + " More."), ("sources", ["https://example.org/x"]),
                       ("coverage", "Test-only coverage")):
        assert fingerprints.fingerprint({**record, key: value}) != fingerprints.fingerprint(record), key


@pytest.mark.parametrize("key, value", [("values", ()), ("sources", ()), ("values", ("12.5",)), ("status", None),
                                        ("titles", ("Law", "Закон")), ("description", "Ligne\u2028two")])
def test_a_record_and_its_json_read_back_have_one_fingerprint(real_measures, key, value):
    # the writers fingerprint a record orjson wrote as it is (writers._add); a reader has its JSON parsed back
    record = {**real_measures[0].to_dict(complete=True), key: value}
    assert fingerprints.fingerprint(record) == fingerprints.fingerprint(json.loads(json.dumps(record)))
