"""Module boundaries that the code layout promises: import-linter's contracts, and fresh interpreters."""

import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LINT_IMPORTS = pathlib.Path(sys.executable).with_name("lint-imports")
BUILD_CODE = ("measuresearch.index.build", "measuresearch.corpus.importer", "measuresearch.corpus.sources")


def loaded_after(statement):
    """Return the modules a fresh interpreter has loaded after running statement."""
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def lint_imports(source_root):
    """Run import-linter with pyproject.toml's contracts over the package under source_root."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(source_root)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          capture_output=True, text=True, env=env, cwd=source_root)


def test_the_serving_path_imports_no_build_code():
    loaded = loaded_after("import measuresearch.web.app, measuresearch.search.service")
    assert {"measuresearch.index.engine", "measuresearch.index.format.layout",
            "measuresearch.index.format.codec"} <= loaded
    build_code = sorted(m for m in loaded if m.startswith(BUILD_CODE) or m == "multiprocessing")
    assert build_code == []


def test_the_check_sees_build_code_when_it_is_imported():
    loaded = loaded_after("import measuresearch.cli.main, measuresearch.index.build.indexer")
    assert {"measuresearch.index.build.indexer", "measuresearch.index.build.writers",
            "measuresearch.index.build.segments", "multiprocessing"} <= loaded


def test_the_import_contracts_hold():
    done = lint_imports(ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_contracts_catch_a_search_module_that_imports_the_build(tmp_path):
    shutil.copytree(ROOT / "src" / "measuresearch", tmp_path / "measuresearch",
                    ignore=shutil.ignore_patterns("templates", "static", "__pycache__"))
    planted = tmp_path / "measuresearch" / "search" / "planted.py"
    planted.write_text("from measuresearch.index.build import indexer  # noqa: F401\n", encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "Nothing on the serving path imports index building or intake BROKEN" in done.stdout
    assert "measuresearch.search.planted -> measuresearch.index.build.indexer" in done.stdout
