"""`measuresearch check`: every problem, with file and line, in one run."""

import pathlib
import textwrap

import pytest

from measuresearch import storage
from measuresearch.corpus import files as corpus
from measuresearch.domain import model
from measuresearch.errors import InputProblems

from conftest import SEED


def _write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD = """\
  - id: testland-a-11111111
    country: Kazakhstan
    pillar: Content access
    sub_pillar: Restrictions on online advertising
    titles:
    - A title
    dates:
    - Since May 2020
    description: A description.
"""


def test_real_corpus_is_valid(real_measures):
    assert len(real_measures) == 15


def test_all_problems_are_reported_with_file_and_line(tmp_path):
    _write(tmp_path, "a.yaml", "country: Kazakhstan\nmeasures:\n" + GOOD + """\
  - id: testland-a-11111111
    country: Kazakhstan
    pillar: Made-up pillar
    sub_pillar: Restrictions on online advertising
    titles: [A title]
    dates: [Since Smarch 2020]
    description: x
    colour: red
  - id: testland-c-33333333
    country: Kazakhstan
    pillar: Content access
    titles: [T]
    dates: [N/A]
""")
    _write(tmp_path, "b.yaml", "country: Kazakhstan\nmeasures:\n  - id: [unclosed\n")
    measures, problems = corpus.check(tmp_path)
    lines = sorted(str(p) for p in problems)
    a, b = str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")
    assert f"{a}:12: duplicate id 'testland-a-11111111' (first at {a}:3)" in lines
    assert any(line.startswith(f"{a}:14: unknown pillar 'Made-up pillar'; To add a new one, edit pillars in ")
               and line.endswith("corpus/taxonomy.yaml") for line in lines)
    assert any(line.startswith(f"{a}:17: unparsable date") for line in lines)
    assert f"{a}:19: unknown key 'colour'" in lines
    assert f"{a}:20: missing field 'sub_pillar'" in lines
    assert f"{a}:20: missing field 'description'" in lines
    assert any(line.startswith(f"{b}:") and "YAML error" in line for line in lines)
    assert [m.id for m in measures] == ["testland-a-11111111"]


def test_duplicate_keys_and_wrong_shapes(tmp_path):
    _write(tmp_path, "a.yaml", "country: Kazakhstan\ncountry: Again\nmeasures:\n  - just text\n")
    _, problems = corpus.check(tmp_path)
    assert {str(p).split(": ", 1)[1] for p in problems} == {"duplicate key 'country'",
                                                            "expected a measure (a mapping of fields)"}


def test_a_durable_write_leaves_no_temporary_files(tmp_path):
    storage.write_text(tmp_path / "x.yaml", "a: 1\n")
    storage.write_text(tmp_path / "x.yaml", "a: 2\n")
    assert [p.name for p in tmp_path.iterdir()] == ["x.yaml"]
    assert (tmp_path / "x.yaml").read_text() == "a: 2\n"


def test_a_file_holds_one_economy(tmp_path):
    # an import reads the file of each economy it imports: a measure filed under another economy
    # would not be found there, and would come in again as a new measure beside it
    _write(tmp_path, "a.yaml", "country: Uzbekistan\nmeasures:\n" + GOOD)
    _write(tmp_path, "b.yaml", "country: [Kazakhstan]\nmeasures:\n" + GOOD.replace("-a-1", "-b-1"))
    _write(tmp_path, "c.yaml", "measures:\n" + GOOD.replace("-a-1", "-c-1"))  # no economy named: not compared
    _, problems = corpus.check(tmp_path)
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert sorted(map(str, problems)) == [
        f"{a}:4: a measure of 'Kazakhstan' in the file of 'Uzbekistan': one file holds one economy's measures "
        "(move it to its economy's file)",
        f"{b}:1: 'country' is the name of the file's economy (text)"]


