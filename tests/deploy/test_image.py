"""deploy/Dockerfile without a container runtime: its instructions are read, and the RUN steps
of its install and index stages are run for real in a temporary folder that stands for the
image's root (/opt, /src and /srv under it), with this machine's Python 3.11.

What differs from `docker build`, on purpose: the dependencies are those of the test
environment, seen through a .pth file put in the new venv (pip resolves against them and
installs measuresearch alone, downloading no dependency); EXTRA_PACKAGES (psycopg) is left
empty unless psycopg is installed here. When setuptools here can build a wheel offline, pip
runs with PIP_NO_INDEX and PIP_NO_BUILD_ISOLATION; otherwise it fetches only the build backend
(setuptools) from the package index for an isolated build, as docker build does, and the test
skips (fails under CI=true) when it cannot. What is the same: the
COPY sources, the commands, the package built from pyproject.toml and installed by `pip install .`
into its own venv, and `measuresearch index` run from that venv.
"""

import fnmatch
import importlib.util
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time

import pytest

from . import rig

DOCKERFILE = rig.DEPLOY / "Dockerfile"
MAPPED = ("opt", "src", "srv")  # the top folders of the image that the build stages write


def instructions():
    """Return [(stage, INSTRUCTION, arguments)] of the Dockerfile, continuation lines joined."""
    result, stage, pending = [], None, ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#") and not pending:
            continue
        if pending and line.lstrip().startswith("#"):
            continue
        line = pending + line
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if not line.strip():
            continue
        word, _, rest = line.strip().partition(" ")
        word = word.upper()
        if word == "FROM":
            parts = rest.split()
            stage = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else parts[0]
        result.append((stage, word, rest.strip()))
    return result


def test_stages_base_user_healthcheck_and_command():
    steps = instructions()
    stages = [(rest.split()[0], rest.split()[-1]) for _, word, rest in steps if word == "FROM"]
    assert stages == [("python:3.11-slim", "install"), ("install", "index"), ("python:3.11-slim", "runtime")]
    runtime = [(word, rest) for stage, word, rest in steps if stage == "runtime"]
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    (check,) = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    assert "measuresearch-healthcheck" in check and "CMD" in check
    (cmd,) = [json.loads(rest) for word, rest in runtime if word == "CMD"]
    assert cmd[:2] == ["measuresearch", "serve"] and cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert any(word == "COPY" and "--from=index" in rest for word, rest in runtime)


def test_copy_sources_exist_and_are_not_ignored():
    ignored = [line.strip() for line in (rig.DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for _, word, rest in instructions():
        if word != "COPY" or "--from=" in rest:
            continue
        sources = [w for w in rest.split() if not w.startswith("--")][:-1]
        for source in sources:
            assert (rig.ROOT / source).exists(), source
            top = source.rstrip("/").split("/")[0]
            assert not any(fnmatch.fnmatch(top, pattern) for pattern in ignored), f"{source} is in .dockerignore"


def offline_backend():
    """Return whether setuptools here builds wheels without downloading anything (>= 70.1, or with
    the wheel package), so that pip can run without build isolation and without an index.

    Otherwise the install step runs as in `docker build`: pip fetches setuptools for an isolated
    build from the package index (the project's dependencies still come from this environment).
    """
    import importlib.metadata
    try:
        version = tuple(int(p) for p in importlib.metadata.version("setuptools").split(".")[:2])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False
    return version >= (70, 1) or importlib.util.find_spec("wheel") is not None


def host_path(root, text):
    """Move the image's /opt, /src and /srv paths in text under root."""
    return re.sub(rf"(?<![\w./-])/({'|'.join(MAPPED)})(?=/|\b)", lambda m: f"{root}/{m.group(1)}", text)


def test_install_and_index_stages_run(tmp_path):
    """The RUN steps of the install and index stages, for real; then the installed command works."""
    root = tmp_path / "image"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEASURESEARCH_", "PIP_", "PYTHON"))}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    if offline_backend():
        env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")
    args = {}
    workdir = root
    ran, timings = [], {}
    for stage, word, rest in instructions():
        if stage not in ("install", "index"):
            break
        if word == "ARG":
            name, _, default = rest.partition("=")
            value = default.strip('"')
            if name == "EXTRA_PACKAGES" and importlib.util.find_spec("psycopg") is None:
                value = ""  # psycopg is not installed here, and pip may not download it
            args[name] = env[name] = value  # as docker does: RUN's shell sees ARGs as variables
        elif word == "ENV":
            for assignment in shlex.split(rest):
                key, _, value = assignment.partition("=")
                value = host_path(root, value).replace("$PATH", env["PATH"])
                env[key] = value
        elif word == "WORKDIR":
            workdir = pathlib.Path(host_path(root, rest))
            workdir.mkdir(parents=True, exist_ok=True)
        elif word == "COPY":
            *sources, dest = rest.split()
            target = pathlib.Path(host_path(root, dest)) if dest.startswith("/") else workdir / dest
            for source in sources:
                origin = rig.ROOT / source
                if origin.is_dir():
                    shutil.copytree(origin, target, dirs_exist_ok=True,
                                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, target / origin.name)
        elif word == "RUN":
            command = host_path(root, rest)
            outside = [p for p in re.findall(r"(?<![\w.])/[\w./-]+", command) if not p.startswith(str(root))]
            assert not outside, f"RUN touches {outside} outside the mapped folders: {rest}"
            started = time.perf_counter()
            done = subprocess.run(["/bin/sh", "-ec", command], cwd=workdir, env=env, capture_output=True, text=True,
                                  timeout=240)
            timings[rest] = time.perf_counter() - started
            if done.returncode and "PIP_NO_INDEX" not in env and "pip install" in rest and (
                    "Could not find a version" in done.stderr or "NewConnectionError" in done.stderr
                    or "Network is unreachable" in done.stderr):
                message = ("pip could not fetch the build backend (setuptools>=61) for the Dockerfile's "
                           "`pip install .`, and none that builds wheels offline is installed here")
                if rig.browsing.under_ci():
                    pytest.fail(message + "\n" + done.stderr, pytrace=False)
                pytest.skip(message)
            assert done.returncode == 0, f"RUN {rest}\n{done.stdout}\n{done.stderr}"
            # the test environment's own install, seen through the .pth file, is never touched
            assert "Successfully uninstalled" not in done.stdout, done.stdout
            ran.append(rest)
            if rest.startswith("python -m venv"):
                # the dependencies, from this environment (pip may not fetch them): pip sees them as
                # installed, resolves against them and installs only measuresearch into the venv
                venv_site = next((root / "opt").rglob("site-packages"))
                (venv_site / "zz-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        elif word in ("FROM",):
            continue
        else:
            pytest.fail(f"the test does not know how to run {word} {rest}")
    print("\n" + "\n".join(f"RUN {step[:60]}: {seconds:.1f} s" for step, seconds in timings.items()))
    assert any("pip install ." in step for step in ran) and any("measuresearch index" in step for step in ran)
    venv = root / "opt" / "measuresearch"
    # the installed package is the one the venv runs, with its templates and static files
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import measuresearch; print(measuresearch.__file__)"],
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(venv)), where
    package = pathlib.Path(where).parent
    assert list(package.rglob("templates/*.html")) and list(package.rglob("static/*"))
    served = subprocess.run([str(venv / "bin" / "measuresearch"), "serve", "--help"], env=env, capture_output=True,
                            text=True)
    assert served.returncode == 0 and "--host" in served.stdout, served.stderr
    index = root / "src" / "index"
    assert (index / "current").is_symlink() and (index / "current" / "meta.json").exists()
