"""Issue 11: re-importing DTI pages (replayed on edited copies of the real page)."""

import datetime
import shutil

import falcon.testing
import pytest
import yaml

from measuresearch.corpus import files as corpus
from measuresearch.corpus import importer
from measuresearch.index.build import indexer
from measuresearch.index.engine import IndexHolder
from measuresearch.errors import InputProblems
from measuresearch.web.app import create_app

from conftest import CORPUS, SEED


def _page(tmp_path, text, name="page.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _files(folder):
    """Return the corpus files of a folder (not the lock) by name."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")} if folder.exists() else {}


def _line_of(text, fragment):
    return text[:text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize("old, new, message", [
    ("Pillar Content access", "Pillar Data policies",
     "unknown pillar 'Data policies'; did you mean 'Domestic data policies' or 'Cross-border data policies'? "
     "To add a new one, edit pillars in "),
    ("KAZAKHSTAN\n\nSince December 2003", "KAZAKSTAN\n\nSince December 2003",
     "unknown economy 'KAZAKSTAN'; did you mean 'Kazakhstan'"),
    ("Sub-pillar Presence of Internet shutdowns", "Sub-pillar Presence of Internet shutdown\n",
     "unknown sub-pillar of 'Content access' 'Presence of Internet shutdown'; did you mean "
     "'Presence of Internet shutdowns'?"),
])
def test_unknown_names_are_refused_before_anything_is_written(tmp_path, old, new, message):
    seed = SEED.read_text(encoding="utf-8")
    edited = seed.replace(old, new, 1)
    assert edited != seed
    page = _page(tmp_path, edited)
    out = tmp_path / "out"
    importer.import_pages([_page(tmp_path, seed, "seed.txt")], out)
    before = _files(out)
    with pytest.raises(InputProblems) as caught:
        importer.import_pages([page], out)
    assert [f"{p.path}:{p.line}" for p in caught.value.problems] == [f"{page}:{_line_of(edited, new.strip())}"]
    assert caught.value.problems[0].message.startswith(message)
    assert "taxonomy.yaml" in caught.value.problems[0].message
    assert _files(out) == before


# --- identity: replayed update scenarios on edited copies of the real page ---------------------

ADVERTISING = "KAZAKHSTAN\n\nSince December 2003"
# The second of the two "Presence of Internet shutdowns": the page still lists its sub-pillar without it.
SHUTDOWNS_2019 = "KAZAKHSTAN\n\nReported in 2019, last reported in 2022"
SHUTDOWNS_2019_ID = "kazakhstan-presence-of-internet-shutdowns-f645e4fa"


def _seed():
    return SEED.read_text(encoding="utf-8")


def _block(text, start):
    """Return the slice of one measure of the page, from its country line to the next one."""
    i = text.index(start)
    j = text.find("KAZAKHSTAN", i + len("KAZAKHSTAN"))
    return text[i:j if j >= 0 else len(text)]


@pytest.fixture()
def out(tmp_path):
    """A corpus folder holding the import of the real page (as corpus/ does)."""
    folder = tmp_path / "out"
    report = importer.import_files([_page(tmp_path, _seed(), "seed.txt")], folder)
    assert report.lines() == [f"{tmp_path / 'seed.txt'}: read 15 entries: 15 measures, 0 indicators",
                              f"{folder / 'kazakhstan.yaml'}: 15 added, 0 changed, 0 unchanged, 0 missing from the page"]
    return folder


def _by_id(folder):
    return {m.id: m for m in corpus.load(folder)}


def _reimport(tmp_path, out, text, **options):
    return importer.import_files([_page(tmp_path, text, "edited.txt")], out, **options)


def _counts(report):
    (file_report,) = report.files
    return (len(file_report.added) + len(file_report.restored), len(file_report.changed), file_report.unchanged,
            len(file_report.missing))


def test_the_committed_corpus_keeps_its_ids_and_bytes_on_reimport(tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    before = _files(copy)
    last = {m.last_imported for m in corpus.load(copy)}
    assert len(last) == 1  # one page, imported in one run
    report = importer.import_files([SEED], copy, today=datetime.date.fromisoformat(last.pop()))
    assert _counts(report) == (0, 0, 15, 0)
    assert _files(copy) == before


def test_the_same_page_three_times_is_unchanged_the_second_and_third_time(tmp_path, out):
    before = _files(out)
    for _ in range(2):
        assert _counts(importer.import_files([SEED], out)) == (0, 0, 15, 0)
        assert _files(out) == before


def test_a_changed_figure_updates_the_measure_in_place(tmp_path, out):
    old = _by_id(out)
    edited = _seed().replace("is USD 580.", "is USD 600.")
    report = _reimport(tmp_path, out, edited)
    assert _counts(report) == (0, 1, 14, 0)
    new = _by_id(out)
    assert list(new) == list(old)  # same ids, same order
    (changed_id,) = [i for i in new if new[i] != old[i]]
    assert changed_id == "kazakhstan-threshold-for-de-minimis-rule-283a48c4"
    assert new[changed_id].description.endswith("is USD 600.")
    (_, _, how, fields), = report.files[0].changed
    assert how == "titles" and [f[0] for f in fields] == ["description"]


def _cut_seed(where):
    """The real page copied only up to a point in its last entry (a description line, then its coverage line)."""
    lines = _seed().split("\n")
    at = max(n for n, line in enumerate(lines) if line.startswith("Coverage "))
    description, coverage = lines[at - 1], lines[at]
    return "\n".join(lines[:at - 1] + {
        "in the description": [description[:len(description) // 2]],
        "near the description's end": [description[:-3]],
        "after the description": [description],
        "in the word Coverage": [description, coverage[:3]],
        "in the coverage": [description, coverage[:len("Coverage Internet")]],
    }[where])


@pytest.mark.parametrize("where", ["in the description", "near the description's end", "after the description",
                                   "in the word Coverage", "in the coverage"])
def test_a_page_cut_off_in_its_last_entry_is_refused_and_the_stored_measure_kept(tmp_path, out, where):
    # read alone, the cut entry is the stored one with its coverage gone or cut, or its description cut short
    # (or ending in "Cov"): it would replace the stored record without a word
    before = _files(out)
    with pytest.raises(InputProblems) as refused:
        _reimport(tmp_path, out, _cut_seed(where))
    # refused by the page's reading (a page ending inside a description, without a line break) or by the
    # comparison with the stored record (the rest of the record kept)
    (problem,) = refused.value.problems
    assert "is the copy cut off" in str(problem)
    assert _files(out) == before
    with pytest.raises(InputProblems) as refused:  # a line break after the cut: the stored record tells
        _reimport(tmp_path, out, _cut_seed(where) + "\n")
    (problem,) = refused.value.problems
    assert "is the copy cut off there?" in str(problem) and "nothing was changed" in str(problem)
    assert _files(out) == before


def test_a_description_that_grows_or_ends_otherwise_is_an_update(tmp_path, out):
    # the control: a longer description, or a shorter one that is not the start of the stored text, updates
    old = _by_id(out)
    measure_id = "kazakhstan-threshold-for-de-minimis-rule-283a48c4"
    for edited in (_seed().replace("is USD 580.", "is USD 580. It was raised in 2024."),
                   _seed().replace("is USD 580.", "is USD 5.")):
        _reimport(tmp_path, out, edited)
        assert _by_id(out)[measure_id].description != old[measure_id].description


def test_a_changed_date_line_updates_dates_events_and_year(tmp_path, out):
    edited = _seed().replace("Since July 2006\n", "Since July 2006, last amended in March 2024\n")
    report = _reimport(tmp_path, out, edited, dry_run=True)
    lines = report.lines(details=True)
    assert lines[1].endswith("0 added, 1 changed, 14 unchanged, 0 missing from the page")
    assert "      dates: ['Since July 2006']" in lines
    assert "             -> ['Since July 2006, last amended in March 2024']" in lines
    assert lines[-1] == "dry run: nothing was written"
    assert _by_id(out)["kazakhstan-self-certification-for-product-safety-b8b515dc"].dates == ["Since July 2006"]
    _reimport(tmp_path, out, edited)
    measure = _by_id(out)["kazakhstan-self-certification-for-product-safety-b8b515dc"]
    assert measure.dates == ["Since July 2006, last amended in March 2024"]
    assert [(e["kind"], e["year"]) for e in measure.events] == [("since", 2006), ("last_amended", 2024)]


def test_a_new_measure_is_added_with_a_new_id_and_the_others_keep_theirs(tmp_path, out):
    seed = _seed()
    block = _block(seed, ADVERTISING)
    # a test-only measure (never in corpus/): the advertising block with another title and text
    new_block = block.replace("Advertisement Law\n", "Test-only Law on Comparative Advertising\n", 1) \
        .replace("According to the Art. 7", "Test-only text. According to Art. 9", 1)
    report = _reimport(tmp_path, out, seed.replace(block, block + new_block))
    assert _counts(report) == (1, 0, 15, 0)
    (added,) = report.files[0].added
    assert added.id not in _by_id(tmp_path / "out") or added.titles == ["Test-only Law on Comparative Advertising"]
    assert len(_by_id(out)) == 16


def test_a_withdrawn_measure_is_kept_without_prune_and_tombstoned_with_it(tmp_path, out):
    seed = _seed()
    withdrawn = seed.replace(_block(seed, SHUTDOWNS_2019), "")
    gone = SHUTDOWNS_2019_ID
    report = _reimport(tmp_path, out, withdrawn)
    assert report.lines()[1:] == [f"{out / 'kazakhstan.yaml'}: 0 added, 0 changed, 14 unchanged, 1 missing from "
                                  "the page (kept; --prune removes them)"]
    assert report.lines()[0].endswith(": read 14 entries: 14 measures, 0 indicators")
    assert gone in _by_id(out)
    before = (out / "kazakhstan.yaml").read_text(encoding="utf-8")
    report = _reimport(tmp_path, out, withdrawn, prune=True, today=datetime.date(2026, 11, 28))
    assert report.lines()[1].endswith("1 missing from the page (removed, tombstones kept)")
    assert gone not in _by_id(out)
    document = yaml.safe_load((out / "kazakhstan.yaml").read_text(encoding="utf-8"))
    (tomb,) = document["removed"]
    record = tomb.pop("record")
    assert tomb == {"id": gone, "sub_pillar": "Presence of Internet shutdowns",
                    "titles": ["Presence of Internet shutdowns"], "removed_on": "2026-11-28", "reason": "pruned",
                    "pruned_by": ["edited.txt"]}
    # the whole last record, as the file held it before the prune
    assert record == next(m for m in yaml.safe_load(before)["measures"] if m["id"] == gone)
    # the page lists it again: it gets its old id back and the tombstone goes
    report = _reimport(tmp_path, out, seed)
    assert _counts(report) == (1, 0, 14, 0) and report.files[0].restored[0].id == gone
    assert "removed" not in yaml.safe_load((out / "kazakhstan.yaml").read_text(encoding="utf-8"))


def test_a_changed_title_is_matched_by_its_description_and_said_so(tmp_path, out):
    edited = _seed().replace("\nAdvertisement Law\n", "\nLaw of the Republic of Kazakhstan On Advertising\n")
    report = _reimport(tmp_path, out, edited, dry_run=True)
    assert _counts(report) == (0, 1, 14, 0)
    lines = report.lines(details=True)
    assert ("  ~ kazakhstan-restrictions-on-online-advertising-db4762d0 (titles changed: matched by the closest "
            "description in its sub-pillar)") in lines
    assert "      titles: ['Advertisement Law']" in lines


def test_titles_match_across_spacing_quotes_and_look_alike_letters(tmp_path, out):
    title = "Law No. 167-V\u0406 SAM on Currency Regulation and Currency Control (\u0417\u0430\u043a\u043e\u043d o"
    assert title in _seed()
    # Cyrillic і -> Latin I, Latin o -> Cyrillic о, doubled spaces, other quotes; description changed too
    edited = _seed().replace(title, title.replace("V\u0406", "VI").replace("\u043d o", "\u043d \u043e")
                             .replace("on Currency", "on  Currency")) \
        .replace('with ".kz" and ".қaz" domains', "with «.kz» and «.қaz» domains")
    report = _reimport(tmp_path, out, edited)
    assert _counts(report) == (0, 2, 13, 0)
    assert {how for _, _, how, _ in report.files[0].changed} == {"titles"}


def test_of_two_measures_sharing_every_key_the_right_one_changes(tmp_path, out):
    seed = _seed()
    assert seed.count("\nPresence of Internet shutdowns\n") == 2
    ids = [m.id for m in corpus.load(out) if m.sub_pillar == "Presence of Internet shutdowns"]
    edited = seed.replace("has a score of 3 in Kazakhstan", "has a score of 2 in Kazakhstan") \
        .replace("more than USD 400 million", "more than USD 410 million")
    report = _reimport(tmp_path, out, edited)
    assert _counts(report) == (0, 2, 13, 0)
    after = _by_id(out)
    assert "score of 2" in after[ids[0]].description and "USD 410" in after[ids[1]].description


def test_an_ambiguous_match_is_refused_listing_the_candidates(tmp_path, out):
    # the corpus holds two measures that differ only in their date lines; the page has a third date
    seed = _seed()
    block = _block(seed, "KAZAKHSTAN\n\nReported in 2022")
    twin = block.replace("Reported in 2022", "Reported in 2023")
    importer.import_files([_page(tmp_path, seed.replace(block, block + twin), "twins.txt")], out)
    before = _files(out)
    with pytest.raises(InputProblems) as caught:
        _reimport(tmp_path, out, seed.replace(block, block.replace("Reported in 2022", "Reported in 2024")))
    (problem,) = caught.value.problems
    assert "cannot tell which measure 'Presence of Internet shutdowns'" in problem.message
    assert problem.message.count("kazakhstan-presence-of-internet-shutdowns-") == 2
    assert _files(out) == before


def test_the_permalink_of_a_pruned_measure_answers_410_with_a_search_for_its_title(tmp_path, out):
    seed = _seed()
    gone = SHUTDOWNS_2019_ID
    _reimport(tmp_path, out, seed.replace(_block(seed, SHUTDOWNS_2019), ""), prune=True)
    indexer.build(out, tmp_path / "index")
    holder = IndexHolder(tmp_path / "index")
    try:
        client = falcon.testing.TestClient(create_app(holder))
        answer = client.simulate_get(f"/api/measures/{gone}")
        assert answer.status_code == 410
        assert answer.json["error"]["code"] == "removed"
        # the page of the run that pruned it (edited.txt), not the one it was first read from (seed.txt)
        assert "the DTI page edited.txt no longer lists it" in answer.json["error"]["message"]
        page = client.simulate_get(f"/measures/{gone}")
        assert page.status_code == 410 and page.headers["content-type"].startswith("text/html")
        assert "the DTI page edited.txt no longer lists it" in page.text
        assert ('href="/?q=Presence+of+Internet+shutdowns"' in page.text
                and "Search for “Presence of Internet shutdowns”" in page.text)
        assert client.simulate_get("/api/measures/kazakhstan-nothing-00000000").status_code == 404
        kept = client.simulate_get("/api/measures/kazakhstan-threshold-for-de-minimis-rule-283a48c4")
        assert kept.status_code == 200
        assert client.simulate_get("/api/search", params={"q": "shutdowns"}).json["total"] == 1
    finally:
        holder.close()


def test_a_hand_edited_corpus_file_is_read_again_not_taken_from_the_import_cache(tmp_path, out):
    path = out / "kazakhstan.yaml"
    assert (out / importer.CACHE / "kazakhstan.yaml.json").exists()
    path.write_text(path.read_text(encoding="utf-8").replace("is USD 580.", "is USD 581."), encoding="utf-8")
    report = importer.import_files([SEED], out)
    assert _counts(report) == (0, 1, 14, 0)
    assert _by_id(out)["kazakhstan-threshold-for-de-minimis-rule-283a48c4"].description.endswith("USD 580.")


@pytest.mark.parametrize("how", ["a tombstone of a live measure", "a measure pasted twice"])
def test_a_file_with_one_id_twice_is_refused_by_import_and_withdraw_as_by_check(tmp_path, out, how):
    """check refuses a file where two records share an id; an import wrote such a file again and a withdraw
    removed one of the two, saying nothing (found by a fuzzing helper)."""
    path = out / "kazakhstan.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    twice = document["measures"][11]
    if how == "a measure pasted twice":
        document["measures"].append(dict(twice))
    else:
        document["removed"] = [{"id": twice["id"], "sub_pillar": twice["sub_pillar"], "titles": twice["titles"],
                                "removed_on": "2024-05-01", "reason": "pruned", "record": dict(twice)}]
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = _files(out)
    _, (problem,) = corpus.check(out)
    assert f"duplicate id {twice['id']!r}" in problem.message
    for act in (lambda: importer.import_files([SEED], out), lambda: importer.import_files([SEED], out, prune=True),
                lambda: importer.withdraw(out, twice["id"], wait=0)):
        with pytest.raises(InputProblems) as refused:
            act()
        said = [str(p) for p in refused.value.problems]
        assert any(f"duplicate id {twice['id']!r}" in line and str(path) in line for line in said), said
        assert _files(out) == before


def test_an_import_refuses_a_corpus_file_that_check_refuses_cut_anywhere_or_with_a_key_twice(tmp_path, out):
    """An import read a corpus file it had no copy of with PyYAML alone: a file cut short in its last record
    (which check refuses) was written again, the rest of its page added as new records, and of a key written
    twice the last was kept, silently (found by a fuzzing helper). Whatever check refuses, the import refuses."""
    path = out / "kazakhstan.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index("\n", text.index("  last_imported:")) + 1
    variants = [text[:at] + "  last_imported: '2020-01-01'\n" + text[at:]]
    variants += [text[:cut] for cut in range(text.rindex("\n- id:") + 2, len(text) - 1, 61)]
    refused_by_check = 0
    for variant in variants:
        path.write_text(variant, encoding="utf-8")
        _, problems = corpus.check(out)
        if not problems:  # a cut at a line's end that leaves whole keys: no check can tell it (README)
            continue
        refused_by_check += 1
        before = _files(out)
        for prune in (False, True):
            with pytest.raises(InputProblems) as refused:
                importer.import_files([SEED], out, prune=prune)
            assert {str(p) for p in problems} <= {str(p) for p in refused.value.problems}
            assert _files(out) == before
    assert refused_by_check >= 10


@pytest.mark.parametrize("how", ["withdraw", "import --prune"])
def test_a_record_without_provenance_removed_last_leaves_a_file_check_passes(tmp_path, out, how):
    """A record from before provenance (no `source`, no `last_imported`) beside records that have it, pruned or
    withdrawn, became the last tombstone's record, which check read as a file cut off in it: the import and
    withdraw wrote a file check refused (found by a fuzzing helper). A tombstone is now written with
    `removed_on` after its record (a cut inside the record takes it); the record is kept as it was."""
    from measuresearch.corpus import yamlout
    path = out / "kazakhstan.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    old = document["measures"][2]
    del old["source"], old["last_imported"]
    if how == "import --prune":  # the page no longer lists it: its sub-pillar is another one the page has
        old["sub_pillar"] = next(m["sub_pillar"] for m in document["measures"] if m["sub_pillar"] != old["sub_pillar"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert corpus.check(out)[1] == []
    if how == "withdraw":
        importer.withdraw(out, old["id"], wait=0)
    else:
        importer.import_files([SEED], out, prune=True)
    assert corpus.check(out)[1] == []
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    tomb = next(t for t in written["removed"] if t["id"] == old["id"])
    assert list(tomb)[-2:] == ["record", "removed_on"]
    assert "source" not in tomb["record"] and "last_imported" not in tomb["record"]  # no provenance made up
    # a file cut inside the last tombstone's record is still refused, in this order and in the earlier one
    # (removed_on before the record, which then is the last key)
    for order in (list(tomb), [key for key in tomb if key != "record"] + ["record"]):
        last = {key: tomb[key] for key in order}
        text = yamlout.dump({**written, "removed": [*written["removed"][:-1], last]}
                            if written["removed"][-1] is tomb else {**written, "removed": [*written["removed"], last]})
        cut = text.rindex("  description:") + 40
        path.write_text(text[:cut], encoding="utf-8")
        problems = corpus.check(out)[1]
        assert any("is the file cut off in it?" in str(problem) for problem in problems), (order, problems)
        if order[-1] == "record":  # the earlier order: the message says what to do when the record had none
            assert any("write the tombstone's `removed_on` after its record" in str(problem) for problem in problems)


# --- page scope and provenance (issue 18) --------------------------------------------------------

def test_a_page_of_one_sub_pillar_prunes_nothing_outside_it(tmp_path, out):
    seed = _seed()
    report = _reimport(tmp_path, out, "Browse Database\n\n" + _block(seed, ADVERTISING), prune=True)
    assert _counts(report) == (0, 0, 1, 0)
    assert len(_by_id(out)) == 15
    # the two shutdowns' page without one of them: only that sub-pillar is in scope
    report = _reimport(tmp_path, out, _block(seed, "KAZAKHSTAN\n\nReported in 2022"), prune=True)
    assert _counts(report) == (0, 0, 1, 1) and report.files[0].missing[0].id == SHUTDOWNS_2019_ID
    assert sorted(_by_id(out)) == sorted(set(_by_id(tmp_path / "out")))
    assert len(_by_id(out)) == 14


def test_a_record_keeps_its_first_source_and_moves_its_last_import(tmp_path, out):
    first = _by_id(out)["kazakhstan-threshold-for-de-minimis-rule-283a48c4"]
    edited = _seed().replace("is USD 580.", "is USD 600.")
    _reimport(tmp_path, out, edited, today=datetime.date(2030, 1, 2))
    after = _by_id(out)
    assert after[first.id].source == first.source and first.source["name"] == "seed.txt"
    assert {m.last_imported for m in after.values()} == {"2030-01-02"}


@pytest.mark.parametrize("mode", [0o644, 0o640])
def test_a_corpus_file_keeps_its_mode(tmp_path, out, mode):
    (out / "kazakhstan.yaml").chmod(mode)
    _reimport(tmp_path, out, _seed().replace("is USD 580.", "is USD 600."))
    assert (out / "kazakhstan.yaml").stat().st_mode & 0o777 == mode


def test_a_dry_run_writes_nothing_at_all(tmp_path, out):
    def state(folder):
        return {p.relative_to(folder): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else None)
                for p in folder.rglob("*")}
    before = state(out)
    report = _reimport(tmp_path, out, _seed().replace("is USD 580.", "is USD 600."), dry_run=True, prune=True,
                       today=datetime.date(2031, 1, 1))
    assert _counts(report) == (0, 1, 14, 0) and state(out) == before  # no lock file, cache, journal or rename
    fresh = tmp_path / "never-made"
    importer.import_files([SEED], fresh, dry_run=True)
    assert not fresh.exists()


def _moved_into(folder, other_name, quoted=False):
    """Move the first record of kazakhstan.yaml into another economy's file, as a hand edit might (every key
    and value in double quotes if quoted)."""
    own = yaml.safe_load((folder / "kazakhstan.yaml").read_text(encoding="utf-8"))
    moved = own["measures"].pop(0)
    (folder / "kazakhstan.yaml").write_text(yaml.safe_dump(own, allow_unicode=True, sort_keys=False),
                                            encoding="utf-8")
    other = {"country": "Uzbekistan", "measures": [moved]}
    (folder / other_name).write_text(yaml.safe_dump(other, allow_unicode=True, sort_keys=False,
                                                    default_style='"' if quoted else None), encoding="utf-8")


@pytest.mark.parametrize("arrange", ["renamed .yml", "a record moved into another file",
                                     "a record moved into another file, quoted"])
def test_an_import_refuses_to_file_again_what_stands_in_another_file(tmp_path, arrange):
    # it used to write every such record again into <economy>.yaml under the same id, and say "added"
    out = tmp_path / "corpus"
    importer.import_files([SEED], out)
    if arrange == "renamed .yml":
        (out / "kazakhstan.yaml").rename(out / "kazakhstan.yml")
        other = out / "kazakhstan.yml"
    else:
        _moved_into(out, "uzbekistan.yaml", quoted=arrange.endswith("quoted"))
        other = out / "uzbekistan.yaml"
        assert ('"country": "Kazakhstan"' in other.read_text(encoding="utf-8")) == arrange.endswith("quoted")
    before = {p.name: p.read_bytes() for p in out.glob("*.y*ml")}
    with pytest.raises(InputProblems) as caught:
        importer.import_files([SEED], out)
    [problem] = [str(p) for p in caught.value.problems]
    if arrange == "renamed .yml":
        assert problem == (f"{other}:0: is the file of Kazakhstan under another name: an import reads and writes "
                           "kazakhstan.yaml, and would file its 15 measure(s) twice; rename it kazakhstan.yaml; "
                           "nothing was changed")
    else:
        assert problem.startswith(f"{other}:0: holds 1 measure(s) of Kazakhstan (kazakhstan-") and \
            problem.endswith("whose file is kazakhstan.yaml: an import would file them twice; move them into "
                             "kazakhstan.yaml; nothing was changed")
    assert {p.name: p.read_bytes() for p in out.glob("*.y*ml")} == before


def test_a_line_of_another_economys_description_naming_the_economy_is_no_record_of_it(tmp_path):
    # a description that holds the line "country: Kazakhstan" made the import refuse, although check said OK
    out = tmp_path / "corpus"
    importer.import_files([SEED], out)
    own = yaml.safe_load((out / "kazakhstan.yaml").read_text(encoding="utf-8"))
    record = dict(own["measures"][0], country="Uzbekistan", id="uzbekistan-test-only-00000000",
                  description="Test-only text.\ncountry: Kazakhstan\nis named in it.")
    (out / "uzbekistan.yaml").write_text(yaml.safe_dump({"country": "Uzbekistan", "measures": [record]},
                                                        allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert "\n    country: Kazakhstan\n" in (out / "uzbekistan.yaml").read_text(encoding="utf-8")  # a line of its own
    report = importer.import_files([SEED], out)
    assert not report.files[0].added


def test_two_pages_of_a_run_that_show_one_entry_otherwise_are_refused(tmp_path):
    """The DTI shows a sub-pillar on several pages: two copies taken at different times, one with a newer date line,
    imported in one run had made a second record of the entry ("1 added"). A page that shows one of two entries
    with the same titles, as the other page does, is no disagreement."""
    seed, folder = _seed(), tmp_path / "corpus"
    newer = seed.replace("Since July 2006\n", "Since July 2006, last amended in March 2024\n")
    assert newer != seed
    with pytest.raises(InputProblems) as refused:
        importer.import_files([_page(tmp_path, seed, "page-52.txt"), _page(tmp_path, newer, "page-71.txt")], folder)
    (problem,) = refused.value.problems
    assert str(problem).startswith(f"{tmp_path / 'page-71.txt'}:{_line_of(newer, 'Law on Communication')}: ")
    assert "reads otherwise in" in str(problem) and "page-52.txt" in str(problem) and _files(folder) == {}
    # one of the two "Presence of Internet shutdowns" entries alone, on a page of its own: a subset, imported once
    one = _block(seed, "KAZAKHSTAN\n\nReported in 2022\n")
    assert one.count("Presence of Internet shutdowns") == 2
    report = importer.import_files([_page(tmp_path, seed, "page-52.txt"), _page(tmp_path, one, "page-9.txt")], folder)
    assert len(corpus.load(folder)) == 15 and report.repeated == 1


SHUTDOWNS_2022 = "KAZAKHSTAN\n\nReported in 2022\n"


def _shutdown_ids(folder):
    return sorted(m.id for m in corpus.load(folder) if m.sub_pillar == "Presence of Internet shutdowns")


def test_a_removed_measure_listed_again_gets_its_id_back_beside_a_live_one_of_its_titles(tmp_path, out):
    """Two measures share the titles "Presence of Internet shutdowns". A page listing the first alone pruned the
    second; a page then listing the second alone, word for word, was paired by titles with the live first one,
    whose permalink then showed the second's text, the second's staying 410. Shared titles identify a record
    only with a close description: the second gets its id back and the first goes."""
    seed, before = _seed(), _by_id(out)
    first = next(i for i in _shutdown_ids(out) if i != SHUTDOWNS_2019_ID)
    importer.import_files([_page(tmp_path, _block(seed, SHUTDOWNS_2022), "first.txt")], out, prune=True)
    assert _shutdown_ids(out) == [first]
    report = importer.import_files([_page(tmp_path, _block(seed, SHUTDOWNS_2019), "second.txt")], out, prune=True)
    assert [m.id for m in report.files[0].restored] == [SHUTDOWNS_2019_ID] and not report.files[0].changed
    after = _by_id(out)
    assert _shutdown_ids(out) == [SHUTDOWNS_2019_ID]
    assert after[SHUTDOWNS_2019_ID].description == before[SHUTDOWNS_2019_ID].description
    assert [t["id"] for t in corpus.tombstones(yaml.safe_load((out / "kazakhstan.yaml").read_text()))] == [first]


def test_titles_several_records_share_pair_by_elimination_when_the_page_lists_them_all(tmp_path, out):
    """A page that lists both shutdown entries, one rewritten whole: each is one of the two records (the other
    pairs first), as before shared titles asked for a close description; nothing added, nothing missing."""
    seed = _seed()
    block = _block(seed, SHUTDOWNS_2022)
    description = next(line for line in block.split("\n") if line.startswith("The indicator"))
    rewritten = seed.replace(description, "Test-only text: the DTI rewrote this entry whole.")
    report = _reimport(tmp_path, out, rewritten)
    assert _counts(report) == (0, 1, 14, 0)
    first = next(i for i in _shutdown_ids(out) if i != SHUTDOWNS_2019_ID)
    assert _by_id(out)[first].description == "Test-only text: the DTI rewrote this entry whole."


def test_two_pages_of_a_run_each_with_another_entry_of_shared_titles_are_no_disagreement(tmp_path, out):
    """The two shutdown entries on two pages of one run (a sub-pillar split across pages) were refused as two
    copies of one entry taken at different times: the corpus holds two records of those titles, and the two
    descriptions are not alike."""
    seed = _seed()
    pages = [_page(tmp_path, _block(seed, SHUTDOWNS_2022), "page-1.txt"),
             _page(tmp_path, _block(seed, SHUTDOWNS_2019), "page-2.txt")]
    before = _files(out)
    report = importer.import_files(pages, out)
    assert _counts(report) == (0, 0, 2, 0) and _files(out) == before
    # a copy of one of them taken at another time (a date line changed) is still refused
    newer = _block(seed, SHUTDOWNS_2019).replace("Reported in 2019, last reported in 2022",
                                                 "Reported in 2019, last reported in 2023")
    with pytest.raises(InputProblems, match="two copies of one entry"):
        importer.import_files([pages[1], _page(tmp_path, newer, "page-3.txt")], out)
    assert _files(out) == before


# --- records with an accepted edit among titles several records share (made as decisions.accept makes them) ---

REWRITTEN = "Test-only text: a reader's rewritten account of the entry, in words of its own."


def _edit(folder, record_id, day="2026-12-11", **changes):
    """Accept an edit of a record as `proposals accept --as-edit` writes it (merge.Run(edit_of=...))."""
    from measuresearch.corpus import merge
    from measuresearch.domain import model, provenance, taxonomy
    names = taxonomy.load(folder)
    target = _by_id(folder)[record_id]
    url = "https://example.org/test-only-reader"
    data = {**{k: v for k, v in target.to_dict().items() if k not in ("source", "last_imported", "edited", "sources")},
            **changes, "sources": [url], "last_imported": day,
            "source": provenance.new_source("proposal", "proposal 1", url, day)}
    proposal = model.from_dict(data)
    run = merge.Run.of([proposal], day, edit_of=record_id, edit_base=merge.digest(target))
    importer.import_measures([proposal], folder, names, run=run)
    return _by_id(folder)[record_id]


def _shutdown_entries():
    seed = _seed()
    return _block(seed, SHUTDOWNS_2022), _block(seed, SHUTDOWNS_2019)


def test_an_edited_record_pruned_and_listed_again_beside_its_twin_gets_its_id_and_edit_back(tmp_path, out):
    """Beside a live record of its titles, a removed one comes back only with a close description: the tombstone's
    edited description had been compared, not the one its edit replaced, and the entry became a new record."""
    first, second = _shutdown_entries()
    assert _edit(out, SHUTDOWNS_2019_ID, description=REWRITTEN).edited
    importer.import_files([_page(tmp_path, first, "first.txt")], out, prune=True)
    assert SHUTDOWNS_2019_ID not in _by_id(out)
    report = importer.import_files([_page(tmp_path, first + second, "both.txt")], out)
    assert [m.id for m in report.files[0].restored] == [SHUTDOWNS_2019_ID] and not report.files[0].added
    assert _by_id(out)[SHUTDOWNS_2019_ID].description == REWRITTEN and len(_shutdown_ids(out)) == 2


def test_a_tombstone_without_its_record_beside_a_live_twin_comes_back_by_its_id(tmp_path, out):
    """A tombstone written before provenance keeps no record: beside a live record of its titles it never came back
    (no description to compare); the page's entry, made from the same text, has its id."""
    first, second = _shutdown_entries()
    importer.import_files([_page(tmp_path, first, "first.txt")], out, prune=True)
    path = out / "kazakhstan.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["removed"] = [{k: t[k] for k in ("id", "sub_pillar", "titles", "removed_on")} for t in document["removed"]]
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = importer.import_files([_page(tmp_path, first + second, "both.txt")], out)
    assert [m.id for m in report.files[0].restored] == [SHUTDOWNS_2019_ID] and not report.files[0].added


