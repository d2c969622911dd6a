"""Jurisdiction groups: groups.yaml against its sources, group= / not_group= and the group facet by brute force."""

import random
import shutil
import subprocess
import sys
import urllib.parse

import falcon.testing
import pytest
import yaml

from measuresearch.domain import groups
from measuresearch.index.build import indexer
from measuresearch.domain import taxonomy
from measuresearch.index.engine import IndexHolder
from measuresearch.errors import InputProblems
from devtools.synthetic import Generator
from measuresearch.web.app import create_app

from conftest import CORPUS

# What each group's source states (groups.yaml quotes it in `source` or `confirmed`).
STATED = {"EU": 27, "EAEU": 5, "ASEAN": 11, "CIS": 9, "G7": 7, "G20": 21, "OECD": 38, "APEC": 21, "AfCFTA": 54}
COUNTRIES = {"G20": 19, "AfCFTA": 53}  # members that are economies, where some members are not


@pytest.fixture(scope="module")
def raw_groups():
    return {g["name"]: g for g in yaml.safe_load((CORPUS / "groups.yaml").read_text(encoding="utf-8"))["groups"]}


@pytest.mark.parametrize("name, stated", sorted(STATED.items()))
def test_member_count_matches_the_source(raw_groups, name, stated):
    group = raw_groups[name]
    members, bodies = group["members"], group.get("non_country_members") or []
    assert len(set(members)) == len(members)
    assert len(members) + len(bodies) == stated == group["stated_count"]
    assert len(members) == COUNTRIES.get(name, stated)
    said = f"{group['source']} {group.get('confirmed', '')}"
    assert (f"{len(members)} countries" if bodies and name == "G20" else str(stated)) in said
    assert group["as_of"] and group["source"]


def test_members_are_economies_of_the_taxonomy(raw_groups):
    economies = set(taxonomy.load(CORPUS).economy_names)
    for group in raw_groups.values():
        assert set(group["members"]) <= economies, group["name"]
    assert [g["name"] for g in groups.load(CORPUS)] == list(raw_groups)


def test_g20_counts_the_two_unions_apart(raw_groups):
    g20 = raw_groups["G20"]
    assert g20["non_country_members"] == ["European Union", "African Union"]
    assert {"Kazakhstan", "Spain"}.isdisjoint(g20["members"])


def _corpus_with_groups(tmp_path, text):
    folder = tmp_path / "c"
    folder.mkdir()
    shutil.copy(CORPUS / "taxonomy.yaml", folder / "taxonomy.yaml")
    (folder / "groups.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("text, message, line", [
    ("groups:\n  - {name: X, members: [Kazakstan], source: s, as_of: 2026-01-01}\n",
     "'Kazakstan' is not an economy of taxonomy.yaml (closest: Kazakhstan", 2),
    ("groups:\n  - {name: X, members: [Kazakhstan], source: s, as_of: 2026-01-01}\n"
     "  - {name: Y, members: [Kazakhstan, France], stated_count: 3, source: s, as_of: 2026-01-01}\n",
     "2 members and 0 non-country members, but its source states 3", 3),
    ("groups:\n  - {name: X, members: [Kazakhstan], as_of: 2026-01-01}\n", "needs the keys", 2),
    ("groups:\n  - {name: X, members: [Kazakhstan], source: s, as_of: soon}\n", "as_of is a date", 2),
    ("groups: [\n", "cannot read the groups", 2),
])
def test_bad_groups_are_refused_with_file_and_line(tmp_path, text, message, line):
    folder = _corpus_with_groups(tmp_path, text)
    with pytest.raises(InputProblems) as caught:
        groups.load(folder)
    problem = caught.value.problems[0]
    assert message in problem.message and problem.line == line and problem.path.endswith("groups.yaml")