def test_a_corpus_file_cut_short_anywhere_is_refused_unless_only_whole_records_are_left(tmp_path):
    # a disk that filled, a copy stopped: the file is cut at some byte. check (and so index and import) must either
    # refuse it or hold only whole records, each equal to the original one (a cut between two records cannot be
    # told from a shorter file); never the last record with its description cut mid-word
    import shutil
    import yaml
    source = corpus.corpus_files(REPO_CORPUS)[0]
    data = source.read_bytes()
    originals = {m["id"]: m for m in yaml.safe_load(data)["measures"]}
    for name in ("taxonomy.yaml", "groups.yaml"):
        shutil.copy(REPO_CORPUS / name, tmp_path / name)
    target, whole_only = tmp_path / source.name, 0
    # from inside the second record on: the first has no other record to be compared with (files.py, _cut_off)
    second = data.index(b"\n- id:", data.index(b"- id:")) + 2
    for cut in range(second, len(data), 11):
        target.write_bytes(data[:cut])
        measures, problems = corpus.check(tmp_path)
        if problems:
            continue
        whole_only += 1
        for measure in measures:
            assert measure.to_dict() == model.from_dict(originals[measure.id]).to_dict(), (cut, measure.id)
    assert whole_only < (len(data) - second) // 11 // 20  # nearly every cut is refused


REPO_CORPUS = pathlib.Path(__file__).resolve().parents[2] / "corpus"


def test_a_corpus_file_with_an_edit_and_a_tombstone_cut_short_never_keeps_a_value_cut_in_two(tmp_path):
    # the last measure carries an accepted edit, and a tombstone (its whole record) follows the measures: a cut
    # anywhere in them is refused, or falls at a line's end (whole keys lost, which no check can tell: README)
    import dataclasses
    import shutil
    from measuresearch.corpus import yamlout
    from measuresearch.domain import provenance
    measures = corpus.load(REPO_CORPUS)
    edit = {"by": "proposal 3", "on": "2026-12-03", "url": "https://example.org/test-only/reader", "replaced": "a" * 40}
    kept = [*measures[:-2], dataclasses.replace(measures[-2], edited=edit)]
    text = yamlout.dump(corpus.document(kept, country=measures[0].country,
                                        removed=[provenance.tombstone(measures[-1].to_dict(), "pruned", "2026-12-03")]))
    for name in ("taxonomy.yaml", "groups.yaml"):
        shutil.copy(REPO_CORPUS / name, tmp_path / name)
    target = tmp_path / corpus.corpus_files(REPO_CORPUS)[0].name
    target.write_text(text, encoding="utf-8")
    assert corpus.check(tmp_path)[1] == []
    passed = []
    for cut in range(text.index("  edited:"), len(text)):
        target.write_text(text[:cut], encoding="utf-8")
        if not corpus.check(tmp_path)[1]:
            passed.append(cut)
    for cut in passed:  # at a line's end, or in the white space before the next key
        assert text[cut - 1] == "\n" or text[cut:].startswith("\n") or not text[cut - 1:cut].strip(), (
            cut, text[cut - 40:cut])
    assert len(passed) < 20


