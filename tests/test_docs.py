"""docs/API.md against what the app serves: /openapi.json, the routes, the parameters each answers."""

import itertools
import re
import subprocess

import falcon.inspect
import falcon.testing
import pytest

from measuresearch.web.app import create_app

from conftest import ROOT

API_MD = ROOT / "docs" / "API.md"
HEADING = re.compile(r"^### `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`\s*$")
SAME_AS = re.compile(r"the same parameters as `(GET|POST) (/[^`]*)`")
ROW_NAMES = re.compile(r"`([a-z_][a-z0-9_]*)`")
# served, but not endpoints of their own: the app's static files
NOT_ENDPOINTS = ("/static",)
# the folder beside the repository that the project started from (spelled in two pieces so this file passes)
OUTSIDE = "shared" + "/"


def documented(text):
    """Return {(method, path): set of query parameter names} read from API.md."""
    endpoints, current, inherits = {}, None, {}
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            current = (heading[1], heading[2])
            endpoints[current] = set()
        elif line.startswith("## ") or line.startswith("### "):
            current = None
        elif current and line.startswith("| `"):
            first_cell = line.split("|")[1]
            endpoints[current].update(ROW_NAMES.findall(first_cell))
        if current and SAME_AS.search(line):
            inherits[current] = tuple(SAME_AS.search(line).groups())
    for endpoint, source in inherits.items():
        endpoints[endpoint] |= endpoints[source]
    return endpoints


def template(path):
    """Return a path with its {placeholders} blanked, so names of path fields do not matter."""
    return re.sub(r"\{[^}]*\}", "{}", path)


@pytest.fixture(scope="module")
def docs():
    return {(method, template(path)): names for (method, path), names in documented(API_MD.read_text()).items()}


@pytest.fixture()
def served(client):
    """Return {(method, path)} of every route of the app (Falcon's own inspection of its router)."""
    routes = set()
    for route in falcon.inspect.inspect_routes(client.app):
        for method in route.methods:
            if not method.internal and method.method != "OPTIONS":
                routes.add((method.method, template(route.path)))
    return routes


def openapi_params(client):
    """Return {(method, path): set of query parameter names} of /openapi.json."""
    doc = client.simulate_get("/openapi.json").json
    return {(method.upper(), template(path)): {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            for path, item in doc["paths"].items() for method, op in item.items()}


def test_the_parser_reads_headings_tables_and_same_as():
    text = ("### `GET /a`\n\n| parameter | meaning |\n| --- | --- |\n| `q` | text |\n| `x`, `y_z` | more |\n\n"
            "### `GET /a.csv`\n\nTakes the same parameters as `GET /a`.\n\n## Errors\n\n| `not_a_param` | x |\n")
    assert documented(text) == {("GET", "/a"): {"q", "x", "y_z"}, ("GET", "/a.csv"): {"q", "x", "y_z"}}


def test_every_served_route_is_documented_and_every_documented_one_served(docs, served):
    served = {route for route in served if not route[1].startswith(NOT_ENDPOINTS)}
    assert served - set(docs) == set(), "served but not in docs/API.md"
    assert set(docs) - served == set(), "in docs/API.md but not served"


def test_openapi_describes_every_documented_json_endpoint_with_the_same_parameters(docs, client):
    described = openapi_params(client)
    # every JSON endpoint: the GETs and the POSTs of reports and proposals (their bodies are in /openapi.json)
    json_endpoints = {route for route in docs
                      if route[0] in ("GET", "POST") and (route[1].startswith("/api/") or route[1] == "/healthz")}
    assert set(described) == json_endpoints
    for route, names in described.items():
        assert names == docs[route], route


def test_every_documented_parameter_of_an_html_page_is_accepted(docs, holder, tmp_path, monkeypatch):
    # the HTML pages are not in /openapi.json: ask them directly, a blank value being "not given" there
    # (the search and compare pages send it to the same URL without the blank)
    monkeypatch.setenv("MEASURESEARCH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("MEASURESEARCH_ADMIN_TOKEN", "docs-test-token")
    client = falcon.testing.TestClient(create_app(holder))
    for (method, path), names in docs.items():
        if path.startswith("/api/") or "{" in path or method != "GET":
            continue
        for name in names:
            response = client.simulate_get(path, query_string=f"{name}=",
                                           headers={"Authorization": "Bearer docs-test-token"})
            if response.status_code == 303:
                assert f"{name}=" not in response.headers["location"], (path, name)
                continue
            assert response.status_code == 200 and "unknown parameter" not in response.text, (path, name)


def test_an_undocumented_parameter_is_refused_by_every_json_endpoint(docs, client):
    for (method, path), names in docs.items():
        if method == "GET" and path.startswith("/api/") and "{" not in path:
            response = client.simulate_get(path, query_string="not_documented=1")
            assert response.status_code == 400 and response.json["error"]["parameter"] == "not_documented", path


def test_nothing_in_the_repository_points_outside_it():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    offenders = []
    for name in tracked.splitlines():
        path = ROOT / name
        if path.suffix in (".png", ".ico") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if re.search(r"(?<![\w.-])" + OUTSIDE, text):
            offenders.append(name)
    assert offenders == []


COMMAND = re.compile(r"`measuresearch ([a-z]+)([^`]*)`")


@pytest.mark.parametrize("document", ["README.md", "docs/API.md"])
def test_every_command_written_in_the_docs_exists_with_its_options(document, capsys):
    from measuresearch.cli.main import main
    written = COMMAND.findall((ROOT / document).read_text(encoding="utf-8"))
    assert written
    for command, rest in written:
        # "reports close ID" is the subcommand "close" of "reports": its help lists its own options
        words = [command] + list(itertools.takewhile(re.compile(r"[a-z][a-z-]*").fullmatch, rest.split()))
        with pytest.raises(SystemExit) as exit_info:
            main([*words, "--help"])
        assert exit_info.value.code == 0, words
        help_text = capsys.readouterr().out
        for option in re.findall(r"--[a-z][a-z-]*", rest):
            assert option in help_text, (words, option)


def test_every_command_is_in_the_api_reference():
    from measuresearch.cli.main import COMMANDS
    written = {command for command, _ in COMMAND.findall(API_MD.read_text(encoding="utf-8"))}
    assert set(COMMANDS) <= written


def test_every_environment_variable_read_is_documented():
    source = (ROOT / "src" / "measuresearch" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r"environ\.get\(\"(MEASURESEARCH_[A-Z_]+)\"", source))
    documented = set(re.findall(r"^\| `(MEASURESEARCH_[A-Z_]+)` \|", API_MD.read_text(encoding="utf-8"), re.M))
    assert read and read == documented


def test_the_csv_header_row_is_the_one_the_reference_lists(client):
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    section = text.split("### `GET /api/search.csv`", 1)[1].split("###", 1)[0]
    listed = re.search(r"a header row `([^`]+)`", " ".join(section.split())).group(1)
    served = client.simulate_get("/api/search.csv", params={"q": "data"}).text.lstrip("\ufeff").splitlines()[0]
    assert [c.strip() for c in listed.split(",")] == served.split(",")
