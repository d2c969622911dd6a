"""The package works installed: a wheel in a fresh virtual environment, outside the repository, indexes and serves."""

import json
import os
import pathlib
import shutil
import site
import subprocess
import sys
import urllib.request
import zipfile

import pytest

from devtools.localserver import free_port, wait_http

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the wheel, install it into a new venv whose dependencies come from this interpreter's."""
    folder = tmp_path_factory.mktemp("wheel")
    # built from a copy: pip builds in the source tree, and would leave build/ and *.egg-info in the repository
    source = folder / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", symlinks=True, ignore=ignore)  # data/ links into corpus/
    shutil.copytree(ROOT / "corpus", source / "corpus", ignore=ignore)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(folder / "dist"), str(source)], check=True, capture_output=True)
    [wheel] = (folder / "dist").glob("measuresearch-*.whl")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    with zipfile.ZipFile(wheel) as archive:  # what pip does for a pure wheel, without a network or our own pip
        archive.extractall(purelib)
    # The dependencies (not measuresearch, whose editable finder lives in a .pth these lines do not run)
    (pathlib.Path(purelib) / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return wheel, python, folder


def clean_env(work):
    """An environment without PYTHONPATH or MEASURESEARCH_*: only what the installed package brings."""
    return {"PATH": os.environ["PATH"], "HOME": str(work), "MEASURESEARCH_DATA": str(work / "data")}


def run(python, *args, cwd):
    return subprocess.run([str(python), "-m", "measuresearch.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env=clean_env(cwd))


def test_the_wheel_carries_templates_static_files_taxonomy_groups_and_the_judged_set(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("measuresearch/domain/data/taxonomy.yaml", "measuresearch/domain/data/groups.yaml",
                 "measuresearch/search/judged_queries.yaml", "measuresearch/web/templates/search.html",
                 "measuresearch/web/static/app.js"):
        assert name in names
    data = zipfile.ZipFile(wheel).read("measuresearch/domain/data/taxonomy.yaml")
    assert data == (CORPUS / "taxonomy.yaml").read_bytes()  # the file itself, not a link
    assert not any(name.startswith(("devtools/", "tests/")) for name in names)


def test_the_installed_package_indexes_and_serves_search_openapi_and_propose(installed):
    _, python, folder = installed
    work = folder / "elsewhere"
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    for path in CORPUS.glob("*.yaml"):
        if path.name not in ("taxonomy.yaml", "groups.yaml"):  # these come from the package
            shutil.copy(path, corpus / path.name)
    where = subprocess.run([str(python), "-c", "import measuresearch; print(measuresearch.__file__)"],
                           cwd=work, capture_output=True, text=True, check=True, env=clean_env(work)).stdout
    assert where.startswith(str(folder / "venv")), where
    assert run(python, "check", "--corpus", "corpus", cwd=work).returncode == 0
    built = run(python, "index", "--corpus", "corpus", "--index", "index", cwd=work)
    assert built.returncode == 0, built.stderr
    port = free_port()
    server = subprocess.Popen([str(python), "-m", "measuresearch.cli", "serve", "--port", str(port),
                               "--index", "index"], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=clean_env(work))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz", timeout=60, process=server)
        with urllib.request.urlopen(base + "/api/search?q=informatization") as response:
            found = json.load(response)
        assert found["total"] >= 1
        with urllib.request.urlopen(base + "/openapi.json") as response:
            assert "/api/search" in json.load(response)["paths"]
        with urllib.request.urlopen(base + "/propose") as response:
            page = response.read().decode()
        assert "Content access" in page  # a pillar of the packaged taxonomy, offered by the form
        with urllib.request.urlopen(base + "/") as response:
            assert "<form" in response.read().decode()
        with urllib.request.urlopen(base + "/static/app.js") as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert run(python, "evaluate", "--index", "index", cwd=work).returncode == 0
