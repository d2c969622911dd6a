"""The nginx location block of docs/deploy.md ("Publishing under a path") in front of a real replica.

The block is read from the document itself, so what it tells an operator to write is what runs: nginx
passes /dti/... on unchanged to a replica started with --base-url http://127.0.0.1:PORT/dti, and every
link of its pages, followed through nginx, answers.
"""

import pathlib
import re
import subprocess

import pytest

from devtools.localserver import wait_http
from serving import call, running
from web.test_base_path import seeds, walk

from . import rig

pytestmark = pytest.mark.e2e


def documented_block():
    """Return the nginx location blocks under "Publishing under a path" in docs/deploy.md."""
    text = (rig.ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = text.split("### Publishing under a path", 1)[1]
    return re.search(r"```nginx\n(.*?)```", section, re.S)[1]


def test_the_documented_block_passes_the_path_on(tmp_path, real_index, real_measures):
    rig.require(rig.NGINX, "nginx")
    block = documented_block()
    assert re.search(r"proxy_pass http://measuresearch;", block)  # no URI part: the prefix is not stripped
    folder = pathlib.Path(tmp_path)
    for sub in ("logs", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir()
    port = rig.free_port()
    with running(real_index, args=("--base-url", f"http://127.0.0.1:{port}/dti"),
                 env={"MEASURESEARCH_TRUSTED_PROXIES": "127.0.0.1"}) as replica:
        conf = folder / "nginx.conf"
        conf.write_text(f"""pid {folder}/nginx.pid;
error_log {folder}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {folder}/logs/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    limit_req_zone $binary_remote_addr zone=measuresearch_req:1m rate=1000r/s;
    upstream measuresearch {{ server {replica.removeprefix("http://")}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{port};
        server_name 127.0.0.1;
{block}
    }}
}}
""", encoding="utf-8")
        checked = rig.nginx_test(conf)
        assert checked.returncode == 0, checked.stderr
        nginx = subprocess.Popen([rig.NGINX, "-p", str(folder), "-e", str(folder / "logs" / "error.log"),
                                  "-c", str(conf), "-g", "daemon off;"])
        try:
            wait_http(f"http://127.0.0.1:{port}/dti/healthz", timeout=30)
            proxied = f"http://127.0.0.1:{port}"
            followed = walk(proxied, seeds("/dti", real_measures[0].id)[:2], "/dti")
            assert len(followed) > 30
            assert {path: status for path, (status, _) in followed.items() if status != 200} == {}
            status, headers, _ = call(proxied, "GET", "/dti/?q=internet&year_from=")
            assert status == 303 and headers["Location"] == "/dti/?q=internet"
            status, headers, _ = call(proxied, "GET", "/dti")
            assert status == 301 and headers["Location"].endswith("/dti/")
            assert call(proxied, "GET", "/")[0] in (403, 404)  # nginx's own: the rest of the host is not the replica
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
