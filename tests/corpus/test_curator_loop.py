"""Issue 18, the whole loop: pages of one economy imported one by one, proposals sent to a real server,
accepted (a new measure and an edit), the pages re-imported with --prune, the index rebuilt under the
running server; then every record, every link and every citation is checked.

Everything runs as the curator runs it: the CLI in subprocesses (`python -m measuresearch.cli`) and
`measuresearch serve` under waitress (devtools/localserver.py). The pages are the seed page split per
sub-pillar (text unchanged), first in the seed's layout A, then again in the DTI's layouts E (one economy
line per page, or none and `--economy`) and G (`Coverage:`), each page also in B, C or D (the classification
and titles written otherwise); last the DTI changes one page: a date clause of layout I, sources of layout F
and a new indicator entry of layout H. The proposals and those changes are made up by the test and live only
in temporary folders. The loop runs twice: as it is, and with every import of several pages read in forked
page readers (which a real run uses from 8 MB of pages), forced in the subprocesses by a sitecustomize.
"""

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

from devtools import localserver

from conftest import CORPUS, SEED

CLI = [sys.executable, "-m", "measuresearch.cli"]
TOKEN = "curator-loop-token-0123456789abcdef"
DTI = "Digital Trade Integration"
SUB_PILLAR = re.compile(r"^Pillar .+?\|\s*Sub-pillar\s+(.+?)\s*$", re.M)
CLASSIFICATION = re.compile(r"(^Pillar .+?\|)(\s*)Sub-pillar ", re.M)
NEW_URL = "https://example.org/test-only/order-77-q?lang=en&x=1"
EDIT_URL = "https://example.org/test-only/de-minimis-2025"
NEW = {"country": "Kazakhstan", "pillar": "Content access", "sub_pillar": "Presence of Internet shutdowns",
       "titles": "Test-only Order No. 77-Q on regional connectivity pauses", "dates": "Reported in 2024",
       "description": "Test-only text: a reader reports two regional connectivity pauses in 2024.",
       "coverage": "Horizontal", "source_url": NEW_URL}
EDIT_OF = "kazakhstan-threshold-for-de-minimis-rule-283a48c4"
EDIT = {"country": "Kazakhstan", "pillar": "Online sales and transactions",
        "sub_pillar": "Threshold for ‘De Minimis’ rule", "titles": ["De minimis threshold"],
        "dates": ["Reported in 2021, last reported in 2025"],
        "description": "Test-only text: a reader says the de minimis threshold changed in 2025.",
        "coverage": "Horizontal", "source_url": EDIT_URL}
PRUNED = "kazakhstan-presence-of-internet-shutdowns-f645e4fa"
# What the DTI's page says in step 5 (made up by the test, in a temporary copy): a date clause of layout I,
# sources of layout F, and an indicator entry of layout H (status line, classification, label / number pairs).
REPORTED_AGAIN = "Reported in 2021, last reported in 2025"
PAGE_SOURCES = ["https://example.org/test-only/de-minimis-page", "https://example.org/test-only/customs-code"]
INDICATOR_VALUES = [("Effective tariff placeholder rate (test-only label)", 1.53, "%"),
                    ("Coverage rate of zero tariffs (test-only label)", 62.4, "%")]
INDICATOR_ENTRY = ["ITA signatory? No",
                   "Pillar Tariffs and trade defence measures applied on Information and Communication Technology "
                   "(ICT) goods  |  Indicator Effective tariff rate on ICT goods (applied weighted average)",
                   INDICATOR_VALUES[0][0], "1.53%", INDICATOR_VALUES[1][0], "62.40%",
                   "Coverage: Test-only indicator coverage"]
  # its block is left off the re-imported page


def cli(*argv, ok=True):
    done = subprocess.run(CLI + [str(a) for a in argv], capture_output=True, text=True, timeout=300)
    if ok:
        assert done.returncode == 0, f"{argv}: {done.stderr}"
    return done


def seed_pages(folder):
    """Split the seed page into one page per sub-pillar (blocks unchanged); return {sub-pillar: path}."""
    text = SEED.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^KAZAKHSTAN$", text, re.M)]
    blocks = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    by_sub = {}
    for block in blocks:
        by_sub.setdefault(SUB_PILLAR.search(block).group(1), []).append(block)
    pages = {}
    for n, (sub, group) in enumerate(by_sub.items()):
        pages[sub] = folder / f"kz-{n:02}.txt"
        pages[sub].write_text("Browse Database\n\n" + "".join(group), encoding="utf-8")
    return pages, by_sub


