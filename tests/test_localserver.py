"""devtools.localserver, which the tests' real servers start with: a port taken before the server binds it."""

import socket
import urllib.request

from devtools import localserver


def test_a_port_taken_before_the_server_binds_it_is_given_up_for_another(real_index, monkeypatch):
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    taken, found, real = held.getsockname()[1], [], localserver.free_port
    # the first port "found free" is one another process has taken meanwhile
    monkeypatch.setattr(localserver, "free_port", lambda: taken if not found.append(1) and len(found) == 1 else real())
    try:
        process, base, _ = localserver.start(real_index)
        try:
            assert len(found) == 2 and not base.endswith(f":{taken}")
            with urllib.request.urlopen(base + "/healthz", timeout=5) as answer:
                assert answer.status == 200
        finally:
            localserver.stop(process)
    finally:
        held.close()