def test_a_corpus_file_that_links_to_nothing_is_refused_by_check_and_index_alike(tmp_path, capsys, corpus_copy):
    # check used to skip it and say OK while index stopped on "No such file or directory"
    from measuresearch.cli.main import main
    folder = corpus_copy
    (folder / "zz.yaml").symlink_to("nowhere.yaml")
    (folder / "a.yml").symlink_to("b.yml")
    (folder / "b.yml").symlink_to("a.yml")
    for command in (["check", "--corpus", str(folder)],
                    ["index", "--corpus", str(folder), "--index", str(tmp_path / "index")]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert all(f"{folder / name}:0: is a symbolic link to nothing" in err for name in ("zz.yaml", "a.yml", "b.yml"))
        assert "Traceback" not in err


@pytest.mark.parametrize("written", ["removed_on: 2024-05-01", "removed_on: 'May 2024'",
                                     "removed_on: '2024-05-01'\n  record: {when: 2024-05-01 12:30:00}"])
def test_a_hand_written_tombstone_with_an_unquoted_date_is_refused_by_check_and_index_alike(tmp_path, capsys, corpus_copy,
                                                                                           written):
    # YAML reads an unquoted 2024-05-01 as a date: check said OK and index stopped on a traceback writing removed.json
    from measuresearch.cli.main import main
    folder = corpus_copy
    target = folder / "kazakhstan.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "removed:\n- id: kazakhstan-hand-removed-00000000\n"
                      "  sub_pillar: Restrictions on domain names\n  titles:\n  - A hand-written tombstone\n"
                      f"  {written}\n", encoding="utf-8")
    for command in (["check", "--corpus", str(folder)],
                    ["index", "--corpus", str(folder), "--index", str(tmp_path / "index")]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert "a tombstone's removed_on is a day as text, in quotes" in err and "Traceback" not in err
    assert not (tmp_path / "index" / "current").exists()


HAND_ID = "  id: kazakhstan-hand-removed-00000000\n"
HAND_TITLES = "  sub_pillar: Restrictions on domain names\n  titles:\n  - A hand-written tombstone\n"


@pytest.mark.parametrize("fields, message", [
    (HAND_ID + "  sub_pillar: Restrictions on domain names\n  titles:\n  - 2019\n", "its titles a list of text"),
    (HAND_ID + "  sub_pillar: [Restrictions on domain names]\n  titles:\n  - A hand-written tombstone\n",
     "sub_pillar are text"),
    (HAND_ID + HAND_TITLES + "  record: {source: a page}\n", "a source with a kind and a name as text"),
    # an import that found the measure again wrote it back under this id, which check then refused
    ("  id: ''\n" + HAND_TITLES, "a tombstone's id '' must be lowercase letters"),
    ("  id: Kazakhstan Removed\n" + HAND_TITLES, "a tombstone's id 'Kazakhstan Removed' must be lowercase letters"),
])
def test_a_hand_written_tombstone_of_the_wrong_shape_is_refused_by_check_index_and_import(tmp_path, capsys,
                                                                                         corpus_copy, fields, message):
    # check and index passed `titles: [2019]`, and a re-import of the page then stopped on a traceback folding it;
    # a record's source as text made its 410 message a traceback
    from measuresearch.cli.main import main
    folder = corpus_copy
    target = folder / "kazakhstan.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "removed:\n-" + fields[1:] + "  removed_on: '2024-05-01'\n",
                      encoding="utf-8")
    before = target.read_bytes()
    for command in (["check", "--corpus", str(folder)],
                    ["index", "--corpus", str(folder), "--index", str(tmp_path / "index")],
                    ["import", str(SEED), "--out", str(folder), "--wait", "0"]):
        assert main(command) == 1, command
        err = capsys.readouterr().err
        assert f"{target}:" in err and message in err and "Traceback" not in err, (command, err)
    assert target.read_bytes() == before
    assert not (tmp_path / "index" / "current").exists()


