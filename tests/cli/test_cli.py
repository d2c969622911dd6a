"""The measuresearch command: help texts, exit codes, output."""

import json
import re
import subprocess
import sys

import pytest

from measuresearch.cli.main import main

from conftest import CORPUS, SEED, make_measure


@pytest.mark.parametrize("command, words", [
    ("import", ["FILE", "--out"]), ("check", ["--corpus"]), ("index", ["--corpus", "--index"]),
    ("search", ["QUERY", "--country", "--json"]), ("serve", ["--host", "--port", "--index"]),
    ("evaluate", ["--queries", "--index"]),
])
def test_help_of_every_command(command, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert all(word in out for word in words)


def test_check_ok_and_failing(tmp_path, capsys):
    assert main(["check", "--corpus", str(CORPUS)]) == 0
    (tmp_path / "bad.yaml").write_text("country: X\nmeasures:\n  - id: x\n", encoding="utf-8")
    assert main(["check", "--corpus", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'bad.yaml'}:3: missing field 'country'" in err


def test_import_then_index_then_search(tmp_path, capsys):
    assert main(["import", str(SEED), "--out", str(tmp_path / "corpus")]) == 0
    assert "15 added" in capsys.readouterr().out
    assert main(["index", "--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]) == 0
    assert "indexed 15 measures in" in capsys.readouterr().out
    assert main(["search", "shutdowns", "--index", str(tmp_path / "index"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 2
    assert main(["search", "валютный контроль", "--index", str(tmp_path / "index")]) == 0
    out = capsys.readouterr().out
    assert "[валютном]" in out and "[контроле]" in out and "country: Kazakhstan (1)" in out


def test_bad_page_is_refused_without_traceback(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("KAZAKHSTAN\n\nSince Smarch 2020\n\nPillar Content access | Sub-pillar X\nT\nD\n")
    result = subprocess.run([sys.executable, "-m", "measuresearch.cli", "import", str(page), "--out",
                             str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{page}:3: measure 1 (KAZAKHSTAN)" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["check", "index"])
def test_a_value_its_yaml_tag_cannot_read_is_a_problem_not_a_traceback(command, tmp_path):
    """PyYAML raises ValueError for `!!int 'x'` (and AttributeError for a bad !!timestamp), not a YAML error."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("taxonomy.yaml", "groups.yaml"):
        (corpus / name).write_text((CORPUS / name).read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "kz.yaml").write_text("country: Kazakhstan\nmeasures:\n  - id: x\n    year: !!int 'x'\n",
                                    encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "measuresearch.cli", command, "--corpus", str(corpus),
                             *(["--index", str(tmp_path / "index")] if command == "index" else [])],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{corpus / 'kz.yaml'}:4: YAML error: cannot read 'x' as tag:yaml.org,2002:int" in result.stderr
    assert not (tmp_path / "index" / "current").exists()


def test_search_without_index_says_make_index(tmp_path, capsys):
    assert main(["search", "x", "--index", str(tmp_path / "none")]) == 3  # index unavailable
    assert "make index" in capsys.readouterr().err


def test_search_by_date_from_the_terminal(real_index, capsys):
    assert main(["search", "online payments", "--index", str(real_index), "--json", "--event", "amended",
                 "--year-from", "2020", "--in-force-on", "2018-07"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total"] == 1 and result["query"]["event"] == ["amended"]
    assert main(["search", "x", "--index", str(real_index), "--in-force-on", "2021-02-30"]) != 0
    assert "in_force_on '2021-02-30' is not a date of the calendar" in capsys.readouterr().err


def test_search_numbers_each_measure_once_whatever_its_titles(real_index, capsys):
    assert main(["search", "trading activities", "--index", str(real_index), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert main(["search", "trading activities", "--index", str(real_index)]) == 0
    out = capsys.readouterr().out
    numbered = re.findall(r"^ *(\d+)\. ", out, re.M)
    assert any(len(hit["titles"]) > 1 for hit in result["hits"])  # the case the numbering must not repeat
    assert numbered == [str(rank) for rank in range(1, len(result["hits"]) + 1)]
    assert re.search(r"^ {5}\S", out, re.M)  # a further title: under the first, not numbered
def test_evaluate_prints_the_misses_and_the_metrics(make_index, tmp_path, capsys):
    from measuresearch.search.service import SearchRequest, search
    holder = make_index([make_measure("Data localisation rules", "Servers must stay in the country."),
                         make_measure("Online advertising code", "Adverts must say they are adverts.")])
    ids = {hit["titles"][0]: hit["id"] for hit in search(holder, SearchRequest())["hits"]}
    queries = tmp_path / "judged.yaml"
    queries.write_text(json.dumps({"queries": [
        {"q": "localisation", "kind": "word", "expect": [ids["Data localisation rules"]]},
        # expects a measure that does not contain the word: a miss that must be reported
        {"q": "adverts", "kind": "word", "expect": [ids["Data localisation rules"]]},
    ]}), encoding="utf-8")
    assert main(["evaluate", "--queries", str(queries), "--index", str(holder.root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["  rank  -  [word] 'adverts'  (first: " + ids["Online advertising code"] + ")",
                   "2 queries: success@1 0.500  success@3 0.500  MRR 0.500"]
    assert main(["evaluate", "--queries", str(tmp_path / "none.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _paths_that_cannot_be_folders(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    return {"a file": a_file, "under /proc": "/proc/measuresearch-no", "too long": tmp_path / ("x" * 5000)}


@pytest.mark.parametrize("where", ["a file", "under /proc", "too long"])
@pytest.mark.parametrize("command", [["index", "--corpus", str(CORPUS), "--index"], ["import", str(SEED), "--out"]])
def test_an_output_folder_that_cannot_be_made_is_one_line_not_a_traceback(command, where, tmp_path, capsys):
    path = _paths_that_cannot_be_folders(tmp_path)[where]
    assert main([*command, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("measuresearch: ") and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("argv, said", [
    (["proposals", "accept", "99999999999999999999999"], "is not between 1 and"),
    (["reports", "close", "x"], "is not a whole number"),
    (["serve", "--port", "99999"], "99999 is not between 0 and 65535"),
    (["serve", "--threads", "0"], "0 is not between 1 and 256"),
])
def test_numbers_out_of_range_are_usage_errors(argv, said, tmp_path, capsys):
    with pytest.raises(SystemExit) as usage:
        main([argv[0], "--data", str(tmp_path), *argv[1:]] if argv[0] != "serve" else argv)
    assert usage.value.code == 2 and said in capsys.readouterr().err


def test_serve_on_an_address_that_does_not_exist_says_so(real_index, capsys):
    assert main(["serve", "--host", "nosuch.invalid", "--port", "0", "--index", str(real_index)]) == 2
    assert "cannot listen on nosuch.invalid:0: no such address" in capsys.readouterr().err


def test_the_log_follows_the_standard_streams_it_was_set_up_on_after_they_are_replaced(monkeypatch):
    """serve set its log handlers on the sys.stdout and sys.stderr of that moment: once they were replaced and
    closed (a redirect, a test's captured output), every line became "--- Logging error ---" and a traceback."""
    import io
    import logging

    from measuresearch.web.server import configure_logging
    first_out, first_err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", first_out)
    monkeypatch.setattr(sys, "stderr", first_err)
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # basicConfig adds its handler only to a bare root
    # configure_logging sets up loggers for good: they are put back as they were for the tests that follow
    saved = [(logger, logger.handlers[:], logger.propagate, logger.level)
             for logger in map(logging.getLogger, ("measuresearch.access", "measuresearch.index"))]
    try:
        configure_logging()
        first_out.close()
        first_err.close()
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        logging.getLogger("measuresearch.index").info("index picked up")
        logging.getLogger("measuresearch.web").warning("a warning")
        assert out.getvalue() == "index picked up\n"
        assert err.getvalue().endswith("WARNING measuresearch.web: a warning\n")
        assert "Logging error" not in err.getvalue()
    finally:
        for logger, handlers, propagate, level in saved:
            logger.handlers[:], logger.propagate = handlers, propagate
            logger.setLevel(level)


@pytest.mark.parametrize("text, encoding", [("queries: [{query: 5, expected: [1, 2]}]", "utf-8"),
                                            ("queries: [{q: law, expect: [x]}]", "utf-16"),
                                            ("queries: {q: law}", "utf-8")])
def test_a_judged_query_file_of_the_wrong_shape_is_refused(text, encoding, real_index, tmp_path, capsys):
    path = tmp_path / "queries.yaml"
    path.write_text(text, encoding=encoding)
    assert main(["evaluate", "--queries", str(path), "--index", str(real_index)]) == 2
    assert "is not a judged query file" in capsys.readouterr().err


def test_an_economy_given_for_no_entry_or_unknown_is_refused(tmp_path, capsys):
    """`--economy` names the economy of a page's entries without an economy line: an unknown name, or one that no
    entry of the run takes (the seed page names Kazakhstan above each entry), was ignored with exit 0."""
    out = tmp_path / "corpus"
    for economy, said in (("Narnia", "unknown economy 'Narnia'"), ("Uzbekistan", "is the economy of no entry")):
        assert main(["import", str(SEED), "--out", str(out), "--economy", economy]) == 2
        err = capsys.readouterr().err
        assert said in err and "nothing was written" in err and "Traceback" not in err
        assert not out.exists() or not list(out.glob("*.yaml"))
    assert main(["import", str(SEED), "--out", str(out), "--economy", "kz"]) == 0  # the page's own, as an ISO code
    assert (out / "kazakhstan.yaml").exists()