def test_check_command_reports_a_bad_groups_file(tmp_path):
    folder = _corpus_with_groups(tmp_path, "groups:\n  - {name: X, members: [Atlantis], source: s, as_of: 2026-01-01}\n")
    shutil.copy(CORPUS / "kazakhstan.yaml", folder / "kazakhstan.yaml")
    done = subprocess.run([sys.executable, "-m", "measuresearch.cli", "check", "--corpus", str(folder)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "groups.yaml:2:" in done.stderr and "'Atlantis'" in done.stderr


def test_a_build_refuses_a_bad_groups_file_and_keeps_the_live_index(tmp_path):
    folder = _corpus_with_groups(tmp_path, "groups:\n  - {name: X, members: [Atlantis], source: s, as_of: 2026-01-01}\n")
    shutil.copy(CORPUS / "kazakhstan.yaml", folder / "kazakhstan.yaml")
    with pytest.raises(InputProblems):
        indexer.build(folder, tmp_path / "index")
    assert not (tmp_path / "index" / "current").exists()


# --- the filter and the facet, against a brute-force scan ----------------------------------

@pytest.fixture(scope="module")
def spread():
    """Synthetic measures over every economy of the taxonomy, so that every group has measures."""
    names = taxonomy.load(CORPUS)
    return Generator(seed=5, countries=len(names.economy_names)).measures(900)


@pytest.fixture(scope="module")
def spread_client(make_module_index, spread):
    return falcon.testing.TestClient(create_app(make_module_index(spread)))


def _get(client, params):
    return client.simulate_get("/api/search", query_string=urllib.parse.urlencode(params)).json


def test_every_group_filter_and_count_matches_a_scan(spread_client, spread, raw_groups):
    body = _get(spread_client, [("per_page", "1")])
    facet = {f["value"]: f["count"] for f in body["facets"]["group"]}
    for name, group in raw_groups.items():
        members = set(group["members"])
        expected = sum(m.country in members for m in spread)
        assert expected > 0
        assert facet[name] == expected
        assert _get(spread_client, [("group", name)])["total"] == expected
        assert _get(spread_client, [("not_group", name)])["total"] == len(spread) - expected


@pytest.mark.parametrize("seed", range(8))
def test_groups_with_other_filters_match_a_scan(spread_client, spread, raw_groups, seed):
    rng = random.Random(seed)
    chosen = rng.sample(sorted(raw_groups), 2)
    left_out = rng.choice(sorted(raw_groups))
    pillar = rng.choice(sorted({m.pillar for m in spread}))
    params = [("group", g) for g in chosen] + [("not_group", left_out), ("pillar", pillar)]
    body = _get(spread_client, params)
    inside = set().union(*(raw_groups[g]["members"] for g in chosen))
    outside = set(raw_groups[left_out]["members"])

    def passes(m, skip=None):
        in_groups = skip == "group" or (m.country in inside and m.country not in outside)
        return in_groups and (skip == "pillar" or m.pillar == pillar)
    assert body["total"] == sum(passes(m) for m in spread)
    expected = {}
    for name, group in raw_groups.items():
        count = sum(passes(m, skip="group") and m.country in group["members"] for m in spread)
        if count:
            expected[name] = count
    got = {f["value"]: f["count"] for f in body["facets"]["group"]}
    assert {k: v for k, v in got.items() if v} == expected
    marks = {f["value"]: (f["selected"], f.get("excluded", False)) for f in body["facets"]["group"]}
    for name in chosen:
        assert marks[name][0] is True
    assert marks[left_out][1] is True
    countries = {f["value"]: f["count"] for f in body["facets"]["country"]}
    assert set(countries) <= (inside - outside) | set(dict(body["query"]["filters"]).get("country", []))


def test_an_alias_selects_its_group(spread_client):
    by_name = _get(spread_client, [("group", "EU")])
    by_alias = _get(spread_client, [("group", "EU-27")])
    assert by_alias["total"] == by_name["total"] > 0
    assert [f for f in by_alias["facets"]["group"] if f["value"] == "EU"][0]["selected"] is True


def test_an_unknown_group_is_a_notice_not_an_error(client):
    response = client.simulate_get("/api/search", params={"group": "Atlantis Pact"})
    assert response.status_code == 200
    assert response.json["total"] == 0
    assert any("Atlantis Pact" in str(n) for n in response.json.get("notices", []))


def test_groups_travel_with_the_build(tmp_path, real_measures):
    folder = _corpus_with_groups(tmp_path, "groups:\n  - {name: Steppe, members: [Kazakhstan, Mongolia], "
                                           "source: made up for this test, as_of: 2026-01-01}\n")
    shutil.copy(CORPUS / "kazakhstan.yaml", folder / "kazakhstan.yaml")
    indexer.build(folder, tmp_path / "index")
    holder = IndexHolder(tmp_path / "index")
    try:
        body = falcon.testing.TestClient(create_app(holder)).simulate_get("/api/search?group=Steppe").json
        assert body["total"] == len(real_measures) > 0
        assert [f["value"] for f in body["facets"]["group"]] == ["Steppe"]
    finally:
        holder.close()