def other_layouts(pages, by_sub, left_off):
    """Write the pages again in the DTI's other layouts, the seed's entries unchanged.

    Every page: E (the economy line once above the first entry, none on the entries; the first page: no
    economy line at all, for `import --economy`) and G (`Coverage: <C>`). Then, page by page in turn, B
    (`Indicator` for `Sub-pillar`), C (the classification over two lines, no blank line anywhere, so the
    titles too stand line under line as in D) or D alone (no blank line between the titles). `left_off` names
    blocks the DTI no longer lists. Return the page that has no economy line.
    """
    bare = None
    for n, (sub, path) in enumerate(pages.items()):
        blocks = [relayout(b.replace("KAZAKHSTAN\n\n", "", 1).replace("\nCoverage ", "\nCoverage: "), "BCD"[n % 3])
                  for b in by_sub[sub] if not any(text in b for text in left_off)]
        economy = "" if bare is None else "KAZAKHSTAN\n\n"
        bare = bare or path
        path.write_text("Browse Database\n\n" + economy + "\n".join(blocks), encoding="utf-8")
    return bare


def relayout(block, layout):
    """Return one entry (no economy line) in layout B, C or D of the DTI's pages."""
    if layout == "B":
        return CLASSIFICATION.sub(r"\1\2Indicator ", block)
    if layout == "C":
        return "\n".join(line for line in CLASSIFICATION.sub(r"\1\nSub-pillar ", block).split("\n") if line.strip())
    head, classification, rest = block.partition(CLASSIFICATION.search(block).group(0))
    # after the classification: the titles, the description, the coverage if any, each on its own line
    return head + classification + "\n".join(line for line in rest.split("\n") if line.strip()) + "\n\n"


def fetch(url, data=None, headers=None, opener=None):
    """Return (status, headers, body text) of one request, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8")


def propose_through_the_form(base, fields):
    """Post the HTML form as a browser does (CSRF cookie and token); return the thank-you page's status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, _, page = fetch(base + "/propose", opener=opener)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
    status, _, page = fetch(base + "/propose", body, {"Content-Type": "application/x-www-form-urlencoded"}, opener)
    return status, page


def wait_for_build(base, old_id):
    for _ in range(300):
        index_id = json.loads(fetch(base + "/healthz")[2])["index_id"]
        if index_id != old_id:
            return index_id
        time.sleep(0.1)
    raise TimeoutError("the server did not pick up the new build")


# Loaded at the start of every subprocess (PYTHONPATH): each `import` of two pages or more reads them in two
# forked page readers whatever their size (real runs fork from 8 MB of pages), and leaves a file saying so.
FORKED_READERS = """
import os
from measuresearch import processes
from measuresearch.corpus import importer
importer.PARALLEL_FROM_BYTES = 0
importer._processes = lambda large: 2
_forked = processes.forked
def _noted(function, count, died):
    open(os.path.join({forks!r}, f"forked-{{os.getpid()}}-{{count}}"), "w").close()
    return _forked(function, count, died)
processes.forked = _noted
"""


@pytest.fixture(params=["one process", "forked page readers"])
def loop(tmp_path, monkeypatch, request):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("taxonomy.yaml", "groups.yaml"):
        shutil.copy(CORPUS / name, corpus / name)
    for name, value in {"MEASURESEARCH_DATA": tmp_path / "data", "MEASURESEARCH_CORPUS": corpus,
                        "MEASURESEARCH_ADMIN_TOKEN": TOKEN, "MEASURESEARCH_REPORT_LIMIT": "0"}.items():
        monkeypatch.setenv(name, str(value))
    (tmp_path / "pages").mkdir()
    forks = None
    if request.param == "forked page readers":
        forks, site = tmp_path / "forks", tmp_path / "site"
        forks.mkdir(), site.mkdir()
        (site / "sitecustomize.py").write_text(FORKED_READERS.format(forks=str(forks)), encoding="utf-8")
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    return corpus, tmp_path / "index", tmp_path / "pages", forks


