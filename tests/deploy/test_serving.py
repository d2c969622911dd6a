"""The production nginx site in front of two real replicas, all on 127.0.0.1.

The replicas run the systemd unit's own ExecStart (measuresearch@.service, %i = a free port)
on an index built by measuresearch-index.service's ExecStart, with the unit's environment
file, MEASURESEARCH_DATABASE_URL pointing at the suite's throwaway PostgreSQL cluster.
nginx runs deploy/nginx.conf with only its ports, certificate and log paths changed.
"""

import json
import pathlib
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import time

import pytest

from . import rig

pytestmark = pytest.mark.e2e

SLOW_CLIENTS = 300
SLOW_INTERVAL = 2.0  # seconds between a slow client's header lines
SLOW_SECONDS = 20.0  # how long the slow clients keep at it
PROBE_EVERY = 0.05  # seconds between /healthz probes while they do
LATENCY_BOUND_MS = 100.0  # p95 of /healthz through nginx while the slow clients run
MAX_BOUND_MS = 250.0


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """/var/lib/measuresearch in a temporary folder: the corpus, an index built by the index unit, data."""
    folder = tmp_path_factory.mktemp("var-lib-measuresearch")
    shutil.copytree(rig.CORPUS, folder / "corpus")
    (folder / "data").mkdir()
    argv, env = rig.unit_command("measuresearch-index.service", folder)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (folder / "index" / "current").is_symlink()
    return folder


def healthy(port, env):
    """Return whether deploy/healthcheck.py passes for the replica on port (as compose and the image run it)."""
    return subprocess.run([sys.executable, str(rig.DEPLOY / "healthcheck.py"), str(port)], env=env,
                          capture_output=True, timeout=10).returncode == 0


@pytest.fixture(scope="module")
def database(postgres_cluster):
    """The replicas' shared PostgreSQL database (an empty one of the suite's cluster): its URL."""
    return postgres_cluster.database()


