"""Behind a proxy, through a real `measuresearch serve`: waitress believes X-Forwarded-For and -Proto only from
MEASURESEARCH_TRUSTED_PROXIES. The test stands in for nginx from 127.0.0.2 (all of 127/8 is loopback) and for a
stranger from 127.0.0.1."""

import json

import pytest

from serving import call, running, set_cookies

pytestmark = pytest.mark.e2e
PROXY, STRANGER = "127.0.0.2", "127.0.0.1"
MESSAGE = {"message": "The law was repealed in 2023."}
ADMIN = "curator-token-behind-the-proxy-0123456789"


@pytest.fixture(scope="module", params=["127.0.0.2", "127.0.0.2/31 10.0.0.0/8"], ids=["address", "networks"])
def proxied(request, real_index, real_measures, tmp_path_factory):
    """A server behind a trusted proxy (one address: waitress's own trusted_proxy; networks: '*' and our filter)."""
    data = tmp_path_factory.mktemp("data")
    with running(real_index, env={"MEASURESEARCH_TRUSTED_PROXIES": request.param, "MEASURESEARCH_REPORT_LIMIT": "1",
                                  "MEASURESEARCH_DATA": str(data), "MEASURESEARCH_ADMIN_TOKEN": ADMIN}) as base:
        yield base, f"/api/measures/{real_measures[0].id}/reports"


def post(proxied, forwarded=None, source=PROXY):
    base, path = proxied
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return call(base, "POST", path, MESSAGE, headers, source=source)[0]


def test_each_forwarded_client_has_its_own_limit(proxied):
    assert [post(proxied, "203.0.113.1"), post(proxied, "203.0.113.2"), post(proxied, "203.0.113.1")] == \
        [201, 201, 429]
    # a client that sends its own X-Forwarded-For through the proxy: nginx appends the real address last,
    # and waitress takes the last hop, so the made-up first one changes nothing
    assert post(proxied, "198.51.100.99, 203.0.113.2") == 429


def test_a_stranger_cannot_pick_its_address(proxied):
    assert post(proxied, "203.0.113.50", source=STRANGER) == 201
    assert post(proxied, "203.0.113.51", source=STRANGER) == 429  # still 127.0.0.1, whatever it says
    assert post(proxied, source=PROXY) == 201  # the proxy's own requests are the proxy's


def test_an_ipv6_client_counts_by_its_64(proxied):
    assert post(proxied, "2001:db8:1:2::1") == 201
    assert post(proxied, "2001:db8:1:2:ffff:ffff:ffff:fffe") == 429  # same /64: one subscriber
    assert post(proxied, "2001:db8:1:3::1") == 201  # the next /64


def cookie_of(proxied, headers, source):
    base, _ = proxied
    status, answer, _ = call(base, "GET", "/propose", headers=headers, source=source)
    assert status == 200
    [cookie] = set_cookies(answer)
    return cookie


def test_cookies_are_secure_behind_tls_and_only_then(proxied):
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    secure = cookie_of(proxied, tls, PROXY)
    # __Host-: a browser takes it only from this host, Secure, for path / (no subdomain can plant one)
    assert secure.startswith("__Host-ms_csrf=") and "Secure" in secure and "Path=/" in secure
    assert "Domain" not in secure
    for plain in (cookie_of(proxied, {"X-Forwarded-For": "203.0.113.7"}, PROXY),
                  cookie_of(proxied, tls, STRANGER)):  # a stranger's header is dropped
        assert plain.startswith("ms_csrf=") and "Secure" not in plain


def test_without_trusted_proxies_the_headers_are_ignored(real_index, real_measures, tmp_path):
    with running(real_index, env={"MEASURESEARCH_REPORT_LIMIT": "1", "MEASURESEARCH_DATA": str(tmp_path)}) as base:
        path = f"/api/measures/{real_measures[0].id}/reports"
        statuses = [call(base, "POST", path, MESSAGE, {"X-Forwarded-For": f"203.0.113.{n}"}, source=PROXY)[0]
                    for n in (1, 2)]
        assert statuses == [201, 429]
        assert "Secure" not in cookie_of((base, path), {"X-Forwarded-Proto": "https"}, PROXY)


def test_the_admin_session_cookie_is_secure_behind_tls(proxied):
    import re
    import urllib.parse
    base, _ = proxied
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.80"}
    _, answer, page = call(base, "GET", "/admin/login", headers=tls, source=PROXY)
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    cookie = set_cookies(answer)[0].split(";")[0]
    form = urllib.parse.urlencode({"token": ADMIN, "csrf_token": token}).encode()
    status, answer, _ = call(base, "POST", "/admin/login", form, {**tls, "Cookie": cookie,
                             "Content-Type": "application/x-www-form-urlencoded"}, source=PROXY)
    [session] = [c for c in set_cookies(answer) if c.startswith("__Host-ms_admin=")]
    assert status == 303 and "Secure" in session and "HttpOnly" in session and "SameSite=Strict" in session
    status, _, _ = call(base, "GET", "/admin/reports.json", headers={**tls, "Cookie": session.split(";")[0]},
                        source=PROXY)
    assert status == 200


def test_a_client_by_its_ipv4_mapped_address_is_that_ipv4_client(proxied):
    # waitress alone reads "::ffff:198.51.100.1" as the address "::ffff" with a port: every such client one bucket
    assert [post(proxied, "::ffff:198.51.100.1"), post(proxied, "198.51.100.1"), post(proxied, "::ffff:198.51.100.2")] \
        == [201, 429, 201]
    # an IPv6 hop in brackets with a port is its address, counted by its /64
    assert [post(proxied, "[2001:db8:5::1]:443"), post(proxied, "2001:db8:5::2")] == [201, 429]


@pytest.mark.parametrize("value", ["ftp", "https, http"])
def test_a_malformed_scheme_from_the_proxy_is_a_json_400_naming_it(proxied, value):
    base, _ = proxied
    name = "X-Forwarded-Proto"
    status, headers, body = call(base, "GET", "/api/search?q=internet", headers={name: value}, source=PROXY)
    assert status == 400 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"]["parameter"] == name
    # from a stranger the same header is dropped unread
    assert call(base, "GET", "/api/search?q=internet", headers={name: value}, source=STRANGER)[0] == 200


@pytest.mark.parametrize("hop", [":.", "127.0.0.1, :.", "unknown", "unix:", ""])
def test_a_forwarded_hop_that_names_no_address_counts_as_the_proxy(proxied, hop):
    # waitress alone answered 500 for ":."; Squid writes "unknown", nginx "unix:" for a socket's client
    base, path = proxied
    assert call(base, "GET", "/api/search?q=internet", headers={"X-Forwarded-For": hop}, source=PROXY)[0] == 200


def test_what_a_client_wrote_before_the_proxys_hop_is_not_read(proxied):
    base, _ = proxied
    # nginx appends the address it saw to what the client sent: a client's own quote must not break its requests
    status, _, body = call(base, "GET", "/api/search?q=internet", headers={"X-Forwarded-For": '"abc, 203.0.113.9'},
                           source=PROXY)
    assert status == 200 and json.loads(body)["total"] > 0
