"""deploy/compose.yaml and deploy/systemd/: they parse, hold what a deployment needs, and every
command line they run names options that `measuresearch` really has."""

import configparser
import functools
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from . import rig

SYSTEMD = rig.DEPLOY / "systemd"
# Settings that the parallel work of this round adds (docs/API.md, "Serving"); every other
# MEASURESEARCH_* name the deploy files use must already be read by the code.
COMING = {"MEASURESEARCH_DATABASE_URL", "MEASURESEARCH_ALLOWED_HOSTS"}


@functools.cache
def help_text(command):
    done = subprocess.run(rig.measuresearch_command() + [command, "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_real_options(argv):
    """argv: measuresearch COMMAND [--option ...]; each --option must be in `measuresearch COMMAND --help`."""
    command = argv[0]
    for word in argv[1:]:
        if word.startswith("--"):
            assert re.search(rf"{re.escape(word.split('=')[0])}\b", help_text(command)), \
                f"measuresearch {command} has no option {word}"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((rig.DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def serves(service):
    return "serve" in (service.get("command") or [])


def test_compose_has_nginx_two_replicas_postgres_and_an_index_job(compose):
    services = compose["services"]
    replicas = {name: s for name, s in services.items() if serves(s)}
    assert len(replicas) >= 2
    assert services["nginx"]["image"].startswith("nginx:")
    assert services["postgres"]["image"].startswith("postgres:")
    job = services["index"]
    assert job["command"][:2] == ["measuresearch", "index"] and job["restart"] == "no"
    for name, replica in replicas.items():
        assert replica["depends_on"]["index"]["condition"] == "service_completed_successfully", name
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy", name
    assert {"app1", "app2"} <= set(services["nginx"]["depends_on"])


def volume_of(service, target):
    """Return (source, read-only) of the volume mounted at target."""
    for spec in service.get("volumes", []):
        source, mounted, *mode = spec.split(":")
        if mounted == target:
            return source, mode == ["ro"]
    raise AssertionError(f"nothing mounted at {target}")


def test_compose_index_volume_is_written_by_the_job_and_read_by_the_replicas(compose):
    services = compose["services"]
    index = services["index"]["command"][services["index"]["command"].index("--index") + 1]
    assert volume_of(services["index"], index) == ("index", False)
    for name, service in services.items():
        if serves(service):
            assert volume_of(service, index) == ("index", True), name
            assert service["environment"]["MEASURESEARCH_INDEX"] == index
    assert volume_of(services["postgres"], "/var/lib/postgresql/data")[0] == "pgdata"
    assert {"index", "pgdata"} <= set(compose["volumes"])


def test_compose_health_checks(compose):
    services = compose["services"]
    for name in ["nginx", "postgres"] + [n for n, s in services.items() if serves(s)]:
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1, name
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "/nginx-health" in " ".join(services["nginx"]["healthcheck"]["test"])
    assert "location = /nginx-health" in (rig.DEPLOY / "nginx.conf").read_text()


def test_compose_environment_and_proxy_address(compose):
    services = compose["services"]
    nginx_address = services["nginx"]["networks"]["backend"]["ipv4_address"]
    for name, service in services.items():
        if not serves(service):
            continue
        env = service["environment"]
        assert env["MEASURESEARCH_DATABASE_URL"].startswith("postgresql://measuresearch:")
        assert env["MEASURESEARCH_DATABASE_URL"].endswith("@postgres:5432/measuresearch")
        assert env["MEASURESEARCH_TRUSTED_PROXIES"] == nginx_address, name
        assert env["MEASURESEARCH_ALLOWED_HOSTS"] == "${PUBLIC_HOST:?set PUBLIC_HOST in deploy/.env}"
        assert env["MEASURESEARCH_BASE_URL"] == "https://${PUBLIC_HOST}"
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert_real_options(service["command"][1:])
    assert_real_options(services["index"]["command"][1:])
    example = rig.read_env_file(rig.DEPLOY / "env.example")
    used = set(re.findall(r"\$\{(\w+)", (rig.DEPLOY / "compose.yaml").read_text()))
    assert used == set(example), "deploy/env.example lists exactly the variables compose.yaml uses"


def test_compose_nginx_mounts_and_upstreams(compose):
    services = compose["services"]
    nginx = services["nginx"]
    assert volume_of(nginx, "/etc/nginx/conf.d/default.conf") == ("./nginx.conf", True)
    assert volume_of(nginx, "/etc/nginx/measuresearch-upstreams.conf") == ("./nginx-upstreams.compose.conf", True)
    assert volume_of(nginx, "/etc/nginx/tls") == ("./tls", True)
    upstreams = re.findall(r"^server (\S+)", (rig.DEPLOY / "nginx-upstreams.compose.conf").read_text(), re.M)
    replicas = [f"{name}:{s['command'][s['command'].index('--port') + 1]}" for name, s in services.items()
                if serves(s)]
    assert sorted(upstreams) == sorted(replicas)
    build = services["app1"]["build"]
    assert (rig.DEPLOY / build["context"] / build["dockerfile"]).resolve() == rig.DEPLOY / "Dockerfile"


def test_units_parse_with_configparser():
    for path in sorted(SYSTEMD.glob("measuresearch*.*")):
        if path.suffix == ".env":
            continue
        parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
        parser.optionxform = str
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
        assert parser.has_section("Unit"), path


HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
             "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
             "ProtectControlGroups": "yes", "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": ""}


def test_replica_unit_runs_measuresearch_serve_on_loopback_hardened():
    unit = rig.read_unit(SYSTEMD / "measuresearch@.service")
    service = unit["Service"]
    (line,) = service["ExecStart"]
    argv = shlex.split(line)
    assert argv[0] == rig.UNIT_BINARY and argv[1] == "serve"
    assert argv[argv.index("--host") + 1] == "127.0.0.1" and argv[argv.index("--port") + 1] == "%i"
    assert_real_options(argv[1:])
    assert service["User"] == ["measuresearch"]
    for key, value in HARDENING.items():
        assert service[key] == [value], key
    assert service["EnvironmentFile"] == ["/etc/measuresearch/measuresearch.env"]
    env = rig.read_env_file(SYSTEMD / "measuresearch.env")
    assert env["MEASURESEARCH_TRUSTED_PROXIES"] == "127.0.0.1"  # nginx on the same machine
    assert env["MEASURESEARCH_DATABASE_URL"].startswith("postgresql://")
    assert "multi-user.target" in unit["Install"]["WantedBy"]
    # nginx's plain-machine upstream list names the instances the docs enable
    ports = re.findall(r"^server 127\.0\.0\.1:(\d+)", (rig.DEPLOY / "nginx-upstreams.conf").read_text(), re.M)
    assert ports == ["8081", "8082"]


def test_index_unit_and_its_triggers():
    service = rig.read_unit(SYSTEMD / "measuresearch-index.service")["Service"]
    assert service["Type"] == ["oneshot"]
    argv = shlex.split(service["ExecStart"][0])
    assert argv[0] == rig.UNIT_BINARY and argv[1] == "index"
    assert_real_options(argv[1:])
    index, corpus = argv[argv.index("--index") + 1], argv[argv.index("--corpus") + 1]
    assert index in service["ReadWritePaths"]
    replica = shlex.split(rig.read_unit(SYSTEMD / "measuresearch@.service")["Service"]["ExecStart"][0])
    assert replica[replica.index("--index") + 1] == index
    for key, value in HARDENING.items():
        assert service[key] == [value], key
    path = rig.read_unit(SYSTEMD / "measuresearch-index.path")
    assert path["Path"]["PathChanged"] == [corpus] and path["Path"]["Unit"] == ["measuresearch-index.service"]
    timer = rig.read_unit(SYSTEMD / "measuresearch-index.timer")
    assert timer["Timer"]["Unit"] == ["measuresearch-index.service"] and timer["Timer"]["OnCalendar"]


def test_units_pass_systemd_analyze_verify(tmp_path):
    """systemd's own check of every key (an unknown or misspelt one is reported); the command path
    is pointed at an executable stand-in, since the venv is not installed here."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (the configparser checks above still ran)")
    stand_in = tmp_path / "measuresearch"
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(0o755)
    names = []
    for path in sorted(SYSTEMD.glob("measuresearch*.*")):
        if path.suffix == ".env":
            continue
        name = path.name.replace("@.service", "@8081.service")
        (tmp_path / name).write_text(path.read_text().replace(rig.UNIT_BINARY, str(stand_in)))
        names.append(str(tmp_path / name))
    done = subprocess.run([analyze, "verify", "--man=no", *names], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if line.strip() and "Failed to connect to bus" not in line]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr


def test_settings_the_deploy_files_use_exist():
    """Each MEASURESEARCH_* name is read by the code, or comes from this round's parallel work (COMING)."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (rig.ROOT / "src").rglob("*.py"))
    files = [rig.DEPLOY / "compose.yaml", rig.DEPLOY / "env.example", rig.DEPLOY / "healthcheck.py",
             rig.DEPLOY / "Dockerfile", *SYSTEMD.iterdir(), rig.ROOT / "docs" / "deploy.md"]
    names = set()
    for path in files:
        if path.exists():
            names |= set(re.findall(r"MEASURESEARCH_[A-Z_]+", path.read_text(encoding="utf-8")))
    unknown = {n for n in names if n not in source and n not in COMING}
    assert not unknown, f"not read anywhere in src/: {sorted(unknown)}"


def test_healthcheck_fails_when_nothing_answers():
    port = rig.free_port()  # nothing listens there
    done = subprocess.run([rig.sys.executable, str(rig.DEPLOY / "healthcheck.py"), str(port)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 1 and done.stderr.startswith("healthz:")


def test_a_missing_tool_skips_but_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y nginx"):
        rig.require("/nonexistent/nginx", "nginx")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        rig.require("/nonexistent/nginx", "nginx")


def test_every_measuresearch_option_in_the_deploy_doc_exists():
    """docs/deploy.md names no option that `measuresearch COMMAND --help` does not list."""
    commands = {"import", "check", "index", "search", "serve", "reports", "proposals", "backup", "evaluate"}
    overview = subprocess.run(rig.measuresearch_command() + ["--help"], capture_output=True, text=True, timeout=60)
    assert commands <= set(re.findall(r"^    (\w+)", overview.stdout, re.M)), overview.stdout
    checked = 0
    for line in (rig.ROOT / "docs" / "deploy.md").read_text(encoding="utf-8").splitlines():
        for command, rest in re.findall(r"\bmeasuresearch (\w+)([^`#|;]*)", line):
            if command in commands:
                assert_real_options([command] + rest.split())
                checked += 1
    assert checked >= 8
