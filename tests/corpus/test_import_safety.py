"""Issue 11: an import is all or nothing, one at a time, and a kill leaves whole files."""

import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from measuresearch.corpus import files as corpus
from measuresearch.corpus import importer
from devtools import synthetic
from measuresearch.corpus import transaction
from measuresearch.errors import InputProblems

from conftest import CORPUS, SEED

CLI = [sys.executable, "-m", "measuresearch.cli"]


def _yaml_files(folder):
    return {p.name: p.read_bytes() for p in pathlib.Path(folder).glob("*.yaml")}


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """Synthetic pages of 20 economies (version A), a version B that changes and adds measures,
    and the corpus folders that importing A, then B, gives."""
    root = tmp_path_factory.mktemp("versions")
    measures = synthetic.Generator(seed=11, tail=2000, countries=20).measures(2000)
    changed = list(measures)
    for i in range(0, len(changed), 7):
        changed[i] = synthetic.Measure(**{**changed[i].__dict__, "description": changed[i].description + " Amended."})
    extra = synthetic.Generator(seed=12, tail=2000, countries=20).measures(100)
    pages = {}
    for name, items in (("a", measures), ("b", changed + extra)):
        pages[name] = synthetic.write_pages(items, root / f"pages-{name}")
    state_a, state_b = root / "state-a", root / "state-b"
    importer.import_files(pages["a"], state_a)
    shutil.copytree(state_a, state_b)
    importer.import_files(pages["b"], state_b)
    assert _yaml_files(state_a).keys() == _yaml_files(state_b).keys()
    assert all(_yaml_files(state_a)[k] != _yaml_files(state_b)[k] for k in _yaml_files(state_a))
    return pages, _yaml_files(state_a), _yaml_files(state_b), state_a


def _assert_whole_and_one_version(folder, a, b, allow_mixed):
    files = _yaml_files(folder)
    assert files.keys() == a.keys()
    which = {("a" if files[k] == a[k] else "b" if files[k] == b[k] else "neither") for k in files}
    assert "neither" not in which
    if not allow_mixed:
        assert len(which) == 1
    _, problems = corpus.check_files(sorted(pathlib.Path(folder).glob("*.yaml")))
    assert problems == []
    if (pathlib.Path(folder) / transaction.JOURNAL).exists():  # a mix: check and index refuse to read it
        with pytest.raises(InputProblems, match="interrupted between its renames"):
            corpus.check(folder)
    return which


