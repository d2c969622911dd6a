"""Exit 0 when the measuresearch replica on 127.0.0.1:PORT answers /healthz with {"status": "ok"}.

Usage: python healthcheck.py [PORT]   (default 8080)

The container image's HEALTHCHECK and compose's health checks run it. Standard library only
(the slim image has no curl). The request carries the first host of MEASURESEARCH_ALLOWED_HOSTS
as its Host header, because a replica given that setting answers 400 to any other Host.
"""

import http.client
import json
import os
import sys


def allowed_host():
    """Return the first host of MEASURESEARCH_ALLOWED_HOSTS (comma or space separated), or None."""
    hosts = (os.environ.get("MEASURESEARCH_ALLOWED_HOSTS") or "").replace(",", " ").split()
    hosts = [h for h in hosts if h != "*" and not h.startswith(".")]
    return hosts[0] if hosts else None


def main(argv):
    port = int(argv[1]) if len(argv) > 1 else 8080
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        headers = {"Host": allowed_host()} if allowed_host() else {}
        connection.request("GET", "/healthz", headers=headers)
        response = connection.getresponse()
        body = response.read()
    except OSError as exc:
        print(f"healthz: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if response.status != 200:
        print(f"healthz: HTTP {response.status} {body[:200]!r}", file=sys.stderr)
        return 1
    try:
        status = json.loads(body).get("status")
    except (ValueError, AttributeError):
        status = None
    if status != "ok":
        print(f"healthz: status {status!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
