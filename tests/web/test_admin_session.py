"""CSRF cookies the server issues (not the client), the curator's sign-in session, the paged queue."""

import re

import pytest

from web.test_reports_api import FORM, TOKEN, Clock, admin_json, form_token, make_client, post_form

from measuresearch.web.http import guard


@pytest.fixture()
def clock():
    return Clock()


@pytest.fixture()
def app(holder, store_backend, clock):
    return make_client(holder, store_backend, clock)[0]


@pytest.fixture()
def report_path(real_measures):
    return f"/measures/{real_measures[0].id}/report"


FIELDS = {"message": "A report sent through the form.", "email": ""}


def test_a_cookie_value_the_client_picks_is_never_signed(app, report_path):
    chosen = "A" * 43  # what the old double submit would have signed
    page = app.simulate_get(report_path, headers={"Cookie": f"ms_csrf={chosen}"})
    issued = page.cookies["ms_csrf"].value  # replaced by one of the server's
    assert issued != chosen
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert post_form(app, report_path, {**FIELDS, "csrf_token": token}, chosen).status_code == 403
    assert post_form(app, report_path, {**FIELDS, "csrf_token": token}, issued).status_code == 303


def test_a_token_expires_after_twelve_hours(app, report_path, clock):
    token, cookie = form_token(app, report_path)
    clock.now += guard.CSRF_SECONDS - 60
    assert post_form(app, report_path, {**FIELDS, "csrf_token": token}, cookie).status_code == 303
    clock.now += 120
    assert post_form(app, report_path, {**FIELDS, "csrf_token": token}, cookie).status_code == 403
    # the form page then issues a fresh cookie, with which the post goes through
    fresh_token, fresh_cookie = form_token(app, report_path)
    assert fresh_cookie != cookie
    assert post_form(app, report_path, {**FIELDS, "csrf_token": fresh_token}, fresh_cookie).status_code == 303


def test_a_planted_cookie_before_ours_does_not_hide_it(app, report_path):
    token, cookie = form_token(app, report_path)
    _, planted = form_token(app, report_path)  # another browser's genuine cookie, placed first
    body = f"message=Sent+with+two+cookies.&csrf_token={token}"
    result = app.simulate_post(report_path, body=body,
                               headers={**FORM, "Cookie": f"ms_csrf={planted}; ms_csrf={cookie}"})
    assert result.status_code == 303


def sign_in(app, token):
    form_token_value, cookie = form_token(app, "/admin/login")
    return app.simulate_post("/admin/login", body=f"token={token}&csrf_token={form_token_value}",
                             headers={**FORM, "Cookie": f"ms_csrf={cookie}"})


def test_sign_in_gives_an_expiring_session_and_sign_out_ends_it(app, clock):
    assert app.simulate_get("/admin/reports").status_code == 401
    result = sign_in(app, TOKEN)
    assert result.status_code == 303 and result.headers["location"].endswith("/admin/reports")
    header = next(h for name, h in result.headers.items() if name == "set-cookie" and h.startswith("ms_admin="))
    assert "HttpOnly" in header and "SameSite=Strict" in header and f"Max-Age={guard.ADMIN_SECONDS}" in header
    session = result.cookies["ms_admin"].value
    assert app.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 200
    page = app.simulate_get("/admin/reports", cookies={"ms_admin": session})
    assert page.status_code == 200 and 'action="/admin/logout"' in page.text
    clock.now += guard.ADMIN_SECONDS + 1
    assert app.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 401
    assert app.simulate_get("/admin/reports.json", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    token, cookie = form_token(app, "/admin/login")
    out = app.simulate_post("/admin/logout", body=f"csrf_token={token}",
                            headers={**FORM, "Cookie": f"ms_csrf={cookie}"})
    removed = out.cookies["ms_admin"]
    assert out.status_code == 303 and removed.value == "" and removed.expires.year == 1970


def sign_out(app, session):
    token, cookie = form_token(app, "/admin/login")
    return app.simulate_post("/admin/logout", body=f"csrf_token={token}",
                             headers={**FORM, "Cookie": f"ms_csrf={cookie}; ms_admin={session}"})


def test_sign_out_ends_the_session_on_the_server_for_every_process(holder, store_backend, clock):
    # a cookie kept after sign-out (a shared computer, a copy that leaked) must not be a session any more
    app = make_client(holder, store_backend, clock)[0]
    other = make_client(holder, store_backend, clock)[0]  # another process on the same database
    session = sign_in(app, TOKEN).cookies["ms_admin"].value
    kept = sign_in(app, TOKEN).cookies["ms_admin"].value  # the same curator on another computer
    for client in (app, other):
        assert client.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 200
    out = sign_out(other, session)
    assert out.status_code == 303 and out.cookies["ms_admin"].value == ""
    for client in (app, other):
        assert client.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 401
        assert client.simulate_get("/admin/reports", cookies={"ms_admin": session}).status_code == 401
        assert client.simulate_get("/admin/reports.json", cookies={"ms_admin": kept}).status_code == 200


def test_a_session_does_not_come_back_when_the_token_is_changed_back(holder, store_backend, clock):
    first = make_client(holder, store_backend, clock, token="token-A-0123456789")[0]
    session = sign_in(first, "token-A-0123456789").cookies["ms_admin"].value
    assert first.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 200
    rotated = make_client(holder, store_backend, clock, token="token-B-0123456789")[0]  # the token goes A -> B
    assert rotated.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 401
    assert sign_in(rotated, "token-B-0123456789").status_code == 303
    back = make_client(holder, store_backend, clock, token="token-A-0123456789")[0]  # and back to A
    assert back.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 401
    assert back.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 401
    fresh = sign_in(back, "token-A-0123456789").cookies["ms_admin"].value  # a new sign-in under A works
    assert back.simulate_get("/admin/reports.json", cookies={"ms_admin": fresh}).status_code == 200


def test_a_wrong_token_is_401_and_counts_against_the_limit(holder, store_backend, clock):
    app = make_client(holder, store_backend, clock, limit=2)[0]
    first = sign_in(app, "guess")
    assert first.status_code == 401 and "that is not the admin token" in first.text and "ms_admin" not in first.cookies
    assert [sign_in(app, "guess").status_code for _ in range(2)] == [401, 429]


def test_a_wrong_bearer_token_counts_against_the_same_limit(holder, store_backend, clock):
    # the header is the other door to the queue: guessing through it is no faster than through the form
    app = make_client(holder, store_backend, clock, limit=2)[0]
    # another scheme (a proxy's Basic sign-in, say) guesses no token: it never counts
    assert [app.simulate_get("/admin/reports.json", headers={"Authorization": "Basic eDp5"}).status_code
            for _ in range(3)] == [401, 401, 401]
    guess = {"Authorization": "Bearer guess"}
    assert [app.simulate_get("/admin/reports.json", headers=guess).status_code for _ in range(3)] == [401, 401, 429]
    assert sign_in(app, "another guess").status_code == 429  # one limit for both doors
    assert app.simulate_get("/admin/reports.json").status_code == 401  # no credentials: nothing guessed


def test_over_the_limit_no_token_is_checked_right_or_wrong_until_the_window_passes(holder, store_backend, clock):
    # were the right token let in over the limit, a guesser would still test a guess a request, told which is right
    app = make_client(holder, store_backend, clock, limit=2)[0]
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert app.simulate_get("/admin/reports.json", headers=right).status_code == 200  # within the limit: in
    assert sign_in(app, TOKEN).status_code == 303
    assert [sign_in(app, f"guess {n}").status_code for n in range(3)] == [401, 401, 429]
    over = app.simulate_get("/admin/reports.json", headers=right)
    assert over.status_code == 429 and over.json["error"]["code"] == "rate_limited"
    assert 0 < int(over.headers["retry-after"]) <= 3600
    form = sign_in(app, TOKEN)
    assert form.status_code == 429 and "ms_admin" not in form.cookies and "retry-after" in form.headers
    assert app.simulate_get("/admin/reports", headers=right).status_code == 429
    clock.now += 3601  # the window has passed: the right token gets in again, by either door
    assert app.simulate_get("/admin/reports.json", headers=right).status_code == 200
    assert sign_in(app, TOKEN).status_code == 303


def test_parallel_guesses_cannot_all_pass_the_count(store_backend):
    import concurrent.futures
    store = store_backend.store()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda n: _guess(store), range(24)))
    assert outcomes.count("checked") == 3 and outcomes.count("limited") == 21


