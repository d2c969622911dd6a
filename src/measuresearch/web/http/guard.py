"""The defences of the writable pages: CSRF tokens, the client's address, the admin's token and session, body size."""

import datetime
import hashlib
import hmac
import ipaddress
import json

import falcon

from measuresearch.errors import Forbidden, InvalidParameter, NotFound, Unauthorized

CSRF_COOKIE = "ms_csrf"
CSRF_FIELD = "csrf_token"
CSRF_SECONDS = 12 * 3600  # a form left open longer than this is reloaded
ADMIN_COOKIE = "ms_admin"
ADMIN_SECONDS = 8 * 3600  # a curator's session: one working day
MAX_BODY = 64 * 1024


def behind_tls(req):
    """Return whether the client reached us over https (waitress sets the scheme from a trusted proxy)."""
    return req.scheme == "https"


def cookie_name(req, name):
    """Return the name of one of our cookies: behind TLS with the __Host- prefix, which browsers accept only
    from this very host, Secure and for path /, so that a sibling subdomain cannot plant one of its own."""
    return "__Host-" + name if behind_tls(req) else name


def cookie_values(req, name):
    """Return every value the browser sent for one of our cookies (see cookie_name)."""
    return req.get_cookie_values(cookie_name(req, name)) or ()


def set_private_cookie(req, resp, name, value, max_age, **expiry):
    """Set an HttpOnly, SameSite=Strict cookie for the whole site, Secure (and __Host-) behind TLS."""
    resp.set_cookie(cookie_name(req, name), value, max_age=max_age, path="/", http_only=True, same_site="Strict",
                    secure=behind_tls(req), **expiry)


def unset_private_cookie(req, resp, name):
    """Remove one of our cookies (with the same attributes: a browser drops a __Host- cookie only so)."""
    set_private_cookie(req, resp, name, "", None, expires=datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC))


class Csrf:
    """Form tokens: a server-issued, expiring cookie, and in the form that cookie's HMAC.

    A page on another site can make a browser post to us, but it can neither read our cookie
    nor compute its HMAC, so its post fails. The cookie is itself signed with the time it was
    issued, so a client cannot pick the value it gets a token for, nor keep one for ever; every
    cookie the browser sends is considered, so one planted before ours does not hide it.
    """

    def __init__(self, signer):
        self.signer = signer

    def _cookies(self, req, max_age=CSRF_SECONDS):
        return [v for v in cookie_values(req, CSRF_COOKIE) if self.signer.valid("csrf", v, max_age)]

    def token(self, req, resp):
        """Return the form token for this browser, issuing a cookie when it has none with an hour left."""
        kept = self._cookies(req, CSRF_SECONDS - 3600)
        value = kept[0] if kept else self.signer.issue("csrf")
        if not kept:
            set_private_cookie(req, resp, CSRF_COOKIE, value, CSRF_SECONDS)
        return self.signer.mac("csrf-token", value)

    def check(self, req, form):
        """Raise Forbidden unless the posted token is the HMAC of a cookie this server issued and still honours."""
        token = form.get(CSRF_FIELD)
        cookies = self._cookies(req)
        if not cookies or not isinstance(token, str):
            raise Forbidden("this form has expired or was not sent from this site (no CSRF token); "
                            "reload the form and send it again", parameter=CSRF_FIELD)
        if not any(hmac.compare_digest(token.encode(), self.signer.mac("csrf-token", v).encode()) for v in cookies):
            raise Forbidden("this form was not sent from this site (wrong CSRF token); reload the form and send it "
                            "again", parameter=CSRF_FIELD)


def client_address(req):
    """Return the client the rate limit counts: its address (waitress has read X-Forwarded-For from a trusted
    proxy), an IPv6 one widened to its /64, which one subscriber gets whole."""
    peer = req.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _digest(text):
    return hashlib.sha256(text.encode()).digest()


def admin_binding(token):
    """Return what an admin session is bound to: a digest of the token (a new token ends every session)."""
    return hashlib.sha256(b"admin-session:" + token.encode()).hexdigest()


def token_matches(given, token):
    """Compare a typed or sent token with the admin token in constant time (digests of equal length)."""
    return hmac.compare_digest(_digest(given), _digest(token))


def bearer(req):
    """Return the token of an `Authorization: Bearer <token>` header, or None (no header, another scheme, none)."""
    scheme, _, given = (req.get_header("Authorization") or "").partition(" ")
    return (given.strip() or None) if scheme.lower() == "bearer" else None


def check_admin(req, token, session_alive, check_token):
    """404 when no admin token is configured; 401 unless the request carries a live admin session or the token.

    session_alive(value) says whether a session cookie's value is live (sessions.AdminSessions);
    check_token(matches) returns matches() for the bearer token, checked under the client's rate
    limit (Store.check_token).
    """
    if not token:
        raise NotFound("no page here")
    if any(session_alive(value) for value in cookie_values(req, ADMIN_COOKIE)):
        return
    given = bearer(req)
    if given is not None and check_token(lambda: token_matches(given, token)):
        return
    raise Unauthorized("the curator's pages need a session (sign in at /admin/login) or the header "
                       "'Authorization: Bearer <MEASURESEARCH_ADMIN_TOKEN>'")


MAX_JSON_DEPTH = 16  # arrays and objects in one another; a proposal has two, more is a body no person wrote


def loads_untrusted(text):
    """json.loads for bodies from strangers: ValueError (a 400) for nesting too deep or text no store can keep.

    json.loads recurses once per level (30,000 levels: RecursionError, a 500) and accepts
    lone surrogates ("\\ud800") that UTF-8, and so SQLite and PostgreSQL, cannot encode.
    """
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    pending = [(data, 1)]
    while pending:  # no recursion here either
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH and isinstance(value, (dict, list)):
            raise ValueError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and not _encodable(value):
            raise ValueError("the JSON has a lone surrogate (such as \\ud800), which is not a character")
    return data


def _encodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_body(req):
    """Return the posted media (JSON or form) after checking its size and type."""
    length = req.content_length
    if length is None:
        raise falcon.HTTPLengthRequired(description="send a Content-Length")
    if length > MAX_BODY:
        raise falcon.HTTPContentTooLarge(description=f"the body may be at most {MAX_BODY} bytes")
    if req.content_type:  # a media type is case-insensitive (RFC 9110 8.3.1); Falcon finds its handler by exact name
        kind, semicolon, rest = req.content_type.partition(";")
        req.content_type = kind.strip().lower() + semicolon + rest
    return req.get_media()


def single_values(form):
    """Return form fields as single strings; a field sent twice is a 400."""
    values = {}
    for name, value in form.items():
        if isinstance(value, list):
            raise InvalidParameter(f"{name} may be given only once", name[:100])
        values[name] = value
    return values
