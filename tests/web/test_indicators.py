"""Numeric indicators and an entry's sources, from a page read by the importer to every place that shows them.

The page is made up at test time (placeholder names and numbers, example.org
addresses), read with the page reader, indexed, and served by the app.
"""

import csv
import io
import json
import re
import shutil
import subprocess
import sys

import falcon.testing
import pytest

from measuresearch.corpus.sources import dti_page
from measuresearch.web.app import create_app

from conftest import CORPUS

P1 = "Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods"
PAGE = f"""KAZAKHSTAN

ITA signatory? I II

Pillar {P1}  |  Indicator Effective tariff rate on ICT goods (applied weighted average)
Placeholder effective tariff rate
1.53%
Placeholder coverage rate of zero tariffs
62.40%
Coverage: Placeholder ICT goods

KAZAKHSTAN

Since March 2015, as amended in 2019, enforcement from 2019
Reported in 2020

Pillar Content access  |  Sub-pillar Restrictions on online advertising
Placeholder first law
Placeholder second law
Placeholder description of an advertising rule.
Coverage Horizontal
- https://example.org/law?a=1&b=<b>
- Show more...
"""


@pytest.fixture()
def served(make_index):
    measures, problems = dti_page.parse_page(PAGE, "page.txt")
    assert problems == []
    indicator, measure = measures
    return falcon.testing.TestClient(create_app(make_index(measures))), indicator, measure


def test_an_indicator_is_found_by_its_label_with_its_values(served):
    client, indicator, _ = served
    hits = client.simulate_get("/api/search", params={"q": "zero tariffs"}).json["hits"]
    assert [h["id"] for h in hits] == [indicator.id]
    hit = hits[0]
    assert hit["kind"] == "indicator" and hit["status"] == "ITA signatory? I II"
    assert hit["values"] == [{"label": "Placeholder effective tariff rate", "value": 1.53, "unit": "%"},
                             {"label": "Placeholder coverage rate of zero tariffs", "value": 62.4, "unit": "%"}]
    assert any(m["field"] == "titles" for m in hit["matched"])
    page = client.simulate_get("/", params={"q": "zero tariffs"}).text
    assert "<b>62.4%</b>" in page and "<b>1.53%</b>" in page and "ITA signatory? I II" in page
    assert "<mark>zero</mark> <mark>tariffs</mark>" in page


def test_the_measure_page_shows_values_sources_and_each_title_with_its_dates(served):
    client, indicator, measure = served
    page = client.simulate_get(f"/measures/{indicator.id}").text
    assert "<th scope=\"row\">Placeholder effective tariff rate</th><td>1.53%</td>" in page
    page = client.simulate_get(f"/measures/{measure.id}").text
    assert '<a href="https://example.org/law?a=1&amp;b=&lt;b&gt;" rel="nofollow noopener noreferrer">' in page
    assert "<b>" not in page.split('class="plain sources"')[1].split("</dd>")[0]
    text = re.sub(r"<[^>]+>", "", page)  # the title and its dates are marked apart, each in its language
    assert "Placeholder first law: Since March 2015, as amended in 2019, enforcement from 2019" in text
    assert "Placeholder second law: Reported in 2020" in text
    assert "enforcement from 2019" in page.split("Date events")[1]
    record = client.simulate_get(f"/api/measures/{measure.id}").json
    assert record["sources"] == ["https://example.org/law?a=1&b=<b>"] and record["kind"] == "measure"
    assert [e["kind"] for e in record["events"]] == ["since", "amended", "enforcement", "reported"]
    assert [e["event"] for e in record["events"]] == ["in_force", "amended", "in_force", "reported"]


def test_exports_carry_kind_status_values_and_sources(served):
    client, indicator, measure = served
    rows = list(csv.DictReader(io.StringIO(client.simulate_get("/api/search.csv").text.lstrip("\ufeff"))))
    by_id = {row["id"]: row for row in rows}
    assert by_id[indicator.id]["kind"] == "indicator" and by_id[indicator.id]["status"] == "ITA signatory? I II"
    assert by_id[indicator.id]["values"] == ("Placeholder effective tariff rate: 1.53%\n"
                                             "Placeholder coverage rate of zero tariffs: 62.4%")
    assert by_id[measure.id]["sources"] == "https://example.org/law?a=1&b=<b>"
    exported = {m["id"]: m for m in client.simulate_get("/api/search.json").json["measures"]}
    assert exported[indicator.id]["values"] == indicator.values and exported[measure.id]["kind"] == "measure"


def test_the_matrix_counts_indicators_like_measures(served):
    client, _, _ = served
    matrix = client.simulate_get("/api/matrix", params={"rows": "country", "cols": "pillar"}).json
    assert matrix["total"] == 2
    assert {(c["row"], c["col"]): c["count"] for c in matrix["cells"]} == {
        ("Kazakhstan", P1): 1, ("Kazakhstan", "Content access"): 1}


def test_through_the_command_line_import_index_and_search(tmp_path):
    """The same page without its economy lines, through real processes: import --economy, index, search."""
    corpus_dir, index_dir, page = tmp_path / "corpus", tmp_path / "index", tmp_path / "page.txt"
    corpus_dir.mkdir()
    for name in ("taxonomy.yaml", "groups.yaml"):
        shutil.copy(CORPUS / name, corpus_dir / name)
    page.write_text(PAGE.replace("KAZAKHSTAN\n", ""), encoding="utf-8")
    cli = [sys.executable, "-m", "measuresearch.cli"]
    refused = subprocess.run(cli + ["import", str(page), "--out", str(corpus_dir)], capture_output=True, text=True)
    assert refused.returncode != 0 and f"{page}:2: " in refused.stderr and "--economy" in refused.stderr
    done = subprocess.run(cli + ["import", str(page), "--out", str(corpus_dir), "--economy", "Kazakhstan"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"{page}: read 2 entries: 1 measures, 1 indicators"
    assert done.stdout.splitlines()[1].endswith("kazakhstan.yaml: 2 added, 0 changed, 0 unchanged, "
                                                "0 missing from the page")
    subprocess.run(cli + ["index", "--corpus", str(corpus_dir), "--index", str(index_dir)], check=True,
                   capture_output=True)
    found = subprocess.run(cli + ["search", "coverage rate", "--json", "--index", str(index_dir)],
                           capture_output=True, text=True, check=True)
    (hit,) = json.loads(found.stdout)["hits"]
    assert hit["kind"] == "indicator" and hit["country"] == "Kazakhstan" and hit["status"] == "ITA signatory? I II"
    assert [v["value"] for v in hit["values"]] == [1.53, 62.4]