def _guess(store):
    from measuresearch.errors import RateLimited
    try:
        store.check_token("198.51.100.7", 3, lambda: False)
        return "checked"
    except RateLimited:
        return "limited"


def test_a_session_is_bound_to_its_purpose_and_to_the_token(holder, store_backend, clock, report_path):
    app, subs = make_client(holder, store_backend, clock)
    _, csrf_cookie = form_token(app, report_path)
    assert app.simulate_get("/admin/reports.json", cookies={"ms_admin": csrf_cookie}).status_code == 401
    session = sign_in(app, TOKEN).cookies["ms_admin"].value
    other, _ = make_client(holder, store_backend, clock, token=TOKEN + "-rotated")
    assert other.simulate_get("/admin/reports.json", cookies={"ms_admin": session}).status_code == 401


def test_sign_in_does_not_exist_without_an_admin_token(holder, store_backend, clock):
    app = make_client(holder, store_backend, clock, token=None)[0]
    assert app.simulate_get("/admin/login").status_code == 404
    assert app.simulate_post("/admin/login", body="token=x", headers=FORM).status_code == 404


def test_the_queue_comes_a_page_at_a_time(holder, store_backend, clock, real_measures):
    app = make_client(holder, store_backend, clock, limit=0)[0]
    ids = [m.id for m in real_measures]
    for n in range(120):
        assert app.simulate_post(f"/api/measures/{ids[n % len(ids)]}/reports",
                                 json={"message": f"Queued report number {n:03d}."}).status_code == 201
    first = admin_json(app)
    assert (first["page"], first["per_page"], first["pages"], first["total_reports"]) == (1, 50, 3, 120)
    assert first["reports"] == 50
    pages = [admin_json(app, page=str(n), per_page="50") for n in (1, 2, 3)]
    messages = [r["message"] for page in pages for group in page["measures"] for r in group["reports"]]
    assert sorted(messages) == sorted(f"Queued report number {n:03d}." for n in range(120))  # each once
    assert admin_json(app, page="4")["measures"] == []  # past the end: empty, not an error
    assert admin_json(app, page="", per_page="")["page"] == 1  # the filter form's blanks are "not given"
    for bad in ({"page": "0"}, {"per_page": "201"}, {"page": "x"}, {"page": "²"}, {"per_page": "-5"}):
        result = app.simulate_get("/admin/reports.json", params=bad, headers={"Authorization": f"Bearer {TOKEN}"})
        assert result.status_code == 400 and result.json["error"]["parameter"] in bad, (bad, result.text)
    html = app.simulate_get("/admin/reports", params={"status": "open", "page": "2"},
                            headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert "Page 2 of 3" in html
    for page in (1, 3):
        assert f'href="/admin/reports?status=open&amp;page={page}"' in html