@pytest.mark.parametrize("old_style", [False, True])
def test_an_edited_record_of_shared_titles_listed_alone_is_that_entry(tmp_path, out, old_style):
    """A page listing one of the two shutdown entries as before its edit (old_style: an edit made before the fields'
    digests were kept), then revised by the DTI: the edited record is that entry, where it had been reported
    missing (and pruned) while a new record took the page's text."""
    first, _ = _shutdown_entries()
    record = next(i for i in _shutdown_ids(out) if i != SHUTDOWNS_2019_ID)
    _edit(out, record, description=REWRITTEN)
    if old_style:
        path = out / "kazakhstan.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        edited = next(m for m in document["measures"] if m["id"] == record)["edited"]
        del edited["fields"], edited["found_description"]
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = importer.import_files([_page(tmp_path, first, "first.txt")], out, prune=True)
    assert report.files[0].kept_edits and not report.files[0].added and record in _by_id(out)
    if old_style:
        return
    revised = first.replace("has a score of 3 in Kazakhstan", "has a score of 2 in Kazakhstan")
    report = importer.import_files([_page(tmp_path, revised, "revised.txt")], out, prune=True)
    assert _counts(report) == (0, 1, 0, 0) and report.files[0].changed[0][2] == "edit replaced"
    assert "score of 2" in _by_id(out)[record].description and _by_id(out)[record].edited is None


def test_two_pages_of_a_first_import_each_with_another_entry_of_shared_titles_are_two_measures(tmp_path):
    first, second = _shutdown_entries()
    folder = tmp_path / "corpus"
    report = importer.import_files([_page(tmp_path, first, "page-52.txt"), _page(tmp_path, second, "page-71.txt")],
                                   folder)
    assert len(report.files[0].added) == 2 and len(_shutdown_ids(folder)) == 2


def test_a_live_record_rewritten_whole_keeps_its_id_beside_a_removed_twin(tmp_path, out):
    """A removed record of the same titles takes the page's entry only when it is closer: the V-Dem entry rewritten
    whole, its twin pruned earlier, is still the V-Dem record (not a new one, its id answering 410)."""
    first, _ = _shutdown_entries()
    importer.import_files([_page(tmp_path, first, "first.txt")], out, prune=True)
    record = _shutdown_ids(out)[0]
    description = next(line for line in first.split("\n") if line.startswith("The indicator"))
    report = importer.import_files([_page(tmp_path, first.replace(description, REWRITTEN), "first.txt")], out,
                                   prune=True)
    assert _counts(report) == (0, 1, 0, 0) and _shutdown_ids(out) == [record]
    assert _by_id(out)[record].description == REWRITTEN
