"""Never a 500 from a stranger, through a real `measuresearch serve`: bodies the JSON parser or the store cannot
take are 400s counted by the rate limit, and hypothesis posts arbitrary JSON and bytes to every write endpoint."""

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serving import call, running
from web.test_reports_api import PROPOSAL

pytestmark = pytest.mark.e2e
SURROGATES = ["\ud800", "a\udfffb", "\udc80" * 12]


def body_of(value):
    return json.dumps(value).encode()  # ensure_ascii: a lone surrogate goes out as the escape \ud800


@contextlib.contextmanager
def serving(real_index, folder, report_limit):
    """Run `serve` with its own data folder, an admin token and a report limit; yield (base URL, its log)."""
    log = (folder / "serve.log").open("w")
    with running(real_index, env={"MEASURESEARCH_REPORT_LIMIT": str(report_limit),
                                  "MEASURESEARCH_DATA": str(folder / "data"),
                                  "MEASURESEARCH_ADMIN_TOKEN": "t" * 40}, log=log) as base:
        yield base, folder / "serve.log"


@pytest.fixture(scope="module")
def limited(real_index, real_measures, tmp_path_factory):
    with serving(real_index, tmp_path_factory.mktemp("limited"), 3) as (base, log):
        yield base, f"/api/measures/{real_measures[0].id}/reports", log


def post(base, path, body, source, content_type="application/json"):
    status, headers, answer = call(base, "POST", path, body, {"Content-Type": content_type}, source=source)
    return status, answer


@pytest.mark.parametrize("client, make", [
    (10, lambda s: {"message": f"{s} is in this message"}),
    (11, lambda s: {**PROPOSAL, "titles": [f"Order {s} No. 1"]}),
    (12, lambda s: {**PROPOSAL, "coverage": s}),
    (13, lambda s: {**PROPOSAL, "description": f"A description with {s} inside it."}),
    (14, lambda s: {s: "a key"}),
], ids=["report message", "proposal title", "proposal coverage", "proposal description", "key"])
def test_lone_surrogates_are_counted_400s(limited, client, make):
    base, report_path, log = limited
    source = f"127.0.0.{client}"
    path = report_path if "message" in make("x") else "/api/proposals"
    answers = [post(base, path, body_of(make(s)), source) for s in SURROGATES]
    assert [status for status, _ in answers] == [400, 400, 400]
    assert all("surrogate" in json.loads(body)["error"]["message"] for _, body in answers)
    assert post(base, report_path, body_of({"message": "A fine report after the bad ones."}), source)[0] == 429


@pytest.mark.parametrize("client, depth", [(1, 30_000), (2, 1_000), (3, 17)])
def test_deep_nesting_is_a_counted_400(limited, client, depth):
    base, report_path, _ = limited
    source = f"127.0.1.{client}"
    body = ("[" * depth + "]" * depth).encode()
    for path in (report_path, "/api/proposals", report_path):
        status, answer = post(base, path, body, source)
        assert status == 400 and "nested" in json.loads(answer)["error"]["message"]
    assert post(base, report_path, body, source)[0] == 429


def test_sixteen_levels_are_still_read(limited):
    base, report_path, _ = limited
    status, answer = post(base, report_path, body_of({"message": [[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]}), "127.0.2.1")
    assert status == 400 and json.loads(answer)["error"]["parameter"] == "message"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.sampled_from(SURROGATES),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
PROPOSAL_LIKE = st.fixed_dictionaries({}, optional={key: st.one_of(st.just(value), JSON_VALUES)
                                                    for key, value in PROPOSAL.items()})
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=latin-1",
                                 "application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])


@pytest.fixture(scope="module")
def open_server(real_index, real_measures, tmp_path_factory):
    """A server without a rate limit, so that every body reaches the checks and the store."""
    with serving(real_index, tmp_path_factory.mktemp("open"), 0) as (base, log):
        measure = real_measures[0].id
        yield base, [f"/api/measures/{measure}/reports", "/api/proposals", f"/measures/{measure}/report",
                     "/propose", "/admin/login", "/admin/logout", "/api/measures/no-such-measure/reports"]
    assert "Traceback" not in log.read_text()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_body_makes_a_5xx(open_server, data):
    base, paths = open_server
    path = data.draw(st.sampled_from(paths))
    body = data.draw(st.one_of(JSON_VALUES.map(body_of), PROPOSAL_LIKE.map(body_of),
                               st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=3).map(body_of),
                               st.binary(max_size=300)))
    content_type = data.draw(CONTENT_TYPES)
    status, answer = post(base, path, body, "127.0.0.1", content_type)
    assert status < 500, (path, body[:200], answer[:300])
