"""Values the server issues and later recognises: a random nonce and the time issued, under an HMAC.

A client can keep such a value or drop it, never make one up or stretch its life: the MAC is
keyed by a secret from the shared database (so every `serve` process recognises the others'),
and it covers the purpose, so a CSRF cookie is no admin session.
"""

import hashlib
import hmac
import re
import secrets
import time

_VALUE = re.compile(r"([A-Za-z0-9_-]{24})\.([0-9]{1,12})\.([0-9a-f]{64})")


class Signer:
    """Issue and check signed, expiring values; `secret` is called once, when first needed."""

    def __init__(self, secret, clock=time.time):
        self._secret_source, self._secret, self.clock = secret, None, clock

    def mac(self, purpose, text):
        """Return the hex HMAC-SHA256 of text for one purpose."""
        if self._secret is None:
            self._secret = self._secret_source().encode()
        return hmac.new(self._secret, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()

    def issue(self, purpose, bound=""):
        """Return a new value for purpose (optionally bound to other text, such as a digest of the admin token)."""
        nonce, issued = secrets.token_urlsafe(18), str(int(self.clock()))
        return f"{nonce}.{issued}.{self.mac(purpose, f'{nonce}.{issued}.{bound}')}"

    def age(self, purpose, value, bound=""):
        """Return the seconds since value was issued for purpose, or None when the server did not issue it."""
        match = _VALUE.fullmatch(value or "")
        if match is None:
            return None
        nonce, issued, mac = match.groups()
        if not hmac.compare_digest(mac, self.mac(purpose, f"{nonce}.{issued}.{bound}")):
            return None
        age = self.clock() - int(issued)
        return age if age >= -60 else None  # a little clock skew between processes, not a value from the future

    def valid(self, purpose, value, max_age, bound=""):
        """Return whether value was issued for purpose less than max_age seconds ago."""
        age = self.age(purpose, value, bound)
        return age is not None and age < max_age