@pytest.fixture(scope="module")
def replicas(state, database):
    """Two `measuresearch serve` replicas from measuresearch@.service; yields [(base URL, log path)]."""
    unit_env = rig.read_env_file(rig.DEPLOY / "systemd" / "measuresearch.env")
    assert unit_env["MEASURESEARCH_DATABASE_URL"].startswith("postgresql://")
    unit_env["MEASURESEARCH_DATABASE_URL"] = database
    started = []
    try:
        for _ in range(2):
            port = rig.free_port()
            argv, env = rig.unit_command("measuresearch@.service", state, instance=port)
            env.update(unit_env)
            log = state / f"replica-{port}.log"
            with open(log, "w") as out:
                process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
            started.append((process, f"http://127.0.0.1:{port}", log))
            deadline = time.monotonic() + 60
            while not healthy(port, env):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield [(base, log) for _, base, log in started]
    finally:
        for process, _, _ in started:
            rig.stop(process)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, replicas):
    """nginx with deploy/nginx.conf in front of the replicas; yields a dict of its ports and files."""
    rig.require(rig.NGINX, "nginx")
    folder = tmp_path_factory.mktemp("nginx")
    cert, key = rig.self_signed(folder)
    conf, https, http = rig.render_nginx(folder, [base for base, _ in replicas], cert, key)
    checked = rig.nginx_test(conf)
    assert checked.returncode == 0, checked.stderr
    err = open(folder / "logs" / "stderr.log", "w")
    process = subprocess.Popen([rig.NGINX, "-p", str(folder), "-e", str(folder / "logs" / "error.log"),
                                "-c", str(conf), "-g", "daemon off;"], stdout=err, stderr=err)
    try:
        context = ssl.create_default_context(cafile=str(cert))
        deadline = time.monotonic() + 20
        while True:
            try:
                if get(https, "/healthz", context)[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, (folder / "logs" / "error.log").read_text()
            assert time.monotonic() < deadline, (folder / "logs" / "error.log").read_text()
            time.sleep(0.05)
        yield {"https": https, "http": http, "context": context, "cert": cert, "folder": folder}
    finally:
        rig.stop(process)
        err.close()


def get(port, path, context, name=rig.SERVER_NAME, tls=True):
    """GET path from 127.0.0.1:port on a new connection (TLS with SNI name); return (status, headers, body)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as browsers do; else Nagle waits 40 ms
    conn = context.wrap_socket(raw, server_hostname=name) if tls else raw
    with conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_production_nginx_config_passes_nginx_t(tmp_path):
    rig.require(rig.NGINX, "nginx")
    cert, key = rig.self_signed(tmp_path)
    conf, _, _ = rig.render_nginx(tmp_path / "nginx", ["http://127.0.0.1:9", "http://127.0.0.1:10"], cert, key)
    checked = rig.nginx_test(conf)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_tls_redirect_and_unknown_names(proxy):
    status, headers, _ = get(proxy["http"], "/?q=licence", proxy["context"], tls=False)
    assert status == 301 and headers["location"] == f"https://{rig.SERVER_NAME}/?q=licence"
    status, headers, body = get(proxy["https"], "/healthz", proxy["context"])
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "nginx/" not in headers.get("server", "")  # server_tokens off
    # a TLS handshake for another name (or none) is refused before any request
    with pytest.raises(ssl.SSLError):
        get(proxy["https"], "/healthz", ssl._create_unverified_context(), name="other.example.net")
    status, _, body = get(proxy["http"], "/nginx-health", proxy["context"], tls=False)
    assert status == 200 and body == b"ok\n"


def test_long_query_strings_reach_the_replicas(proxy):
    """The replicas take 64 KB of header for the longest valid query string; nginx must pass such a
    request line on (large_client_header_buffers), and refuse a longer one itself."""
    value = "x" * 300
    query = "&".join(f"{name}={value}" for name in ("country", "pillar", "sub_pillar", "coverage")
                     for _ in range(20))
    assert 20_000 < len(query) < 60_000
    status, headers, body = get(proxy["https"], "/api/search?" + query, proxy["context"])
    assert status != 414 and headers["content-type"].startswith("application/json"), (status, body[:200])
    assert status == 200 or json.loads(body)["error"]["status"] == status
    status, _, _ = get(proxy["https"], "/api/search?q=" + "y" * 70_000, proxy["context"])
    assert status == 414


def test_requests_are_spread_over_both_replicas(proxy, replicas):
    count = 40
    for i in range(count):
        status, _, _ = get(proxy["https"], f"/api/search?q=spread{i}", proxy["context"])
        assert status == 200
    deadline = time.monotonic() + 5  # a replica writes its access line just after the answer
    while True:
        served = [sum("spread" in line for line in log.read_text().splitlines()) for _, log in replicas]
        if sum(served) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    print(f"\n{count} requests through nginx: replicas served {served}")
    assert sum(served) == count
    assert min(served) >= count // 4, served
    upstreams = {line.split("upstream=")[1].split()[0]
                 for line in (proxy["folder"] / "logs" / "access.log").read_text().splitlines() if "spread" in line}
    assert upstreams == {base.removeprefix("http://") for base, _ in replicas}


def post_json(port, path, body, context, name=rig.SERVER_NAME):
    """POST a JSON body over TLS through nginx; return the status."""
    data = json.dumps(body).encode()
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with context.wrap_socket(raw, server_hostname=name) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: {name}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_reports_sent_through_nginx_to_both_replicas_are_all_in_postgresql(proxy, replicas, database, state):
    import psycopg
    measure_id = json.loads(get(proxy["https"], "/api/search?per_page=1", proxy["context"])[2])["hits"][0]["id"]
    statuses = [post_json(proxy["https"], f"/api/measures/{measure_id}/reports",
                          {"message": f"deploy test report number {i}, made up by the test"},
                          proxy["context"]) for i in range(6)]
    assert statuses == [201] * 6
    with psycopg.connect(database) as db:  # read past the service: the one database both replicas share
        stored = db.execute("SELECT count(*) FROM reports WHERE message LIKE 'deploy test report%'").fetchone()[0]
    assert stored == 6
    assert not list(state.glob("**/measuresearch.sqlite3"))  # no replica fell back to a SQLite file


def latencies(port, context, seconds, every):
    """Probe /healthz through nginx on a new TLS connection every `every` seconds; return milliseconds."""
    taken = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        status, _, body = get(port, "/healthz", context)
        taken.append((time.perf_counter() - started) * 1000)
        assert status == 200 and json.loads(body)["status"] == "ok"
        time.sleep(every)
    return taken


def summary(ms):
    ms = sorted(ms)
    return {"n": len(ms), "median": statistics.median(ms), "p95": ms[int(0.95 * (len(ms) - 1))], "max": ms[-1]}


def test_slow_clients_do_not_hold_healthz(proxy, replicas):
    """300 connections that send a header line every 2 s never reach a replica; /healthz answers meanwhile."""
    before = summary(latencies(proxy["https"], proxy["context"], 3, PROBE_EVERY))
    slow = subprocess.Popen([sys.executable, str(pathlib.Path(__file__).with_name("slowclients.py")),
                             str(proxy["https"]), rig.SERVER_NAME, str(proxy["cert"]), str(SLOW_CLIENTS),
                             str(SLOW_INTERVAL), str(SLOW_SECONDS)], stdout=subprocess.PIPE, text=True)
    try:
        assert slow.stdout.readline().strip() == "ready"
        during = summary(latencies(proxy["https"], proxy["context"], SLOW_SECONDS - 2, PROBE_EVERY))
        stats = json.loads(slow.stdout.readline())
        slow.wait(timeout=30)
    finally:
        rig.stop(slow)
    print(f"\n/healthz through nginx, new TLS connection each, ms: before {fmt(before)}")
    print(f"with {SLOW_CLIENTS} slow clients for {SLOW_SECONDS:.0f} s: {fmt(during)}")
    print(f"slow clients: {stats}")
    assert stats["connect_failures"] == 0 and stats["fewest_open"] >= SLOW_CLIENTS * 0.95, stats
    assert stats["lines"] >= SLOW_CLIENTS * 3, stats
    # nginx cut the slow headers at client_header_timeout; not one reached a replica
    assert stats["closed_by_server"] >= SLOW_CLIENTS, stats
    for _, log in replicas:
        assert "slow=" not in log.read_text()
    assert during["n"] >= 100
    assert during["p95"] < LATENCY_BOUND_MS, during
    # a replica thread held by a slow client would mean seconds (client_header_timeout is 10 s);
    # the margin above the p95 bound is for the scheduling noise of a shared machine
    assert during["max"] < MAX_BOUND_MS, during


def fmt(s):
    return f"n={s['n']} median={s['median']:.1f} p95={s['p95']:.1f} max={s['max']:.1f}"
