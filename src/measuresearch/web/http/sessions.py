"""The curator's sign-in sessions: a signed cookie naming a row of the store, which signing out deletes."""

from measuresearch.web.http import guard


def _session_id(value):
    return value.split(".", 1)[0]  # the signed value's nonce (signing.py)


class AdminSessions:
    """Start, recognise and end the sessions of /admin/login under one admin token.

    The cookie is a value the server signed (signing.Signer), bound to a digest of the token and
    honoured for guard.ADMIN_SECONDS; its nonce names the session's row in the store. Signing out
    deletes the row, so the same cookie is refused afterwards by every process. A process first
    ends every session of another token (once, at its first session check, sign-in or
    sign-out), so a session of token A does not come back when the token goes A -> B -> A.
    """

    def __init__(self, store, signer, token):
        self.store, self.signer = store, signer
        self.binding = guard.admin_binding(token) if token else None
        self._swept = False

    def _sweep(self):
        if not self._swept:
            self.store.end_sessions(other_than_token=self.binding)
            self._swept = True

    def start(self):
        """Return the cookie value of a new session."""
        self._sweep()
        value = self.signer.issue("admin", self.binding)
        self.store.start_session(_session_id(value), self.binding, guard.ADMIN_SECONDS)
        return value

    def alive(self, value):
        """Return whether a cookie value is a live session: ours, of this token, within its hours, not ended."""
        self._sweep()
        return (self.signer.valid("admin", value, guard.ADMIN_SECONDS, self.binding)
                and self.store.session_alive(_session_id(value), self.binding))

    def end(self, req):
        """End every session whose cookie this request carries."""
        self._sweep()
        ended = [_session_id(value) for value in guard.cookie_values(req, guard.ADMIN_COOKIE)
                 if self.signer.age("admin", value, self.binding) is not None]
        if ended:
            self.store.end_sessions(ended)
