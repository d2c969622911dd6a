"""Citations and absolute URLs: /api/measures/{id}/cite, the measure page's citation box, CSV exports."""

import csv
import datetime
import io
import json
import os
import re
import shutil
import subprocess

import bibtexparser
import falcon.testing
import pytest

from measuresearch.web.app import create_app

from conftest import Prefixed

TODAY = datetime.datetime.now(datetime.UTC).date()


@pytest.fixture()
def proxied(holder):
    return Prefixed(falcon.testing.TestClient(create_app(holder, base_url="https://trade.example.org/dti/")), "/dti")


@pytest.fixture()
def measure(client):
    return client.simulate_get("/api/search", params={"q": "shutdowns"}).json["hits"][0]


def test_bibtex(proxied, measure):
    response = proxied.simulate_get(f"/api/measures/{measure['id']}/cite", params={"format": "bibtex"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-bibtex")
    text = response.text
    assert text.startswith("@misc{dti-") and text.count("{") == text.count("}")
    assert f"url = {{https://trade.example.org/dti/measures/{measure['id']}}}" in text
    assert f"urldate = {{{TODAY.isoformat()}}}" in text
    assert "Digital Trade Integration (DTI) database" in text


def test_ris(proxied, measure):
    text = proxied.simulate_get(f"/api/measures/{measure['id']}/cite", params={"format": "ris"}).text
    lines = text.split("\r\n")
    assert lines[0] == "TY  - DBASE" and lines[-2] == "ER  -" and lines[-1] == ""
    tags = dict(line.split("  - ", 1) for line in lines[:-2] if "  - " in line)
    assert tags["UR"] == f"https://trade.example.org/dti/measures/{measure['id']}"
    assert tags["TI"] == measure["titles"][0] and tags["Y2"] == TODAY.strftime("%Y/%m/%d")
    assert tags["DB"] == "Digital Trade Integration (DTI) database"


def test_csl_json(proxied, measure):
    response = proxied.simulate_get(f"/api/measures/{measure['id']}/cite", params={"format": "csl-json"})
    items = json.loads(response.text)
    assert len(items) == 1
    item = items[0]
    assert item["URL"] == f"https://trade.example.org/dti/measures/{measure['id']}"
    assert item["title"] == measure["titles"][0] and item["container-title"].startswith("Digital Trade")
    assert item["accessed"] == {"date-parts": [[TODAY.year, TODAY.month, TODAY.day]]}


def test_text_uses_the_request_host_without_a_base_url(client, measure):
    text = client.simulate_get(f"/api/measures/{measure['id']}/cite", params={"format": "text"},
                               headers={"Host": "mirror.example:8080"}).text
    assert f"http://mirror.example:8080/measures/{measure['id']}" in text
    assert f"accessed {TODAY.day} {TODAY:%B} {TODAY.year}" in text


@pytest.mark.parametrize("query, status, parameter", [("format=docx", 400, "format"), ("style=apa", 400, "style"),
                                                      ("format=ris&format=text", 400, "format")])
def test_bad_cite_parameters(client, measure, query, status, parameter):
    response = client.simulate_get(f"/api/measures/{measure['id']}/cite?{query}")
    assert response.status_code == status and response.json["error"]["parameter"] == parameter


def test_unknown_measure_is_404(client):
    assert client.simulate_get("/api/measures/no-such-measure/cite?format=bibtex").status_code == 404


def test_a_bibtex_special_character_is_escaped(make_index):
    from conftest import make_measure
    holder = make_index([make_measure("Order No. 5 on 100% of {braces} & data_flows", "Text.")])
    client = falcon.testing.TestClient(create_app(holder))
    measure_id = client.simulate_get("/api/search").json["hits"][0]["id"]
    text = client.simulate_get(f"/api/measures/{measure_id}/cite?format=bibtex").text
    assert r"100\% of {\textbraceleft}braces{\textbraceright} \& data\_flows" in text


# titles a BibTeX entry must carry whole: every character BibTeX or LaTeX reads specially, braces unbalanced
BIBTEX_TITLES = ["Order {draft No. 5 on advertising", "Order } on advertising", "Orders }{ the wrong way round",
                 "Path C:\\data\\ and \\{ a brace after a backslash", "Up to 100% of data", "Law #5", "R&D rules",
                 "Art.~5", "x^2 rule", "data_flows", "A $5 fee", "{balanced} braces", "@misc{evil, url={x}}",
                 "all of them: {}}{ \\ % # & ~ ^ _ $ \" ,"]
# what LaTeX prints for each command and escape an entry may hold (the LaTeX manual's meaning, not our table)
LATEX_MEANING = [(r"{\textbraceleft}", "{"), (r"{\textbraceright}", "}"), (r"{\textbackslash}", "\\"),
                 (r"\textbraceleft{}", "{"), (r"\textbraceright{}", "}"), (r"\textbackslash{}", "\\"),
                 (r"{\textasciitilde}", "~"), (r"{\textasciicircum}", "^"), (r"\~{}", "~"), (r"\^{}", "^"),
                 (r"\%", "%"), (r"\#", "#"), (r"\&", "&"), (r"\_", "_"), (r"\$", "$")]


def _balanced_as_bibtex_counts(value):
    """BibTeX ends a field at the brace that closes its first one, and a backslash escapes no brace."""
    depth = 0
    for char in value:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def _latex_text(value):
    """Return a field's text as LaTeX prints it (one pass: a printed backslash starts no command)."""
    meanings = dict(LATEX_MEANING)
    return re.sub("|".join(re.escape(command) for command, _ in LATEX_MEANING), lambda m: meanings[m.group()],
                  value)


@pytest.fixture()
def hostile_titles(make_index):
    from conftest import make_measure
    measures = [make_measure(title, "Text.") for title in BIBTEX_TITLES]
    return falcon.testing.TestClient(create_app(make_index(measures))), measures


def test_a_bibtex_entry_has_every_field_whatever_its_title_holds(hostile_titles):
    # "Order {draft" was written "\{draft": BibTeX counts that brace, so the entry never closed (no url, no urldate)
    client, measures = hostile_titles
    for measure in measures:
        text = client.simulate_get(f"/api/measures/{measure.id}/cite", params={"format": "bibtex"}).text
        assert _balanced_as_bibtex_counts(text), text
        [entry] = bibtexparser.loads(text).entries  # an independent parser
        assert entry["ENTRYTYPE"] == "misc" and entry["ID"] == f"dti-{measure.id}"
        assert set(entry) == {"ENTRYTYPE", "ID", "title", "author", "howpublished", "url", "urldate", "note"}, text
        assert all(_balanced_as_bibtex_counts(value) for value in entry.values()), entry
        assert entry["url"] == f"http://falconframework.org/measures/{measure.id}"
        assert entry["urldate"] == TODAY.isoformat()
        assert _latex_text(entry["title"]) == "{" + measure.titles[0] + "}", entry["title"]  # kept as written
        assert entry["note"].startswith("Testland; Content access") and entry["author"].startswith("{Digital Trade")


@pytest.mark.skipif(shutil.which("bibtex") is None, reason="BibTeX itself is not installed")
def test_bibtex_itself_reads_every_field(hostile_titles, tmp_path):
    client, measures = hostile_titles
    (tmp_path / "refs.bib").write_text("\n".join(
        client.simulate_get(f"/api/measures/{m.id}/cite", params={"format": "bibtex"}).text for m in measures))
    # a style that writes each entry's url and urldate, one line each, as BibTeX read them
    (tmp_path / "fields.bst").write_text(
        'ENTRY { title author howpublished url urldate note } {} {}\n'
        'FUNCTION {misc} { "@" cite$ * write$ newline$ "url=" url * write$ newline$ '
        '"urldate=" urldate * write$ newline$ }\nREAD\nITERATE {call.type$}\n')
    (tmp_path / "fields.aux").write_text("\\citation{*}\n\\bibstyle{fields}\n\\bibdata{refs}\n")
    run = subprocess.run(["bibtex", "fields"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "BSTINPUTS": ".", "BIBINPUTS": ".", "openout_any": "a"})
    log = (tmp_path / "fields.blg").read_text()
    assert run.returncode == 0 and "error message" not in log and "Warning" not in log, log
    assert (tmp_path / "fields.bbl").read_text().split() == [
        line for m in measures for line in (f"@dti-{m.id}", f"url=http://falconframework.org/measures/{m.id}",
                                            f"urldate={TODAY.isoformat()}")]


def test_measure_page_has_a_citation_box(proxied, measure):
    html = proxied.simulate_get(f"/measures/{measure['id']}").text
    assert "Cite this measure" in html
    for fmt in ("bibtex", "ris", "csl-json", "text"):
        assert f'href="/dti/api/measures/{measure["id"]}/cite?format={fmt}"' in html
    assert f"https://trade.example.org/dti/measures/{measure['id']}" in html


def test_csv_export_has_absolute_urls_and_its_build(proxied):
    response = proxied.simulate_get("/api/search.csv", params={"q": "internet"})
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    health = proxied.simulate_get("/healthz").json
    assert rows
    for row in rows:
        assert row["url"] == f"https://trade.example.org/dti/measures/{row['id']}"
        assert (row["index_id"], row["index_built_at"]) == (health["index_id"], health["index_built_at"])
        # where the record came from, as the corpus says (the real corpus: the seed page)
        record = proxied.simulate_get(f"/api/measures/{row['id']}").json
        assert (row["source_kind"], row["source_name"], row["source_url"], row["first_imported"],
                row["last_imported"]) == (record["source"]["kind"], record["source"]["name"], "",
                                          record["source"]["first_imported"], record["last_imported"])
        assert row["source_kind"] == "dti_page"
    exported = proxied.simulate_get("/api/search.json", params={"q": "internet"}).json["measures"]
    assert {m["source"]["name"] for m in exported} == {"dti_kazakhstan.txt"}


@pytest.mark.parametrize("value", ["ftp://x.org", "example.org", "https://", "https://x.org/?a=1",
                                   # the links of a path that begins "//" name another host; ".." is no path served
                                   "https://x.org//dti", "https://x.org/a//dti", "https://x.org/a/../dti",
                                   "https://x.org/./dti", "https://x.org/dti/.."])
def test_a_bad_base_url_is_refused(value):
    from measuresearch.config import checked_base_url
    from measuresearch.errors import InvalidParameter
    with pytest.raises(InvalidParameter):
        checked_base_url(value)


@pytest.mark.parametrize("value, kept", [("https://x.org", "https://x.org"), ("https://x.org/", "https://x.org"),
                                         ("https://x.org/dti/", "https://x.org/dti"), ("https://x.org/a.b/c", None)])
def test_a_good_base_url_is_kept_without_its_trailing_slash(value, kept):
    from measuresearch.config import checked_base_url
    assert checked_base_url(value) == (kept or value)


def test_serve_refuses_a_bad_base_url():
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "measuresearch.cli", "serve", "--base-url", "example.org",
                           "--index", "/nonexistent"], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "--base-url must look like" in done.stderr


def test_a_contribution_is_credited_to_the_reader_and_its_source_not_the_dti(make_index):
    import feedparser

    from conftest import make_measure
    from measuresearch.domain import provenance

    url = "https://example.org/order-77-q?x=1&y=2"
    dti = make_measure("Test-only DTI-sourced law", "A test-only measure as a DTI page gives it.")
    dti.source = provenance.new_source("dti_page", "kazakhstan.txt", None, "2026-01-02")
    ours = make_measure("Test-only contributed order", "A test-only measure a reader sent.")
    ours.source = provenance.new_source("proposal", "proposal 7", url, "2026-01-03")
    ours.sources = [url]
    client = falcon.testing.TestClient(create_app(make_index([dti, ours]), base_url="https://t.example/"))
    credit = f"contributed (proposal 7), source {url}"

    def cite(measure, fmt):
        return client.simulate_get(f"/api/measures/{measure.id}/cite", params={"format": fmt}).text
    for fmt in ("bibtex", "ris", "csl-json", "text"):
        assert "Digital Trade Integration" in cite(dti, fmt), fmt
        text = cite(ours, fmt)
        assert "Digital Trade Integration" not in text and "DTI" not in text, fmt
    bib = cite(ours, "bibtex")
    assert "contributed (proposal 7), source https://example.org/order-77-q?x=1\\&y=2" in bib
    assert f"N1  - {credit}\r\n" in cite(ours, "ris")
    assert json.loads(cite(ours, "csl-json"))[0]["note"].endswith(credit)
    assert credit in cite(ours, "text")
    page = client.simulate_get(f"/measures/{ours.id}").text
    assert 'contributed (proposal 7), source <a href="https://example.org/order-77-q?x=1&amp;y=2"' in page
    assert "Digital Trade Integration" not in page.split('class="source"')[1].split("</dd>")[0]
    assert "the DTI page kazakhstan.txt" in client.simulate_get(f"/measures/{dti.id}").text
    # the citation box says what its citations say: the reader's contribution, not the DTI, as the source
    note = page.split('class="cite-note">')[1].split("</p>")[0]
    assert "DTI" not in note and "contribution" in note
    assert "the DTI as the source" in client.simulate_get(f"/measures/{dti.id}").text
    feed = feedparser.parse(client.simulate_get("/api/search.atom").text)
    (entry,) = [e for e in feed.entries if e.id.endswith(ours.id)]
    assert entry.author == credit and entry.summary.endswith(credit)


def test_an_undated_indicator_is_cited_without_an_empty_date_part(make_index):
    """An indicator imported without a date line has `dates: []`: no "; ." in the BibTeX note, no empty RIS N1."""
    import dataclasses

    from conftest import make_measure
    measure = make_measure("Effective tariff rate (test-only)", "", dates=(),
                           pillar="Tariffs and trade defence measures applied on Information and Communication "
                                  "Technology (ICT) goods",
                           sub_pillar="Effective tariff rate on ICT goods (applied weighted average)")
    indicator = dataclasses.replace(measure, kind="indicator", coverage=None,
                                    values=[{"label": "Effective tariff rate (test-only)", "value": 1.53, "unit": "%"}])
    client = falcon.testing.TestClient(create_app(make_index([indicator])))
    bibtex = client.simulate_get(f"/api/measures/{indicator.id}/cite", params={"format": "bibtex"}).text
    note = next(line for line in bibtex.splitlines() if line.strip().startswith("note"))
    assert "; ." not in note and ";." not in note, note
    ris = client.simulate_get(f"/api/measures/{indicator.id}/cite", params={"format": "ris"}).text
    assert all(line.strip() != "N1  -" for line in ris.splitlines()), ris
