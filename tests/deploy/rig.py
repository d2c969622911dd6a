"""What the deployment tests share: the deploy/ files, the measuresearch command, nginx and openssl.

Everything runs on 127.0.0.1 in temporary folders; nothing here needs a container runtime,
systemd or root.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

import browsing
import pytest

from devtools.localserver import free_port, stop  # noqa: F401  (the tests use rig.free_port, rig.stop)

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CORPUS = ROOT / "corpus"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
SERVER_NAME = "measuresearch.example.org"  # the server_name deploy/nginx.conf ships with


def require(path, what):
    """Return path when it exists; else skip, or fail under CI (CI=true), saying how to get it."""
    if os.path.exists(path):
        return path
    message = f"{what} is missing ({path}): apt-get install -y {what} (make test should install it)"
    if browsing.under_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def measuresearch_command():
    """Return argv that runs the `measuresearch` command of the code under test.

    The entry point is read from pyproject.toml ([project.scripts]), so the tests follow the
    command wherever the package keeps it; run with this interpreter so they test this checkout.
    """
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module, _, function = scripts["measuresearch"].partition(":")
    return [sys.executable, "-c", f"import sys; from {module} import {function} as main; sys.exit(main())"]


def self_signed(folder, name=SERVER_NAME):
    """Write a self-signed certificate for name with openssl; return (certificate, key)."""
    require(OPENSSL, "openssl")
    cert, key = pathlib.Path(folder) / "fullchain.pem", pathlib.Path(folder) / "privkey.pem"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=30)
    return cert, key


def _replace(text, pattern, replacement, count=None):
    """re.sub that insists on finding the pattern (count times, when given): deploy/nginx.conf
    changing under the test must fail here, not render a config that tests something else."""
    new, found = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert found and (count is None or found == count), f"{pattern!r} found {found} times in deploy/nginx.conf"
    return new


def render_nginx(folder, upstreams, cert, key):
    """Write deploy/nginx.conf for a loopback run under folder; return (nginx.conf path, https port, http port).

    Only addresses and paths change: listen ports on 127.0.0.1 (no IPv6 listeners), the
    certificate, the log files, and the upstream list. Every other line is the production file.
    The main nginx.conf around it is Debian's own (and the nginx image's keepalive_timeout), with
    paths moved into folder, so a directive that either stock file already sets in its http
    block would fail here ("directive is duplicate") as it would on the real machine.
    """
    folder = pathlib.Path(folder)
    for sub in ("logs", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    https, http = free_port(), free_port()
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    site = _replace(site, r"^(\s*)listen \[::\]:\d+.*$\n", "")
    site = _replace(site, r"^(\s*)listen 443 ssl", rf"\1listen 127.0.0.1:{https} ssl", count=2)
    site = _replace(site, r"^(\s*)listen 80 ", rf"\1listen 127.0.0.1:{http} ", count=1)
    site = _replace(site, r"ssl_certificate (\S+);", f"ssl_certificate {cert};", count=1)
    site = _replace(site, r"ssl_certificate_key (\S+);", f"ssl_certificate_key {key};", count=1)
    site = _replace(site, r"access_log /var/log/nginx/access.log", f"access_log {folder}/logs/access.log")
    site = _replace(site, r"error_log /var/log/nginx/error.log", f"error_log {folder}/logs/error.log")
    site = _replace(site, r"include /etc/nginx/measuresearch-upstreams.conf;",
                    f"include {folder}/measuresearch-upstreams.conf;", count=1)
    assert "/etc/" not in re.sub(r"#.*", "", site) and "/var/" not in re.sub(r"#.*", "", site), site
    (folder / "measuresearch.conf").write_text(site, encoding="utf-8")
    (folder / "measuresearch-upstreams.conf").write_text(
        "".join(f"server {u.removeprefix('http://')} max_fails=2 fail_timeout=5s;\n" for u in upstreams),
        encoding="utf-8")
    main = f"""# Debian 12's /etc/nginx/nginx.conf with its paths moved to {folder}, plus the one http-level
# directive of the nginx image's nginx.conf that Debian's lacks (keepalive_timeout)
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log;
events {{
    worker_connections 768;
}}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {folder}/logs/default-access.log;
    gzip on;
    keepalive_timeout 65;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/measuresearch.conf;
}}
"""
    conf = folder / "nginx.conf"
    conf.write_text(main, encoding="utf-8")
    return conf, https, http


def nginx_test(conf):
    """Run `nginx -t` on conf; return the CompletedProcess."""
    folder = pathlib.Path(conf).parent
    return subprocess.run([NGINX, "-t", "-p", str(folder), "-e", str(folder / "logs" / "error.log"),
                           "-c", str(conf)], capture_output=True, text=True, timeout=30)


def read_unit(path):
    """Return {section: {key: [values]}} of a systemd unit file (repeated keys keep every value)."""
    sections, section, pending = {}, None, ""
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        line = pending + line.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep and section is not None, f"{path}: not a unit line: {line!r}"
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def read_env_file(path):
    """Return the KEY=VALUE lines of an EnvironmentFile as a dict."""
    env = {}
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


UNIT_BINARY = "/opt/measuresearch/venv/bin/measuresearch"  # where docs/deploy.md installs the command
UNIT_STATE = "/var/lib/measuresearch"  # the units' corpus, index and data folders


def unit_command(unit, state, instance=None):
    """Return (argv, environment) of a unit's ExecStart as it would run, moved into the folder state.

    The unit's own command line and Environment= lines are kept; only the installed command
    becomes this checkout's, /var/lib/measuresearch becomes state, and %i the instance.
    """
    import shlex
    service = read_unit(DEPLOY / "systemd" / unit)["Service"]
    (line,) = service["ExecStart"]
    argv = shlex.split(line.replace("%i", str(instance)).replace(UNIT_STATE, str(state)))
    assert argv[0] == UNIT_BINARY, argv
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEASURESEARCH_")}
    for assignment in service.get("Environment", []):
        key, _, value = assignment.partition("=")
        env[key] = value.replace(UNIT_STATE, str(state))
    return measuresearch_command() + argv[1:], env
