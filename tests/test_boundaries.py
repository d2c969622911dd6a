"""Module boundaries that the code layout promises, checked in fresh interpreters."""

import subprocess
import sys


def loaded_after(statement):
    """Return the modules a fresh interpreter has loaded after running statement."""
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_serving_path_imports_no_build_code():
    loaded = loaded_after("import measuresearch.web.app, measuresearch.search.service")
    assert {"measuresearch.index.engine", "measuresearch.index.format.layout", "measuresearch.index.format.codec"} <= loaded
    build_code = sorted(m for m in loaded if m.endswith(("indexer", "writers")) or m == "multiprocessing")
    assert build_code == []


def test_the_check_sees_build_code_when_it_is_imported():
    loaded = loaded_after("import measuresearch.cli.main, measuresearch.index.build.indexer")
    assert {"measuresearch.index.build.indexer", "measuresearch.index.build.writers", "multiprocessing"} <= loaded
