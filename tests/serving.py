"""Talk to a real `measuresearch serve` (devtools/localserver.py) the way a proxy or a stranger would."""

import contextlib
import http.client
import json
import subprocess
import urllib.parse

from devtools import localserver


@contextlib.contextmanager
def running(index, env=None, args=(), log=subprocess.DEVNULL, port=None):
    """Start `serve` on the index with these MEASURESEARCH_* settings; yield its base URL; stop it.

    log: a file for its standard output and error; port: the one to serve on (default: a free one).
    """
    process, base, _ = localserver.start(index, threads=4, env=env, args=args, output=log, port=port)
    try:
        yield base
    finally:
        localserver.stop(process)


def call(base, method, path, body=None, headers=None, source="127.0.0.1"):
    """Send one request from the loopback address `source`; return (status, headers, body bytes).

    headers may name Host to send instead of the server's own address.
    """
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60, source_address=(source, 0))
    try:
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        host = headers.pop("Host", None)
        connection.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            connection.putheader("Host", host)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def set_cookies(headers):
    """Return the Set-Cookie header lines of a response."""
    return headers.get_all("Set-Cookie") or []