def _start(pages, out):
    return subprocess.Popen(CLI + ["import", *pages, "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish_and_compare(pages, out, b):
    """The next import removes stray temporary files, finishes a journal, and does the whole job."""
    done = subprocess.run(CLI + ["import", *pages, "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _yaml_files(out) == b
    assert not list(out.glob(f".*{transaction.SUFFIX}")) and not (out / transaction.JOURNAL).exists()


def _import_killed_at_rename(monkeypatch, page, out, renames):
    """Import page into out as a process that dies at its `renames`-th rename (the journal's own is the first)."""
    real_replace, calls = os.replace, []

    def dying_replace(src, dst):
        calls.append(dst)
        if len(calls) == renames:
            raise SystemExit("killed")
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(SystemExit):
        importer.import_files(page, out)
    monkeypatch.setattr(os, "replace", real_replace)


def test_an_import_killed_while_writing_leaves_the_previous_files_whole(tmp_path, versions):
    pages, a, b, state_a = versions
    out = tmp_path / "out"
    shutil.copytree(state_a, out)
    process = _start(pages["b"], out)
    deadline = time.monotonic() + 60
    # as soon as the first new file is being written beside its target
    while not list(out.glob(f".*{transaction.SUFFIX}")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.0005)
    assert process.poll() is None, "the import ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert list(out.glob(f".*{transaction.SUFFIX}"))  # it was killed in the middle of its writes
    assert _assert_whole_and_one_version(out, a, b, allow_mixed=False) == {"a"}
    _finish_and_compare(pages["b"], out, b)


@pytest.mark.parametrize("delay", [0.15, 0.3, 0.45, 0.6, 0.9])
def test_an_import_killed_at_any_moment_leaves_whole_files(tmp_path, versions, delay):
    pages, a, b, state_a = versions
    out = tmp_path / "out"
    shutil.copytree(state_a, out)
    process = _start(pages["b"], out)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    journal = (out / transaction.JOURNAL).exists()
    # every file whole and either version; a mix only once the journal of renames exists
    _assert_whole_and_one_version(out, a, b, allow_mixed=journal)
    _finish_and_compare(pages["b"], out, b)


def test_a_crash_during_the_renames_is_finished_by_the_next_import(tmp_path, versions, monkeypatch):
    pages, a, b, state_a = versions
    out = tmp_path / "out"
    shutil.copytree(state_a, out)
    # the process "dies" at the 4th file rename: journal written, 3 files renamed
    _import_killed_at_rename(monkeypatch, pages["b"], out, renames=5)
    assert (out / transaction.JOURNAL).exists()
    assert _assert_whole_and_one_version(out, a, b, allow_mixed=True) == {"a", "b"}
    mixed = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(transaction.Unfinished):  # a dry run neither finishes the journal nor reads the mix
        importer.import_files(pages["b"], out, dry_run=True)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == mixed
    report = importer.import_files(pages["b"], out)  # finishes the renames first, then finds nothing to do
    assert _yaml_files(out) == b
    assert all(len(f.added) == len(f.changed) == 0 for f in report.files)
    assert not (out / transaction.JOURNAL).exists()


@pytest.mark.parametrize("fails", ["dumping", "writing"])
@pytest.mark.parametrize("at", [1, 3, 20])
def test_a_failure_while_the_files_are_made_or_written_changes_nothing_and_leaves_no_temporary_file(
        tmp_path, versions, monkeypatch, fails, at):
    # each file is written on a thread while the next is dumped: a dump that fails, or a write, after
    # others were written (or while one is), must take every written one away and replace nothing
    pages, a, b, state_a = versions
    out = tmp_path / "out"
    shutil.copytree(state_a, out)
    calls = []
    module, name = (importer.yamlout, "dump") if fails == "dumping" else (transaction.storage, "write_into")
    real = getattr(module, name)

    def failing(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == at:
            raise OSError("no space left on device")
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, failing)
    with pytest.raises(OSError, match="no space left"):
        importer.import_files(pages["b"], out)
    # a failed write is seen when the next file is ready to be written, or at the end
    assert len(calls) == at if fails == "dumping" else at <= len(calls) <= 21
    assert _yaml_files(out) == a
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in state_a.iterdir())
    monkeypatch.setattr(module, name, real)
    _finish_and_compare(pages["b"], out, b)


def test_commit_takes_a_dict_or_pairs_made_one_at_a_time(tmp_path):
    made = []

    def pairs():
        for name in ("b.yaml", "a.yaml"):
            made.append(name)
            yield name, f"country: {name}\n"
    transaction.commit(tmp_path, pairs())
    (tmp_path / "other").mkdir()
    transaction.commit(tmp_path / "other", {"c.yaml": b"country: c\n"})
    assert made == ["b.yaml", "a.yaml"]
    assert {p.name: p.read_text() for p in tmp_path.glob("*.yaml")} == {"a.yaml": "country: a.yaml\n",
                                                                        "b.yaml": "country: b.yaml\n"}
    assert (tmp_path / "other" / "c.yaml").read_bytes() == b"country: c\n"
    assert not list(tmp_path.rglob(f".*{transaction.SUFFIX}")) and not (tmp_path / transaction.JOURNAL).exists()


def test_a_second_import_waits_then_refuses_with_a_message(tmp_path):
    out = tmp_path / "out"
    with transaction.locked(out):
        done = subprocess.run(CLI + ["import", str(SEED), "--out", str(out), "--wait", "0.5"],
                              capture_output=True, text=True)
    assert done.returncode == 2
    assert f"another import into {out} is running; nothing was changed" in done.stderr
    assert "waiting for another import" in done.stderr
    assert _yaml_files(out) == {}


def test_concurrent_imports_run_one_after_the_other(tmp_path, versions):
    pages, a, b, state_a = versions
    out = tmp_path / "out"
    shutil.copytree(state_a, out)
    first, second = _start(pages["b"], out), _start(pages["b"], out)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert _yaml_files(out) == b
    # the lines of corpus files (a run first says what it read from each page)
    reports = sorted("\n".join(line for line in out_text.splitlines() if " entries: " not in line)
                     for out_text, _ in outputs)
    # exactly one of them did the work: the other found everything unchanged
    assert sum(" 0 changed" not in line for line in reports[1].splitlines() + reports[0].splitlines()) > 0
    unchanged_runs = [r for r in reports if all(" 0 added, 0 changed," in line for line in r.splitlines())]
    assert len(unchanged_runs) == 1


def test_nothing_is_written_when_one_of_several_files_is_bad(tmp_path, versions):
    pages, a, b, state_a = versions
    out = tmp_path / "out"
    shutil.copytree(state_a, out)
    broken = tmp_path / "broken.txt"
    broken.write_text(SEED.read_text(encoding="utf-8").replace("Pillar Content access", "Pillar Data policies", 1))
    with pytest.raises(InputProblems):
        importer.import_files(pages["b"] + [str(broken)], out)
    assert _yaml_files(out) == a


@pytest.mark.parametrize("command", ["check", "index"])
def test_check_and_index_finish_an_interrupted_import_first_and_say_so(tmp_path, versions, monkeypatch, command):
    pages, a, b, state_a = versions
    out = tmp_path / "out"
    shutil.copytree(state_a, out)
    _import_killed_at_rename(monkeypatch, pages["b"], out, renames=3)  # journal written, 1 file renamed
    assert (out / transaction.JOURNAL).exists()
    extra = ["--index", str(tmp_path / "index")] if command == "index" else []
    done = subprocess.run(CLI + [command, "--corpus", str(out), *extra], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"finished the renames of an interrupted import into {out}" in done.stderr
    assert _yaml_files(out) == b and not (out / transaction.JOURNAL).exists()
    if command == "index":
        assert f"{sum(f.count(b'- id: ') for f in b.values())} measures" in done.stdout


def test_a_journal_a_running_import_removes_while_we_wait_is_not_an_interrupted_import(tmp_path):
    # check and index saw a live import's journal, waited for the lock, and then said they had finished
    # "the renames of an interrupted import" (that import had finished them itself)
    out = tmp_path / "out"
    out.mkdir()
    journal = out / transaction.JOURNAL
    journal.write_text("[]", encoding="utf-8")
    with transaction.storage.locked(out / transaction.LOCK, None):  # the running import, in its renames
        waiting = subprocess.Popen(CLI + ["check", "--corpus", str(out)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        journal.unlink()  # ... which it finishes, and then lets go of the lock
    _, err = waiting.communicate(timeout=60)
    assert "finished the renames" not in err, err


def test_an_import_into_a_file_holding_another_economys_measure_is_refused(tmp_path):
    # the measure would stay where the import cannot find it, and come in again as a new one
    out = tmp_path / "corpus"
    importer.import_files([SEED], out)
    path = out / "kazakhstan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("country: Kazakhstan\n", "country: Uzbekistan\n", 1),
                    encoding="utf-8")
    before = _yaml_files(out)
    with pytest.raises(InputProblems) as caught:
        importer.import_files([SEED], out)
    assert any("a measure of 'Kazakhstan' in the file of 'Uzbekistan'" in str(p) for p in caught.value.problems)
    assert _yaml_files(out) == before


@pytest.mark.parametrize("journal", ["", "null", '{"renames": [["a", "b"]]}', '[["a", "b"]]', '[[1, 2]]',
                                     '[[".kazakhstan.yaml.x.import-tmp", "../kazakhstan.yaml"]]'])
def test_a_damaged_import_journal_is_refused_with_a_message_and_followed_by_nothing(tmp_path, capsys, journal):
    from measuresearch.cli.main import main
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    for path in CORPUS.glob("*.yaml"):
        (corpus_dir / path.name).write_bytes(path.read_bytes())
    (corpus_dir / transaction.JOURNAL).write_text(journal, encoding="utf-8")
    before = {p.name: p.read_bytes() for p in corpus_dir.iterdir()}
    for command in (["check", "--corpus", str(corpus_dir)],
                    ["index", "--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "journal" in err and "damaged" in err and "Traceback" not in err
    after = {p.name: p.read_bytes() for p in corpus_dir.iterdir() if p.name != transaction.LOCK}
    assert after == before


def test_files_keep_their_mode_even_without_the_owners_write_bit():
    """Found by a review: the commit gave each temporary file its target's mode (0444) before a writer opened it
    by its name, which a user other than root may not do. Run as `nobody` when the tests run as root (root
    opens any file), in a folder of /tmp that user may enter."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="modes-"))
    os.chmod(folder, 0o777)
    try:
        pid = os.fork()
        if pid == 0:  # the child: never back into pytest
            code = 1
            try:
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                for name, mode in (("a.yaml", 0o444), ("b.yaml", 0o640)):
                    (folder / name).write_text("old\n")
                    os.chmod(folder / name, mode)
                transaction.commit(folder, {"a.yaml": "new a\n", "b.yaml": "new b\n"})
                found = {p.name: (p.read_text(), os.stat(p).st_mode & 0o777) for p in folder.iterdir()}
                code = 0 if found == {"a.yaml": ("new a\n", 0o444), "b.yaml": ("new b\n", 0o640)} else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)
