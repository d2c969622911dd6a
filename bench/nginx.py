"""Run Debian's nginx as a loopback load balancer in front of measuresearch processes."""

import pathlib
import shutil
import subprocess
import time

import procs

TEMPLATE = pathlib.Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def available():
    return pathlib.Path(NGINX).exists()


def render(upstreams, port, folder):
    """Return the nginx.conf text for these upstream base URLs."""
    servers = "\n".join(f"        server {u.removeprefix('http://')} max_fails=0;" for u in upstreams)
    return (TEMPLATE.read_text(encoding="utf-8").replace("{{UPSTREAMS}}", servers)
            .replace("{{LISTEN}}", f"127.0.0.1:{port}").replace("{{PREFIX}}", str(folder)))


class Proxy:
    """nginx in the foreground with its own prefix folder; yields its base URL."""

    def __init__(self, upstreams, folder):
        self.upstreams = upstreams
        self.folder = pathlib.Path(folder)

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "logs").mkdir(exist_ok=True)
        port = procs.free_port()
        conf = self.folder / "nginx.conf"
        conf.write_text(render(self.upstreams, port, self.folder), encoding="utf-8")
        log = open(self.folder / "logs" / "stderr.log", "w")
        self.process = subprocess.Popen([NGINX, "-p", str(self.folder), "-c", str(conf), "-g", "daemon off;"],
                                        stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            procs.wait_http(base + "/healthz", process=self.process)
        except RuntimeError:
            raise RuntimeError("nginx failed: " + (self.folder / "logs" / "stderr.log").read_text()) from None
        return base

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)
        time.sleep(0.1)
