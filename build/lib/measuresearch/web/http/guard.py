"""The defences of the writable pages: CSRF tokens, the client's address, the admin's bearer token, body size."""

import hashlib
import hmac
import ipaddress
import re
import secrets

import falcon

from measuresearch.errors import Forbidden, InvalidParameter, NotFound, Unauthorized

CSRF_COOKIE = "ms_csrf"
CSRF_FIELD = "csrf_token"
MAX_BODY = 64 * 1024
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{32,64}")


class Csrf:
    """Double-submit tokens: a random cookie, and in the form the cookie's HMAC under a server secret.

    A page on another site can make a browser post to us, but it can neither read our cookie
    nor compute its HMAC, so its post fails. The secret comes from the database, so every
    `serve` process behind a proxy accepts the tokens of the others.
    """

    def __init__(self, secret):
        self._secret_source = secret
        self._secret = None

    def _key(self):
        if self._secret is None:
            self._secret = self._secret_source().encode()
        return self._secret

    def _sign(self, value):
        return hmac.new(self._key(), b"csrf:" + value.encode(), hashlib.sha256).hexdigest()

    def token(self, req, resp):
        """Return the form token for this browser, setting its cookie when it has none yet."""
        value = req.cookies.get(CSRF_COOKIE)
        if not value or not _COOKIE_VALUE.fullmatch(value):
            value = secrets.token_urlsafe(32)
            resp.set_cookie(CSRF_COOKIE, value, path="/", http_only=True, same_site="Strict",
                            secure=req.forwarded_scheme == "https")
        return self._sign(value)

    def check(self, req, form):
        """Raise Forbidden unless the posted token is the HMAC of the browser's cookie."""
        value = req.cookies.get(CSRF_COOKIE)
        token = form.get(CSRF_FIELD)
        if not value or not isinstance(token, str) or not _COOKIE_VALUE.fullmatch(value):
            raise Forbidden("this form has expired or was not sent from this site (no CSRF token); "
                            "reload the form and send it again")
        if not hmac.compare_digest(token.encode(), self._sign(value).encode()):
            raise Forbidden("this form was not sent from this site (wrong CSRF token); reload the form and send it "
                            "again")


def proxy_networks(entries):
    """Parse the trusted proxies (addresses or networks); raise InvalidParameter on a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise InvalidParameter(f"MEASURESEARCH_TRUSTED_PROXIES: {entry!r} is not an address or network",
                                   "MEASURESEARCH_TRUSTED_PROXIES") from None
    return tuple(networks)


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(req, networks):
    """Return the client's address: X-Forwarded-For is believed only when a trusted proxy sent it.

    Walking the forwarded hops from the right, the first one that is not a trusted proxy is
    the client; a hop that is not an address stops the walk (the proxy's own address counts).
    """
    peer = req.remote_addr or "unknown"
    current = _address(peer)
    if not networks or current is None:
        return peer
    for hop in reversed((req.get_header("X-Forwarded-For") or "").split(",")):
        if not any(current in net for net in networks):
            break
        hop_address = _address(hop)
        if hop_address is None:
            break
        current = hop_address
    return str(current)


def check_admin(req, token):
    """404 when no admin token is configured; 401 unless the request carries it (constant-time compare)."""
    if not token:
        raise NotFound("no page here")
    header = req.get_header("Authorization") or ""
    scheme, _, given = header.partition(" ")
    # digests of equal length, so that the comparison's time says nothing about the token, its length included
    given_digest = hashlib.sha256(given.strip().encode()).digest()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given_digest, hashlib.sha256(token.encode()).digest()):
        raise Unauthorized("the curator's pages need the header 'Authorization: Bearer <MEASURESEARCH_ADMIN_TOKEN>'")


def read_body(req):
    """Return the posted media (JSON or form) after checking its size and type."""
    length = req.content_length
    if length is None:
        raise falcon.HTTPLengthRequired(description="send a Content-Length")
    if length > MAX_BODY:
        raise falcon.HTTPContentTooLarge(description=f"the body may be at most {MAX_BODY} bytes")
    return req.get_media()


def single_values(form):
    """Return form fields as single strings; a field sent twice is a 400."""
    values = {}
    for name, value in form.items():
        if isinstance(value, list):
            raise InvalidParameter(f"{name} may be given only once", name[:100])
        values[name] = value
    return values
