"""`measuresearch import` from the terminal: options, dry run output, exit codes, progress bar."""

import fcntl
import os
import struct
import subprocess
import sys
import termios

import pytest

from measuresearch.cli.main import main

from conftest import SEED

CLI = [sys.executable, "-m", "measuresearch.cli"]


def test_help_names_every_import_option(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = capsys.readouterr().out
    for word in ("--out", "--dry-run", "--prune", "--map", "COLUMN=FIELD", "--wait", ".xlsx/.csv"):
        assert word in out


def test_dry_run_prints_the_changes_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "corpus"
    assert main(["import", str(SEED), "--out", str(out)]) == 0
    before = (out / "kazakhstan.yaml").read_bytes()
    edited = tmp_path / "edited.txt"
    edited.write_text(SEED.read_text(encoding="utf-8").replace("is USD 580.", "is USD 600."), encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(edited), "--out", str(out), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines.pop(0) == f"{edited}: read 15 entries: 15 measures, 0 indicators"
    assert lines[0] == f"{out / 'kazakhstan.yaml'}: 0 added, 1 changed, 14 unchanged, 0 missing from the page"
    assert lines[1] == "  ~ kazakhstan-threshold-for-de-minimis-rule-283a48c4"
    assert lines[2].startswith("      description: 'It is reported") and lines[2].endswith("is USD 580.'")
    assert lines[3].strip().startswith("-> 'It is reported") and lines[3].endswith("is USD 600.'")
    assert lines[-1] == "dry run: nothing was written"
    assert (out / "kazakhstan.yaml").read_bytes() == before


def test_a_bad_map_and_an_unknown_economy_exit_non_zero_without_traceback(tmp_path):
    bad_map = subprocess.run(CLI + ["import", str(SEED), "--out", str(tmp_path), "--map", "Title"],
                             capture_output=True, text=True)
    assert bad_map.returncode == 2 and "expected COLUMN=FIELD" in bad_map.stderr
    page = tmp_path / "typo.txt"
    page.write_text(SEED.read_text(encoding="utf-8").replace("KAZAKHSTAN", "KAZAKSTAN"), encoding="utf-8")
    typo = subprocess.run(CLI + ["import", str(page), "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert typo.returncode == 1 and "Traceback" not in typo.stderr
    assert f"{page}:5: unknown economy 'KAZAKSTAN'; did you mean 'Kazakhstan'" in typo.stderr
    assert typo.stderr.rstrip().endswith("problem(s); nothing was changed")
    assert not list((tmp_path / "out").glob("*.yaml")) if (tmp_path / "out").exists() else True


def _on_a_terminal(args):
    """Run the CLI with its stderr on a 100-column pseudo-terminal; return (exit code, what the terminal shows)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    try:
        process = subprocess.run(CLI + args, stderr=slave, stdout=subprocess.PIPE, text=True)
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
    return process.returncode, shown


def test_a_terminal_gets_a_progress_bar_and_a_pipe_does_not(tmp_path):
    returncode, shown = _on_a_terminal(["import", str(SEED), "--out", str(tmp_path / "a")])
    assert returncode == 0
    assert b"importing: 100%" in shown and b"1/1" in shown
    piped = subprocess.run(CLI + ["import", str(SEED), "--out", str(tmp_path / "b")], capture_output=True, text=True)
    assert piped.stderr == "" and "15 added" in piped.stdout


def test_index_shows_its_progress_on_a_terminal_and_nothing_on_a_pipe(corpus_copy, tmp_path):
    returncode, shown = _on_a_terminal(["index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "a")])
    assert returncode == 0
    assert b"indexing: 100%" in shown
    piped = subprocess.run(CLI + ["index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "b")],
                           capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stderr == "" and piped.stdout.startswith("indexed ")