@pytest.mark.parametrize("key, value, message", [
    ("sources", "https://example.org/a", "sources must be a list of http(s) addresses"),
    ("sources", [1, 2], "sources must be a list of http(s) addresses"),
    ("edited", "yes", "edited must be"),
    ("description", 5, "description must be text"),
    ("id", "kazakhstan-another-00000000", "under the tombstone's id"),  # never written so; was ignored
    (None, None, None),  # the record as the import wrote it: the import brings it back, and check then passes
])
def test_a_tombstone_whose_record_is_no_measure_is_refused_before_an_import_brings_it_back(
        tmp_path, capsys, corpus_copy, key, value, message):
    """A re-import that finds a pruned measure again restores the record its tombstone keeps. Edited by hand into
    no measure, that record stopped the import on a traceback (`sources` or `edited` as text) or was written into
    the measures for check to refuse (`sources: [1, 2]`): check, index and import now refuse it with its line."""
    import yaml

    from measuresearch.cli.main import main
    target = corpus_copy / "kazakhstan.yaml"
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    measure = document["measures"].pop(0)
    record = {**measure, **({key: value} if key else {})}
    document["removed"] = [{"id": measure["id"], "sub_pillar": measure["sub_pillar"], "titles": measure["titles"],
                            "removed_on": "2024-05-01", "reason": "pruned", "record": record}]
    target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = target.read_bytes()
    commands = (["check", "--corpus", str(corpus_copy)],
                ["index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "index")],
                ["import", str(SEED), "--out", str(corpus_copy), "--wait", "0"])
    if key is None:
        assert [main(command) for command in commands] == [0, 0, 0]
        assert measure["id"] in {m["id"] for m in yaml.safe_load(target.read_text(encoding="utf-8"))["measures"]}
        assert main(commands[0]) == 0
        return
    for command in commands:
        assert main(command) == 1, command
        err = capsys.readouterr().err
        assert f"{target}:" in err and "a tombstone's record is its measure" in err and message in err, (command, err)
        assert "Traceback" not in err
    assert target.read_bytes() == before
    assert not (tmp_path / "index" / "current").exists()


def test_a_tombstone_record_is_not_held_to_the_events_todays_date_parser_derives(tmp_path, capsys, corpus_copy):
    """A kept record's events and year are derived again from its dates when it comes back; held to today's
    parser, a tombstone written before a change to it would be refused with no way but by hand (a review)."""
    import yaml

    from measuresearch.cli.main import main
    target = corpus_copy / "kazakhstan.yaml"
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    measure = document["measures"].pop(0)
    document["removed"] = [{"id": measure["id"], "sub_pillar": measure["sub_pillar"], "titles": measure["titles"],
                            "removed_on": "2024-05-01", "reason": "pruned",
                            "record": {**measure, "events": [], "year": 1999}}]
    target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert main(["check", "--corpus", str(corpus_copy)]) == 0
    assert main(["import", str(SEED), "--out", str(corpus_copy), "--wait", "0"]) == 0
    back = next(m for m in yaml.safe_load(target.read_text(encoding="utf-8"))["measures"] if m["id"] == measure["id"])
    assert (back["events"], back["year"]) == (measure["events"], measure["year"])
    assert main(["check", "--corpus", str(corpus_copy)]) == 0


def test_a_value_nested_hundreds_of_levels_deep_is_refused_at_its_line_by_every_command(tmp_path, capsys, corpus_copy):
    """libyaml reads lists nested up to 1,000 levels; walking 600 of them stopped check, index, import and withdraw
    on a RecursionError traceback (found by a fuzzing helper)."""
    from measuresearch.cli.main import main
    target = corpus_copy / "kazakhstan.yaml"
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(number for number, line in enumerate(lines) if line.startswith("  description:"))
    lines[at] = "  description: " + "[" * 600 + "x" + "]" * 600 + "\n"
    target.write_text("".join(lines), encoding="utf-8")
    before = target.read_bytes()
    measure_id = next(line.split()[-1] for line in lines if line.startswith("- id: "))
    for command in (["check", "--corpus", str(corpus_copy)],
                    ["index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "index")],
                    ["import", str(SEED), "--out", str(corpus_copy), "--wait", "0"],
                    ["withdraw", measure_id, "--corpus", str(corpus_copy)]):
        assert main(command) == 1, command
        err = capsys.readouterr().err
        assert f"{target}:{at + 1}: YAML error: lists or mappings nested more than 100 levels deep" in err, err
        assert "Traceback" not in err
    assert target.read_bytes() == before
    assert not (tmp_path / "index" / "current").exists()


def test_a_deep_value_after_shared_aliases_is_refused_at_its_line_without_walking_every_copy(tmp_path):
    """Finding the line of a too-deep value walked every copy of nodes shared by aliases: nine levels of nine
    (a "billion laughs" file) kept check busy for minutes where it refused the file at once (found by a review)."""
    laughs = ["lol0: &l0 [a, a, a, a, a, a, a, a, a]"] + [
        f"lol{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]" for level in range(1, 10)]
    text = "\n".join(laughs) + "\nzz: " + "[" * 600 + "x" + "]" * 600 + "\n"
    with pytest.raises(InputProblems) as refused:
        storage.parse_yaml(text, "laughs.yaml")
    (problem,) = refused.value.problems
    assert (problem.line, problem.message) == (11, "YAML error: lists or mappings nested more than 100 levels deep")


def test_a_key_written_twice_in_a_tombstone_is_refused_by_check_and_import(tmp_path, capsys, corpus_copy):
    """check looked for keys written twice at the top, in measures, not in tombstones, where the import's own
    reading keeps the last one silently (found by a review)."""
    from measuresearch.cli.main import main
    target = corpus_copy / "kazakhstan.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "removed:\n" + HAND_ID.replace("  id", "- id", 1)
                      + HAND_TITLES + "  removed_on: '2024-05-01'\n  removed_on: '2024-06-01'\n", encoding="utf-8")
    line = target.read_text(encoding="utf-8").count("\n")
    before = target.read_bytes()
    for command in (["check", "--corpus", str(corpus_copy)],
                    ["import", str(SEED), "--out", str(corpus_copy), "--wait", "0"]):
        assert main(command) == 1, command
        err = capsys.readouterr().err
        assert f"{target}:{line}: duplicate key 'removed_on'" in err and "Traceback" not in err, err
    assert target.read_bytes() == before


def test_an_indicator_without_dates_or_description_is_checked_and_indexed(tmp_path, capsys, corpus_copy):
    """An indicator may leave out `dates` and `description` (a measure may not): check and index had died with
    KeyError 'dates' and a traceback. It has no dates, an empty description, and is served so."""
    import yaml

    from measuresearch.cli.main import main
    from measuresearch.index.engine import IndexHolder
    from measuresearch.search.service import SearchRequest, search
    folder = corpus_copy
    document = yaml.safe_load((folder / "kazakhstan.yaml").read_text(encoding="utf-8"))
    label = "Effective tariff rate (test-only)"
    document["measures"].append({
        "id": "kazakhstan-effective-tariff-rate-test-only", "country": "Kazakhstan",
        "pillar": "Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods",
        "sub_pillar": "Effective tariff rate on ICT goods (applied weighted average)", "titles": [label],
        "kind": "indicator", "values": [{"label": label, "value": 1.53, "unit": "%"}],
        "source": {"kind": "manual", "name": "test", "url": None, "first_imported": "2026-12-04"},
        "last_imported": "2026-12-04"})
    (folder / "kazakhstan.yaml").write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
                                            encoding="utf-8")
    assert main(["check", "--corpus", str(folder)]) == 0
    assert main(["index", "--corpus", str(folder), "--index", str(tmp_path / "index")]) == 0
    assert "Traceback" not in capsys.readouterr().err
    holder = IndexHolder(tmp_path / "index")
    try:
        hits = search(holder, SearchRequest(q="effective tariff rate test-only"))["hits"]
        record = next(hit for hit in hits if hit["id"] == "kazakhstan-effective-tariff-rate-test-only")
        assert (record["dates"], record["description"], record["year"]) == ([], "", None)
    finally:
        holder.close()
    measure = document["measures"][-1]
    del measure["kind"], measure["values"]  # a measure must have its dates (and description)
    (folder / "kazakhstan.yaml").write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
                                            encoding="utf-8")
    assert main(["check", "--corpus", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "missing field 'dates'" in err and "missing field 'description'" in err and "Traceback" not in err


@pytest.mark.parametrize("key", ["description", "dates"])
def test_an_indicator_with_a_null_text_is_refused_by_check_and_index(tmp_path, capsys, corpus_copy, key):
    """`description: null` (or `dates: null`) on an indicator passed check and index, then every page that showed
    it answered 500: empty is "" (or []), as an import writes it."""
    import yaml

    from measuresearch.cli.main import main
    folder = corpus_copy
    document = yaml.safe_load((folder / "kazakhstan.yaml").read_text(encoding="utf-8"))
    document["measures"].append({
        "id": "kazakhstan-effective-tariff-rate-test-only", "country": "Kazakhstan",
        "pillar": "Tariffs and trade defence measures applied on Information and Communication Technology (ICT) goods",
        "sub_pillar": "Effective tariff rate on ICT goods (applied weighted average)",
        "titles": ["Effective tariff rate (test-only)"], "dates": [], "events": [], "year": None,
        "description": "", "coverage": None, "kind": "indicator",
        "values": [{"label": "Effective tariff rate (test-only)", "value": 1.53, "unit": "%"}], key: None})
    (folder / "kazakhstan.yaml").write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
                                            encoding="utf-8")
    for command in (["check", "--corpus", str(folder)],
                    ["index", "--corpus", str(folder), "--index", str(tmp_path / "index")]):
        assert main(command) == 1, command
        err = capsys.readouterr().err
        assert f"{key} must be" in err and "not null" in err and "Traceback" not in err


def test_check_reads_with_the_cyclic_collector_paused_and_restores_it(monkeypatch):
    # check of 100k measures took 33 s with the collector walking every live record again and again, 11 s without
    import gc

    seen = []
    real_file = corpus.Checker.file
    monkeypatch.setattr(corpus.Checker, "file", lambda self, path: seen.append(gc.isenabled()) or real_file(self, path))
    assert gc.isenabled()
    measures, problems = corpus.check(REPO_CORPUS)
    assert len(measures) == 15 and not problems
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        corpus.check(REPO_CORPUS)
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()
    monkeypatch.setattr(corpus.Checker, "file", lambda self, path: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        corpus.check(REPO_CORPUS)
    assert gc.isenabled()