def test_the_curators_loop_end_to_end(loop):
    corpus, index, page_folder, forks = loop
    pages, by_sub = seed_pages(page_folder)
    assert len(pages) == 14 and sum(map(len, by_sub.values())) == 15

    # 1. each page in a run of its own, with --prune: no page prunes another's measures
    for sub, path in pages.items():
        out = cli("import", path, "--out", corpus, "--prune").stdout
        assert out.endswith(f"{len(by_sub[sub])} added, 0 changed, 0 unchanged, 0 missing from the page\n"), out
    first = {m["id"]: m for m in yaml.safe_load((corpus / "kazakhstan.yaml").read_text())["measures"]}
    assert set(first) == {m["id"] for m in yaml.safe_load((CORPUS / "kazakhstan.yaml").read_text())["measures"]}
    assert {(m["source"]["kind"], m["source"]["name"]) for m in first.values()} == \
        {("dti_page", path.name) for path in pages.values()}
    cli("check", "--corpus", corpus)
    cli("index", "--corpus", corpus, "--index", index)

    process, base, _ = localserver.start(index)
    try:
        # 2. a reader proposes a new measure through the form, another an edit through the JSON API
        status, page = propose_through_the_form(base, NEW)
        assert status == 200 and "Thank you" in page
        status, _, body = fetch(base + "/api/proposals", json.dumps(EDIT).encode(),
                                {"Content-Type": "application/json"})
        assert status == 201, body
        queue = json.loads(fetch(base + "/admin/reports.json", headers={"Authorization": f"Bearer {TOKEN}"})[2])
        edit, new = sorted(queue["proposals"], key=lambda p: p["proposal"]["titles"][0])
        assert new["edit_of"] is None and edit["edit_of"]["id"] == EDIT_OF
        # and its address, which the accept adds to the record's sources
        assert {c["field"] for c in edit["edit_of"]["changes"]} == {"dates", "description", "sources"}
        listed = cli("proposals").stdout
        assert f"edit of {EDIT_OF}" in listed and listed.count("edit of ") == 1

        # 3. the curator accepts both: the edit only as an edit, the new one only as new
        refused = cli("proposals", "accept", edit["id"], ok=False)
        assert refused.returncode == 2 and f"is an edit of {EDIT_OF}" in refused.stderr
        assert cli("proposals", "accept", new["id"], "--as-edit", ok=False).returncode == 2
        accepted = cli("proposals", "accept", new["id"]).stdout
        new_id = re.search(r"accepted as (\S+);", accepted).group(1)
        assert new_id not in first and "1 added, 0 changed" in accepted
        assert f"accepted as {EDIT_OF};" in cli("proposals", "accept", edit["id"], "--as-edit").stdout
        edited = {m["id"]: m for m in yaml.safe_load((corpus / "kazakhstan.yaml").read_text())["measures"]}
        assert edited[EDIT_OF]["description"] == EDIT["description"] and edited[EDIT_OF]["sources"] == [EDIT_URL]
        assert edited[EDIT_OF]["source"] == first[EDIT_OF]["source"] and len(edited) == 16
        assert edited[EDIT_OF]["edited"]["by"] == f"proposal {edit['id']}"

        # 4. every page again, now in the DTI's layouts E and G and one of B, C, D, the shutdowns page without one of its two
        # entries, with --prune, in two runs: the page without economy line (--economy), then the rest
        # (the de minimis page still says what the accepted edit replaced, so the edit stands; the
        # contributed measure is no page's to prune)
        shutdowns = pages["Presence of Internet shutdowns"]
        bare = other_layouts(pages, by_sub, left_off=["Reported in 2019, last reported in 2022"])
        assert bare != shutdowns and not bare.read_text(encoding="utf-8").count("KAZAKHSTAN")
        assert bare == pages["Threshold for ‘De Minimis’ rule"]  # the page of the edited record
        out = cli("import", bare, "--out", corpus, "--prune", "--economy", "Kazakhstan").stdout
        assert out.endswith("0 added, 0 changed, 1 unchanged, 0 missing from the page; "
                            "1 accepted edit(s) kept (their page still says what they replaced)\n"), out
        rest = [path for path in pages.values() if path != bare]
        out = cli("import", *rest, "--out", corpus, "--prune").stdout
        assert out.endswith("0 added, 0 changed, 13 unchanged, 1 missing from the page (removed, tombstones kept)\n")
        kept = {m["id"]: m for m in yaml.safe_load((corpus / "kazakhstan.yaml").read_text())["measures"]}
        assert kept[EDIT_OF] == {**edited[EDIT_OF], "last_imported": kept[EDIT_OF]["last_imported"]}

        # 4b. the DTI lists sources under the de minimis entry (layout F), its text unchanged: the edit stands and
        # gains them, after the reader's address
        de_minimis_f = corpus.parent / "de-minimis-layout-f.txt"
        de_minimis_f.write_text(pages["Threshold for ‘De Minimis’ rule"].read_text(encoding="utf-8").replace(
            "\nCoverage: Horizontal\n", "\nCoverage: Horizontal\n" + "".join(
                f"- {address}\n" for address in PAGE_SOURCES) + "- Show more...\n", 1), encoding="utf-8")
        out = cli("import", de_minimis_f, "--out", corpus, "--economy", "Kazakhstan").stdout
        assert out.endswith("0 added, 0 changed, 1 unchanged, 0 missing from the page; "
                            "1 accepted edit(s) kept (their page still says what they replaced)\n"), out
        grown = {m["id"]: m for m in yaml.safe_load((corpus / "kazakhstan.yaml").read_text())["measures"]}[EDIT_OF]
        assert grown == {**kept[EDIT_OF], "sources": [EDIT_URL, *PAGE_SOURCES]}

        # 4c. the DTI changes only the entry's coverage, which the edit left alone (in this temporary copy): the page's
        # coverage is taken, the edit's dates and description stand; the same page again changes nothing
        widened = corpus.parent / "de-minimis-coverage.txt"
        widened.write_text(de_minimis_f.read_text(encoding="utf-8").replace(
            "\nCoverage: Horizontal\n", "\nCoverage: Horizontal, goods\n", 1), encoding="utf-8")
        out = cli("import", widened, "--out", corpus, "--economy", "Kazakhstan").stdout
        assert out.endswith("0 added, 1 changed, 0 unchanged, 0 missing from the page; the accepted edit of "
                            f"{EDIT_OF} kept beside the page's changes to other fields\n"), out
        merged = {m["id"]: m for m in yaml.safe_load((corpus / "kazakhstan.yaml").read_text())["measures"]}[EDIT_OF]
        assert merged["coverage"] == "Horizontal, goods" and merged["description"] == EDIT["description"]
        assert merged["dates"] == grown["dates"] and merged["edited"]["by"] == grown["edited"]["by"]
        out = cli("import", widened, "--out", corpus, "--economy", "Kazakhstan").stdout
        assert out.endswith("0 added, 0 changed, 1 unchanged, 0 missing from the page; "
                            "1 accepted edit(s) kept (their page still says what they replaced)\n"), out

        # 5. the DTI changes the de minimis page (in this temporary copy): a figure, a date clause of layout I,
        # sources of layout F; and the page gains an indicator entry of layout H. Its text replaces the edit.
        de_minimis = pages["Threshold for ‘De Minimis’ rule"]
        text = de_minimis.read_text(encoding="utf-8").replace("is USD 580.", "is USD 600.")
        text = text.replace("Reported in 2021\n", f"{REPORTED_AGAIN}\n", 1)
        text = text.replace("\nCoverage: Horizontal\n", "\nCoverage: Horizontal\n" + "".join(
            f"- {address}\n" for address in PAGE_SOURCES) + "- Show more...\n", 1)
        de_minimis.write_text(text.rstrip("\n") + "\n\n" + "\n".join(INDICATOR_ENTRY) + "\n", encoding="utf-8")
        out = cli("import", de_minimis, "--out", corpus, "--prune", "--economy", "Kazakhstan").stdout
        assert f"{de_minimis}: read 2 entries: 1 measures, 1 indicators" in out, out
        assert out.endswith("1 added, 1 changed, 0 unchanged, 0 missing from the page; "
                            f"the page's new text replaces the accepted edit of {EDIT_OF}\n"), out
        cli("check", "--corpus", corpus)
        old_build = json.loads(fetch(base + "/healthz")[2])["index_id"]
        cli("index", "--corpus", corpus, "--index", index)
        wait_for_build(base, old_build)

        # 6. every record, every link, every citation
        document = yaml.safe_load((corpus / "kazakhstan.yaml").read_text())
        records = {m["id"]: m for m in document["measures"]}
        (indicator_id,) = set(records) - set(first) - {new_id}
        assert set(records) == set(first) - {PRUNED} | {new_id, indicator_id}
        for measure_id, record in records.items():
            check_record(base, record, first.get(measure_id))
        assert records[EDIT_OF]["description"] == first[EDIT_OF]["description"].replace("USD 580", "USD 600")
        # no source is dropped: the reader's address stays, the page's follow it
        assert records[EDIT_OF]["dates"] == [REPORTED_AGAIN] and records[EDIT_OF]["sources"] == [EDIT_URL,
                                                                                                 *PAGE_SOURCES]
        indicator = records[indicator_id]
        assert indicator["kind"] == "indicator" and indicator["status"] == INDICATOR_ENTRY[0]
        assert [(v["label"], v["value"], v["unit"]) for v in indicator["values"]] == INDICATOR_VALUES
        served = json.loads(fetch(f"{base}/api/search?q=tariff+placeholder")[2])
        assert [hit["id"] for hit in served["hits"]] == [indicator_id]
        assert "edited" not in records[EDIT_OF] and records[new_id]["sources"] == [NEW_URL]
        (tomb,) = document["removed"]
        assert tomb["id"] == PRUNED and tomb["reason"] == "pruned" and tomb["record"] == first[PRUNED]
        check_removed(base, shutdowns.name)

        # 7. the curator withdraws a page's record and the contributed one; the page again leaves its record out,
        # saying so; after a rebuild under the running server both links answer 410, saying why
        withdrawn = next(measure_id for measure_id, record in sorted(first.items())
                         if measure_id not in (PRUNED, EDIT_OF) and record["sub_pillar"] in pages
                         and len(by_sub[record["sub_pillar"]]) == 1)
        for measure_id in (withdrawn, new_id):
            assert f"withdrew {measure_id}" in cli("withdraw", measure_id, "--corpus", corpus).stdout
        out = cli("import", pages[first[withdrawn]["sub_pillar"]], "--out", corpus, "--prune",
                  "--economy", "Kazakhstan").stdout
        assert "1 withdrawn by the curator, left out" in out, out
        cli("check", "--corpus", corpus)
        left = {m["id"] for m in yaml.safe_load((corpus / "kazakhstan.yaml").read_text())["measures"]}
        assert left == set(records) - {withdrawn, new_id}
        old_build = json.loads(fetch(base + "/healthz")[2])["index_id"]
        cli("index", "--corpus", corpus, "--index", index)
        wait_for_build(base, old_build)
        for measure_id in (withdrawn, new_id):
            status, _, body = fetch(f"{base}/api/measures/{measure_id}")
            assert status == 410 and "withdrawn by the curator" in json.loads(body)["error"]["message"]
        for measure_id in sorted(left)[:3]:
            assert fetch(f"{base}/api/measures/{measure_id}")[0] == 200
        if forks is not None:  # the runs of several pages (the 13 other pages...) went through two readers
            noted = [path.name for path in forks.iterdir()]
            assert noted and all(name.endswith("-2") for name in noted), noted
    finally:
        localserver.stop(process)


