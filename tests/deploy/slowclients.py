"""Hold N slow TLS connections open against 127.0.0.1:PORT, each sending one header line every
INTERVAL seconds and never finishing its request, for SECONDS seconds. A connection that the
server closes is opened again at once, so N stay open (or are being opened) the whole time.

    python slowclients.py PORT SERVER_NAME CAFILE N INTERVAL SECONDS

Prints one JSON line at the end: connections opened, closed by the server, lines sent, the
fewest connections open after a send round, and failures to connect. Its own process, so that
its work does not share a GIL with the test that measures latency meanwhile.
"""

import json
import select
import socket
import ssl
import sys
import time


def main(argv):
    port, name, cafile = int(argv[1]), argv[2], argv[3]
    count, interval, seconds = int(argv[4]), float(argv[5]), float(argv[6])
    context = ssl.create_default_context(cafile=cafile)
    stats = {"opened": 0, "closed_by_server": 0, "lines": 0, "connect_failures": 0, "fewest_open": count}

    def open_one(i):
        try:
            raw = socket.create_connection(("127.0.0.1", port), timeout=5)
            tls = context.wrap_socket(raw, server_hostname=name)
            tls.sendall(f"GET /healthz?slow={i} HTTP/1.1\r\nHost: {name}\r\n".encode())
            stats["opened"] += 1
            return tls
        except OSError:
            stats["connect_failures"] += 1
            return None

    conns = [open_one(i) for i in range(count)]
    print("ready", flush=True)
    started = time.monotonic()
    round_no = 0
    while time.monotonic() - started < seconds:
        round_no += 1
        time.sleep(interval)
        # the server closing a connection makes it readable (EOF, an alert or a reset)
        live = [c for c in conns if c is not None]
        readable = set(select.select(live, [], [], 0)[0]) if live else set()
        for i, conn in enumerate(conns):
            if conn is not None and conn not in readable:
                try:
                    conn.sendall(f"X-Slow-{round_no}: {'x' * 20}\r\n".encode())
                    stats["lines"] += 1
                    continue
                except OSError:
                    pass
            if conn is not None:
                stats["closed_by_server"] += 1
                conn.close()
            conns[i] = open_one(i)
        stats["fewest_open"] = min(stats["fewest_open"], sum(c is not None for c in conns))
    for conn in conns:
        if conn is not None:
            conn.close()
    print(json.dumps(stats), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