def check_record(base, record, before):
    """A live record: its page and JSON answer 200 with its source; its citations credit the right source."""
    measure_id = record["id"]
    status, _, body = fetch(f"{base}/api/measures/{measure_id}")
    assert status == 200, measure_id
    served = json.loads(body)
    assert served["source"] == record["source"] and served["description"] == record["description"]
    if before is not None:  # a DTI record: the source of its first import, kept
        assert record["source"] == before["source"] and record["source"]["kind"] == "dti_page"
    status, _, page = fetch(f"{base}/measures/{measure_id}")
    assert status == 200
    contributed = record["source"]["kind"] == "proposal"
    for fmt in ("bibtex", "ris", "csl-json", "text"):
        status, _, citation = fetch(f"{base}/api/measures/{measure_id}/cite?format={fmt}")
        assert status == 200 and f"/measures/{measure_id}" in citation
        if contributed:
            assert DTI not in citation and f"contributed ({record['source']['name']})" in citation, fmt
        else:
            assert DTI in citation and "contributed" not in citation, fmt
    if contributed:
        assert record["source"]["url"] == NEW_URL
        assert f'contributed ({record["source"]["name"]}), source <a href="{NEW_URL.replace("&", "&amp;")}"' in page


def check_removed(base, page_name):
    """The pruned measure: 410, and its message says which page no longer lists it."""
    status, _, body = fetch(f"{base}/api/measures/{PRUNED}")
    assert status == 410
    message = json.loads(body)["error"]["message"]
    assert f"the DTI page {page_name} no longer lists it" in message
    status, _, page = fetch(f"{base}/measures/{PRUNED}")
    assert status == 410 and f"the DTI page {page_name} no longer lists it" in page
    assert fetch(f"{base}/api/measures/{PRUNED}/cite?format=text")[0] == 410
